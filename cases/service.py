"""Starting, reading and acting on cases: the one place the API, the web form and the CLI go through."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Awaitable, Callable

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from models.audit import AuditAction, SubjectType
from models.case import CaseView, OffboardingInput
from models.interview import InterviewView
from models.refusals import Refusal
from models.registration import Registration
from models.tables import Case, InterviewRecordRow
from privacy import audit
from workflows.exit_interview import ExitInterviewWorkflow
from workflows.offboarding import OffboardingWorkflow


@dataclass(frozen=True)
class RegistrationResult:
    case_id: str
    created: bool


# An update waits for the mails it sends; past this the caller is told it did not finish in time.
UPDATE_TIMEOUT = timedelta(seconds=60)


class CaseNotFound(Exception):
    """No case (or no interview for it) with that id."""


class ActionRejected(Exception):
    """The case refused the action; the message says why (unknown task, wrong person, already done...).

    ``code`` and ``params`` name the refusal (models/refusals.py) for callers that word it themselves, such as
    the pages in the reader's language; ``code`` is empty for a refusal that has none."""

    def __init__(self, reason: str) -> None:
        super().__init__(str(reason))
        self.code: str = getattr(reason, "code", "")
        self.params: dict[str, str] = dict(getattr(reason, "params", {}))


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
    return RegistrationResult(case_id=case_id, created=True)


def _missing(err: RPCError) -> bool:
    return err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT)


async def view(client: Client, case_id: str) -> CaseView | None:
    """The live state of a case, read through the workflows' queries; None when there is no such case."""
    try:
        case = await client.get_workflow_handle_for(OffboardingWorkflow.run, case_id).query(OffboardingWorkflow.view)
    except RPCError as err:
        if _missing(err):
            return None
        raise
    case.interview = await interview_view(client, case_id)
    return case


async def interview_view(client: Client, case_id: str) -> InterviewView | None:
    try:
        return await client.get_workflow_handle_for(ExitInterviewWorkflow.run, ExitInterviewWorkflow.id_for(case_id)).query(ExitInterviewWorkflow.view)
    except RPCError as err:
        if _missing(err):
            return None
        raise


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
    """Run a validated update; a refusal or an ended workflow becomes ActionRejected with the reason, no workflow ``not_found``."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        return await handle.execute_update(update, payload, rpc_timeout=rpc_timeout)
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError):
            raise ActionRejected(Refusal.received(cause.message, cause.details[0] if cause.details else None)) from err
        raise ActionRejected(str(cause)) from err
    except RPCError as err:
        if not (_missing(err) or err.status == RPCStatusCode.FAILED_PRECONDITION):
            raise
        try:
            await handle.describe()
        except RPCError as missing:
            raise not_found(workflow_id) from missing
        raise ActionRejected(await ended()) from err


async def _case_ended(client: Client, case_id: str) -> Refusal:
    case = await view(client, case_id)
    return Refusal("case_not_open", case_status=case.status.value) if case else Refusal("case_ended")


async def _interview_ended(client: Client, case_id: str) -> Refusal:
    interview = await interview_view(client, case_id)
    return Refusal("interview_finished", interview_status=interview.status.value) if interview else Refusal("interview_ended")


async def act_on_case(client: Client, case_id: str, update: Any, payload: BaseModel) -> Any:
    """Run one of OffboardingWorkflow's updates (complete_task, reassign_task, add_task, confirm_return, move_last_day, withdraw)."""

    def run() -> Awaitable[Any]:
        return execute_update(client, case_id, update, payload, lambda: _case_ended(client, case_id))

    if update is OffboardingWorkflow.withdraw:
        return await _withdraw(client, case_id, payload, run)
    return await run()


async def _withdraw(client: Client, case_id: str, payload: BaseModel, run: Callable[[], Awaitable[Any]]) -> Any:
    """A withdrawal reaches every case, also one whose workflow cannot answer (cases/withdrawal.py)."""
    from cases import withdrawal  # it raises this module's exceptions

    return await withdrawal.withdraw(client, case_id, payload, run)


async def act_on_interview(client: Client, case_id: str, update: Any, payload: BaseModel) -> Any:
    """Run one of ExitInterviewWorkflow's updates (confirm, assign_interviewer, accept_slot, propose_slot, schedule, decline, resend_invitation, submit)."""
    return await execute_update(client, ExitInterviewWorkflow.id_for(case_id), update, payload, lambda: _interview_ended(client, case_id))


async def list_cases(
    session: AsyncSession,
    *,
    status: str | None = None,
    department: str | None = None,
    due_before: date | None = None,
    limit: int = 200,
) -> list[Case]:
    query = select(Case).order_by(Case.last_working_day, Case.id).limit(limit)
    if status:
        query = query.where(Case.status == status)
    if department:
        query = query.where(Case.department == department)
    if due_before:
        query = query.where(Case.last_working_day <= due_before)
    return list((await session.execute(query)).scalars())


async def interview_record(session: AsyncSession, case_id: str) -> tuple[Case, InterviewRecordRow] | None:
    """The case and its individual interview record, for HR. Every read is on the audit log, committed
    before the record is handed out: content nobody may see unrecorded."""
    case = await session.get(Case, case_id)
    record = (await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case_id))).scalar_one_or_none()
    if case is None or record is None:
        return None
    await audit.record(session, AuditAction.INTERVIEW_READ, SubjectType.PERSON, case.employee_id or case.id, {"case_id": case.id}, roles=("hr",))
    await session.commit()
    return case, record
