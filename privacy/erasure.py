"""Erasure on request: what HR starts from the case page, the API or the CLI for one person.

It runs ``ErasureWorkflow``, which anonymises every case of the person through the same activity as
the nightly retention, so a request and the schedule can never erase differently."""

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from activities.retention import STILL_RUNNING
from models.retention import ErasureInput, ErasureOutcome, RequestedBy
from privacy import audit, retention
from workflows.retention import ErasureWorkflow

# Erasing one person takes seconds; past this the caller hears that it goes on without them.
WAIT_SECONDS = 60.0


class NothingToErase(Exception):
    """No case or received event names this employee number (any more)."""


class PersonStillActive(Exception):
    """One of the person's cases still runs; the message names it."""


class ErasureUnderway(Exception):
    """The erasure was started but did not finish in time; it completes on its own."""

    def __init__(self, workflow_id: str) -> None:
        super().__init__(
            f"the erasure is under way as workflow {workflow_id}; it finishes on its own once a worker runs it"
        )
        self.workflow_id = workflow_id


async def erase_person(client: Client, session: AsyncSession, employee_id: str, task_queue: str) -> ErasureOutcome:
    cases = await retention.cases_of_person(session, employee_id)
    running = await retention.running_cases(client, cases)
    if running:
        raise PersonStillActive(
            f"case {running[0]} of {employee_id} is still running: its data can be erased once it is closed or withdrawn"
        )
    if not cases and not await retention.events_of_person(session, employee_id, []):
        raise NothingToErase(employee_id)
    actor = await audit.current_actor()
    # The worker rewrites these rows; a read transaction kept open here would go on seeing the old ones.
    await session.commit()
    handle = await client.start_workflow(
        ErasureWorkflow.run,
        ErasureInput(employee_id=employee_id, requested_by=RequestedBy(who=actor.who, roles=sorted(actor.roles))),
        id=ErasureWorkflow.id_for(uuid.uuid4().hex),
        task_queue=task_queue,
    )
    try:
        return await asyncio.wait_for(handle.result(), WAIT_SECONDS)
    except TimeoutError:
        raise ErasureUnderway(handle.id) from None
    except WorkflowFailureError as err:
        refusal = _refusal(err)
        if refusal is not None:
            raise PersonStillActive(refusal) from None
        raise


def _refusal(err: BaseException) -> str | None:
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, ApplicationError) and cause.type == STILL_RUNNING:
            return cause.message
        cause = cause.__cause__ or getattr(cause, "cause", None)
    return None
