"""The periodic report: compile the anonymised figures for one of the organisation's fixed periods once
it has ended, send them to the reviewers, and hold the management review. Without reviewers the report
goes to HR and is published as it is.

``ScheduledReportWorkflow`` is what the Temporal Schedule starts: it asks which period has just ended
(less any part earlier reports cover) and starts the ``ReportWorkflow`` for it under the period's own
id. A report is compiled once: the compile activity refuses any range that is not such a period, and a
run for a period already reported ends without touching that report."""

import asyncio

from temporalio import workflow
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.reports import ReportActivities
    from models.report import (
        CompileReportInput,
        PlanReportInput,
        ReportInput,
        ReportMailRequest,
        ReportOutcome,
        ReportSetup,
        ReportStatus,
        ReportStatusInput,
        ReportSummary,
        ReviewInput,
        ReviewTiming,
        ScheduledReportInput,
    )
    from reports import periods
    from workflows.activity_calls import DB_TIMEOUT, record
    from workflows.patches import REPORT_PLAN
    from workflows.review import ReviewWorkflow, send_report_mail

# Compiling reads every closed case of the period; generous, but far below a worker's patience.
COMPILE_TIMEOUT = DB_TIMEOUT * 10


@workflow.defn
class ScheduledReportWorkflow:
    @workflow.run
    async def run(self, input: ScheduledReportInput) -> str:
        # report-plan-from-stored-reports: see workflows/patches.py.
        if workflow.patched(REPORT_PLAN):
            planned = await workflow.execute_activity_method(
                ReportActivities.plan_scheduled_report,
                PlanReportInput(as_of=workflow.now(), timezone=input.timezone),
                start_to_close_timeout=DB_TIMEOUT,
            )
            if planned is None:
                workflow.logger.info("the period just ended has been reported already")
                return ""
        else:
            today = periods.local_date(workflow.now(), input.timezone)
            start, end = periods.period_just_ended(today, input.period)
            planned = ReportInput(start=start, end=end, requested_by="schedule")
        report_id = periods.report_id(planned.start, planned.end)
        try:
            await workflow.start_child_workflow(
                ReportWorkflow.run, planned, id=report_id, parent_close_policy=ParentClosePolicy.ABANDON
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("report %s is already running", report_id)
        return report_id


@workflow.defn
class ReportWorkflow:
    @workflow.init
    def __init__(self, input: ReportInput) -> None:
        self._summary: ReportSummary | None = None
        self._status: ReportStatus | None = None

    @workflow.run
    async def run(self, input: ReportInput) -> ReportOutcome:
        setup: ReportSetup = await workflow.execute_activity_method(
            ReportActivities.load_report_setup, start_to_close_timeout=DB_TIMEOUT
        )
        compile_input = CompileReportInput(
            report_id=self._report_id,
            run_id=workflow.info().run_id,
            start=input.start,
            end=input.end,
            timezone=setup.timezone,
            min_group_size=setup.policy.report_min_group_size,
            requested_by=input.requested_by,
            as_of=workflow.now(),
        )
        self._summary = await workflow.execute_activity_method(
            ReportActivities.compile_report, compile_input, start_to_close_timeout=COMPILE_TIMEOUT
        )
        if self._summary.kept_status is not None:
            # Another run made this report: it stays as it is, mailed and reviewed once. Runs recorded before
            # reports were kept read None here and go on as they did, so no patch is needed.
            self._status = self._summary.kept_status
            return ReportOutcome(report_id=self._report_id, status=self._status)
        self._status = ReportStatus.COMPILED
        reviewers = setup.policy.reviewers
        context = self._mail_context(setup)
        # Without reviewers HR receives the report: it is never compiled for nobody.
        ready = context | {"has_review": bool(reviewers)}
        await asyncio.gather(
            *(
                self._send_report(str(person.email), person.language, ready, str(setup.hr.email))
                for person in reviewers or [setup.hr]
            )
        )
        if not reviewers:
            return await self._finish(ReportStatus.PUBLISHED)
        await self._set_status(ReportStatus.IN_REVIEW)
        review = ReviewInput(
            report_id=self._report_id,
            revision=self._summary.revision,
            label=self._summary.label,
            reviewers=reviewers,
            hr=setup.hr,
            timezone=setup.timezone,
            timing=ReviewTiming(
                reminder_interval_days=setup.policy.review_reminder_interval_days,
                reminder_count=setup.policy.review_reminder_count,
                action_reminder_days_before_due=setup.policy.action_reminder_days_before_due,
            ),
            mail_context=context,
        )
        outcome = await workflow.execute_child_workflow(
            ReviewWorkflow.run, review, id=ReviewWorkflow.id_for(self._report_id)
        )
        self._status = ReportStatus.APPROVED if outcome.approval else ReportStatus.IN_REVIEW
        return ReportOutcome(report_id=self._report_id, status=self._status)

    @workflow.query
    def summary(self) -> ReportSummary | None:
        return self._summary

    async def _finish(self, status: ReportStatus) -> ReportOutcome:
        await self._set_status(status)
        return ReportOutcome(report_id=self._report_id, status=status)

    async def _set_status(self, status: ReportStatus) -> None:
        self._status = status
        await record(ReportActivities.set_report_status, ReportStatusInput(report_id=self._report_id, status=status))

    async def _send_report(self, to: str, language: str, context: dict, reply_to: str) -> bool:
        request = ReportMailRequest(
            report_id=self._report_id,
            purpose=f"r{self._compiled.revision}:report_ready",
            template="report_ready",
            to=to,
            language=language,
            context=context,
            attach_report=True,
            reply_to=reply_to,
        )
        return await send_report_mail(request)

    def _mail_context(self, setup: ReportSetup) -> dict:
        s = self._compiled
        return {
            "report_id": self._report_id,
            "report_url": f"{setup.public_url}/reports/{self._report_id}",
            "organisation_name": setup.organisation_name,
            "period_label": s.label,
            "departures": s.departures,
            "respondents": s.respondents,
            "response_rate": s.response_rate,
            "timezone": setup.timezone,
        }

    @property
    def _compiled(self) -> ReportSummary:
        """The compiled report, for code that runs once ``compile_report`` has answered."""
        if self._summary is None:
            raise RuntimeError(f"report {self._report_id}: read before it was compiled")
        return self._summary

    @property
    def _report_id(self) -> str:
        return workflow.info().workflow_id
