"""The Temporal client every process uses (same namespace, same data converter: pydantic, payloads encrypted), and the
product's schedules on it."""

import dataclasses

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, Schedule, ScheduleAlreadyRunningError, ScheduleUpdate, ScheduleUpdateInput
from temporalio.runtime import Runtime

from config import Settings
from operations import tracing
from privacy.codec import data_converter


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    """``runtime``: the SDK's default one unless given (the worker's exports the SDK's metrics; the command line brings its
    own, see cli.runtime); traces go through the client's interceptors."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        interceptors=tracing.client_interceptors(settings),
        runtime=runtime,
    )


async def put_schedule(client: Client, schedule_id: str, wanted: Schedule) -> str:
    """Create the schedule, or bring an existing one to ``wanted``'s action, times and policy while keeping its
    state (a pause set in the Temporal UI stays). Safe from every worker starting at once."""
    try:
        await client.create_schedule(schedule_id, wanted)
    except ScheduleAlreadyRunningError:

        def keep_state(current: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(
                schedule=dataclasses.replace(
                    current.description.schedule, action=wanted.action, spec=wanted.spec, policy=wanted.policy
                )
            )

        await client.get_schedule_handle(schedule_id).update(keep_state)
    return schedule_id


async def has_worker(client: Client, task_queue: str) -> bool:
    """Whether a worker has polled ``task_queue`` lately (Temporal keeps a poller listed for a few minutes)."""
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return bool(response.pollers)
