"""The Temporal Schedule that starts a report when each period ends.

Created at worker start, and again whenever HR changes the report period (call
``ensure_schedule`` after saving the report settings). Safe to call from every worker: an
existing schedule gets the current period and time zone and keeps its state (a pause set in the
Temporal UI stays)."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from cases.client import put_schedule
from config import Settings
from models.report import ReportPeriod, ScheduledReportInput
from organisation import store
from reports import settings_store
from reports.periods import cron
from workflows.report import ScheduledReportWorkflow

SCHEDULE_ID = "offboarding-reports"
TRIGGER_WORKFLOW_ID = "report-schedule"


def build_schedule(period: ReportPeriod, zone: str, task_queue: str, day: int = 1) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ScheduledReportWorkflow.run,
            ScheduledReportInput(period=period, timezone=zone),
            id=TRIGGER_WORKFLOW_ID,
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(cron_expressions=[cron(period, day)], time_zone_name=zone),
        # A trigger held up (worker down) still runs later: each period gets its report.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.BUFFER_ALL),
    )


async def ensure_schedule(
    client: Client, settings: Settings, sessions: async_sessionmaker[AsyncSession], task_queue: str | None = None
) -> str:
    async with sessions.begin() as session:
        policy = await settings_store.load(session)
        organisation = await store.load(session, settings)
    wanted = build_schedule(
        policy.report_period, organisation.policy.timezone, task_queue or settings.task_queue, policy.report_day
    )
    return await put_schedule(client, SCHEDULE_ID, wanted)
