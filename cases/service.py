"""Starting and reading cases: the one place the API, the web form and the CLI go through."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from models.case import CaseView, OffboardingInput
from models.registration import Registration
from models.tables import Case
from workflows.offboarding import OffboardingWorkflow


@dataclass(frozen=True)
class RegistrationResult:
    case_id: str
    created: bool


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


async def view(client: Client, case_id: str) -> CaseView | None:
    """The live state of a case, read through the workflow's query; None when there is no such case."""
    handle = client.get_workflow_handle(case_id)
    try:
        return await handle.query(OffboardingWorkflow.view)
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            return None
        raise


async def is_running(client: Client, case_id: str) -> bool:
    description = await client.get_workflow_handle(case_id).describe()
    return description.status == WorkflowExecutionStatus.RUNNING


async def list_cases(session: AsyncSession, *, status: str | None = None, department: str | None = None, limit: int = 200) -> list[Case]:
    query = select(Case).order_by(Case.last_working_day, Case.id).limit(limit)
    if status:
        query = query.where(Case.status == status)
    if department:
        query = query.where(Case.department == department)
    return list((await session.execute(query)).scalars())
