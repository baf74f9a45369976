"""A task done from its mail: every task mail carries, per task, a link that lets its assignee mark it done with a
comment, without an account (the successor, the leaving employee, a colleague elsewhere in the organisation).

The link names the case, the task, the address it was sent to and the mail's language. It opens its task only while
the task is still given to that address: handed on to someone else, the link says so and shows nothing more. Marking
the task done uses the link up (410 afterwards, saying when); the rules that every link follows are in web/links.py."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from links.tokens import LinkClaims, LinkPurpose
from links.usage import Use
from models.actors import Actor, Role
from models.handover import CompleteTask
from models.tables import Case, CaseTaskRow, UsedLink
from web import links
from web.auth.guard import deny, form_protected
from web.dependencies import SessionDep, TemporalDep
from web.links import Token
from web.templating import Pages

router = APIRouter(include_in_schema=False)


def _pages(request: Request, claims: LinkClaims, case: Case) -> Pages:
    return Pages.for_request(request, default=claims.language or case.language)


async def _open(
    request: Request, session, token: str, claims: LinkClaims | None = None
) -> tuple[LinkClaims, Case, CaseTaskRow]:
    """The link's case and task, when the task is still given to the address the link was sent to; else 404, logged.
    The read ends here and its connection goes back to the pool before anything waits on the case."""
    claims = claims or links.verified(request, LinkPurpose.TASK, token)
    case = await session.get(Case, claims.case_id)
    task = None
    if case is not None:
        query = select(CaseTaskRow).where(CaseTaskRow.case_id == case.id, CaseTaskRow.task_id == claims.ref)
        task = (await session.execute(query)).scalar_one_or_none()
    await session.commit()
    if case is None or task is None:
        deny(request, status.HTTP_404_NOT_FOUND, f"task link for {claims.case_id}/{claims.ref}: no such task")
    return claims, case, task


def _handed_on(task: CaseTaskRow, claims: LinkClaims) -> bool:
    return task.assignee_email.lower() != claims.email.lower()


def _render(
    request: Request,
    token: str,
    claims: LinkClaims,
    case: Case,
    task: CaseTaskRow,
    *,
    used: UsedLink | None = None,
    error: str = "",
    notice: str = "",
    code: int = 200,
):
    context = {
        "case": case,
        "task": task,
        "handed_on": _handed_on(task, claims),
        "used": used,
        "error": error,
        "notice": notice if notice == "done" else "",
        "today": date.today(),
        "done_url": links.url(request, "task_link_done", token),
    }
    status_code = status.HTTP_410_GONE if used is not None and not notice else code
    return _pages(request, claims, case).render(request, "tasks/link.html", context, status_code=status_code)


@router.get("/task/{token}", name="task_link_page", response_class=HTMLResponse)
async def task_page(request: Request, token: Token, session: SessionDep, done: str = ""):
    claims, case, task = await _open(request, session, token)
    used = await links.used(session, claims)
    return _render(request, token, claims, case, task, used=used, notice=done, code=200)


@router.post("/task/{token}/done", name="task_link_done", dependencies=[Depends(form_protected)])
async def mark_done(
    request: Request,
    token: Token,
    session: SessionDep,
    client: TemporalDep,
    comment: Annotated[str, Form(max_length=2000)] = "",
):
    claims = links.verified(request, LinkPurpose.TASK, token)
    return await links.in_turn(
        request, claims, lambda: _mark_done_in_turn(request, session, client, token, claims, comment)
    )


async def _mark_done_in_turn(request: Request, session, client, token: str, claims: LinkClaims, comment: str):
    claims, case, task = await _open(request, session, token, claims)
    used = await links.used(session, claims)
    if used is not None:
        return _render(request, token, claims, case, task, used=used)
    if _handed_on(task, claims):
        return _render(request, token, claims, case, task, code=status.HTTP_409_CONFLICT)
    pages = _pages(request, claims, case)
    # Who acts is the address the task was sent to: the link is theirs, whoever holds it.
    actor = Actor(email=claims.email, role=Role.ASSIGNEE)
    outcome = await links.answer_once(
        request,
        client,
        claims,
        Use.TASK_DONE,
        case.id,
        pages.gettext,
        lambda: CompleteTask(task_id=task.task_id, actor=actor, comment=comment),
    )
    if isinstance(outcome, UsedLink):
        return _render(request, token, claims, case, task, used=outcome)
    if not outcome.ok:
        return _render(request, token, claims, case, task, error=outcome.error, code=status.HTTP_409_CONFLICT)
    return RedirectResponse(
        links.url(request, "task_link_page", token, done="done"), status_code=status.HTTP_303_SEE_OTHER
    )
