"""The HR pages for cases: the dashboard, the registration form and the case page."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from cases import service
from models.case import CaseStatus
from web.cases.dependencies import CaseDetailDep
from web.cases.forms import RegistrationForm
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.templating import PagesDep

router = APIRouter(prefix="/cases", include_in_schema=False)

# Shown once on the case page after the form redirects there.
NOTICES = ("created", "duplicate")


@router.get("", name="cases_page", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    session: SessionDep,
    pages: PagesDep,
    case_status: Annotated[str, Query(alias="status", max_length=32)] = "",
    department: Annotated[str, Query(max_length=200)] = "",
):
    # The filter form sends empty values for "any"; an unknown status is treated the same way.
    chosen_status = case_status if case_status in {s.value for s in CaseStatus} else ""
    cases = await service.list_cases(session, status=chosen_status or None, department=department.strip() or None)
    filters = {"status": chosen_status, "department": department.strip()}
    return pages.render(request, "cases/list.html", {"cases": cases, "filters": filters, "statuses": [s.value for s in CaseStatus]})


@router.get("/new", name="new_case_page", response_class=HTMLResponse)
async def new_case(request: Request, pages: PagesDep):
    return pages.render(request, "cases/new.html", {"form": RegistrationForm(pages.gettext)})


@router.post("/new", response_class=HTMLResponse)
async def submit_case(request: Request, pages: PagesDep, client: TemporalDep, settings: SettingsDep):
    form = RegistrationForm.submitted(await request.form(), pages.gettext)
    registration = form.validate()
    if registration is None:
        return pages.render(request, "cases/new.html", {"form": form}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    result = await service.register(client, registration, settings.task_queue)
    notice = "created" if result.created else "duplicate"
    url = request.url_for("case_page", case_id=result.case_id).include_query_params(notice=notice)
    return RedirectResponse(str(url), status_code=status.HTTP_303_SEE_OTHER)


@router.get("/{case_id}", name="case_page", response_class=HTMLResponse)
async def case_page(request: Request, case: CaseDetailDep, pages: PagesDep, settings: SettingsDep, notice: Annotated[str, Query(max_length=20)] = ""):
    temporal_url = f"{settings.temporal_ui_url.rstrip('/')}/namespaces/{settings.temporal_namespace}/workflows/{case.case_id}"
    registration = case.record.registration if case.record else None
    return pages.render(
        request,
        "cases/detail.html",
        {"case": case, "registration": registration, "notice": notice if notice in NOTICES else "", "temporal_url": temporal_url},
    )
