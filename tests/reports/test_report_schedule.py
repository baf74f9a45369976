"""The report schedule on the real Temporal dev server (the time-skipping test server has no schedules)."""

import asyncio
import signal
from datetime import date

from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

import worker as worker_module
from models.report import ReportPolicy
from reports import periods, published, settings_store
from reports.schedule import SCHEDULE_ID, ensure_schedule
from tests.support import eventually
from worker import build_worker
from workflows.report import ReportWorkflow


async def set_policy(sessions, **fields) -> None:
    async with sessions.begin() as session:
        await settings_store.update(session, ReportPolicy(**fields))


async def described(client):
    try:
        return await client.get_schedule_handle(SCHEDULE_ID).describe()
    except RPCError:
        return None


async def _last_action(client):
    description = await described(client)
    actions = description.info.recent_actions if description else []
    return actions[-1].action if actions else None


def crons(description) -> list[str]:
    spec = description.schedule.spec
    # The server may keep the cron text or turn it into calendar specs; either names the months.
    return list(spec.cron_expressions) or [str(c) for c in spec.calendars]


async def test_the_schedule_exists_after_worker_start(dev_server_env, settings, sessions, monkeypatch):
    await set_policy(sessions)
    monkeypatch.setattr(worker_module, "get_settings", lambda: settings)

    async def connect(_settings, **_options):
        return dev_server_env.client

    monkeypatch.setattr(worker_module, "connect", connect)
    running = asyncio.create_task(worker_module.main())
    try:
        description = await eventually(lambda: described(dev_server_env.client), timeout=30)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    action = description.schedule.action
    assert action.workflow == "ScheduledReportWorkflow" and action.task_queue == settings.task_queue
    assert description.schedule.spec.time_zone_name == "Europe/Amsterdam"
    assert crons(description)


async def test_ensuring_the_schedule_again_changes_its_period_and_keeps_a_pause(
    dev_server_env, settings, sessions, task_queue
):
    client = dev_server_env.client
    await set_policy(sessions, report_period="quarter")
    await ensure_schedule(client, settings, sessions, task_queue)
    quarterly = crons(await described(client))
    await ensure_schedule(client, settings, sessions, task_queue)
    assert crons(await described(client)) == quarterly

    await client.get_schedule_handle(SCHEDULE_ID).pause(note="holidays")
    await set_policy(sessions, report_period="half_year")
    await ensure_schedule(client, settings, sessions, task_queue)

    half_yearly = await described(client)
    assert crons(half_yearly) != quarterly
    assert half_yearly.schedule.state.paused


async def test_the_schedule_starts_the_report_for_the_period_just_ended(dev_server_env, settings, sessions, task_queue):
    client = dev_server_env.client
    await set_policy(sessions, report_period="quarter")
    async with sessions() as session:
        # Only what no earlier report covers (another test may have reported a longer period ending with it).
        left = periods.unreported_part(
            *periods.period_just_ended(date.today(), "quarter"), await published.reported_periods(session)
        )
    async with build_worker(client, settings, sessions, task_queue=task_queue):
        await ensure_schedule(client, settings, sessions, task_queue)
        await client.get_schedule_handle(SCHEDULE_ID).trigger()
        if left is None:
            # Reported already: the trigger makes nothing.
            action = await eventually(lambda: _last_action(client), timeout=60)
            assert await client.get_workflow_handle(action.workflow_id).result() == ""
            return
        handle = client.get_workflow_handle_for(ReportWorkflow.run, periods.report_id(*left))

        async def finished():
            try:
                return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
            except RPCError:
                return False

        await eventually(finished, timeout=60)
        outcome = await handle.result()
    # No reviewers configured: the report went to HR, published as it is.
    assert outcome.status.value == "published"


async def test_saving_the_report_settings_moves_the_schedule_to_their_period_and_day(
    dev_server_env, settings, sessions, task_queue
):
    from reports import service

    client = dev_server_env.client
    try:
        async with sessions() as session:
            moved = await service.save_policy(
                client,
                session,
                settings.model_copy(update={"task_queue": task_queue}),
                ReportPolicy(report_period="year", report_day=12),
            )
        assert moved
        [calendar] = (await described(client)).schedule.spec.calendars
        assert [(r.start, r.end) for r in (*calendar.day_of_month, *calendar.month, *calendar.hour)] == [
            (12, 12),
            (1, 1),
            (6, 6),
        ]
    finally:
        await set_policy(sessions)
