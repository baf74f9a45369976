"""IT/facilities: the equipment they are to receive back, across all open cases, and confirming a return.
They see the item, the person and the last working day; nothing else of the case."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from cases import service
from models.accounts import AccountRole, SignedIn
from models.handover import ConfirmReturn
from models.tables import Case
from web.acting import actor_for
from web.auth.guard import deny, form_protected, signed_in
from web.dependencies import SessionDep, TemporalDep
from web import forms as common
from web.templating import Pages, PagesDep
from workflows.offboarding import OffboardingWorkflow

router = APIRouter(include_in_schema=False)

Custodian = Annotated[SignedIn, Depends(signed_in(AccountRole.CUSTODIAN, AccountRole.HR))]
CaseId = Annotated[str, Path(max_length=120)]
ItemId = Annotated[str, Path(max_length=40)]


def _mine(user: SignedIn, custodian_email: str) -> bool:
    return custodian_email.strip().lower() == user.email.lower()


async def render_equipment(request: Request, pages: Pages, user: SignedIn, session, client, *, error: str = "", notice: str = "", code: int = 200):
    rows = await common.open_cases(session)
    views = await common.case_views(client, [row.id for row in rows])
    expected, returned = [], []
    for row in rows:
        view = views.get(row.id)
        for item in view.equipment if view else []:
            if _mine(user, item.custodian_email):
                (expected if item.state == "out" else returned).append({"case": row, "item": item})
    context = {"expected": expected, "returned": returned, "error": error, "notice": "returned" if notice == "returned" else ""}
    return pages.render(request, "equipment/list.html", context, status_code=code)


@router.get("/equipment", name="equipment_page", response_class=HTMLResponse)
async def equipment(request: Request, user: Custodian, pages: PagesDep, session: SessionDep, client: TemporalDep, done: str = ""):
    return await render_equipment(request, pages, user, session, client, notice=done)


@router.post("/equipment/{case_id}/{item_id}/return", name="confirm_return_form", dependencies=[Depends(form_protected)])
async def confirm_return(
    request: Request, case_id: CaseId, item_id: ItemId, user: Custodian, pages: PagesDep, session: SessionDep, client: TemporalDep,
    note: Annotated[str, Form(max_length=2000)] = "", back: Annotated[str, Form(max_length=10)] = "",
):
    row = await session.get(Case, case_id)
    view = await common.case_of(client, case_id) if row is not None else None
    item = next((i for i in view.equipment if i.id == item_id), None) if view else None
    if item is None or not (_mine(user, item.custodian_email) or user.has(AccountRole.HR)):
        deny(request, status.HTTP_404_NOT_FOUND, f"equipment {item_id} of case {case_id} is not theirs to receive", user)
    outcome = await common.act(
        pages.gettext,
        lambda: ConfirmReturn(item_id=item_id, actor=actor_for(user, ConfirmReturn), note=note),
        lambda payload: service.act(client, case_id, payload),
    )
    if not outcome.ok:
        if back == "hr":
            from web.cases.pages import render_case

            return await render_case(request, pages, client, session, case_id, error=outcome.error)
        return await render_equipment(request, pages, user, session, client, error=outcome.error, code=status.HTTP_409_CONFLICT)
    if back == "hr":
        url = request.url_for("case_page", case_id=case_id).include_query_params(done="returned")
    else:
        url = request.url_for("equipment_page").include_query_params(done="returned")
    return RedirectResponse(str(url), status_code=status.HTTP_303_SEE_OTHER)
