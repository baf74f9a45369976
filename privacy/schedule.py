"""The Temporal Schedule that runs retention every night.

Created at worker start; safe from every worker at once. An existing schedule gets the current time
zone and action and keeps its state (a pause set in the Temporal UI stays)."""

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
from models.retention import RetentionInput
from organisation import store
from workflows.retention import RetentionWorkflow

SCHEDULE_ID = "offboarding-retention"
TRIGGER_WORKFLOW_ID = "retention"
# At night, when nobody is reading the cases it rewrites.
CRON = "30 2 * * *"


def build_schedule(zone: str, task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run, RetentionInput(), id=TRIGGER_WORKFLOW_ID, task_queue=task_queue
        ),
        spec=ScheduleSpec(cron_expressions=[CRON], time_zone_name=zone),
        # A run still busy makes the next one unnecessary: it would find the same cases.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_schedule(
    client: Client, settings: Settings, sessions: async_sessionmaker[AsyncSession], task_queue: str | None = None
) -> str:
    async with sessions.begin() as session:
        organisation = await store.load(session, settings)
    wanted = build_schedule(organisation.policy.timezone, task_queue or settings.task_queue)
    return await put_schedule(client, SCHEDULE_ID, wanted)
