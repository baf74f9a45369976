"""Handover tasks for the people who do them: "my tasks" (a person's own, and those of the shared mailboxes they
work for: HR's, IT/facilities'), the manager's page for each departure in their team, and the forms that act on a
task. The lists read the database (cases/queries.py); the case decides in the end who may do what."""

from collections.abc import Awaitable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from cases import access, queries, service
from cases import consent as consents
from cases.queries import CaseFilter
from cases.service import ActionRejected, CaseDidNotAnswer, CaseUnavailable
from models.accounts import AccountRole, SignedIn
from models.handover import AddTask, CompleteTask, ReassignTask, ReopenTask
from models.tables import Case
from reports import review
from web import forms, refusals
from web.acting import actor_for
from web.auth.guard import deny, form_protected, signed_in
from web.cases.pages import render_case
from web.dependencies import SessionDep, TemporalDep
from web.mailboxes import mailbox_names
from web.reports.review_pages import actor_of as actor_for_review
from web.templating import Pages, PagesDep
from web.validation import field_message

router = APIRouter(include_in_schema=False)

CaseId = Annotated[str, Path(max_length=120)]
TaskId = Annotated[str, Path(max_length=40)]
Text = Annotated[str, Form(max_length=2000)]
Back = Annotated[str, Form(max_length=10)]
Offset = Annotated[int, Query(ge=0)]
Anyone = Annotated[SignedIn, Depends(signed_in())]
NOTICES = ("completed", "reassigned", "added", "reopened", "bulk", "progress", "action_done")
PAGE_SIZE = 50
Search = Annotated[
    str, Query(max_length=200, description="Only tasks for a departure whose employee name or number contains this.")
]


def manages(user: SignedIn, case: Case) -> bool:
    return user.has(AccountRole.MANAGER) and case.manager_email.lower() == user.email.lower()


async def render_my_tasks(
    request: Request,
    pages: Pages,
    user: SignedIn,
    session,
    *,
    error: str = "",
    notice: str = "",
    code: int = 200,
    offset: int = 0,
    done_count: int = 0,
    search: str = "",
    progress: dict | None = None,
):
    open_tasks = await queries.tasks_for(
        session, user.email, user.mailboxes, search=search, offset=offset, limit=PAGE_SIZE
    )
    done_tasks = await queries.tasks_for(session, user.email, user.mailboxes, done=True, search=search, limit=20)
    managed = None
    if user.has(AccountRole.MANAGER):
        managed = await queries.list_cases(
            session, CaseFilter(manager_email=user.email, sort=queries.CaseSort.LAST_DAY), limit=PAGE_SIZE
        )
    context = {
        "open_tasks": open_tasks,
        "done_tasks": done_tasks,
        "managed": managed,
        "error": error,
        "notice": notice if notice in NOTICES else "",
        "done_count": done_count,
        "search": search,
        "today": date.today(),
        "mailbox_names": await mailbox_names(session, pages),
        "review_actions": await review.open_actions_of(session, user.email),
        # The progress form that was refused: which action, what was typed, and the problem next to its field.
        "progress": progress or {},
    }
    return pages.render(request, "tasks/tasks.html", context, status_code=code)


@router.get("/my/tasks", name="my_tasks_page", response_class=HTMLResponse)
async def my_tasks(
    request: Request,
    user: Anyone,
    pages: PagesDep,
    session: SessionDep,
    done: str = "",
    offset: Offset = 0,
    count: Annotated[int, Query(ge=0)] = 0,
    q: Search = "",
):
    return await render_my_tasks(request, pages, user, session, notice=done, offset=offset, done_count=count, search=q)


async def _managed_case(request: Request, user: SignedIn, session, case_id: str) -> Case:
    """The case, when the signed-in person is its manager (or HR); else 404, logged."""
    row = await session.get(Case, case_id)
    if row is None or not (manages(user, row) or user.has(AccountRole.HR)):
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case_id} is not managed by them", user)
    return row


async def _feedback(session, case_id: str):
    try:
        return await consents.feedback_for_manager(session, case_id)
    except consents.NoInterviewRecord:
        return None


async def render_managed_case(
    request: Request,
    pages: Pages,
    user: SignedIn,
    session,
    row: Case,
    *,
    error: str = "",
    notice: str = "",
    code: int = 200,
):
    context = {
        "case": row,
        "tasks": await queries.tasks_of(session, row.id),
        "items": await queries.items_of(session, row.id),
        "feedback": await _feedback(session, row.id),
        "error": error,
        "notice": notice if notice in NOTICES else "",
        "today": date.today(),
        "mailbox_names": await mailbox_names(session, pages),
    }
    return pages.render(request, "tasks/case.html", context, status_code=code)


@router.get("/my/cases/{case_id}", name="my_case_page", response_class=HTMLResponse)
async def managed_case(
    request: Request, case_id: CaseId, user: Anyone, pages: PagesDep, session: SessionDep, done: str = ""
):
    row = await _managed_case(request, user, session, case_id)
    return await render_managed_case(request, pages, user, session, row, notice=done)


@router.get("/my/cases/{case_id}/main-points", name="main_points_page", response_class=HTMLResponse)
async def main_points(request: Request, case_id: CaseId, user: Anyone, pages: PagesDep, session: SessionDep):
    """The main points of the exit interview that the employee agreed may reach the manager: only those, and only
    while the consent stands; otherwise 404, as for a case that is not theirs."""
    row = await _managed_case(request, user, session, case_id)
    feedback = await _feedback(session, row.id)  # on the audit log when shown
    if feedback is None:
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case_id} has no main points shared with the manager", user)
    return pages.render(request, "tasks/main_points.html", {"case": row, "feedback": feedback})


async def _in_reach(
    request: Request, user: SignedIn, session, case_id: str, payload_type: type[BaseModel], **ids: Any
) -> Case:
    """The case, when the signed-in person may ask for this on it (their task, their case as manager; HR always);
    else 404 whether or not it exists, logged."""
    row = await session.get(Case, case_id)
    probe = payload_type.model_construct(**ids)
    if row is None or not (
        user.has(AccountRole.HR) or await access.within_reach(session, case_id, probe, user.email, user.mailboxes)
    ):
        deny(
            request, status.HTTP_404_NOT_FOUND, f"{payload_type.__name__} on case {case_id} is not in their reach", user
        )
    return row


def _back(request: Request, user: SignedIn, back: str, case: Case, notice: str) -> RedirectResponse:
    if back == "hr" and user.has(AccountRole.HR):
        url = request.url_for("case_page", case_id=case.id)
    elif back == "case" and (manages(user, case) or user.has(AccountRole.HR)):
        url = request.url_for("my_case_page", case_id=case.id)
    else:
        url = request.url_for("my_tasks_page")
    return RedirectResponse(str(url.include_query_params(done=notice)), status_code=status.HTTP_303_SEE_OTHER)


async def _again(request: Request, pages: Pages, user: SignedIn, session, client, back: str, case: Case, error: str):
    """The page the form came from, with the reason the case gave, chosen by what the reader may see: HR's case page
    for HR only, the manager's page for its manager (or HR), else their own tasks. Never by the form's word alone."""
    if back == "hr" and user.has(AccountRole.HR):
        return await render_case(request, pages, client, session, case.id, error=error)
    if back == "case" and (manages(user, case) or user.has(AccountRole.HR)):
        return await render_managed_case(
            request, pages, user, session, case, error=error, code=status.HTTP_409_CONFLICT
        )
    return await render_my_tasks(request, pages, user, session, error=error, code=status.HTTP_409_CONFLICT)


async def _run(
    request: Request, pages: Pages, user: SignedIn, session, client, case: Case, back: str, build, notice: str
):
    outcome = await forms.act(pages.gettext, build, lambda payload: service.act(client, case.id, payload))
    if not outcome.ok:
        return await _again(request, pages, user, session, client, back, case, outcome.error)
    return _back(request, user, back, case, notice)


@router.post(
    "/my/tasks/{case_id}/{task_id}/complete", name="complete_task_form", dependencies=[Depends(form_protected)]
)
async def complete_task(
    request: Request,
    case_id: CaseId,
    task_id: TaskId,
    user: Anyone,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    comment: Text = "",
    back: Back = "",
):
    case = await _in_reach(request, user, session, case_id, CompleteTask, task_id=task_id)

    def build():
        return CompleteTask(task_id=task_id, actor=actor_for(user, CompleteTask), comment=comment)

    return await _run(request, pages, user, session, client, case, back, build, "completed")


@router.post(
    "/my/tasks/{case_id}/{task_id}/reassign", name="reassign_task_form", dependencies=[Depends(form_protected)]
)
async def reassign_task(
    request: Request,
    case_id: CaseId,
    task_id: TaskId,
    user: Anyone,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    assignee_email: Annotated[str, Form(max_length=320)] = "",
    comment: Text = "",
    back: Back = "",
):
    case = await _in_reach(request, user, session, case_id, ReassignTask, task_id=task_id)

    def build():
        return ReassignTask(
            task_id=task_id, actor=actor_for(user, ReassignTask), assignee_email=assignee_email.strip(), comment=comment
        )

    return await _run(request, pages, user, session, client, case, back, build, "reassigned")


@router.post("/my/tasks/{case_id}/{task_id}/reopen", name="reopen_task_form", dependencies=[Depends(form_protected)])
async def reopen_task(
    request: Request,
    case_id: CaseId,
    task_id: TaskId,
    user: Anyone,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    reason: Text = "",
    back: Back = "",
):
    case = await _in_reach(request, user, session, case_id, ReopenTask, task_id=task_id)

    def build():
        return ReopenTask(task_id=task_id, actor=actor_for(user, ReopenTask), reason=reason)

    return await _run(request, pages, user, session, client, case, back, build, "reopened")


@router.post("/my/tasks/done", name="complete_tasks_form", dependencies=[Depends(form_protected)])
async def complete_tasks(request: Request, user: Anyone, pages: PagesDep, session: SessionDep, client: TemporalDep):
    """Several tasks ticked off at once (HR's same task in many cases): each goes to its own case; what a case
    refuses is said, the rest is done."""
    form = await request.form()
    chosen = [str(value) for value in form.getlist("task")][:PAGE_SIZE]
    comment = str(form.get("comment", ""))[:2000]
    done, refused = 0, []
    for value in chosen:
        case_id, _, task_id = value.rpartition(":")
        case = await session.get(Case, case_id)
        # A probe with only the task id, all within_reach reads; the action itself is validated below.
        probe = CompleteTask.model_construct(task_id=task_id)  # type: ignore[call-arg]
        if case is None or not (
            user.has(AccountRole.HR) or await access.within_reach(session, case_id, probe, user.email, user.mailboxes)
        ):
            refused.append(pages.gettext("a task that is not yours"))
            continue

        # Each task's own ids, bound now: the form's tasks are acted on one after another.
        def build(task_id: str = task_id) -> CompleteTask:
            return CompleteTask(task_id=task_id, actor=actor_for(user, CompleteTask), comment=comment)

        def act(payload: BaseModel, case_id: str = case_id) -> Awaitable[Any]:
            return service.act(client, case_id, payload)

        outcome = await forms.act(pages.gettext, build, act)
        if outcome.ok:
            done += 1
        else:
            refused.append(f"{case.employee_name}: {outcome.error}")
    if refused:
        message = (
            pages.ngettext("%(num)d task is done.", "%(num)d tasks are done.", done) % {"num": done}
            + " "
            + "; ".join(refused)
        )
        return await render_my_tasks(request, pages, user, session, error=message, code=status.HTTP_409_CONFLICT)
    url = request.url_for("my_tasks_page").include_query_params(done="bulk", count=done)
    return RedirectResponse(str(url), status_code=status.HTTP_303_SEE_OTHER)


@router.post("/my/cases/{case_id}/tasks", name="add_task_form", dependencies=[Depends(form_protected)])
async def add_task(
    request: Request,
    case_id: CaseId,
    user: Anyone,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    title: Annotated[str, Form(max_length=200)] = "",
    assignee_email: Annotated[str, Form(max_length=320)] = "",
    due_date: Annotated[str, Form(max_length=10)] = "",
    comment: Text = "",
    back: Back = "",
):
    case = await _managed_case(request, user, session, case_id)
    if not user.has(AccountRole.HR, AccountRole.MANAGER):
        deny(request, status.HTTP_403_FORBIDDEN, "adding tasks needs the manager or HR role", user)

    def build():
        return AddTask(
            actor=actor_for(user, AddTask),
            title=title,
            assignee_email=assignee_email.strip(),
            due_date=due_date or None,
            comment=comment,
        )

    return await _run(request, pages, user, session, client, case, back or "case", build, "added")


@router.post(
    "/my/review-actions/{report_id}/{action_id}", name="review_progress_form", dependencies=[Depends(form_protected)]
)
async def review_progress(
    request: Request,
    report_id: Annotated[str, Path(max_length=120)],
    action_id: TaskId,
    user: Anyone,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    note: Annotated[str, Form(max_length=4000)] = "",
    done: Annotated[str, Form(max_length=3)] = "",
):
    """An owner's progress on an action the management review gave them; with "done" ticked the action is done. The
    review decides whether it is theirs (reports.review)."""
    _ = pages.gettext
    values = {"report_id": report_id, "action_id": action_id, "note": note, "done": bool(done), "errors": {}}
    try:
        payload = review.ProgressNote(actor=actor_for_review(user), action_id=action_id, note=note, done=bool(done))
    except ValidationError as err:
        values["errors"] = {"note": "; ".join(field_message(e, _) for e in err.errors())}
        return await render_my_tasks(
            request, pages, user, session, code=status.HTTP_422_UNPROCESSABLE_CONTENT, progress=values
        )
    try:
        await review.note_progress(client, session, report_id, payload)
    except review.ReportNotFound:
        deny(request, status.HTTP_404_NOT_FOUND, f"there is no report {report_id}", user)
    except ActionRejected as err:
        error = _("The review did not accept this: %(reason)s") % {"reason": refusals.reason(_, err)}
        return await render_my_tasks(
            request, pages, user, session, error=error, code=status.HTTP_409_CONFLICT, progress=values
        )
    except (CaseDidNotAnswer, CaseUnavailable):
        error = _("The review cannot be reached right now; try again in a moment.")
        return await render_my_tasks(
            request, pages, user, session, error=error, code=status.HTTP_503_SERVICE_UNAVAILABLE, progress=values
        )
    url = request.url_for("my_tasks_page").include_query_params(done="action_done" if done else "progress")
    return RedirectResponse(str(url), status_code=status.HTTP_303_SEE_OTHER)
