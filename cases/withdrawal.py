"""Withdrawing a departure, also when the case's own workflow cannot carry it out.

Normally the case takes the withdrawal as an update and winds itself down. A case whose workflow is stuck (its
code fails on every attempt, see cases/liveness.py) or has ended without closing (failed, terminated) cannot
answer: it is then terminated together with its exit interview, and ``WithdrawnCaseWorkflow`` records the
withdrawal in the database, tells the people involved and cancels an agreed interview time in their calendars. So HR can end every case, and a withdrawn case's
person can be erased."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError, WorkflowQueryRejectedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from cases.errors import ActionRejected, CaseNotFound, CaseUnavailable
from cases.liveness import Liveness, liveness
from models.actors import Role
from models.case import CaseStatus, OffboardingInput, WithdrawnCaseInput
from models.handover import Withdraw
from models.mail import CalendarInvite
from models.refusals import Refusal
from models.registration import Registration
from workflows.exit_interview import ExitInterviewWorkflow
from workflows.withdrawn_case import WithdrawnCaseWorkflow

# Kept in Temporal's history as it is (not encrypted): it names no one.
TERMINATION_REASON = "withdrawn while the case could not take its steps"
CANNOT_ANSWER = (Liveness.STUCK, Liveness.ENDED)
MEETING_QUERY_SECONDS = 10


async def withdraw(client: Client, case_id: str, payload: Withdraw, update: Callable[[], Awaitable[Any]]) -> Any:
    """Withdraw the case: through ``update`` (the case's own withdraw update) while the case can answer, else without it."""
    if await liveness(client, case_id) not in CANNOT_ANSWER:
        try:
            return await update()
        except (RPCError, CaseUnavailable):
            # It may have got stuck meanwhile: Temporal refuses updates to a workflow whose task keeps failing.
            if await liveness(client, case_id) not in CANNOT_ANSWER:
                raise
    await _without_workflow(client, case_id, payload)
    return None


async def _without_workflow(client: Client, case_id: str, payload: Withdraw) -> None:
    # The rule the case's own validator applies to a withdrawal: HR's (or, for the HR system, the service's own).
    if payload.actor.role not in (Role.HR, Role.SYSTEM):
        raise ActionRejected(Refusal("not_permitted", email=payload.actor.email, case_id=case_id))
    if await liveness(client, WithdrawnCaseWorkflow.id_for(case_id)) != Liveness.MISSING:
        raise ActionRejected(Refusal("case_not_open", case_status=CaseStatus.WITHDRAWN.value))
    case = client.get_workflow_handle(case_id)
    description = await case.describe()
    registration = await _registered(client, case)
    meeting = await _agreed_meeting(client, case_id)
    # First the workflows stop, so that no reminder follows the notice; a retry after a failure here finds them ended.
    for workflow_id in (case_id, ExitInterviewWorkflow.id_for(case_id)):
        await _terminate(client, workflow_id)
    try:
        await client.start_workflow(
            WithdrawnCaseWorkflow.run,
            WithdrawnCaseInput(
                case_id=case_id, registration=registration, withdrawal=payload, interview_calendar=meeting
            ),
            id=WithdrawnCaseWorkflow.id_for(case_id),
            task_queue=description.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        raise ActionRejected(Refusal("case_not_open", case_status=CaseStatus.WITHDRAWN.value)) from None


async def _agreed_meeting(client: Client, case_id: str) -> CalendarInvite | None:
    """The interview's agreed time as last mailed, to cancel in people's calendars; None without one, or when the
    interview cannot say (it never started, or its history does not replay): the withdrawal goes on regardless."""
    handle = client.get_workflow_handle(ExitInterviewWorkflow.id_for(case_id))
    try:
        return await asyncio.wait_for(handle.query(ExitInterviewWorkflow.calendar_event), MEETING_QUERY_SECONDS)
    except (RPCError, TimeoutError, WorkflowQueryFailedError, WorkflowQueryRejectedError):
        return None


async def _registered(client: Client, case: WorkflowHandle) -> Registration:
    """The registration the case was started with, from the first event of its history."""
    async for event in case.fetch_history_events(page_size=1):
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        [started] = await client.data_converter.decode(payloads, [OffboardingInput])
        return started.registration
    raise CaseNotFound(case.id)


async def _terminate(client: Client, workflow_id: str) -> None:
    try:
        await client.get_workflow_handle(workflow_id).terminate(reason=TERMINATION_REASON)
    except RPCError as err:
        # Gone already, or ended: nothing left to stop.
        if err.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise
