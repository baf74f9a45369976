"""The report and its management review on the time-skipping server, with the real mail sink and database.

Each test reports on its own past quarter, so the cases seeded for one never count in another."""

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from temporalio.client import WorkflowExecutionStatus
from temporalio.worker import Replayer

from activities.mail_templates import MailTemplates
from activities.reports import ReportActivities
from cases.errors import CaseUnavailable
from cases.service import ActionRejected
from models.actors import Actor, Role
from models.report import (
    AddAction,
    AddFinding,
    ApproveReport,
    ChangeAction,
    CompileReportInput,
    CompleteAction,
    ReportFigures,
    ReportMailRequest,
    ReportPolicy,
    ReportStatus,
    ScheduledReportInput,
)
from privacy.codec import decoded_history
from reports import periods, service, settings_store
from reports.tables import ReportActionRow, ReportRow
from tests.support import eventually
from tests.support.report import (
    configure,
    csv_rows,
    seed_quarter,
    start_period,
    today_on_server,
)
from worker import WORKFLOWS, workflow_runner
from workflows.report import ReportWorkflow, ScheduledReportWorkflow
from workflows.review import ReviewWorkflow

BOARD = Actor(email="board@example.org", role=Role.MANAGER)
CEO = Actor(email="ceo@example.org", role=Role.MANAGER)
OWNER = Actor(email="owner@example.org", role=Role.MANAGER)
STRANGER = Actor(email="stranger@example.org", role=Role.MANAGER)
HR = Actor(email="hr@example.org", role=Role.HR)


async def start_and_wait_for_review(env, sessions, settings, task_queue, period: str) -> str:
    started = await start_period(env, sessions, settings, task_queue, period)
    assert started.created

    async def review_started():
        try:
            return await service.review_view(env.client, started.report_id)
        except CaseUnavailable:  # its first workflow task may still wait for a busy worker: not started yet
            return None

    await eventually(review_started, timeout=60)
    return started.report_id


def mails(mail_store, purpose: str, to: str | None = None):
    return [m for m in mail_store.all() if m.purpose == purpose and (to is None or m.to == to)]


async def test_a_report_for_a_period_is_stored_and_mailed_to_the_reviewers_with_its_pdf(
    time_skipping_env, worker, task_queue, sessions, mail_store, settings
):
    await configure(sessions)
    start = date(2011, 1, 1)
    await seed_quarter(sessions, start)

    report_id = await start_and_wait_for_review(time_skipping_env, sessions, settings, task_queue, "2011-Q1")

    assert report_id == "report-2011-01-01-2011-03-31"
    with pytest.raises(service.PeriodRefused, match="2011-Q1 has been reported already"):
        await start_period(time_skipping_env, sessions, settings, task_queue, "2011-Q1")
    ready = await eventually(
        lambda: len(mails(mail_store, "r1:report_ready")) == 2 and mails(mail_store, "r1:report_ready")
    )
    by_recipient = {m.to: m for m in ready}
    assert by_recipient["board@example.org"].language == "nl" and "2011-Q1" in by_recipient["board@example.org"].subject
    assert by_recipient["ceo@example.org"].language == "en" and "review" in by_recipient["ceo@example.org"].subject
    assert all(m.attachments == ("application/pdf",) for m in ready)
    assert all(f"/reports/{report_id}/review" in m.text for m in ready)  # where they review it
    async with sessions() as session:
        row = await session.get(ReportRow, report_id)
        assert row.status == "in_review" and row.revision == 1
        figures = ReportFigures.model_validate(row.figures)
        assert figures.respondents == 6 and figures.departures_by_type.total == 7
        html = await service.report_html(session, report_id, "en")
        pdf = await service.report_pdf(session, report_id, "nl")
        csv = await service.report_csv(session, report_id)
    assert "Exit interview report 2011-Q1" in html and "<svg" in html
    assert pdf.startswith(b"%PDF")
    rows = csv_rows(csv)
    assert list(rows[0]) == ["section", "dimension", "key", "measure", "value", "base", "suppressed"]
    # One decline is too few to show; held is hidden with it, or the decline would follow from 7 - 6. Neither is named.
    outcomes = [
        (r["key"], r["measure"], r["value"])
        for r in rows
        if (r["section"], r["dimension"]) == ("interviews", "outcome")
    ]
    assert outcomes == [("total", "count", "7"), ("", "other_groups", "7")]
    assert any(
        (r["section"], r["dimension"], r["measure"], r["value"], r["base"])
        == ("ratings", "work_content", "mean", "4.0", "6")
        for r in rows
    )
    assert "Fijne collega" not in csv


async def test_review_updates_are_validated_and_hr_is_told_on_approval(
    time_skipping_env, worker, task_queue, sessions, mail_store, settings
):
    await configure(sessions)
    await seed_quarter(sessions, date(2011, 4, 1))
    report_id = await start_and_wait_for_review(time_skipping_env, sessions, settings, task_queue, "2011-Q2")
    client, today = time_skipping_env.client, await today_on_server(time_skipping_env)

    async def act(update, payload):
        return await service.act_on_review(client, report_id, update, payload)

    with pytest.raises(ActionRejected, match="not a reviewer"):
        await act("add_finding", AddFinding(actor=STRANGER, text="Ik kijk mee"))
    with pytest.raises(ActionRejected, match="not in the future"):
        await act(
            "add_action", AddAction(actor=BOARD, text="Exitbeleid herzien", owner_email=OWNER.email, due_date=today)
        )
    with pytest.raises(ValidationError):
        AddFinding(actor=BOARD, text="   ")

    finding = await act("add_finding", AddFinding(actor=BOARD, text="Werkdruk in Finance valt op"))
    action = await act(
        "add_action",
        AddAction(
            actor=CEO, text="Werkdruk Finance onderzoeken", owner_email=OWNER.email, due_date=today + timedelta(days=30)
        ),
    )
    assert (finding["id"], action["id"]) == ("f1", "a1")
    await eventually(lambda: mails(mail_store, "r1:action_assigned:a1", OWNER.email))

    await act("approve", ApproveReport(actor=CEO, comment="Akkoord"))
    with pytest.raises(ActionRejected, match="already approved by ceo@example.org"):
        await act("approve", ApproveReport(actor=BOARD))
    with pytest.raises(ActionRejected, match="already approved"):
        await act("add_finding", AddFinding(actor=BOARD, text="Nog iets"))

    told = await eventually(lambda: mails(mail_store, "r1:report_approved", "hr@example.org"))
    assert len(told) == 1 and told[0].language == "nl"
    assert (
        "ceo@example.org" in told[0].text
        and "Werkdruk in Finance valt op" in told[0].text
        and "Werkdruk Finance onderzoeken" in told[0].text
    )
    async with sessions() as session:
        row = await session.get(ReportRow, report_id)
        assert (row.status, row.approved_by) == ("approved", "ceo@example.org")

    with pytest.raises(ActionRejected, match="neither the owner"):
        await act("complete_action", CompleteAction(actor=STRANGER, action_id="a1"))
    with pytest.raises(ActionRejected, match="unknown action"):
        await act("complete_action", CompleteAction(actor=OWNER, action_id="a9"))
    await act("complete_action", CompleteAction(actor=OWNER, action_id="a1", note="Gesprekken gevoerd"))

    # Approved and every action done: the review, and with it the report workflow, ends.
    outcome = await eventually(lambda: _result_if_done(client, report_id))
    assert outcome.status.value == "approved"
    with pytest.raises(ActionRejected, match="has ended"):
        await act("complete_action", CompleteAction(actor=OWNER, action_id="a1"))
    async with sessions() as session:
        stored = (
            await session.execute(select(ReportActionRow).where(ReportActionRow.report_id == report_id))
        ).scalar_one()
        assert stored.completed_by == OWNER.email and stored.completed_at is not None
    await replay(client, report_id)


async def replay(client, report_id: str) -> None:
    """Both workflows' histories replay against the code: nothing in them is non-deterministic."""
    replayer = Replayer(workflows=WORKFLOWS, data_converter=client.data_converter, workflow_runner=workflow_runner())
    for workflow_id in (report_id, ReviewWorkflow.id_for(report_id)):
        await replayer.replay_workflow(await client.get_workflow_handle(workflow_id).fetch_history())


async def _result_if_done(client, report_id):
    handle = client.get_workflow_handle_for(ReportWorkflow.run, report_id)
    if (await handle.describe()).status != WorkflowExecutionStatus.COMPLETED:
        return None
    return await handle.result()


async def test_reviewers_who_have_not_acted_and_action_owners_are_reminded(
    time_skipping_env, worker, task_queue, sessions, mail_store, settings
):
    await configure(
        sessions, review_reminder_interval_days=7, review_reminder_count=2, action_reminder_days_before_due=3
    )
    await seed_quarter(sessions, date(2011, 7, 1))
    report_id = await start_and_wait_for_review(time_skipping_env, sessions, settings, task_queue, "2011-Q3")
    today = await today_on_server(time_skipping_env)
    await service.act_on_review(
        time_skipping_env.client,
        report_id,
        "add_action",
        AddAction(
            actor=BOARD,
            text="Onboarding verbeteren",
            owner_email=OWNER.email,
            owner_language="en",
            due_date=today + timedelta(days=20),
        ),
    )

    await time_skipping_env.sleep(timedelta(days=7, hours=1))
    first = await eventually(lambda: mails(mail_store, "r1:review_reminder:1"))
    await time_skipping_env.sleep(timedelta(days=7))
    second = await eventually(lambda: mails(mail_store, "r1:review_reminder:2"))
    # The board member acted (an action); only the CEO, who did nothing, is reminded.
    assert [m.to for m in first] == ["ceo@example.org"] and [m.to for m in second] == ["ceo@example.org"]
    assert first[0].language == "en"

    await time_skipping_env.sleep(timedelta(days=5))
    owner_reminders = await eventually(
        lambda: [m for m in mail_store.all() if m.purpose.startswith("r1:action_reminder:a1") and m.to == OWNER.email]
    )
    assert len(owner_reminders) == 1 and owner_reminders[0].language == "en"
    await time_skipping_env.sleep(timedelta(days=20))
    view = await service.review_view(time_skipping_env.client, report_id)
    assert view.reminders_sent == 2
    assert len(mails(mail_store, "r1:review_reminder:3")) == 0
    assert len([m for m in mail_store.all() if m.purpose.startswith("r1:action_reminder")]) == 1
    await replay(time_skipping_env.client, report_id)


async def test_the_next_report_opens_with_the_state_of_earlier_actions(
    time_skipping_env, worker, task_queue, sessions, mail_store, settings
):
    await configure(sessions)
    await seed_quarter(sessions, date(2012, 1, 1))
    await seed_quarter(sessions, date(2012, 4, 1))
    first = await start_and_wait_for_review(time_skipping_env, sessions, settings, task_queue, "2012-Q1")
    client, today = time_skipping_env.client, await today_on_server(time_skipping_env)
    for text, days in (
        ("Exitgesprekken vaker online aanbieden", 10),
        ("Beloningsbeleid herzien", 30),
        ("Loopbaanpaden beschrijven", 120),
    ):
        await service.act_on_review(
            client,
            first,
            "add_action",
            AddAction(actor=BOARD, text=text, owner_email=OWNER.email, due_date=today + timedelta(days=days)),
        )
    await service.act_on_review(client, first, "complete_action", CompleteAction(actor=OWNER, action_id="a1"))
    await service.act_on_review(client, first, "approve", ApproveReport(actor=BOARD))

    await time_skipping_env.sleep(timedelta(days=40))
    second = await start_and_wait_for_review(time_skipping_env, sessions, settings, task_queue, "2012-Q2")

    async with sessions() as session:
        figures = await service.figures(session, second)
        html = await service.report_html(session, second, "nl")
    earlier = {a.text: a.state.value for a in figures.earlier_actions if a.report_label == "2012-Q1"}
    assert earlier == {
        "Exitgesprekken vaker online aanbieden": "done",
        "Beloningsbeleid herzien": "late",
        "Loopbaanpaden beschrijven": "open",
    }
    assert "Acties uit eerdere rapportages" in html and "Te laat" in html
    # The earlier review is still open for its unfinished actions.
    assert (await service.review_view(client, first)).approval is not None


async def test_without_reviewers_the_report_goes_to_hr(
    time_skipping_env, worker, task_queue, sessions, mail_store, settings
):
    async with sessions.begin() as session:
        await settings_store.update(session, ReportPolicy())
    await seed_quarter(sessions, date(2012, 7, 1))
    started = await start_period(time_skipping_env, sessions, settings, task_queue, "2012-Q3")

    sent = await eventually(lambda: mails(mail_store, "r1:report_ready"), timeout=60)
    assert [m.to for m in sent] == ["hr@example.org"] and sent[0].attachments == ("application/pdf",)
    assert "review" not in sent[0].text

    async def published():
        async with sessions() as session:
            return (await session.get(ReportRow, started.report_id)).status == "published"

    await eventually(published)


async def test_a_retried_report_mail_is_not_sent_again(settings, sessions, mail_store):
    activities = ReportActivities(settings, sessions, MailTemplates())
    start, end = date(2013, 1, 1), date(2013, 3, 31)
    compile_input = CompileReportInput(
        report_id="report-2013-01-01-2013-03-31",
        run_id="run-1",
        start=start,
        end=end,
        timezone="Europe/Amsterdam",
        min_group_size=5,
        requested_by="hr",
        as_of=datetime.now(UTC),
    )
    summary = await activities.compile_report(compile_input)
    assert await activities.compile_report(compile_input) == summary  # a retried compile finds its own work
    request = ReportMailRequest(
        report_id=compile_input.report_id,
        purpose="r1:report_ready",
        template="report_ready",
        to="board@example.org",
        language="en",
        context={
            "organisation_name": "Voorbeeld BV",
            "report_url": "http://x/reports/1",
            "period_label": summary.label,
            "departures": 0,
            "respondents": 0,
            "response_rate": None,
            "has_review": True,
        },
        attach_report=True,
    )

    first = await activities.send_report_mail(request)
    second = await activities.send_report_mail(request)

    assert not first.already_sent and second.already_sent and first.message_id == second.message_id
    [sent] = mail_store.all()
    assert sent.attachments == ("application/pdf",) and sent.language == "en"
    # Another run for the same period changes nothing: the report is kept as it was made.
    rerun = await activities.compile_report(compile_input.model_copy(update={"run_id": "run-2"}))
    assert rerun == summary.model_copy(update={"kept_status": ReportStatus.COMPILED})


async def test_the_schedule_makes_the_report_of_the_period_just_ended_once(
    time_skipping_env, worker, task_queue, sessions
):
    # Half-years: the quarter just ended is the dev-server schedule test's (tests/reports/test_report_schedule.py).
    async with sessions.begin() as session:
        await settings_store.update(session, ReportPolicy(report_period="half_year"))
    today = periods.local_date(await time_skipping_env.get_current_time(), "Europe/Amsterdam")
    report_id = periods.report_id(*periods.period_just_ended(today, "half_year"))

    async def trigger(number: int) -> str:
        return await time_skipping_env.client.execute_workflow(
            ScheduledReportWorkflow.run,
            ScheduledReportInput(period="half_year", timezone="Europe/Amsterdam"),
            id=f"report-schedule-{task_queue}-{number}",
            task_queue=task_queue,
        )

    assert await trigger(1) == report_id

    async def stored():
        async with sessions() as session:
            return await session.get(ReportRow, report_id) is not None

    await eventually(stored, timeout=60)
    assert await trigger(2) == ""
    async with sessions.begin() as session:
        await settings_store.update(session, ReportPolicy())


async def keep_histories(client, report_id: str, name: str) -> None:
    """With OFFBOARDING_RECORD_HISTORIES=<dir>, leave the report's and its review's histories for the replay test."""
    directory = os.environ.get("OFFBOARDING_RECORD_HISTORIES")
    if not directory:
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    for suffix, workflow_id in (("report", report_id), ("review", ReviewWorkflow.id_for(report_id))):
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        history = await decoded_history(history, client.data_converter.payload_codec)
        recorded = {"workflow_id": workflow_id, **json.loads(history.to_json())}
        (Path(directory) / f"{name}.{suffix}.json").write_text(json.dumps(recorded, indent=1))


async def test_an_action_past_its_due_date_is_escalated_to_the_reviewers_and_hr(
    time_skipping_env, worker, task_queue, sessions, mail_store, settings
):
    await configure(
        sessions, review_reminder_interval_days=14, review_reminder_count=1, action_reminder_days_before_due=3
    )
    await seed_quarter(sessions, date(2013, 4, 1))
    report_id = await start_and_wait_for_review(time_skipping_env, sessions, settings, task_queue, "2013-Q2")
    client, today = time_skipping_env.client, await today_on_server(time_skipping_env)

    async def act(update, payload):
        return await service.act_on_review(client, report_id, update, payload)

    await act("add_finding", AddFinding(actor=BOARD, text="Weinig respons in Finance"))
    due = today + timedelta(days=10)
    await act(
        "add_action", AddAction(actor=BOARD, text="Respons Finance verhogen", owner_email=OWNER.email, due_date=due)
    )
    await time_skipping_env.sleep(timedelta(days=15))
    [reminder] = await eventually(
        lambda: [m for m in mail_store.all() if m.purpose.startswith("r1:action_reminder:a1")]
    )
    assert f"/my/tasks#action-{report_id}-a1" in reminder.text
    # The CEO, who has not acted, is reminded of the review after the action's due date has passed.
    await eventually(lambda: mails(mail_store, "r1:review_reminder:1", CEO.email))
    # The day after the due date, the reviewers and HR hear that it is still open, with the way to it; once each.
    overdue = mails(mail_store, f"r1:action_overdue:a1:{due}")
    assert {m.to: m.language for m in overdue} == {
        "board@example.org": "nl",
        "ceo@example.org": "en",
        "hr@example.org": "nl",
    }
    assert all(f"/reports/{report_id}/review#action-a1" in m.text and OWNER.email in m.text for m in overdue)
    await act("approve", ApproveReport(actor=CEO))
    await time_skipping_env.sleep(timedelta(days=10))
    assert len([m for m in mail_store.all() if "action_overdue" in m.purpose]) == 3
    await act("complete_action", CompleteAction(actor=OWNER, action_id="a1"))
    await eventually(lambda: _result_if_done(client, report_id))
    await replay(client, report_id)
    await keep_histories(client, report_id, "an_action_past_its_due_date-escalations")


async def test_an_action_given_to_another_owner_with_a_later_due_date_is_reminded_and_escalated_anew(
    time_skipping_env, worker, task_queue, sessions, mail_store, settings
):
    """The owner of an action leaves: a reviewer gives it to a colleague and moves its due date. The colleague is
    mailed the action; the reminder and the escalation follow the new date and the new owner, not the old ones."""
    await configure(
        sessions, review_reminder_interval_days=60, review_reminder_count=1, action_reminder_days_before_due=3
    )
    await seed_quarter(sessions, date(2015, 1, 1))
    report_id = await start_and_wait_for_review(time_skipping_env, sessions, settings, task_queue, "2015-Q1")
    client, today = time_skipping_env.client, await today_on_server(time_skipping_env)
    successor = Actor(email="successor@example.org", role=Role.MANAGER)

    async def act(update, payload):
        return await service.act_on_review(client, report_id, update, payload)

    first_due, new_due = today + timedelta(days=10), today + timedelta(days=20)
    await act(
        "add_action",
        AddAction(actor=BOARD, text="Respons Finance verhogen", owner_email=OWNER.email, due_date=first_due),
    )
    await act("approve", ApproveReport(actor=BOARD, comment="Akkoord"))
    with pytest.raises(ActionRejected, match="owner@example.org is not a reviewer"):
        await act("change_action", ChangeAction(actor=OWNER, action_id="a1", owner_email=successor.email))
    with pytest.raises(ActionRejected, match="is not in the future"):
        await act("change_action", ChangeAction(actor=BOARD, action_id="a1", due_date=today))
    with pytest.raises(ValidationError, match="give a new owner or a new due date"):
        ChangeAction(actor=BOARD, action_id="a1")

    changed = await act(
        ReviewWorkflow.change_action,
        ChangeAction(actor=BOARD, action_id="a1", owner_email=successor.email, owner_language="en", due_date=new_due),
    )
    assert (changed.owner_email, changed.due_date) == (successor.email, new_due)
    [told] = await eventually(lambda: mails(mail_store, "r1:action_changed:a1:1"))
    assert told.to == successor.email and told.language == "en" and "Respons Finance verhogen" in told.text
    async with sessions() as session:
        row = (
            await session.execute(select(ReportActionRow).where(ReportActionRow.report_id == report_id))
        ).scalar_one()
    assert (row.owner_email, row.due_date) == (successor.email, new_due)

    # Past the first due date: nobody is reminded of it or hears it is late.
    await time_skipping_env.sleep(timedelta(days=12))
    assert not [m for m in mail_store.all() if str(first_due) in m.purpose]
    # Before the new one the new owner is reminded; the day after it the reviewers and HR hear it is still open.
    await time_skipping_env.sleep(timedelta(days=10))
    [reminder] = await eventually(lambda: mails(mail_store, f"r1:action_reminder:a1:{new_due}"))
    assert reminder.to == successor.email
    overdue = await eventually(lambda: mails(mail_store, f"r1:action_overdue:a1:{new_due}"))
    assert all(successor.email in m.text for m in overdue)
    assert [m.purpose for m in mail_store.all() if m.to == OWNER.email] == ["r1:action_assigned:a1"]

    await act("complete_action", CompleteAction(actor=successor, action_id="a1"))
    await eventually(lambda: _result_if_done(client, report_id))
    await replay(client, report_id)
    await keep_histories(client, report_id, "an_action_given_to_another_owner-action-changes")
