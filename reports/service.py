"""Starting a missed report, acting in the review, and fetching reports as HTML, PDF or CSV: the one place
the web app and the CLI go through. The schedule makes the reports; HR may only make one it missed."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from cases.client import put_schedule
from cases.service import execute_update, query
from config import Settings
from models.refusals import Refusal
from models.report import ReportFigures, ReportInput, ReportPolicy, ReviewView
from organisation import store
from reports import periods, plan, published, schedule, settings_store
from reports.plan import PeriodRefused  # noqa: F401 (the web app and the CLI catch it from here)
from reports.render import render_csv, render_html, render_pdf
from reports.tables import ReportRow
from workflows.report import ReportWorkflow
from workflows.review import ReviewWorkflow


class ReportNotFound(Exception):
    """No report (or no running review) with that id."""


@dataclass(frozen=True)
class ReportStart:
    report_id: str
    label: str
    created: bool


async def missed_period(session: AsyncSession, settings: Settings, period: str) -> tuple[date, date]:
    """The days of a fixed period the schedule missed, named like ``2027-Q2``, ``2027-H1`` or ``2027``. Raises
    ``PeriodRefused`` for anything else: a period of another length than the organisation's, one not yet ended,
    or one already reported."""
    policy = await settings_store.load(session)
    organisation = await store.load(session, settings)
    today = periods.local_date(datetime.now(UTC), organisation.policy.timezone)
    return await plan.named(session, period, policy.report_period, today)


async def start_period(client: Client, start: date, end: date, task_queue: str, requested_by: str) -> ReportStart:
    """Start the report of a period ``missed_period`` gave, or name the run already busy with it."""
    report_id, label = periods.report_id(start, end), periods.label(start, end)
    try:
        await client.start_workflow(
            ReportWorkflow.run,
            ReportInput(start=start, end=end, requested_by=requested_by),
            id=report_id,
            task_queue=task_queue,
        )
    except WorkflowAlreadyStartedError:
        return ReportStart(report_id=report_id, label=label, created=False)
    return ReportStart(report_id=report_id, label=label, created=True)


async def start_missed_report(
    client: Client, session: AsyncSession, settings: Settings, period: str, requested_by: str = "hr"
) -> ReportStart:
    start, end = await missed_period(session, settings, period)
    return await start_period(client, start, end, settings.task_queue, requested_by)


async def review_view(client: Client, report_id: str) -> ReviewView | None:
    workflow_id = ReviewWorkflow.id_for(report_id)
    handle = client.get_workflow_handle(workflow_id)
    return await query(handle.query(ReviewWorkflow.view), workflow_id)


async def act_on_review(client: Client, report_id: str, update: Any, payload: BaseModel) -> Any:
    """Run one of ReviewWorkflow's updates (add_finding, add_action, approve, send_back, complete_action,
    change_action)."""

    async def ended() -> Refusal:
        return Refusal("review_ended", report=report_id)

    return await execute_update(
        client,
        ReviewWorkflow.id_for(report_id),
        update,
        payload,
        ended,
        not_found=lambda _: ReportNotFound(report_id),
        rpc_timeout=None,
    )


async def save_policy(client: Client, session: AsyncSession, settings: Settings, policy: ReportPolicy) -> bool:
    """Store the report settings and bring the schedule to their period and day. False when the schedule cannot be
    reached now: the settings are kept, and every worker brings the schedule to them when it starts."""
    await settings_store.update(session, policy)
    await session.commit()
    organisation = await store.load(session, settings)
    wanted = schedule.build_schedule(
        policy.report_period, organisation.policy.timezone, settings.task_queue, policy.report_day
    )
    try:
        await put_schedule(client, schedule.SCHEDULE_ID, wanted)
    except RPCError:
        return False
    return True


async def list_reports(session: AsyncSession, limit: int = 100) -> list[ReportRow]:
    statement = select(ReportRow).order_by(ReportRow.period_end.desc(), ReportRow.period_start.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def figures(session: AsyncSession, report_id: str) -> ReportFigures:
    """The report as published (free text only while its writer's consent stands)."""
    row = await session.get(ReportRow, report_id)
    if row is None:
        raise ReportNotFound(report_id)
    return await published.figures_of(session, row)


async def report_html(
    session: AsyncSession, report_id: str, language: str, organisation_name: str = "", country: str = "NL"
) -> str:
    return render_html(await figures(session, report_id), language, organisation_name, country)


async def report_pdf(
    session: AsyncSession, report_id: str, language: str, organisation_name: str = "", country: str = "NL"
) -> bytes:
    # WeasyPrint takes a second or so of CPU: off the event loop, so the web app keeps serving.
    report = await figures(session, report_id)
    return await asyncio.to_thread(render_pdf, report, language, organisation_name, country)


async def report_csv(session: AsyncSession, report_id: str) -> str:
    return render_csv(await figures(session, report_id))
