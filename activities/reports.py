"""The report's I/O: settings, compiling and storing the figures, recording the review, and report mail.

Every write is idempotent: a retried activity finds its own earlier work and changes nothing twice."""

import asyncio
import logging
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import sending
from activities.mail_templates import MailTemplates
from config import Settings
from db.rows import stored
from models.mail import MailReceipt
from models.report import (
    POOL_MONTHS,
    CompileReportInput,
    PlanReportInput,
    ReportFigures,
    ReportInput,
    ReportMailRequest,
    ReportPeriod,
    ReportSetup,
    ReportStatus,
    ReportStatusInput,
    ReportSummary,
    StoreActionInput,
    StoreFindingInput,
)
from models.tables import utcnow
from organisation import store
from reports import periods, plan, published, settings_store
from reports.aggregate import compile_report
from reports.render import render_pdf
from reports.tables import ReportActionRow, ReportFindingRow, ReportMailRow, ReportRow

log = logging.getLogger(__name__)

# A refused period is refused for good: retrying cannot make it a fixed period.
PERIOD_REFUSED = "ReportPeriodRefused"


def summary_of(row: ReportRow, kept: bool = False) -> ReportSummary:
    figures = ReportFigures.model_validate(row.figures)
    return ReportSummary(
        report_id=row.id,
        revision=row.revision,
        label=figures.label,
        departures=figures.departures_by_type.total,
        respondents=figures.respondents,
        response_rate=figures.response_rate,
        kept_status=ReportStatus(row.status) if kept else None,
    )


class ReportActivities:
    def __init__(
        self, settings: Settings, sessions: async_sessionmaker[AsyncSession], templates: MailTemplates
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._templates = templates

    @activity.defn
    async def load_report_setup(self) -> ReportSetup:
        async with self._sessions.begin() as session:
            policy = await settings_store.load(session)
            organisation = await store.load(session, self._settings)
        return ReportSetup(
            policy=policy,
            organisation_name=organisation.name,
            hr=organisation.hr,
            timezone=organisation.policy.timezone,
            public_url=organisation.public_url,
        )

    @activity.defn
    async def plan_scheduled_report(self, input: PlanReportInput) -> ReportInput | None:
        """The report the schedule makes: the period just ended, less what earlier reports cover; None when nothing is left."""
        async with self._sessions.begin() as session:
            policy = await settings_store.load(session)
            left = await plan.just_ended(session, policy.report_period, periods.local_date(input.as_of, input.timezone))
        return None if left is None else ReportInput(start=left[0], end=left[1], requested_by="schedule")

    @activity.defn
    async def compile_report(self, input: CompileReportInput) -> ReportSummary:
        """Aggregate and store, once: a period already reported keeps its report, whichever run asks again.

        Refuses (for good) a range that is not what is left of one of the organisation's fixed periods after it ended."""
        async with self._sessions.begin() as session:
            policy = await settings_store.load(session, for_update=True)
            row = await session.get(ReportRow, input.report_id, with_for_update=True)
            if row is not None:
                return summary_of(row, kept=row.run_id != input.run_id)
            await self._check_period(session, input, policy.report_period)
            compiled = await compile_report(
                session,
                report_id=input.report_id,
                start=input.start,
                end=input.end,
                zone=input.timezone,
                k=input.min_group_size,
                as_of=input.as_of,
                pool_months=POOL_MONTHS[policy.small_organisation_window],
                target_groups=policy.target_groups,
            )
            row = ReportRow(
                id=input.report_id,
                revision=1,
                run_id=input.run_id,
                period_start=input.start,
                period_end=input.end,
                status=ReportStatus.COMPILED.value,
                requested_by=input.requested_by,
            )
            published.add(session, row, compiled)
            await session.flush()
            return summary_of(row)

    @staticmethod
    async def _check_period(session: AsyncSession, input: CompileReportInput, period: ReportPeriod) -> None:
        expected = periods.report_id(input.start, input.end)
        try:
            if input.report_id != expected:
                raise plan.PeriodRefused(
                    "report_id",
                    "not_a_period",
                    f"a report on {input.start} – {input.end} is known as {expected}, not {input.report_id}",
                )
            await plan.check(session, input.start, input.end, period, periods.local_date(input.as_of, input.timezone))
        except plan.PeriodRefused as err:
            raise ApplicationError(
                str(err), {"field": err.field, "code": err.code}, type=PERIOD_REFUSED, non_retryable=True
            ) from None

    @activity.defn
    async def set_report_status(self, input: ReportStatusInput) -> None:
        async with self._sessions.begin() as session:
            row = await stored(session, ReportRow, input.report_id, with_for_update=True)
            row.status = input.status.value
            if input.status == ReportStatus.APPROVED:
                row.approved_by = input.approved_by
                row.approved_at = row.approved_at or utcnow()
                row.approval_comment = input.comment

    @activity.defn
    async def store_finding(self, input: StoreFindingInput) -> None:
        finding = input.finding
        async with self._sessions.begin() as session:
            if await self._find(session, ReportFindingRow, input.report_id, input.revision, finding.id) is None:
                session.add(
                    ReportFindingRow(
                        report_id=input.report_id,
                        revision=input.revision,
                        key=finding.id,
                        text=finding.text,
                        author_email=finding.author_email,
                        created_at=finding.at,
                    )
                )

    @activity.defn
    async def store_action(self, input: StoreActionInput) -> None:
        """Adds the action, or records its completion: both converge on the action's current state."""
        action = input.action
        async with self._sessions.begin() as session:
            row = await self._find(session, ReportActionRow, input.report_id, input.revision, action.id)
            if row is None:
                row = ReportActionRow(
                    report_id=input.report_id, revision=input.revision, key=action.id, created_at=action.created_at
                )
                session.add(row)
            row.text = action.text
            row.owner_email = action.owner_email
            row.due_date = action.due_date
            row.created_by = action.created_by
            row.completed_at = action.done_at
            row.completed_by = action.done_by

    @staticmethod
    async def _find(session: AsyncSession, table, report_id: str, revision: int, key: str):
        query = select(table).where(table.report_id == report_id, table.revision == revision, table.key == key)
        return (await session.execute(query)).scalar_one_or_none()

    # Report mail: sent once per report, purpose and recipient, like case mail (activities.sending).
    @activity.defn
    async def send_report_mail(self, request: ReportMailRequest) -> MailReceipt:
        s = self._settings
        message_id = sending.message_id_for(request.report_id, request.purpose, str(request.to))
        message = self._templates.render(
            request.template,
            request.language,
            request.context,
            sender=s.mail_from,
            to=str(request.to),
            message_id=message_id,
            reply_to=str(request.reply_to or s.hr_email),
        )
        message["X-Offboarding-Report"] = request.report_id
        message["X-Offboarding-Purpose"] = request.purpose

        async def attach_pdf(message: EmailMessage) -> None:
            # Rendered only now: a retry of a mail that already went out costs no PDF.
            pdf = await self._pdf(request)
            message.add_attachment(
                pdf, maintype="application", subtype="pdf", filename=f"{request.report_id}.{request.language}.pdf"
            )
            # Making the message multipart moved every Content-* header into the body part.
            message["Content-Language"] = request.language

        ledger = sending.Ledger(
            self._sessions,
            ReportMailRow,
            {"report_id": request.report_id, "purpose": request.purpose, "recipient": str(request.to)},
        )
        mail = sending.Mail.of(ledger, message, sender=s.mail_from, recipient=str(request.to))
        return await sending.send_once(s, mail, complete=attach_pdf if request.attach_report else None)

    async def _pdf(self, request: ReportMailRequest) -> bytes:
        async with self._sessions() as session:
            figures = await published.figures_of(session, await stored(session, ReportRow, request.report_id))
        # WeasyPrint is CPU-bound: off the event loop, so other activities and heartbeats keep going.
        return await asyncio.to_thread(
            render_pdf,
            figures,
            request.language,
            request.context.get("organisation_name", ""),
            self._settings.organisation_country,
        )
