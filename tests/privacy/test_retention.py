"""Retention and erasure: a case closed longer ago than the policy keeps personal data is anonymised by the
retention run, the reports count the same afterwards, an open case is left alone, and HR's erasure of one
person does the same at once through the same activity, refused while their case still runs."""

import asyncio
import hashlib
from datetime import UTC, date, datetime, time, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode
from typer.testing import CliRunner

from activities.cases import CaseActivities
from cases import service
from cli.main import app as cli
from models.events import InboundEvent
from models.handover import CompleteTask, ConfirmReturn, TaskState, Withdraw
from models.interview import AcceptSlot, SubmitInterview
from models.policy import Policy
from models.questionnaire import ConsentChoice
from models.records import StoreCaseInput
from models.registration import Registration
from models.retention import RetentionInput, RetentionOutcome
from models.tables import Case, InterviewRecordRow, InterviewText, SentMail, UsedLink
from organisation import store
from planning.workdays import add_working_days, calendar_for
from privacy import retention
from privacy.erasure import PersonStillActive, erase_person
from privacy.schedule import SCHEDULE_ID, ensure_schedule
from reports import periods
from reports.aggregate import compile_figures
from tests.support import eventually, registration_data, unique
from tests.support.auth import post_form, signed_in_as
from tests.support.case_driver import FACILITIES, HR, CaseDriver
from tests.support.privacy import FREE_TEXT, RECORD, audit_entries, interviewed_case
from worker import build_worker
from workflows.exit_interview import ExitInterviewWorkflow
from workflows.retention import RetentionWorkflow

ZONE = "Europe/Amsterdam"
CONSENT = ConsentChoice(scope="advice_and_experiences", share_with_manager=False, text_version="2026-11")
PAST_RETENTION = timedelta(days=800)  # beyond the default 24 months


# The rules on their own.


def test_months_are_counted_on_the_calendar():
    moment = datetime(2027, 3, 31, 2, 30, tzinfo=UTC)
    assert retention.months_before(moment, 24) == datetime(2025, 3, 31, 2, 30, tzinfo=UTC)
    assert retention.months_before(moment, 1) == datetime(2027, 2, 28, 2, 30, tzinfo=UTC)
    assert retention.months_before(moment, 15) == datetime(2025, 12, 31, 2, 30, tzinfo=UTC)


def test_erasing_free_text_keeps_what_the_reports_count():
    kept = retention.without_free_text(RECORD.model_dump(mode="json"))
    assert FREE_TEXT not in str(kept) and "Career" not in str(kept)
    assert kept["experiences"]["work_content"] == {"rating": 4, "comment": ""}
    assert (kept["primary_reason"], kept["secondary_reasons"], kept["recommend_score"]) == (
        "career_opportunity",
        ["pay_and_benefits"],
        8,
    )
    assert kept["belonging"]["influences"] == ["work_life_balance"] and kept["target_group"] == {
        "gender": "woman",
        "age_band": "25-34",
        "declared": {},
    }


def test_the_policy_never_keeps_interview_text_longer_than_the_names():
    assert (Policy().interview_content_retention_months, Policy().personal_data_retention_months) == (24, 24)
    with pytest.raises(
        ValidationError, match="interview_content_retention_months must not exceed personal_data_retention_months"
    ):
        Policy(interview_content_retention_months=36, personal_data_retention_months=24)
    with pytest.raises(ValidationError):
        Policy(personal_data_retention_months=0)


# A whole case, on the time-skipping server.


def after_last_day(last_day: date) -> datetime:
    return datetime.combine(last_day + timedelta(days=1), time(8), tzinfo=UTC)


async def held_and_closed(case: CaseDriver) -> None:
    """Tasks done, equipment back, the interview held with consent for the experiences; the case closes."""
    await case.wait_for_mail("interview:invitation")
    view = await case.view()
    await case.act(AcceptSlot(actor=case.employee, start=view.interview.proposed_slots[0].start))
    for task in view.tasks:
        await case.act(CompleteTask(task_id=task.id, actor=HR, comment="Overgedragen aan Sam"))
    for item in view.equipment:
        await case.act(ConfirmReturn(item_id=item.id, actor=FACILITIES))
    await case.reach_agreed_time()
    await case.act(SubmitInterview(actor=HR, record=RECORD, consent=CONSENT))
    await case.skip_until(after_last_day(view.last_working_day))
    await case.wait_for_status("closed", timeout=30)


async def traces_of(sessions, case: CaseDriver) -> None:
    """What else the case left: a used-up link and the events the HR system sent about it."""
    employee = case.registration.employee
    async with sessions.begin() as session:
        session.add(
            UsedLink(token_hash=hashlib.sha256(unique().encode()).hexdigest(), purpose="consent", case_id=case.case_id)
        )
        session.add(
            InboundEvent(
                event_id=unique("ev"),
                source="hr",
                type="employee.resigned",
                status="accepted",
                reason="",
                case_id=case.case_id,
                payload={"data": {"employee": {"id": employee.id, "name": employee.name}}},
            )
        )
        session.add(
            InboundEvent(
                event_id=unique("ev"),
                source="hr",
                type="employee.last_day_changed",
                status="rejected",
                reason="",
                payload={"data": {"employee_id": employee.id}},
            )
        )


async def report(sessions, closed_at: datetime, as_of: datetime):
    start, end = periods.period_containing(periods.local_date(closed_at, ZONE), "quarter")
    async with sessions() as session:
        return await compile_figures(
            session, report_id="retention-check", start=start, end=end, zone=ZONE, k=1, as_of=as_of
        )


async def run_retention(env, task_queue) -> RetentionOutcome:
    return await env.client.execute_workflow(
        RetentionWorkflow.run, RetentionInput(), id=f"retention-{unique()}", task_queue=task_queue
    )


async def test_retention_anonymises_a_case_past_its_period_and_the_reports_count_the_same(
    time_skipping_env, worker, mail_store, sessions, task_queue, http, settings
):
    env = time_skipping_env
    old = await CaseDriver.start(env, mail_store, sessions, task_queue)
    await held_and_closed(old)
    await traces_of(sessions, old)
    employee = old.registration.employee
    closed = await old.record()
    as_of = datetime.now(UTC)
    before = await report(sessions, closed.closed_at, as_of)
    assert any("werkdruk was te hoog" in text for section in before.free_text for text in section.texts)

    await env.sleep(PAST_RETENTION)
    # A departure registered now, its last day weeks ahead: still running when retention comes by.
    today = (await env.get_current_time()).date()
    last_day = add_working_days(today, 30, calendar_for("NL", range(today.year, today.year + 2)))
    running = Registration.model_validate(
        registration_data(notice_date=today, last_working_day=last_day), context={"today": today}
    )
    await service.register(env.client, running, task_queue)
    await eventually(lambda: service.view(env.client, running.case_id))

    outcome = await run_retention(env, task_queue)

    assert outcome.cases_anonymised >= 1
    async with sessions() as session:
        assert await session.get(Case, old.case_id) is None, "the id with the employee number is gone"
        [anonymous] = (
            (
                await session.execute(
                    select(Case)
                    .join(InterviewRecordRow, InterviewRecordRow.case_id == Case.id)
                    .where(InterviewRecordRow.record["went_well"].as_string() == "", Case.closed_at == closed.closed_at)
                )
            )
            .scalars()
            .all()
        )
        assert anonymous.id.startswith("anon-") and anonymous.anonymised_at is not None
        assert (
            anonymous.employee_id,
            anonymous.employee_name,
            anonymous.work_email,
            anonymous.private_email,
            anonymous.manager_email,
        ) == ("", "", "", None, "")
        assert (anonymous.department, anonymous.departure_type, anonymous.status, anonymous.interview_status) == (
            "Finance",
            "resignation",
            "closed",
            "held",
        )
        # Of the registration only the band of the years of service stays, which the reports count.
        assert anonymous.registration == {"tenure_band": "5-10"} and anonymous.notice_date.day == 1
        record = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == anonymous.id))
        ).scalar_one()
        assert (
            FREE_TEXT not in str(record.record)
            and record.record["recommend_score"] == 8
            and record.interviewer_email == ""
        )
        assert (
            await session.execute(select(InterviewText).where(InterviewText.interview_id == record.id))
        ).all() == [], "no text kept for reports"
        for table in (SentMail, UsedLink):
            assert (
                await session.execute(select(func.count()).select_from(table).where(table.case_id == old.case_id))
            ).scalar_one() == 0
        left = (
            (await session.execute(select(InboundEvent).where(retention.events_naming(employee.id, [old.case_id]))))
            .scalars()
            .all()
        )
        assert left == []
        # The running case is as it was.
        kept = await session.get(Case, running.case_id)
        assert kept is not None and kept.employee_name == running.employee.name and kept.anonymised_at is None

    after = await report(sessions, closed.closed_at, as_of)
    assert after.model_dump(exclude={"free_text"}) == before.model_dump(exclude={"free_text"})
    assert not any("werkdruk" in text for section in after.free_text for text in section.texts)
    [entry] = await audit_entries(sessions, action="case.anonymised", subject=employee.id)
    assert entry.actor == "schedule" and entry.actor_role == "system" and entry.detail["reason"] == "retention"
    assert (await service.view(env.client, running.case_id)).status == "open"

    # Erasure on request goes through the same activity: refused while the person's case runs ...
    hr = await signed_in_as(http, sessions, ["hr"])
    refused = await http.post(f"/api/people/{running.employee.id}/erase")
    assert refused.status_code == 409 and "still running" in refused.json()["detail"]
    async with sessions() as session:
        with pytest.raises(PersonStillActive, match=running.case_id):
            await erase_person(env.client, session, running.employee.id, task_queue)
    cli_env = {
        "OFFBOARDING_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "OFFBOARDING_TASK_QUEUE": task_queue,
        "OFFBOARDING_DATABASE_URL": settings.database_url,
        "OFFBOARDING_DATA_DIR": str(settings.data_dir),
    }
    from_cli = await asyncio.to_thread(
        CliRunner().invoke, cli, ["person", "erase", running.employee.id, "--yes"], env=cli_env
    )
    assert from_cli.exit_code == 5 and "still running" in from_cli.output

    # ... and done at once when it has ended, from the confirmation page.
    await service.act(env.client, running.case_id, Withdraw(actor=HR, reason="blijft toch"))
    await eventually(lambda: _completed(env.client, running.case_id), timeout=30)
    confirm = await http.get(f"/people/{running.employee.id}/erase")
    assert confirm.status_code == 200 and running.case_id in confirm.text and 'id="erase-form"' in confirm.text
    erased = await post_form(http, f"/people/{running.employee.id}/erase", f"/people/{running.employee.id}/erase")
    assert erased.status_code == 200 and 'id="notice"' in erased.text
    async with sessions() as session:
        assert await session.get(Case, running.case_id) is None
        assert not await retention.cases_of_person(session, running.employee.id)
    [request] = await audit_entries(sessions, action="person.erased", subject=running.employee.id)
    assert request.actor == hr and request.actor_role == "hr" and request.detail["cases"] == 1
    [anonymised] = await audit_entries(sessions, action="case.anonymised", subject=running.employee.id)
    assert anonymised.actor == hr and anonymised.detail["reason"] == "request"
    gone = await http.post(f"/api/people/{running.employee.id}/erase")
    assert gone.status_code == 404
    again = await asyncio.to_thread(
        CliRunner().invoke, cli, ["person", "erase", running.employee.id, "--yes"], env=cli_env
    )
    assert again.exit_code == 4 and "nothing is held" in again.output


async def _completed(client, case_id: str) -> bool:
    return not await retention.still_running(client, case_id)


async def test_a_shorter_period_for_interview_text_erases_it_before_the_names_and_old_events_go(
    time_skipping_env, worker, sessions, settings, task_queue
):
    env = time_skipping_env
    now = await env.get_current_time()
    async with sessions.begin() as session:
        kept_policy = (await store.load(session, settings)).policy
        shorter = kept_policy.model_copy(
            update={
                "interview_content_retention_months": 12,
                "personal_data_retention_months": 36,
                "event_log_retention_days": 30,
            }
        )
        await store.update_policy(session, settings, shorter)
    try:
        registration = await interviewed_case(sessions)
        async with sessions.begin() as session:
            case = await session.get(Case, registration.case_id)
            case.status, case.closed_at = "closed", retention.months_before(now, 18)
            old_event, new_event = unique("ev"), unique("ev")
            session.add(
                InboundEvent(
                    event_id=old_event,
                    source="hr",
                    type="employee.resigned",
                    status="accepted",
                    reason="",
                    payload={},
                    received_at=now - timedelta(days=60),
                )
            )
            session.add(
                InboundEvent(
                    event_id=new_event,
                    source="hr",
                    type="employee.resigned",
                    status="accepted",
                    reason="",
                    payload={},
                    received_at=now - timedelta(days=2),
                )
            )

        outcome = await run_retention(env, task_queue)
    finally:
        async with sessions.begin() as session:
            await store.update_policy(session, settings, kept_policy)

    assert outcome.interviews_erased >= 1 and outcome.events_deleted >= 1
    async with sessions() as session:
        case = await session.get(Case, registration.case_id)
        assert case is not None and case.anonymised_at is None and case.employee_name == registration.employee.name, (
            "the names stay 36 months"
        )
        record = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case.id))
        ).scalar_one()
        assert record.content_erased_at is not None and FREE_TEXT not in str(record.record)
        assert record.record["recommend_score"] == 8 and record.record["experiences"]["work_content"]["rating"] == 4, (
            "what the reports count stays"
        )
        assert (await session.execute(select(InterviewText).where(InterviewText.interview_id == record.id))).all() == []
        events = set(
            (
                await session.execute(
                    select(InboundEvent.event_id).where(InboundEvent.event_id.in_([old_event, new_event]))
                )
            ).scalars()
        )
        assert events == {new_event}
    [erased] = await audit_entries(sessions, action="interview.content_erased", subject=registration.employee.id)
    assert erased.actor == "system" and erased.detail == {"reason": "retention"}
    purged = await audit_entries(sessions, action="events.purged")
    assert purged and purged[-1].detail["deleted"] >= 1


async def test_retention_leaves_recent_cases_alone(time_skipping_env, worker, sessions, task_queue):
    registration = Registration.model_validate(registration_data())
    await CaseActivities(None, sessions).store_case(
        StoreCaseInput(case_id=registration.case_id, registration=registration)
    )
    async with sessions.begin() as session:
        case = await session.get(Case, registration.case_id)
        case.status, case.closed_at = "closed", datetime.now(UTC) - timedelta(days=30)

    await run_retention(time_skipping_env, task_queue)

    async with sessions() as session:
        kept = await session.get(Case, registration.case_id)
        assert kept is not None and kept.employee_name == registration.employee.name


# On the real dev server: what the test server cannot do (delete executions, run schedules).


async def test_erasure_deletes_the_case_histories_from_temporal(dev_server_env, settings, sessions, task_queue):
    client = dev_server_env.client
    # Long past its last day and the days to record an interview after it: a dismissal's interview, waiting
    # for HR, runs out as not held at once.
    notice = date.today() - timedelta(days=700)
    registration = Registration.model_validate(
        registration_data(departure_type="dismissal", notice_date=notice, last_working_day=notice + timedelta(days=25))
    )
    async with build_worker(client, settings, sessions, task_queue=task_queue):
        await service.register(client, registration, task_queue)

        # Its tasks fall due on the first working day after it opens (the access task comes once the access step
        # has published): HR ticks off whatever is open until the case closes, asking again (eventually), as a person
        # would, when a busy server lets the case's answer time out.
        async def closed_after_ticking_off() -> bool:
            view = await service.view(client, registration.case_id)
            for task in view.tasks if view is not None else []:
                if task.state == TaskState.OPEN:
                    await service.act(client, registration.case_id, CompleteTask(task_id=task.id, actor=HR))
            return await _completed(client, registration.case_id)

        await eventually(closed_after_ticking_off, timeout=60, interval=0.5)
        async with sessions() as session:
            outcome = await erase_person(client, session, registration.employee.id, task_queue)

    assert outcome.cases_anonymised == 1 and outcome.executions_deleted == 2
    for workflow_id in (registration.case_id, ExitInterviewWorkflow.id_for(registration.case_id)):
        # The server deletes in the background, within a minute or so.
        await eventually(lambda: _gone(client, workflow_id), timeout=120)


async def _gone(client, workflow_id: str) -> bool:
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        return err.status == RPCStatusCode.NOT_FOUND
    return False


async def test_the_nightly_schedule_exists_and_runs_retention(dev_server_env, settings, sessions, task_queue):
    client = dev_server_env.client
    assert await ensure_schedule(client, settings, sessions, task_queue) == SCHEDULE_ID
    await client.get_schedule_handle(SCHEDULE_ID).pause(note="maintenance")
    await ensure_schedule(client, settings, sessions, task_queue)  # again, as every worker start does

    handle = client.get_schedule_handle(SCHEDULE_ID)
    description = await handle.describe()
    assert (
        description.schedule.action.workflow == "RetentionWorkflow"
        and description.schedule.action.task_queue == task_queue
    )
    assert description.schedule.spec.time_zone_name == ZONE and description.schedule.state.paused, (
        "a pause set by hand stays"
    )

    async with build_worker(client, settings, sessions, task_queue=task_queue):
        await handle.trigger()

        async def finished():
            actions = (await handle.describe()).info.recent_actions
            if not actions:
                return None
            run = client.get_workflow_handle_for(RetentionWorkflow.run, actions[-1].action.workflow_id)
            return (await run.describe()).status == WorkflowExecutionStatus.COMPLETED and await run.result()

        outcome = await eventually(finished, timeout=60)
    assert outcome.skipped == []
