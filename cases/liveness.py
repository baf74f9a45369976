"""Whether a case's workflow can still take a step.

A workflow whose code fails (a bug, or data it cannot handle) is not failed by Temporal: its workflow task is
retried until the code is fixed, and meanwhile it answers no update and no query. Such a workflow is
``STUCK``; one that failed, was terminated or timed out has ``ENDED`` without closing its case. Withdrawing a
case (cases/withdrawal.py) and erasing a person (privacy/) must get past both."""

from enum import StrEnum

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryReverseRequest
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

# The outcome of a workflow task in the history: the newest one tells whether the last attempt failed.
_TASK_OUTCOMES = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
}
# How far back from the newest event to look for that outcome: after it come at most a few scheduled and started events.
_LOOK_BACK = 50


class Liveness(StrEnum):
    RUNNING = "running"  # it runs and takes its steps
    STUCK = "stuck"  # it runs, but its last workflow task failed: it takes no step and answers nothing
    COMPLETED = "completed"  # it ended as it should (closed or withdrawn)
    ENDED = "ended"  # it failed, was terminated, cancelled or timed out
    MISSING = "missing"  # there is no such workflow (any more)


async def liveness(client: Client, workflow_id: str) -> Liveness:
    try:
        description = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            return Liveness.MISSING
        raise
    if description.status == WorkflowExecutionStatus.RUNNING:
        return Liveness.STUCK if await _task_failing(client, description) else Liveness.RUNNING
    if description.status in (WorkflowExecutionStatus.COMPLETED, WorkflowExecutionStatus.CONTINUED_AS_NEW):
        return Liveness.COMPLETED
    return Liveness.ENDED


async def _task_failing(client: Client, description: WorkflowExecutionDescription) -> bool:
    """Its workflow task is being retried after a failure (not after a worker that went away: that is a time-out)."""
    pending = description.raw_description.pending_workflow_task
    if pending.attempt <= 1:
        return False
    request = GetWorkflowExecutionHistoryReverseRequest(
        namespace=client.namespace,
        execution=WorkflowExecution(workflow_id=description.id, run_id=description.run_id),
        maximum_page_size=_LOOK_BACK,
    )
    try:
        newest_first = list(
            (await client.workflow_service.get_workflow_execution_history_reverse(request)).history.events
        )
    except RPCError as err:
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        # Temporal's time-skipping test server reads histories forward only.
        newest_first = list(
            reversed(
                (await client.get_workflow_handle(description.id, run_id=description.run_id).fetch_history()).events
            )
        )
    outcome = next((event.event_type for event in newest_first if event.event_type in _TASK_OUTCOMES), None)
    return outcome == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
