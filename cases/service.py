"""The one door to a case: starting it, reading its live detail and acting on it.

The API, the pages, the command line, the event intake and the CSV import all come through here; nothing else
names a case workflow's updates or queries. ``ACTIONS`` maps each validated input to the workflow update that
takes it, so acting on a case is ``act(client, case_id, payload)`` whatever the input. What goes wrong reaches the
caller as one of the exceptions below, each answered the same way everywhere (web/errors.py): no such case (404),
refused (409, with the case's reason), the case did not answer in time (504), the service that runs the cases is
unreachable (503). Lists read the database (``cases.queries``), never the workflows."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from cases import personnel_record, withdrawal
from cases.errors import ActionRejected, CaseDidNotAnswer, CaseNotFound, CaseUnavailable
from models.access import RevokeAccessNow
from models.case import CaseView, OffboardingInput
from models.handover import (
    AddTask,
    CompleteTask,
    ConfirmReturn,
    FlagForSettlement,
    MoveLastDay,
    ReassignTask,
    ReopenReturn,
    ReopenTask,
    Withdraw,
)
from models.interview import (
    AcceptSlot,
    AnswerProposedTime,
    AskOtherInterviewer,
    AssignInterviewer,
    ConfirmInterview,
    DeclineInterview,
    InterviewView,
    ProposeSlot,
    ResendInvitation,
    ScheduleInterview,
    SubmitInterview,
)
from models.mail import CalendarInvite
from models.refusals import Refusal
from models.registration import Registration
from models.tables import Case, InterviewRecordRow
from workflows.exit_interview import ExitInterviewWorkflow
from workflows.offboarding import OffboardingWorkflow


@dataclass(frozen=True)
class RegistrationResult:
    case_id: str
    created: bool


# An update waits for the mails it sends; past this the caller is told it did not finish in time.
UPDATE_TIMEOUT = timedelta(seconds=60)
# A refused update is sent once more when the workflow turns out to be running: it was started in between.
UPDATE_ATTEMPTS = 2
# A query waits for a worker; without this bound a stopped worker would hang every page that shows a case.
QUERY_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Action:
    """Which workflow of a case takes an input, and by which update."""

    interview: bool
    update: Any


ACTIONS: dict[type[BaseModel], Action] = {
    CompleteTask: Action(False, OffboardingWorkflow.complete_task),
    ReassignTask: Action(False, OffboardingWorkflow.reassign_task),
    AddTask: Action(False, OffboardingWorkflow.add_task),
    ReopenTask: Action(False, OffboardingWorkflow.reopen_task),
    ConfirmReturn: Action(False, OffboardingWorkflow.confirm_return),
    ReopenReturn: Action(False, OffboardingWorkflow.reopen_return),
    FlagForSettlement: Action(False, OffboardingWorkflow.flag_for_settlement),
    MoveLastDay: Action(False, OffboardingWorkflow.move_last_day),
    Withdraw: Action(False, OffboardingWorkflow.withdraw),
    RevokeAccessNow: Action(False, OffboardingWorkflow.revoke_access_now),
    ConfirmInterview: Action(True, ExitInterviewWorkflow.confirm),
    AssignInterviewer: Action(True, ExitInterviewWorkflow.assign_interviewer),
    AskOtherInterviewer: Action(True, ExitInterviewWorkflow.ask_other_interviewer),
    AnswerProposedTime: Action(True, ExitInterviewWorkflow.answer_proposed_time),
    AcceptSlot: Action(True, ExitInterviewWorkflow.accept_slot),
    ProposeSlot: Action(True, ExitInterviewWorkflow.propose_slot),
    ScheduleInterview: Action(True, ExitInterviewWorkflow.schedule),
    DeclineInterview: Action(True, ExitInterviewWorkflow.decline),
    ResendInvitation: Action(True, ExitInterviewWorkflow.resend_invitation),
    SubmitInterview: Action(True, ExitInterviewWorkflow.submit),
}


async def register(client: Client, registration: Registration, task_queue: str) -> RegistrationResult:
    """Start the case for this departure, or report the case that already runs for it."""
    case_id = registration.case_id
    try:
        await client.start_workflow(
            OffboardingWorkflow.run,
            OffboardingInput(registration=registration),
            id=case_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        return RegistrationResult(case_id=case_id, created=False)
    except RPCError as err:
        raise CaseUnavailable(case_id) from err
    return RegistrationResult(case_id=case_id, created=True)


def _missing(err: RPCError) -> bool:
    return err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT)


async def query(call: Awaitable[Any], workflow_id: str) -> Any:
    """A workflow query's answer; None when there is no such workflow; CaseUnavailable when it cannot answer now."""
    try:
        return await asyncio.wait_for(call, QUERY_TIMEOUT_SECONDS)
    except RPCError as err:
        if _missing(err):
            return None
        raise CaseUnavailable(workflow_id) from err
    except (TimeoutError, WorkflowQueryFailedError, WorkflowQueryRejectedError) as err:
        raise CaseUnavailable(workflow_id) from err


async def view(client: Client, case_id: str) -> CaseView | None:
    """The live state of one case, its interview included; None when there is no such case."""
    case = await query(client.get_workflow_handle(case_id).query(OffboardingWorkflow.view), case_id)
    if case is not None:
        case.interview = await interview_view(client, case_id)
    return case


async def interview_view(client: Client, case_id: str) -> InterviewView | None:
    workflow_id = ExitInterviewWorkflow.id_for(case_id)
    return await query(
        client.get_workflow_handle(workflow_id).query(ExitInterviewWorkflow.view),
        workflow_id,
    )


async def interview_calendar(client: Client, case_id: str) -> CalendarInvite | None:
    """The agreed interview's calendar event exactly as last mailed (same UID and SEQUENCE), None without one."""
    workflow_id = ExitInterviewWorkflow.id_for(case_id)
    return await query(
        client.get_workflow_handle(workflow_id).query(ExitInterviewWorkflow.calendar_event),
        workflow_id,
    )


async def execute_update(
    client: Client,
    workflow_id: str,
    update: Any,
    payload: BaseModel,
    ended: Callable[[], Awaitable[Refusal]],
    *,
    not_found: Callable[[str], Exception] = CaseNotFound,
    rpc_timeout: timedelta | None = UPDATE_TIMEOUT,
) -> Any:
    """Run a validated update; a refusal or an ended workflow becomes ActionRejected with the reason, no workflow ``not_found``.

    A workflow that did not exist when the update arrived but is running when looked at was started in between (a
    review starts as its report is stored): the update is sent to it again rather than answered as if it had ended."""
    handle = client.get_workflow_handle(workflow_id)
    for attempt in range(1, UPDATE_ATTEMPTS + 1):
        try:
            return await handle.execute_update(update, payload, rpc_timeout=rpc_timeout)
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError):
                raise ActionRejected(
                    Refusal.received(cause.message, cause.details[0] if cause.details else None)
                ) from err
            raise ActionRejected(str(cause)) from err
        except WorkflowUpdateRPCTimeoutOrCancelledError as err:
            raise CaseDidNotAnswer(workflow_id) from err
        except RPCError as err:
            if not (_missing(err) or err.status == RPCStatusCode.FAILED_PRECONDITION):
                raise CaseUnavailable(workflow_id) from err
            try:
                described = await handle.describe()
            except RPCError as missing:
                if not _missing(missing):
                    raise CaseUnavailable(workflow_id) from missing
                raise not_found(workflow_id) from missing
            if described.status != WorkflowExecutionStatus.RUNNING:
                raise ActionRejected(await ended()) from err
            if attempt == UPDATE_ATTEMPTS:
                raise CaseUnavailable(workflow_id) from err
    raise AssertionError("unreachable: the last attempt returns or raises")


async def _case_ended(client: Client, case_id: str) -> Refusal:
    case = await view(client, case_id)
    return Refusal("case_not_open", case_status=case.status.value) if case else Refusal("case_ended")


async def _interview_ended(client: Client, case_id: str) -> Refusal:
    interview = await interview_view(client, case_id)
    return (
        Refusal("interview_finished", interview_status=interview.status.value)
        if interview
        else Refusal("interview_ended")
    )


async def act(client: Client, case_id: str, payload: BaseModel) -> Any:
    """Ask the case (or its interview) to take ``payload``: the update ``ACTIONS`` names for its type. A withdrawal
    reaches every case, also one whose workflow cannot answer (cases/withdrawal.py)."""
    action = ACTIONS[type(payload)]
    if action.interview:
        workflow_id, ended = ExitInterviewWorkflow.id_for(case_id), lambda: _interview_ended(client, case_id)
    else:
        workflow_id, ended = case_id, lambda: _case_ended(client, case_id)

    def run() -> Awaitable[Any]:
        return execute_update(client, workflow_id, action.update, payload, ended)

    if isinstance(payload, Withdraw):
        return await withdrawal.withdraw(client, case_id, payload, run)
    return await run()


async def refresh_read_model(client: Client, case_id: str) -> None:
    """Ask a case opened before the read model existed, and its interview, to publish their state."""
    for workflow_id, signal in (
        (case_id, OffboardingWorkflow.refresh_read_model),
        (ExitInterviewWorkflow.id_for(case_id), ExitInterviewWorkflow.refresh_read_model),
    ):
        try:
            await client.get_workflow_handle(workflow_id).signal(signal)
        except RPCError as err:
            if not (_missing(err) or err.status == RPCStatusCode.FAILED_PRECONDITION):
                raise CaseUnavailable(workflow_id) from err


async def interview_record(session: AsyncSession, case_id: str) -> tuple[Case, InterviewRecordRow] | None:
    """The case and its individual interview record, for HR. Every read is on the audit log, committed
    before the record is handed out: content nobody may see unrecorded."""
    read = await personnel_record.logged_read(session, case_id)
    await session.commit()
    return read
