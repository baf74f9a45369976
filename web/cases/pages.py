"""The HR pages for cases: the dashboard, the registration form and the case page with HR's actions.

Every page here is HR's alone: someone without a session is sent to sign in, another role gets 403."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select

from cases import service
from models.accounts import AccountRole
from models.case import CaseStatus, CaseView, StepState
from models.interview import FINISHED
from models.notice import MESSAGES as WARNINGS
from models.notice import NoticeWarning
from models.tables import Case
from planning.notice import check as notice_check
from web.auth import accounts
from web.auth.guard import form_protected, signed_in
from web.cases.dependencies import CaseId, valid_case
from web.cases.forms import RegistrationForm
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.pages import common
from web.templating import Pages, PagesDep

router = APIRouter(prefix="/cases", include_in_schema=False, dependencies=[Depends(signed_in(AccountRole.HR))])

# Shown once on the case page after a form redirects there.
NOTICES = ("created", "duplicate", "completed", "reassigned", "added", "moved", "returned", "withdrawn", "confirmed", "skipped", "assigned", "resent", "scheduled", "access_ending")


def warning_text(gettext, warning: NoticeWarning) -> str:
    """A notice warning in the reader's language: its sentence from the catalogue, with the dates filled in."""
    return gettext(WARNINGS[warning.code]) % warning.params


def _warning_seal(settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.signing_key(), salt="offboarding-notice-warnings")


def sealed_warnings(settings, sealed: str) -> list[NoticeWarning]:
    """The warnings the registration form passed on; none when the value was not made here."""
    try:
        return [NoticeWarning.model_validate(item) for item in _warning_seal(settings).loads(sealed)] if sealed else []
    except (BadSignature, ValueError, TypeError):
        return []


def is_late(view: CaseView | None, today: date) -> bool:
    """Something is overdue: an open task past its due date, anything escalated to HR, or equipment out after the last day."""
    if view is None or view.status != CaseStatus.OPEN:
        return False
    if any(state == StepState.ESCALATED for state in view.steps.values()):
        return True
    if any(task.state == "open" and (task.due_date < today or task.escalated) for task in view.tasks):
        return True
    return any(item.state == "out" and (item.escalated or view.last_working_day < today) for item in view.equipment)


async def _search(session, status_: str, department: str, text: str, limit: int = 200) -> list[Case]:
    query = select(Case).order_by(Case.last_working_day, Case.id).limit(limit)
    if status_:
        query = query.where(Case.status == status_)
    if department:
        query = query.where(Case.department == department)
    if text:
        # Matched in Python-free SQL on both databases; LIKE's own wildcards in the text are taken literally.
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                func.lower(Case.employee_name).like(pattern, escape="\\"),
                func.lower(Case.employee_id).like(pattern, escape="\\"),
                func.lower(Case.job_title).like(pattern, escape="\\"),
            )
        )
    return list((await session.execute(query)).scalars())


@router.get("", name="cases_page", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    session: SessionDep,
    client: TemporalDep,
    pages: PagesDep,
    case_status: Annotated[str, Query(alias="status", max_length=32)] = "",
    department: Annotated[str, Query(max_length=200)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    late: Annotated[str, Query(max_length=5)] = "",
):
    # The filter form sends empty values for "any"; an unknown status is treated the same way.
    chosen_status = case_status if case_status in {s.value for s in CaseStatus} else ""
    cases = await _search(session, chosen_status, department.strip(), q.strip())
    views = await common.case_views(client, [case.id for case in cases if case.status == CaseStatus.OPEN.value])
    today = date.today()
    rows = [{"case": case, "view": views.get(case.id), "late": is_late(views.get(case.id), today)} for case in cases]
    if late:
        rows = [row for row in rows if row["late"]]
    filters = {"status": chosen_status, "department": department.strip(), "q": q.strip(), "late": bool(late)}
    return pages.render(
        request,
        "cases/list.html",
        {"cases": cases, "rows": rows, "filters": filters, "statuses": [s.value for s in CaseStatus], "late_count": sum(r["late"] for r in rows)},
    )


@router.get("/new", name="new_case_page", response_class=HTMLResponse)
async def new_case(request: Request, pages: PagesDep):
    return pages.render(request, "cases/new.html", {"form": RegistrationForm(pages.gettext)})


@router.post("/new", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def submit_case(request: Request, pages: PagesDep, client: TemporalDep, settings: SettingsDep):
    form = RegistrationForm.submitted(await request.form(), pages.gettext)
    registration = form.validate()
    if registration is None:
        return pages.render(request, "cases/new.html", {"form": form}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    result = await service.register(client, registration, settings.task_queue)
    notice = "created" if result.created else "duplicate"
    url = request.url_for("case_page", case_id=result.case_id).include_query_params(notice=notice)
    warnings = notice_check(registration, settings.organisation_country) if result.created else []
    if warnings:
        # Shown on the case page the form leads to; signed, so that a link cannot put other words there.
        url = url.include_query_params(warnings=_warning_seal(settings).dumps([warning.model_dump() for warning in warnings]))
    return RedirectResponse(str(url), status_code=status.HTTP_303_SEE_OTHER)


async def render_case(
    request: Request, pages: Pages, client, session, case_id: str, *, notice: str = "", error: str = "", warnings: list[NoticeWarning] = ()
) -> HTMLResponse:
    """The case page; with ``error`` (a refusal of the case) answered 409 so that scripts see it too."""
    case = await valid_case(case_id, client, session)
    settings = pages.settings
    temporal_url = f"{settings.temporal_ui_url.rstrip('/')}/namespaces/{settings.temporal_namespace}/workflows/{case.case_id}"
    registration = case.record.registration if case.record else None
    interview = case.live.interview if case.live else None
    context = {
        "case": case,
        "registration": registration,
        "notice": notice if notice in NOTICES else "",
        "error": error,
        "temporal_url": temporal_url,
        "interview": interview,
        "interview_finished": interview is not None and interview.status in FINISHED,
        "interviewers": await accounts.with_role(session, AccountRole.INTERVIEWER),
        "late": is_late(case.live, date.today()),
        "today": date.today(),
        "notice_warnings": [warning_text(pages.gettext, warning) for warning in warnings if warning.code in WARNINGS],
    }
    return pages.render(request, "cases/detail.html", context, status_code=status.HTTP_409_CONFLICT if error else 200)


@router.get("/{case_id}", name="case_page", response_class=HTMLResponse)
async def case_page(
    request: Request,
    case_id: CaseId,
    client: TemporalDep,
    session: SessionDep,
    pages: PagesDep,
    notice: Annotated[str, Query(max_length=20)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
    warnings: Annotated[str, Query(max_length=4000)] = "",
):
    shown = sealed_warnings(pages.settings, warnings) if notice == "created" else []
    return await render_case(request, pages, client, session, case_id, notice=notice or done, warnings=shown)
