"""IT/facilities and every other custodian: the equipment they are to receive back, across all open cases, confirming
a return and undoing one that was recorded too soon. They see the item, the person and the last working day; nothing
else of the case. Read from the database (cases/queries.py), with the items of the shared mailboxes they work for."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from cases import access, queries, service
from models.accounts import AccountRole, SignedIn
from models.handover import ConfirmReturn, FlagForSettlement, ReopenReturn
from models.tables import Case
from web import forms
from web.acting import actor_for
from web.auth.guard import deny, form_protected, signed_in
from web.cases.pages import render_case
from web.dependencies import SessionDep, TemporalDep
from web.templating import Pages, PagesDep

router = APIRouter(include_in_schema=False)

# IT/facilities, HR, and anyone an item is given to: a person, or a shared mailbox they work for (the fleet manager's).
Custodian = Annotated[SignedIn, Depends(signed_in())]
CaseId = Annotated[str, Path(max_length=120)]
ItemId = Annotated[str, Path(max_length=40)]
NOTICES = ("returned", "not_returned", "settlement")
PAGE_SIZE = 50
Search = Annotated[
    str, Query(max_length=200, description="Only items for a departure whose employee name or number contains this.")
]


async def render_equipment(
    request: Request,
    pages: Pages,
    user: SignedIn,
    session,
    *,
    error: str = "",
    notice: str = "",
    code: int = 200,
    offset: int = 0,
    search: str = "",
):
    context = {
        "expected": await queries.items_for(
            session, user.email, user.mailboxes, search=search, offset=offset, limit=PAGE_SIZE
        ),
        "returned": await queries.items_for(
            session, user.email, user.mailboxes, returned=True, search=search, limit=20
        ),
        "search": search,
        "error": error,
        "notice": notice if notice in NOTICES else "",
        "today": date.today(),
    }
    return pages.render(request, "equipment/list.html", context, status_code=code)


@router.get("/equipment", name="equipment_page", response_class=HTMLResponse)
async def equipment(
    request: Request,
    user: Custodian,
    pages: PagesDep,
    session: SessionDep,
    done: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
    q: Search = "",
):
    return await render_equipment(request, pages, user, session, notice=done, offset=offset, search=q)


async def _act(
    request: Request,
    user: SignedIn,
    pages: Pages,
    session,
    client,
    case_id: str,
    item_id: str,
    build,
    back: str,
    notice: str,
):
    """Act on an item the signed-in person is to receive (HR: any); else 404 whether or not it exists, logged."""
    case = await session.get(Case, case_id)
    by_notice: dict[str, type[BaseModel]] = {"returned": ConfirmReturn, "not_returned": ReopenReturn}
    payload_type = by_notice.get(notice, FlagForSettlement)
    if case is None or not (
        user.has(AccountRole.HR)
        or await access.within_reach(
            session, case_id, payload_type.model_construct(item_id=item_id), user.email, user.mailboxes
        )
    ):
        deny(
            request, status.HTTP_404_NOT_FOUND, f"equipment {item_id} of case {case_id} is not theirs to receive", user
        )
    outcome = await forms.act(pages.gettext, build, lambda payload: service.act(client, case_id, payload))
    to_case = back == "hr" and user.has(AccountRole.HR)
    if not outcome.ok:
        if to_case:
            return await render_case(request, pages, client, session, case_id, error=outcome.error)
        return await render_equipment(request, pages, user, session, error=outcome.error, code=status.HTTP_409_CONFLICT)
    url = request.url_for("case_page", case_id=case_id) if to_case else request.url_for("equipment_page")
    return RedirectResponse(str(url.include_query_params(done=notice)), status_code=status.HTTP_303_SEE_OTHER)


@router.post(
    "/equipment/{case_id}/{item_id}/return", name="confirm_return_form", dependencies=[Depends(form_protected)]
)
async def confirm_return(
    request: Request,
    case_id: CaseId,
    item_id: ItemId,
    user: Custodian,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    note: Annotated[str, Form(max_length=2000)] = "",
    outcome: Annotated[str, Form(max_length=20)] = "returned",
    back: Annotated[str, Form(max_length=10)] = "",
):
    def build():
        return ConfirmReturn(
            item_id=item_id, actor=actor_for(user, ConfirmReturn), note=note, outcome=outcome or "returned"
        )

    return await _act(request, user, pages, session, client, case_id, item_id, build, back, "returned")


@router.post(
    "/equipment/{case_id}/{item_id}/settlement", name="settlement_form", dependencies=[Depends(form_protected)]
)
async def flag_for_settlement(
    request: Request,
    case_id: CaseId,
    item_id: ItemId,
    user: Custodian,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    flagged: Annotated[str, Form(max_length=5)] = "yes",
    note: Annotated[str, Form(max_length=2000)] = "",
):
    """HR marks an item for the final settlement from the case page (or takes the mark off)."""
    if not user.has(AccountRole.HR):
        deny(request, status.HTTP_403_FORBIDDEN, "only HR marks equipment for the final settlement", user)

    def build():
        return FlagForSettlement(
            item_id=item_id, actor=actor_for(user, FlagForSettlement), flagged=flagged == "yes", note=note
        )

    return await _act(request, user, pages, session, client, case_id, item_id, build, "hr", "settlement")


@router.post("/equipment/{case_id}/{item_id}/reopen", name="reopen_return_form", dependencies=[Depends(form_protected)])
async def reopen_return(
    request: Request,
    case_id: CaseId,
    item_id: ItemId,
    user: Custodian,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=10)] = "",
):
    def build():
        return ReopenReturn(item_id=item_id, actor=actor_for(user, ReopenReturn), reason=reason)

    return await _act(request, user, pages, session, client, case_id, item_id, build, back, "not_returned")
