"""What the role pages share: reading many cases at once, and acting on one from a form."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, status
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from cases import service
from models.case import CaseStatus, CaseView
from models.interview import InterviewView
from models.tables import Case
from web.cases.detail import QUERY_TIMEOUT_SECONDS
from web import refusals
from web.labels import Gettext
from web.validation import worded
from workflows.exit_interview import ExitInterviewWorkflow
from workflows.offboarding import OffboardingWorkflow

log = logging.getLogger(__name__)

# Queries run side by side, but not more than this many at once against the Temporal server.
PARALLEL_QUERIES = 16


async def open_cases(session: AsyncSession, limit: int = 500) -> list[Case]:
    query = select(Case).where(Case.status == CaseStatus.OPEN.value).order_by(Case.last_working_day, Case.id).limit(limit)
    return list((await session.execute(query)).scalars())


async def _bounded(gate: asyncio.Semaphore, call: Awaitable[Any]) -> Any:
    async with gate:
        try:
            return await asyncio.wait_for(call, QUERY_TIMEOUT_SECONDS)
        except Exception:  # a case that cannot answer now is shown without its live part
            log.warning("a case did not answer its query", exc_info=True)
            return None


async def case_views(client: Client, case_ids: list[str]) -> dict[str, CaseView | None]:
    """The live view of each case (without its interview), None where it cannot be read right now."""
    gate = asyncio.Semaphore(PARALLEL_QUERIES)
    calls = [_bounded(gate, client.get_workflow_handle_for(OffboardingWorkflow.run, case_id).query(OffboardingWorkflow.view)) for case_id in case_ids]
    return dict(zip(case_ids, await asyncio.gather(*calls)))


async def interview_views(client: Client, case_ids: list[str]) -> dict[str, InterviewView | None]:
    gate = asyncio.Semaphore(PARALLEL_QUERIES)
    calls = [
        _bounded(gate, client.get_workflow_handle_for(ExitInterviewWorkflow.run, ExitInterviewWorkflow.id_for(case_id)).query(ExitInterviewWorkflow.view))
        for case_id in case_ids
    ]
    return dict(zip(case_ids, await asyncio.gather(*calls)))


async def interview_of(client: Client, case_id: str) -> InterviewView | None:
    try:
        return await asyncio.wait_for(service.interview_view(client, case_id), QUERY_TIMEOUT_SECONDS)
    except Exception:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "The interview cannot be read right now; try again in a moment.", headers={"Retry-After": "5"})


async def case_of(client: Client, case_id: str) -> CaseView | None:
    try:
        return await asyncio.wait_for(
            client.get_workflow_handle_for(OffboardingWorkflow.run, case_id).query(OffboardingWorkflow.view), QUERY_TIMEOUT_SECONDS
        )
    except RPCError as err:
        if service._missing(err):
            return None
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "The case cannot be read right now; try again in a moment.", headers={"Retry-After": "5"})
    except Exception:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "The case cannot be read right now; try again in a moment.", headers={"Retry-After": "5"})


@dataclass
class Outcome:
    result: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def validation_message(err: ValidationError, gettext: Gettext) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'] if p != 'actor') or 'input'}: {worded(e, gettext) or e['msg'].removeprefix('Value error, ')}" for e in err.errors()
    )


async def act(
    gettext: Gettext,
    build: Callable[[], BaseModel],
    run: Callable[[BaseModel], Awaitable[Any]],
) -> Outcome:
    """Build the update's input (a form value it cannot take is an error to show) and run it; the case's refusal
    becomes the error the page shows, in the page's language."""
    _ = gettext
    try:
        payload = build()
    except ValidationError as err:
        return Outcome(error=_("Please check what you entered: %(problem)s") % {"problem": validation_message(err, gettext)})
    try:
        return Outcome(result=await run(payload))
    except service.CaseNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    except service.ActionRejected as err:
        return Outcome(error=_("The case did not accept this: %(reason)s") % {"reason": refusals.reason(gettext, err)})
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        return Outcome(error=_("The case did not answer in time. It may still happen: look again in a moment before trying again."))
    except RPCError:
        return Outcome(error=_("The case cannot be reached right now; try again in a moment."))
