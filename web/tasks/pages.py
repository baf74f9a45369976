"""Handover tasks for the people who do them: "my tasks" for anyone handed one (a manager, a successor,
a colleague), and the manager's page for each departure in their team: its tasks, the equipment status,
and only the interview points the employee agreed to share with them."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from cases import consent as consents
from cases import service
from models.accounts import AccountRole, SignedIn
from models.case import CaseView
from models.handover import AddTask, CompleteTask, MoveLastDay, ReassignTask, Task
from models.tables import Case
from web.acting import actor_for
from web.auth.guard import deny, form_protected, signed_in
from web.dependencies import SessionDep, TemporalDep
from web import forms as common
from web.templating import Pages, PagesDep
from workflows.offboarding import OffboardingWorkflow

router = APIRouter(include_in_schema=False)

CaseId = Annotated[str, Path(max_length=120)]
ItemId = Annotated[str, Path(max_length=40)]
Text = Annotated[str, Form(max_length=2000)]
Anyone = Annotated[SignedIn, Depends(signed_in())]
NOTICES = ("completed", "reassigned", "added", "moved")


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def manages(user: SignedIn, case: Case) -> bool:
    return user.has(AccountRole.MANAGER) and _same(case.manager_email, user.email)


async def _feedback(session, case_id: str):
    try:
        return await consents.feedback_for_manager(session, case_id)
    except consents.NoInterviewRecord:
        return None


async def render_my_tasks(request: Request, pages: Pages, user: SignedIn, session, client, *, error: str = "", notice: str = "", code: int = 200):
    rows = await common.open_cases(session)
    views = await common.case_views(client, [row.id for row in rows])
    open_tasks, done_tasks = [], []
    for row in rows:
        view = views.get(row.id)
        for task in view.tasks if view else []:
            if _same(task.assignee_email, user.email):
                (open_tasks if task.state == "open" else done_tasks).append({"case": row, "task": task})
    managed = []
    if user.has(AccountRole.MANAGER):
        query = select(Case).where(func.lower(Case.manager_email) == user.email.lower()).order_by(Case.last_working_day.desc()).limit(100)
        for row in (await session.execute(query)).scalars():
            view = views.get(row.id)
            open_count = sum(1 for task in view.tasks if task.state == "open") if view else None
            managed.append({"case": row, "open_tasks": open_count})
    context = {
        "open_tasks": open_tasks,
        "done_tasks": done_tasks,
        "managed": managed,
        "error": error,
        "notice": notice if notice in NOTICES else "",
        "today": date.today(),
    }
    return pages.render(request, "tasks/tasks.html", context, status_code=code)


@router.get("/my/tasks", name="my_tasks_page", response_class=HTMLResponse)
async def my_tasks(request: Request, user: Anyone, pages: PagesDep, session: SessionDep, client: TemporalDep, done: str = ""):
    return await render_my_tasks(request, pages, user, session, client, notice=done)


async def _managed_case(request: Request, user: SignedIn, session, case_id: str) -> Case:
    """The case, when the signed-in person is its manager (or HR); else 404, logged."""
    row = await session.get(Case, case_id)
    if row is None or not (manages(user, row) or user.has(AccountRole.HR)):
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case_id} is not managed by them", user)
    return row


async def render_managed_case(request: Request, pages: Pages, user: SignedIn, session, client, row: Case, *, error: str = "", notice: str = "", code: int = 200):
    view = await common.case_of(client, row.id) if row.status == "open" else None
    context = {
        "case": row,
        "view": view,
        "feedback": await _feedback(session, row.id),
        "error": error,
        "notice": notice if notice in NOTICES else "",
    }
    return pages.render(request, "tasks/case.html", context, status_code=code)


@router.get("/my/cases/{case_id}", name="my_case_page", response_class=HTMLResponse)
async def managed_case(request: Request, case_id: CaseId, user: Anyone, pages: PagesDep, session: SessionDep, client: TemporalDep, done: str = ""):
    row = await _managed_case(request, user, session, case_id)
    return await render_managed_case(request, pages, user, session, client, row, notice=done)


async def _task_in_reach(request: Request, user: SignedIn, session, client, case_id: str, task_id: str) -> tuple[Case, CaseView, Task]:
    """The task, when it is the signed-in person's own, or of a case they manage, or they are HR; else 404, logged."""
    row = await session.get(Case, case_id)
    view = await common.case_of(client, case_id) if row is not None else None
    task = next((t for t in view.tasks if t.id == task_id), None) if view else None
    if task is None or not (_same(task.assignee_email, user.email) or manages(user, row) or user.has(AccountRole.HR)):
        deny(request, status.HTTP_404_NOT_FOUND, f"task {task_id} of case {case_id} is not in their reach", user)
    return row, view, task


def _back(request: Request, back: str, case_id: str, notice: str) -> RedirectResponse:
    if back == "case":
        url = request.url_for("my_case_page", case_id=case_id)
    elif back == "hr":
        url = request.url_for("case_page", case_id=case_id)
    else:
        url = request.url_for("my_tasks_page")
    return RedirectResponse(str(url.include_query_params(done=notice)), status_code=status.HTTP_303_SEE_OTHER)


async def _again(request, pages, user, session, client, back: str, row: Case, error: str):
    """The page the form came from, with the reason the case gave."""
    if back == "hr":
        from web.cases.pages import render_case

        return await render_case(request, pages, client, session, row.id, error=error)
    if back == "case":
        return await render_managed_case(request, pages, user, session, client, row, error=error, code=status.HTTP_409_CONFLICT)
    return await render_my_tasks(request, pages, user, session, client, error=error, code=status.HTTP_409_CONFLICT)


@router.post("/my/tasks/{case_id}/{task_id}/complete", name="complete_task_form", dependencies=[Depends(form_protected)])
async def complete_task(
    request: Request, case_id: CaseId, task_id: ItemId, user: Anyone, pages: PagesDep, session: SessionDep, client: TemporalDep,
    comment: Text = "", back: Annotated[str, Form(max_length=10)] = "",
):
    row, _, _ = await _task_in_reach(request, user, session, client, case_id, task_id)
    outcome = await common.act(
        pages.gettext,
        lambda: CompleteTask(task_id=task_id, actor=actor_for(user, CompleteTask), comment=comment),
        lambda payload: service.act(client, case_id, payload),
    )
    if not outcome.ok:
        return await _again(request, pages, user, session, client, back, row, outcome.error)
    return _back(request, back, case_id, "completed")


@router.post("/my/tasks/{case_id}/{task_id}/reassign", name="reassign_task_form", dependencies=[Depends(form_protected)])
async def reassign_task(
    request: Request, case_id: CaseId, task_id: ItemId, user: Anyone, pages: PagesDep, session: SessionDep, client: TemporalDep,
    assignee_email: Annotated[str, Form(max_length=320)] = "", comment: Text = "", back: Annotated[str, Form(max_length=10)] = "",
):
    row, _, _ = await _task_in_reach(request, user, session, client, case_id, task_id)
    outcome = await common.act(
        pages.gettext,
        lambda: ReassignTask(task_id=task_id, actor=actor_for(user, ReassignTask), assignee_email=assignee_email.strip(), comment=comment),
        lambda payload: service.act(client, case_id, payload),
    )
    if not outcome.ok:
        return await _again(request, pages, user, session, client, back, row, outcome.error)
    return _back(request, back, case_id, "reassigned")


@router.post("/my/cases/{case_id}/tasks", name="add_task_form", dependencies=[Depends(form_protected)])
async def add_task(
    request: Request, case_id: CaseId, user: Anyone, pages: PagesDep, session: SessionDep, client: TemporalDep,
    title: Annotated[str, Form(max_length=200)] = "", assignee_email: Annotated[str, Form(max_length=320)] = "",
    due_date: Annotated[str, Form(max_length=10)] = "", comment: Text = "", back: Annotated[str, Form(max_length=10)] = "",
):
    row = await _managed_case(request, user, session, case_id)
    if not user.has(AccountRole.HR, AccountRole.MANAGER):
        deny(request, status.HTTP_403_FORBIDDEN, "adding tasks needs the manager or HR role", user)
    outcome = await common.act(
        pages.gettext,
        lambda: AddTask(actor=actor_for(user, AddTask), title=title, assignee_email=assignee_email.strip(), due_date=due_date or None, comment=comment),
        lambda payload: service.act(client, case_id, payload),
    )
    if not outcome.ok:
        return await _again(request, pages, user, session, client, back or "case", row, outcome.error)
    return _back(request, back or "case", case_id, "added")


@router.post("/my/cases/{case_id}/last-working-day", name="move_last_day_form", dependencies=[Depends(form_protected)])
async def move_last_day(
    request: Request, case_id: CaseId, user: Anyone, pages: PagesDep, session: SessionDep, client: TemporalDep,
    last_working_day: Annotated[str, Form(max_length=10)] = "", reason: Text = "", back: Annotated[str, Form(max_length=10)] = "",
):
    row = await _managed_case(request, user, session, case_id)
    if not user.has(AccountRole.HR, AccountRole.MANAGER):
        deny(request, status.HTTP_403_FORBIDDEN, "moving the last day needs the manager or HR role", user)
    outcome = await common.act(
        pages.gettext,
        lambda: MoveLastDay(actor=actor_for(user, MoveLastDay), last_working_day=last_working_day, reason=reason),
        lambda payload: service.act(client, case_id, payload),
    )
    if not outcome.ok:
        return await _again(request, pages, user, session, client, back or "case", row, outcome.error)
    return _back(request, back or "case", case_id, "moved")
