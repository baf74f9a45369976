"""Whole cases walked through weeks of simulated time on the time-skipping server, with real mail and database."""

import os
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import vobject
from sqlalchemy import select

from cases.service import ActionRejected
from models.actors import Actor, Role
from models.handover import (
    AddTask,
    CompleteTask,
    ConfirmReturn,
    FlagForSettlement,
    MoveLastDay,
    ReassignTask,
    Withdraw,
)
from models.interview import (
    AcceptSlot,
    AnswerProposedTime,
    AskOtherInterviewer,
    AssignInterviewer,
    ConfirmInterview,
    DeclineInterview,
    ProposeSlot,
    SubmitInterview,
)
from models.questionnaire import ConsentChoice
from models.registration import Person
from models.tables import InterviewRecordRow
from planning.workdays import add_working_days, calendar_for
from tests.support import eventually
from tests.support.case_driver import FACILITIES, HR, RECORD, STARTED, CaseDriver

ZONE = ZoneInfo("Europe/Amsterdam")
CONSENT = ConsentChoice(scope="advice_only", share_with_manager=True, text_version="2026-11")
SUCCESSOR = {"name": "Sam Peeters", "email": "sam@example.org", "language": "nl"}


def after_last_day(case_view) -> datetime:
    return datetime.combine(case_view.last_working_day + timedelta(days=1), time(8), tzinfo=ZONE)


@pytest.fixture(autouse=True)
async def keep_histories(request, time_skipping_env):
    """With OFFBOARDING_RECORD_HISTORIES=<dir>, each finished scenario leaves its histories for the replay test."""
    STARTED.clear()
    yield
    directory = os.environ.get("OFFBOARDING_RECORD_HISTORIES")
    if directory:
        for number, driver in enumerate(STARTED):
            await driver.save_histories(Path(directory), f"{request.node.name.removeprefix('test_')}-{number}")


@pytest.fixture
async def case(time_skipping_env, worker, mail_store, sessions, task_queue):
    return await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue, successor=SUCCESSOR)


async def test_normal_path_from_registration_to_closing(case: CaseDriver, sessions):
    employee_email = case.registration.employee.work_email
    invitation = (await case.wait_for_mail("interview:invitation", to=employee_email))[0]
    assert "text/calendar" not in invitation.attachments, "proposed times are not meetings (calendar-meetings-v1)"
    assert "/invitation/" in invitation.text
    assert case.mails("tasks_assigned", to="sam@example.org"), "the successor is told of their tasks"
    interview = (await case.view()).interview
    assert interview.status == "invited" and len(interview.proposed_slots) == 3
    slot = interview.proposed_slots[0]
    last_day = (await case.view()).last_working_day
    assert slot.start.astimezone(ZONE).date() < last_day, "never in the last working hours"

    await case.act(AcceptSlot(actor=case.employee, start=slot.start))
    confirmed = (await case.wait_for_mail("interview:interview_confirmed"))[0]
    assert "text/calendar" in confirmed.attachments
    told = (await case.wait_for_mail("interview:interview_scheduled", to="hr@example.org"))[0]
    assert calendar_event(told.calendars[0]) == calendar_event(confirmed.calendars[0]), "one event, in both calendars"

    view = await case.view()
    for task in view.tasks:
        await case.act(CompleteTask(task_id=task.id, actor=HR, comment="done"))
    for item in view.equipment:
        await case.act(ConfirmReturn(item_id=item.id, actor=FACILITIES))

    await case.skip_until(slot.start - timedelta(hours=20))
    reminders = await case.wait_for_mail("interview:interview_reminder", count=2)
    assert {m.to for m in reminders} == {employee_email, "hr@example.org"}
    assert not case.mails("interview:invitation_reminder"), "no invitation reminders once a time is agreed"

    with pytest.raises(ActionRejected, match="recorded from its agreed time on"):
        await case.act(SubmitInterview(actor=HR, record=RECORD, consent=CONSENT))
    assert not (await case.view()).interview.recordable
    await case.reach_agreed_time()
    await case.skip(0.1)
    await case.act(SubmitInterview(actor=HR, record=RECORD, consent=CONSENT))
    thanks = (await case.wait_for_mail("interview:interview_thank_you"))[0]
    assert "/consent/" in thanks.text
    async with sessions() as session:
        row = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case.case_id))
        ).scalar_one()
        assert row.consent_scope == "advice_only" and row.share_with_manager and row.consent_text_version == "2026-11"
        assert row.record["recommend_score"] == 8
        assert row.held_at == slot.start, "held at the agreed time, not when it was recorded"
        assert row.consent_given_at > slot.start, "the consent keeps the moment it was given"

    await case.skip_until(after_last_day(view))
    closed = await case.wait_for_status("closed")
    assert closed.summary == {
        "status": "closed",
        "open_tasks": [],
        "missing_equipment": [],
        "settlement": [],
        "interview_status": "held",
        "reason": "",
    }
    assert closed.interview_status == "held"
    await case.wait_for_mail("case_closed", to="hr@example.org")
    assert not case.mails("task_overdue") and not case.mails("equipment_missing")


async def test_no_answer_at_all_reminds_then_stops_and_escalates(
    time_skipping_env, worker, mail_store, sessions, task_queue
):
    # The badge goes back to a person of its own, who is told of it at the announcement (custodians-told-v1).
    equipment = [{"name": "Laptop"}, {"name": "Badge", "custodian_email": "receptie@example.org"}]
    case = await CaseDriver.start(
        time_skipping_env, mail_store, sessions, task_queue, successor=SUCCESSOR, equipment=equipment
    )
    policy_reminders = 2
    view = await case.view()
    told = await case.wait_for_mail("announcement", to="receptie@example.org")
    assert "- Badge" in told[0].text and "Laptop" not in told[0].text
    badge = next(item.id for item in view.equipment if item.name == "Badge")
    await case.act(FlagForSettlement(item_id=badge, actor=HR, note="Borg"))
    await case.skip_until(after_last_day(view) + timedelta(days=20))
    closed = await case.wait_for_status("closed", timeout=30)

    reminders = case.mails("interview:invitation_reminder")
    assert len(reminders) == policy_reminders
    assert closed.interview_status == "no_response"
    assert case.mails("interview:interview_no_response", to="hr@example.org")
    overdue = case.mails("task_overdue", to="hr@example.org")
    assert len(overdue) == len(view.tasks), "each overdue task escalates to HR once"
    missing = case.mails("equipment_missing", to="hr@example.org")
    assert len(missing) == 1 and "Laptop" in missing[0].text and "Badge" in missing[0].text
    assert case.mails("equipment_reminder", to=case.registration.employee.work_email)
    assert sorted(closed.summary["missing_equipment"]) == ["Badge", "Laptop"]
    assert closed.summary["settlement"] == ["Badge"]
    closing = case.mails("case_closed", to="hr@example.org")[0].text.replace("\r\n", "\n")
    assert (
        "Te verrekenen in de eindafrekening:\n- Badge" in closing or "To settle in the final pay:\n- Badge" in closing
    )
    assert len(closed.summary["open_tasks"]) == len(view.tasks)
    task_reminders = case.mails("task_reminder")
    assert len({m.purpose for m in task_reminders}) == len(task_reminders), "no reminder twice"


async def test_decline_ends_reminders_and_is_recorded(case: CaseDriver):
    await case.wait_for_mail("interview:invitation")
    await case.act(DeclineInterview(actor=case.employee, reason="Liever niet"))
    await case.wait_for_mail("interview:interview_declined", to="hr@example.org")

    await case.skip(20)
    assert not case.mails("interview:invitation_reminder")
    assert (await case.record()).interview_status == "declined"
    with pytest.raises(ActionRejected, match="declined"):
        await case.act(DeclineInterview(actor=case.employee))


async def test_dismissal_waits_for_hr_who_may_skip_with_a_reason(
    time_skipping_env, worker, mail_store, sessions, task_queue
):
    case = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue, departure_type="dismissal")
    await case.wait_for_mail("interview:interview_confirm_request", to="hr@example.org")
    assert not case.mails("interview:invitation"), "no invitation before HR confirms"

    with pytest.raises(ActionRejected, match="reason"):
        await case.act(ConfirmInterview(actor=HR, proceed=False))
    with pytest.raises(ActionRejected, match="only HR"):
        await case.act(ConfirmInterview(actor=case.manager, proceed=False, reason="x"))
    view = await case.act(ConfirmInterview(actor=HR, proceed=False, reason="Relatie verstoord"))

    assert view.status == "skipped" and view.reason == "Relatie verstoord"
    await case.wait_for_interview_status("skipped")
    await case.skip(20)
    assert not case.mails("interview:invitation")


async def test_dismissal_confirmed_by_hr_invites_the_employee(
    time_skipping_env, worker, mail_store, sessions, task_queue
):
    case = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue, departure_type="end_of_contract")
    await case.wait_for_mail("interview:interview_confirm_request")
    await case.act(ConfirmInterview(actor=HR, proceed=True))
    await case.wait_for_mail("interview:invitation", to=case.registration.employee.work_email)


async def test_last_day_moved_later_moves_due_dates_and_closing(case: CaseDriver):
    before = await case.view()
    later = before.last_working_day + timedelta(days=14)
    after = await case.act(MoveLastDay(actor=HR, last_working_day=later, reason="extra overdracht"))

    assert after.last_working_day == later
    for old, new in zip(before.tasks, after.tasks, strict=False):
        assert new.due_date > old.due_date
    moved = await case.wait_for_mail("last_day_moved", count=3)
    assert {m.to for m in moved} == {case.registration.manager.email, "hr@example.org", "facilities@example.org"}
    assert (await case.record()).last_working_day == later

    await case.skip_until(after_last_day(before))
    assert (await case.record()).status == "open", "the case follows the new date"
    assert not case.mails("equipment_missing")
    await case.skip_until(after_last_day(after) + timedelta(days=20))
    await case.wait_for_status("closed", timeout=30)
    assert len(case.mails("equipment_missing")) == 1


async def test_last_day_moved_earlier_reinvites_and_closes_sooner(case: CaseDriver):
    await case.wait_for_mail("interview:invitation")
    before = await case.view()
    earlier = before.last_working_day - timedelta(days=14)
    after = await case.act(MoveLastDay(actor=HR, last_working_day=earlier))

    assert all(new.due_date < old.due_date for old, new in zip(before.tasks, after.tasks, strict=False))
    await case.wait_for_mail(f"interview:invitation:{earlier.isoformat()}")
    interview = (await case.view()).interview
    assert all(slot.start.astimezone(ZONE).date() < earlier for slot in interview.proposed_slots)

    await case.skip_until(after_last_day(after) + timedelta(days=20))
    closed = await case.wait_for_status("closed", timeout=30)
    assert closed.closed_at.date() < before.last_working_day


def calendar_event(text: str) -> tuple:
    """Read with vobject, not the icalendar library that wrote it: the method and what identifies the event."""
    calendar = vobject.readOne(text)
    event = calendar.vevent
    return calendar.method.value, event.uid.value, int(event.sequence.value), event.status.value, event.dtstart.value


async def test_a_moved_last_day_cancels_the_agreed_time_and_a_withdrawal_the_next_one(case: CaseDriver):
    employee = case.registration.employee.work_email
    await case.wait_for_mail("interview:invitation")
    slot = (await case.view()).interview.proposed_slots[0]
    await case.act(AcceptSlot(actor=case.employee, start=slot.start))
    method, uid, first, status, start = calendar_event(
        (await case.wait_for_mail("interview:interview_confirmed"))[0].calendars[0]
    )
    assert (method, status, start) == ("REQUEST", "CONFIRMED", slot.start)

    earlier = (await case.view()).last_working_day - timedelta(days=14)
    await case.act(MoveLastDay(actor=HR, last_working_day=earlier))
    cancelled = await case.wait_for_mail("interview:interview_cancelled", count=2)
    assert {m.to for m in cancelled} == {employee, "hr@example.org"}
    assert {calendar_event(m.calendars[0])[:4] for m in cancelled} == {("CANCEL", uid, first + 1, "CANCELLED")}
    assert "laatste werkdag is verschoven" in next(m for m in cancelled if m.to == employee).text
    reinvited = (await case.wait_for_mail(f"interview:invitation:{earlier.isoformat()}"))[0]
    assert not reinvited.calendars

    again = (await case.view()).interview.proposed_slots[-1]
    await case.act(AcceptSlot(actor=case.employee, start=again.start))
    confirmed = await case.wait_for_mail(f"interview:interview_confirmed:{again.start.isoformat()}")
    assert calendar_event(confirmed[0].calendars[0]) == ("REQUEST", uid, first + 2, "CONFIRMED", again.start)

    await case.act(Withdraw(actor=HR, reason="Blijft toch"))
    await case.wait_for_status("withdrawn")
    withdrawn = [m for m in await case.wait_for_mail("interview:interview_cancelled", count=4) if m not in cancelled]
    assert {m.to for m in withdrawn} == {employee, "hr@example.org"}
    assert {calendar_event(m.calendars[0])[:4] for m in withdrawn} == {("CANCEL", uid, first + 3, "CANCELLED")}
    assert "ingetrokken" in next(m for m in withdrawn if m.to == "hr@example.org").text


async def test_one_day_notice_offers_an_online_talk_before_the_last_working_hours(
    time_skipping_env, worker, mail_store, sessions, task_queue
):
    # Registered at 09:00 on a working day whose next working day is the last: a short online talk that afternoon
    # (the policy's 30 minutes) comes first, then one on the last day's morning, ending before its last hours.
    today = datetime.now(ZONE).date()
    work_calendar = calendar_for("NL", range(today.year, today.year + 2))
    registered_on = add_working_days(today, 1, work_calendar)
    last_day = add_working_days(registered_on, 1, work_calendar)
    at_nine = datetime.combine(registered_on, time(9), tzinfo=ZONE)
    await time_skipping_env.sleep(at_nine - await time_skipping_env.get_current_time())
    case = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue, last_working_day=last_day)
    invitation = (await case.wait_for_mail("interview:invitation"))[0]
    view = await case.view()
    assert view.interview.short_notice
    offered = [(s.online, s.start.astimezone(ZONE), s.end.astimezone(ZONE)) for s in view.interview.proposed_slots]
    assert [(online, start.date(), start.time(), end.time()) for online, start, end in offered] == [
        (True, registered_on, time(14), time(14, 30)),
        (True, last_day, time(10), time(11)),
    ], "the day before first, short; never in the last working hours"
    words = " ".join(invitation.text.split())
    assert "om 14:00 tot 14:30 (online)" in words and "om 10:00 tot 11:00 (online)" in words, words
    assert "Het gesprek duurt ongeveer 60 minuten" in words
    assert "Het korte online gesprek de dag ervoor duurt 30 minuten." in words

    short_talk = view.interview.proposed_slots[0]
    await case.act(AcceptSlot(actor=case.employee, start=short_talk.start))
    confirmed = (await case.wait_for_mail("interview:interview_confirmed"))[0]
    event = vobject.readOne(confirmed.calendars[0]).vevent
    assert event.dtend.value - event.dtstart.value == timedelta(minutes=30)
    assert event.location.value == "Online"


async def test_withdrawal_cancels_the_case_and_tells_people(case: CaseDriver):
    await case.wait_for_mail("interview:invitation")
    assignees = {task.assignee_email for task in (await case.view()).tasks}
    await case.act(Withdraw(actor=HR, reason="Blijft toch"))

    withdrawn = await case.wait_for_status("withdrawn")
    assert withdrawn.summary["reason"] == "Blijft toch"
    # Everyone involved hears of it: the manager, HR, IT/facilities and whoever still had a task open.
    involved = {
        "hr@example.org",
        "facilities@example.org",
        case.registration.manager.email,
        "sam@example.org",
    } | assignees
    told = await case.wait_for_mail("case_withdrawn", count=len(involved))
    assert {m.to for m in told} == involved
    mails_before = len(case.mails())
    await case.skip(60)
    assert len(case.mails()) == mails_before, "no reminder after a withdrawal"
    assert (await case.view()).interview.status == "cancelled"
    with pytest.raises(ActionRejected):
        await case.act(Withdraw(actor=HR))


async def test_task_updates_are_validated(case: CaseDriver):
    view = await case.view()
    successor_task = next(t for t in view.tasks if t.assignee_email == "sam@example.org")
    stranger = Actor(email="someone@example.org", role=Role.ASSIGNEE)

    with pytest.raises(ActionRejected, match="unknown task"):
        await case.act(CompleteTask(task_id="t999", actor=HR))
    with pytest.raises(ActionRejected, match="may not"):
        await case.act(CompleteTask(task_id=successor_task.id, actor=stranger))
    done = await case.act(
        CompleteTask(task_id=successor_task.id, actor=Actor(email="sam@example.org", role=Role.ASSIGNEE))
    )
    assert done.state == "done" and done.completed_by == "sam@example.org"
    with pytest.raises(ActionRejected, match="already done"):
        await case.act(CompleteTask(task_id=successor_task.id, actor=HR))

    manager_task = next(t for t in view.tasks if t.assignee_email == case.registration.manager.email)
    moved = await case.act(ReassignTask(task_id=manager_task.id, actor=case.manager, assignee_email="kim@example.org"))
    assert moved.assignee_email == "kim@example.org"
    await case.wait_for_mail(f"task_assigned:{manager_task.id}", to="kim@example.org")

    added = await case.act(
        AddTask(
            actor=case.manager, title="Klantenlijst delen", assignee_email="sam@example.org", due_working_days_before=2
        )
    )
    assert added.title == "Klantenlijst delen" and added.due_date < view.last_working_day
    with pytest.raises(ActionRejected, match="may not"):
        await case.act(AddTask(actor=stranger, title="x", assignee_email="sam@example.org", due_working_days_before=1))
    with pytest.raises(ActionRejected, match="unknown equipment"):
        await case.act(ConfirmReturn(item_id="e99", actor=FACILITIES))
    with pytest.raises(ActionRejected, match="may not"):
        await case.act(ConfirmReturn(item_id="e1", actor=stranger))


async def test_interview_updates_are_validated(case: CaseDriver):
    await case.wait_for_mail("interview:invitation")
    from models.interview import AssignInterviewer, ProposeSlot
    from models.registration import Person

    with pytest.raises(ActionRejected, match="direct manager"):
        await case.act(
            AssignInterviewer(actor=HR, interviewer=Person(name="Bram", email=case.registration.manager.email)),
        )
    with pytest.raises(ActionRejected, match="not the leaving employee"):
        await case.act(DeclineInterview(actor=case.manager))
    with pytest.raises(ActionRejected, match="not one of the proposed"):
        await case.act(AcceptSlot(actor=case.employee, start=datetime(2030, 1, 1, tzinfo=UTC)))
    with pytest.raises(ActionRejected, match="no time is agreed"):
        await case.act(SubmitInterview(actor=HR, record=RECORD, consent=CONSENT))
    last_day = (await case.view()).last_working_day
    in_last_hours = datetime.combine(last_day, time(15), tzinfo=ZONE)
    with pytest.raises(ActionRejected, match="last working hours"):
        await case.act(ProposeSlot(actor=case.employee, start=in_last_hours))
    with pytest.raises(ActionRejected, match="must end by 13:00"):
        await case.act(ProposeSlot(actor=case.employee, start=in_last_hours, online=True))
    online = await case.act(
        ProposeSlot(actor=case.employee, start=datetime.combine(last_day, time(10), tzinfo=ZONE), online=True)
    )
    assert online.status == "scheduled" and online.scheduled.online
    with pytest.raises(ActionRejected, match="recorded from its agreed time on"):
        await case.act(SubmitInterview(actor=HR, record=RECORD, consent=CONSENT))
    await case.reach_agreed_time()
    tomorrow = online.scheduled.start.astimezone(ZONE).date() + timedelta(days=1)
    with pytest.raises(ActionRejected, match="is in the future"):
        await case.act(SubmitInterview(actor=HR, record=RECORD, consent=CONSENT, held_on=tomorrow))
    with pytest.raises(ActionRejected, match="before the invitation"):
        await case.act(SubmitInterview(actor=HR, record=RECORD, consent=CONSENT, held_on=date(2020, 1, 6)))
    stale = ConsentChoice(scope="nothing", share_with_manager=False, text_version="2020-01")
    with pytest.raises(ActionRejected, match="text version"):
        await case.act(SubmitInterview(actor=HR, record=RECORD, consent=stale))
    with pytest.raises(ActionRejected, match="not the interviewer"):
        await case.act(SubmitInterview(actor=case.manager, record=RECORD, consent=CONSENT))


async def test_team_announcement_goes_out_on_the_chosen_date(
    time_skipping_env, worker, mail_store, sessions, task_queue
):
    from datetime import date

    announce_on = date.today() + timedelta(days=10)
    case = await CaseDriver.start(
        time_skipping_env,
        mail_store,
        sessions,
        task_queue,
        team_announcement_date=announce_on.isoformat(),
        team_email="team-finance@example.org",
    )
    await case.skip(5)
    assert not case.mails("team_announcement")
    await case.skip_until(datetime.combine(announce_on, time(10), tzinfo=ZONE))
    mail = (await case.wait_for_mail("team_announcement", to="team-finance@example.org"))[0]
    assert "Anouk de Vries" in mail.text
    assert (await case.view()).steps["announcement"] == "done"


async def test_after_the_last_day_the_private_address_is_used(case: CaseDriver):
    from models.interview import ProposeSlot
    from planning.workdays import add_working_days, calendar_for

    await case.wait_for_mail("interview:invitation", to=case.registration.employee.work_email)
    last_day = (await case.view()).last_working_day
    day_after = add_working_days(last_day, 2, calendar_for("NL", range(last_day.year, last_day.year + 2)))
    start = datetime.combine(day_after, time(11), tzinfo=ZONE)
    await case.act(ProposeSlot(actor=case.employee, start=start, online=True))

    await case.skip_until(start - timedelta(hours=20))
    reminder = await case.wait_for_mail("interview:interview_reminder", to="anouk@example.net")
    assert reminder, "the work mailbox may be gone after the last day"
    assert not case.mails("interview:interview_reminder", to=case.registration.employee.work_email)


async def test_reminder_count_and_spacing_follow_the_organisation_policy(
    time_skipping_env, worker, mail_store, sessions, task_queue, settings
):
    from models.policy import Policy
    from organisation import store

    async with sessions.begin() as session:
        await store.update_policy(
            session, settings, Policy(invitation_reminder_count=4, invitation_reminder_interval_days=2)
        )
    try:
        case = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue)
        await case.wait_for_mail("interview:invitation")
        seen = []
        for _ in range(6):
            await case.skip(2.01)
            await case.wait_for_mail("interview:invitation_reminder", count=min(len(seen) + 1, 4))
            seen.append(len(case.mails("interview:invitation_reminder")))
    finally:
        async with sessions.begin() as session:
            await store.update_policy(session, settings, Policy())
    assert seen == [1, 2, 3, 4, 4, 4], "one reminder every two days, four in all"


async def test_checklist_templates_apply_by_department_and_role(
    time_skipping_env, worker, mail_store, sessions, task_queue
):
    from models.handover import ChecklistTemplateIn
    from organisation import checklists

    async with sessions.begin() as session:
        finance = await checklists.create(
            session,
            ChecklistTemplateIn(
                name="Finance",
                department="Finance",
                items=[{"title": "Volmachten bank intrekken", "assignee": "hr", "due_working_days_before": 1}],
            ),
        )
        sales = await checklists.create(
            session,
            ChecklistTemplateIn(
                name="Sales",
                department="Sales",
                items=[{"title": "CRM-klanten overdragen", "assignee": "successor", "due_working_days_before": 3}],
            ),
        )
    try:
        case = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue)
        titles = {task.title for task in (await case.view()).tasks}
    finally:
        async with sessions.begin() as session:
            await checklists.delete(session, finance.id)
            await checklists.delete(session, sales.id)
    assert "Volmachten bank intrekken" in titles
    assert "CRM-klanten overdragen" not in titles
    assert any(title.startswith("Eindafrekening opmaken") for title in titles), "departure documents are HR tasks"


async def test_the_last_day_moves_after_the_interview_has_ended(case: CaseDriver):
    await case.wait_for_mail("interview:invitation")
    await case.act(DeclineInterview(actor=case.employee))
    await case.wait_for_interview_status("declined")
    await case.skip(1)
    later = (await case.view()).last_working_day + timedelta(days=7)

    moved = await case.act(MoveLastDay(actor=HR, last_working_day=later))

    assert moved.last_working_day == later
    await case.wait_for_mail(f"last_day_moved:{later.isoformat()}", count=3)


async def test_a_withdrawal_right_after_registration_still_ends_the_interview(case: CaseDriver):
    # No waiting for the invitation: the withdrawal may reach the interview while it is sending.
    await case.act(Withdraw(actor=HR, reason="Blijft toch"))

    # The announcement, the interview's start and its cancellation all come first: generous under a loaded suite.
    await case.wait_for_status("withdrawn", timeout=60)
    interview = await eventually(lambda: _cancelled_interview(case))
    assert interview.status == "cancelled"


async def _cancelled_interview(case: CaseDriver):
    view = await case.view()
    return view.interview if view.interview and view.interview.status == "cancelled" else None


async def test_who_holds_the_interview_and_when_they_are_free(
    time_skipping_env, worker, mail_store, sessions, task_queue
):
    """The interviewer's agenda decides a proposed time (interviewer-availability-v1); the employee asks for someone
    else; HR chooses the direct manager as the fallback, with a reason; the interview is held and the case closes,
    without a main-points mail to the manager who was there (manager-main-points-v1)."""
    ilse = Person(name="Ilse Maes", email="ilse.maes@example.org", language="nl")
    first = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue)
    second = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue)
    for driver in (first, second):
        await driver.wait_for_mail("interview:invitation")
        await driver.act(AssignInterviewer(actor=HR, interviewer=ilse))
    moment = (await first.view()).interview.proposed_slots[0].start
    await first.act(ProposeSlot(actor=first.employee, start=moment))
    assert (await first.view()).interview.status == "scheduled"

    waiting = await second.act(ProposeSlot(actor=second.employee, start=moment))
    assert waiting.status == "invited" and waiting.pending_conflict == "other_interview"
    await second.wait_for_mail("interview:interview_time_proposed", to=ilse.email)
    await second.act(AnswerProposedTime(actor=Actor(email=ilse.email, role=Role.INTERVIEWER), accept=False))
    await second.wait_for_mail("interview:invitation:time_declined")

    await second.act(AskOtherInterviewer(actor=second.employee, reason="Liever iemand anders"))
    await second.wait_for_mail("interview:interviewer_change_asked", to="hr@example.org")
    manager = second.registration.manager
    await second.act(
        AssignInterviewer(
            actor=HR,
            interviewer=Person(name=manager.name, email=manager.email, language=manager.language),
            manager_reason="Geen HR-collega zonder directe band beschikbaar",
        )
    )
    await second.wait_for_mail("interview:invitation:interviewer")
    slot = (await second.view()).interview.proposed_slots[0]
    await second.act(AcceptSlot(actor=second.employee, start=slot.start))
    await second.reach_agreed_time()
    await second.act(
        SubmitInterview(
            actor=second.manager.model_copy(update={"role": Role.INTERVIEWER}), record=RECORD, consent=CONSENT
        )
    )
    view = await second.view()
    for task in view.tasks:
        await second.act(CompleteTask(task_id=task.id, actor=HR, comment="done"))
    for item in view.equipment:
        await second.act(ConfirmReturn(item_id=item.id, actor=FACILITIES))
    await second.skip_until(after_last_day(view))
    closed = await second.wait_for_status("closed")
    assert closed.interview_status == "held"
    # The employee agreed that the main points reach the manager, who held the interview: no mail tells them.
    assert second.mails("interview:interview_thank_you") and second.mails("interview:main_points") == []
