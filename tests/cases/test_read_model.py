"""The read model: every list reads it, so it must tell what the case and its interview hold, follow every step,
and never go back to an older state, whatever order its writes arrive in. Time-skipping server, real database
(SQLite or PostgreSQL), real mail sink."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from temporalio.testing import ActivityEnvironment

from activities.read_model import ReadModelActivities
from cases import backfill, queries
from cases.service import ActionRejected
from models.actors import Actor, Role
from models.audit import AuditLogRow
from models.case import Step, StepState
from models.handover import (
    CompleteTask,
    ConfirmReturn,
    MoveLastDay,
    ReassignTask,
    ReopenReturn,
    ReopenTask,
    Task,
    TaskState,
    Withdraw,
)
from models.interview import AcceptSlot
from models.read_model import CaseSnapshot, PublishedEvent
from models.tables import Case, CaseEventRow, CaseItemRow, CaseTaskRow
from planning.workdays import add_working_days, calendar_for
from tests.support import eventually
from tests.support.case_driver import FACILITIES, HR, CaseDriver

SUCCESSOR = {"name": "Sam Peeters", "email": "sam@example.org", "language": "nl"}


@pytest.fixture
async def case(time_skipping_env, worker, mail_store, sessions, task_queue):
    driver = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue, successor=SUCCESSOR)
    await eventually(lambda: _caught_up(sessions, driver))
    return driver


async def _caught_up(sessions, driver: CaseDriver) -> bool:
    """The read model has every task the case has (the access step adds one just after the case opens)."""
    row = await _row(sessions, driver.case_id, published=True)
    return row is not None and row.tasks_total == len((await driver.view()).tasks)


async def _row(sessions, case_id: str, *, published: bool = False) -> Case | None:
    async with sessions() as session:
        row = await session.get(Case, case_id, populate_existing=True)
    return row if row is not None and (not published or row.read_version is not None) else None


async def _tasks(sessions, case_id: str) -> list[CaseTaskRow]:
    async with sessions() as session:
        return await queries.tasks_of(session, case_id)


async def _items(sessions, case_id: str) -> list[CaseItemRow]:
    async with sessions() as session:
        return await queries.items_of(session, case_id)


async def _events(sessions, case_id: str) -> list[CaseEventRow]:
    async with sessions() as session:
        return await queries.timeline_of(session, case_id)


async def test_the_read_model_holds_what_the_case_holds(case: CaseDriver, sessions):
    view = await case.view()
    tasks, items = await _tasks(sessions, case.case_id), await _items(sessions, case.case_id)

    assert [(t.task_id, t.title, t.assignee_email, t.due_date) for t in tasks] == [
        (t.id, t.title, str(t.assignee_email).lower(), t.due_date) for t in view.tasks
    ]
    assert [(i.item_id, i.name, i.state) for i in items] == [(i.id, i.name, "out") for i in view.equipment]
    # Tasks and items of the shared mailboxes say so: every HR account and every custodian sees them.
    assert {t.owner_mailbox for t in tasks if t.assignee_email == "hr@example.org"} == {"hr"}
    assert {t.owner_mailbox for t in tasks if t.assignee_email == "sam@example.org"} == {None}
    assert {i.custodian_mailbox for i in items} == {"facilities"}
    row = await _row(sessions, case.case_id)
    assert (row.tasks_total, row.tasks_done, row.items_total, row.items_returned) == (len(tasks), 0, 2, 0)
    assert row.next_due_date == min(t.due_date for t in view.tasks)
    assert row.steps[Step.ANNOUNCEMENT.value] in (StepState.RUNNING.value, StepState.DONE.value)
    assert "case_opened" in [e.event for e in await _events(sessions, case.case_id)]


async def test_every_step_reaches_the_read_model_as_it_is_taken(case: CaseDriver, sessions):
    view = await case.view()
    sam_task = next(t for t in view.tasks if t.assignee_email == "sam@example.org")
    laptop = next(i for i in view.equipment if i.name == "Laptop")
    sam = Actor(email="sam@example.org", role=Role.ASSIGNEE)

    # Each action answers only once the read model has it: the next page anyone opens shows it.
    await case.act(CompleteTask(task_id=sam_task.id, actor=sam, comment="Klantdossiers staan op de teamschijf"))
    done = next(t for t in await _tasks(sessions, case.case_id) if t.task_id == sam_task.id)
    assert (done.state, done.completed_by, done.comments) == (
        "done",
        "sam@example.org",
        ["Klantdossiers staan op de teamschijf"],
    )
    assert (await _row(sessions, case.case_id)).tasks_done == 1

    await case.act(ReopenTask(task_id=sam_task.id, actor=HR, reason="Wachtwoorden ontbreken nog"))
    reopened = next(t for t in await _tasks(sessions, case.case_id) if t.task_id == sam_task.id)
    assert (
        reopened.state == "open" and reopened.completed_by is None and "Wachtwoorden ontbreken nog" in reopened.comments
    )

    await case.act(ConfirmReturn(item_id=laptop.id, actor=FACILITIES, note="Oplader ontbreekt"))
    returned = next(i for i in await _items(sessions, case.case_id) if i.item_id == laptop.id)
    assert (returned.state, returned.note) == ("returned", "Oplader ontbreekt")

    later = add_working_days(view.last_working_day, 5, calendar_for("NL", range(2026, 2029)))
    await case.act(MoveLastDay(actor=HR, last_working_day=later, reason="Extra overdracht"))
    row = await _row(sessions, case.case_id)
    assert row.last_working_day == later
    moved = {t.task_id: t.due_date for t in await _tasks(sessions, case.case_id)}
    assert all(moved[t.id] > t.due_date for t in view.tasks if t.due_working_days_before is not None)

    events = [(e.event, e.detail) for e in await _events(sessions, case.case_id)]
    assert ("task_done", f"{sam_task.title} (sam@example.org): “Klantdossiers staan op de teamschijf”") in events
    assert ("equipment_returned", "Laptop (facilities@example.org): “Oplader ontbreekt”") in events
    assert any(event == "task_reopened" and "Wachtwoorden ontbreken nog" in detail for event, detail in events)
    assert any(event == "last_day_moved" and "Extra overdracht" in detail for event, detail in events)
    # The reopening is on the audit log too, once, on HR's name; its reason stays on the case only.
    async with sessions() as session:
        logged = (
            (await session.execute(select(AuditLogRow).where(AuditLogRow.action == "task.reopened"))).scalars().all()
        )
    mine = [entry for entry in logged if entry.detail.get("case_id") == case.case_id]
    assert len(mine) == 1 and mine[0].actor == "hr@example.org" and "Wachtwoorden" not in str(mine[0].detail)


async def test_the_interview_and_its_events_reach_the_case(case: CaseDriver, sessions):
    await case.wait_for_mail("interview:invitation")
    await eventually(lambda: _row_with(sessions, case.case_id, interview_status="invited"))
    slot = (await case.view()).interview.proposed_slots[0]

    await case.act(AcceptSlot(actor=case.employee, start=slot.start))

    row = await eventually(lambda: _row_with(sessions, case.case_id, interview_status="scheduled"))
    assert row.interview_start == slot.start and row.interview_end == slot.end
    events = [e for e in await _events(sessions, case.case_id) if e.source == "interview"]
    assert [e.event for e in events] == ["interview_invited", "interview_scheduled"]
    assert events[1].detail.startswith(slot.start.isoformat())


async def _row_with(sessions, case_id: str, **wanted):
    row = await _row(sessions, case_id)
    return row if row is not None and all(getattr(row, name) == value for name, value in wanted.items()) else None


async def test_a_withdrawn_case_ends_in_the_read_model(case: CaseDriver, sessions):
    assert await _listed(sessions, case) == ["manager's tasks", "HR's tasks", "equipment"], "before: on every list"
    await case.act(Withdraw(actor=HR, reason="Blijft toch"))
    await case.wait_for_status("withdrawn", timeout=60)
    row = await eventually(lambda: _row_with_step(sessions, case.case_id, Step.EXIT_INTERVIEW, StepState.CANCELLED))
    assert row.steps[Step.HANDOVER.value] == StepState.CANCELLED.value
    assert "withdrawn" in [e.event for e in await _events(sessions, case.case_id)]
    await eventually(lambda: _row_with(sessions, case.case_id, interview_status="cancelled"))
    assert await _listed(sessions, case) == [], "nobody is asked to work on a departure that is not happening"


async def _listed(sessions, case: CaseDriver) -> list[str]:
    """Where this case still shows: the manager's and HR's open tasks, the equipment IT/facilities is to receive."""
    this_one = case.registration.employee.id
    async with sessions() as session:
        lists = {
            "manager's tasks": await queries.tasks_for(session, case.manager.email, search=this_one),
            "HR's tasks": await queries.tasks_for(session, "hanna@example.org", frozenset({"hr"}), search=this_one),
            "equipment": await queries.items_for(
                session, "it.person@example.org", frozenset({"facilities"}), search=this_one
            ),
        }
    return [name for name, page in lists.items() if any(row.id == case.case_id for _, row in page.items)]


async def _row_with_step(sessions, case_id: str, step: Step, state: StepState):
    row = await _row(sessions, case_id)
    return row if row is not None and (row.steps or {}).get(step.value) == state.value else None


async def test_a_manager_may_not_tick_off_hrs_tasks_nor_move_the_last_day(case: CaseDriver):
    view = await case.view()
    hr_task = next(t for t in view.tasks if t.owner_mailbox == "hr")
    own_task = next(t for t in view.tasks if t.assignee_email == case.registration.manager.email)
    sam_task = next(t for t in view.tasks if t.assignee_email == "sam@example.org")

    with pytest.raises(ActionRejected) as refused:
        await case.act(CompleteTask(task_id=hr_task.id, actor=case.manager))
    assert refused.value.code == "not_permitted"
    with pytest.raises(ActionRejected) as refused:
        await case.act(MoveLastDay(actor=case.manager, last_working_day=view.last_working_day + timedelta(days=7)))
    assert refused.value.code == "not_permitted"
    with pytest.raises(ActionRejected, match="may not"):
        await case.act(ReassignTask(task_id=hr_task.id, actor=case.manager, assignee_email="kim@example.org"))
    # Their own task and the handing on of a person's task remain theirs to do.
    await case.act(CompleteTask(task_id=own_task.id, actor=case.manager))
    await case.act(ReassignTask(task_id=sam_task.id, actor=case.manager, assignee_email="kim@example.org"))


async def test_whoever_works_for_a_shared_mailbox_may_act_on_what_it_owns(case: CaseDriver):
    view = await case.view()
    hr_task = next(t for t in view.tasks if t.owner_mailbox == "hr")
    badge = next(i for i in view.equipment if i.name == "Badge")
    # An IT colleague with an account of their own, working for the IT/facilities mailbox.
    it_person = Actor(email="it.person@example.org", role=Role.CUSTODIAN, mailboxes=["facilities"])
    stranger = Actor(email="it.person@example.org", role=Role.CUSTODIAN)

    with pytest.raises(ActionRejected, match="may not"):
        await case.act(ConfirmReturn(item_id=badge.id, actor=stranger))
    with pytest.raises(ActionRejected, match="may not"):
        await case.act(CompleteTask(task_id=hr_task.id, actor=it_person))
    returned = await case.act(ConfirmReturn(item_id=badge.id, actor=it_person))
    assert returned.confirmed_by == "it.person@example.org"
    with pytest.raises(ActionRejected) as refused:
        await case.act(
            ReopenReturn(item_id=badge.id, actor=Actor(email="sam@example.org", role=Role.ASSIGNEE), reason="?")
        )
    assert refused.value.code == "not_permitted"
    await case.act(ReopenReturn(item_id=badge.id, actor=it_person, reason="Badge werkt nog"))


async def test_reopening_needs_a_done_task_and_a_reason(case: CaseDriver):
    task = (await case.view()).tasks[0]
    with pytest.raises(ActionRejected) as refused:
        await case.act(ReopenTask(task_id=task.id, actor=HR, reason="x"))
    assert refused.value.code == "task_not_done"
    with pytest.raises(ValueError):
        ReopenTask(task_id=task.id, actor=HR, reason="  ")


async def test_a_short_notice_case_has_nothing_overdue_the_moment_it_opens(
    time_skipping_env, worker, mail_store, sessions, task_queue
):
    today = date.today()
    tomorrow = add_working_days(today, 1, calendar_for("NL", range(today.year, today.year + 2)))
    case = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue, last_working_day=tomorrow)
    view = await case.view()
    assert view.tasks and all(task.due_date >= tomorrow for task in view.tasks), [
        (t.title, t.due_date) for t in view.tasks
    ]
    assert not any(task.escalated for task in view.tasks)
    row = await eventually(lambda: _row(sessions, case.case_id, published=True))
    async with sessions() as session:
        late = await queries.list_cases(
            session, queries.CaseFilter(search=case.registration.employee.id, overdue_on=today)
        )
    assert late.total == 0 and row.next_due_date >= tomorrow


async def test_a_moved_last_day_lifts_what_is_no_longer_late(case: CaseDriver, sessions):
    view = await case.view()
    # Weeks pass: the tasks fall due and escalate to HR.
    await case.skip_until(datetime.combine(view.last_working_day - timedelta(days=1), datetime.min.time(), tzinfo=UTC))
    escalated = await eventually(lambda: _escalated(case))
    assert escalated
    later = add_working_days(view.last_working_day, 20, calendar_for("NL", range(2026, 2030)))

    after = await case.act(MoveLastDay(actor=HR, last_working_day=later))

    lifted = {t.id for t in after.tasks if t.due_working_days_before is not None and t.state == "open"}
    assert lifted and not any(t.escalated for t in after.tasks if t.id in lifted), (
        "a task due later again is late no more"
    )
    rows = {t.task_id: t for t in await _tasks(sessions, case.case_id)}
    assert not any(rows[task_id].escalated for task_id in lifted)


async def _escalated(case: CaseDriver) -> bool:
    view = await case.view()
    return any(task.escalated for task in view.tasks)


async def test_a_late_or_repeated_write_never_undoes_a_newer_one(sessions, case: CaseDriver):
    publish = ReadModelActivities(sessions).publish_case
    now = datetime.now(UTC)
    task = Task(id="t1", title="Laptop wissen", assignee_email="it@example.org", due_date=date(2027, 1, 20))
    newer = CaseSnapshot(
        case_id=case.case_id,
        version=1000,
        last_working_day=date(2027, 1, 29),
        steps={},
        tasks=[task.model_copy(update={"state": TaskState.DONE})],
        equipment=[],
        events=[PublishedEvent(seq=900, at=now, event="task_done", detail="Laptop wissen")],
    )
    older = newer.model_copy(
        update={
            "version": 999,
            "tasks": [task],
            "events": [PublishedEvent(seq=899, at=now, event="task_added", detail="Laptop wissen")],
        }
    )
    env = ActivityEnvironment()

    await env.run(publish, newer)
    await env.run(publish, older)
    await env.run(publish, newer)

    tasks = await _tasks(sessions, case.case_id)
    assert [(t.task_id, t.state) for t in tasks] == [("t1", "done")], (
        "the older state arrived later and changed nothing"
    )
    events = [(e.seq, e.event) for e in await _events(sessions, case.case_id) if e.seq >= 899]
    assert events == [(899, "task_added"), (900, "task_done")], "every event once, also from the late write"


async def test_cases_from_before_the_read_model_join_it_when_the_worker_asks(
    case: CaseDriver, sessions, time_skipping_env
):
    # As a case opened before the read model: nothing published.
    async with sessions.begin() as session:
        await session.execute(delete(CaseTaskRow).where(CaseTaskRow.case_id == case.case_id))
        await session.execute(delete(CaseItemRow).where(CaseItemRow.case_id == case.case_id))
        await session.execute(delete(CaseEventRow).where(CaseEventRow.case_id == case.case_id))
        await session.execute(
            update(Case).where(Case.id == case.case_id).values(read_version=None, interview_version=None, tasks_total=0)
        )
    assert case.case_id in await backfill.unpublished_cases(sessions)

    await backfill.ask_to_publish(time_skipping_env.client, sessions)

    row = await eventually(lambda: _row(sessions, case.case_id, published=True))
    view = await case.view()
    assert row.tasks_total == len(view.tasks) and len(await _tasks(sessions, case.case_id)) == len(view.tasks)
    assert "case_opened" in [e.event for e in await _events(sessions, case.case_id)]
    await eventually(lambda: _row_with(sessions, case.case_id, interview_status="invited"))
    assert case.case_id not in await backfill.unpublished_cases(sessions)


async def test_the_lists_read_the_read_model_only(case: CaseDriver, sessions):
    """What the pages list is found without asking a workflow: by assignee, by shared mailbox, by custodian."""
    async with sessions() as session:
        # Other tests' departures fill the same lists: each looks for this one by the employee number.
        this_one = case.registration.employee.id
        sams = await queries.tasks_for(session, "SAM@example.org", search=this_one)
        hr_person = await queries.tasks_for(session, "hanna@example.org", frozenset({"hr"}), search=this_one)
        it_person = await queries.items_for(
            session, "it.person@example.org", frozenset({"facilities"}), search=this_one
        )
        nobody = await queries.tasks_for(session, "hanna@example.org", search=this_one)
    assert any(case_row.id == case.case_id for _, case_row in sams.items)
    assert any(case_row.id == case.case_id and task.owner_mailbox == "hr" for task, case_row in hr_person.items)
    assert any(case_row.id == case.case_id for _, case_row in it_person.items)
    assert not any(case_row.id == case.case_id for _, case_row in nobody.items)
    assert hr_person.total >= len([t for t, c in hr_person.items])
