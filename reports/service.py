"""Starting reports, acting in their review, and fetching them as HTML, PDF or CSV: the one place
the web app, the CLI and the schedule's code go through."""

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from cases.service import ActionRejected, execute_update
from models.refusals import Refusal
from models.report import ReportFigures, ReportInput, ReviewView
from reports import periods
from reports.render import render_csv, render_html, render_pdf
from reports.tables import ReportRow
from workflows.report import ReportWorkflow
from workflows.review import ReviewWorkflow


class ReportNotFound(Exception):
    """No report (or no running review) with that id."""


@dataclass(frozen=True)
class ReportStart:
    report_id: str
    created: bool


async def start_report(client: Client, start_date: date, end_date: date, task_queue: str, requested_by: str = "hr") -> ReportStart:
    """Start the report for a date range (inclusive), or name the run already busy with that range."""
    payload = ReportInput(start=start_date, end=end_date, requested_by=requested_by)
    report_id = periods.report_id(start_date, end_date)
    try:
        await client.start_workflow(ReportWorkflow.run, payload, id=report_id, task_queue=task_queue)
    except WorkflowAlreadyStartedError:
        return ReportStart(report_id=report_id, created=False)
    return ReportStart(report_id=report_id, created=True)


def _missing(err: RPCError) -> bool:
    return err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT)


async def review_view(client: Client, report_id: str) -> ReviewView | None:
    try:
        return await client.get_workflow_handle_for(ReviewWorkflow.run, ReviewWorkflow.id_for(report_id)).query(ReviewWorkflow.view)
    except RPCError as err:
        if _missing(err):
            return None
        raise


async def act_on_review(client: Client, report_id: str, update: Any, payload: BaseModel) -> Any:
    """Run one of ReviewWorkflow's updates (add_finding, add_action, approve, complete_action)."""
    async def ended() -> Refusal:
        return Refusal("review_ended", report=report_id)

    return await execute_update(
        client, ReviewWorkflow.id_for(report_id), update, payload, ended, not_found=lambda _: ReportNotFound(report_id), rpc_timeout=None
    )


async def list_reports(session: AsyncSession, limit: int = 100) -> list[ReportRow]:
    query = select(ReportRow).order_by(ReportRow.period_end.desc(), ReportRow.period_start.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def figures(session: AsyncSession, report_id: str) -> ReportFigures:
    row = await session.get(ReportRow, report_id)
    if row is None:
        raise ReportNotFound(report_id)
    return ReportFigures.model_validate(row.figures)


async def report_html(session: AsyncSession, report_id: str, language: str, organisation_name: str = "") -> str:
    return render_html(await figures(session, report_id), language, organisation_name)


async def report_pdf(session: AsyncSession, report_id: str, language: str, organisation_name: str = "") -> bytes:
    # WeasyPrint takes a second or so of CPU: off the event loop, so the web app keeps serving.
    return await asyncio.to_thread(render_pdf, await figures(session, report_id), language, organisation_name)


async def report_csv(session: AsyncSession, report_id: str) -> str:
    return render_csv(await figures(session, report_id))
