"""The worker: runs case workflows and their activities. Stateless; start as many as the load needs."""

import asyncio
import logging
import signal
from typing import Any

from operations.startup import loading

# The product's modules load with the collector held back (operations/startup.py).
with loading():
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
    from temporalio.client import Client
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    from activities.access import access_activities
    from activities.availability import AvailabilityActivities
    from activities.cases import CaseActivities
    from activities.interviews import InterviewActivities
    from activities.mail import MailActivities
    from activities.mail_templates import MailTemplates
    from activities.read_model import ReadModelActivities
    from activities.reports import ReportActivities
    from activities.retention import RetentionActivities
    from activities.webhooks import webhook_activities
    from cases import backfill
    from cases.client import connect
    from config import Settings, get_settings
    from db.engine import create_engine, create_sessionmaker
    from operations.metrics import CountingInterceptor
    from operations.worker import WorkerOperations
    from privacy.schedule import ensure_schedule as ensure_retention_schedule
    from reports.schedule import ensure_schedule as ensure_report_schedule
    from workflows.case_notices import CaseNoticeWorkflow
    from workflows.exit_interview import ExitInterviewWorkflow
    from workflows.offboarding import OffboardingWorkflow
    from workflows.report import ReportWorkflow, ScheduledReportWorkflow
    from workflows.retention import ErasureWorkflow, RetentionWorkflow
    from workflows.review import ReviewWorkflow
    from workflows.withdrawn_case import WithdrawnCaseWorkflow

WORKFLOWS = [
    OffboardingWorkflow,
    ExitInterviewWorkflow,
    WithdrawnCaseWorkflow,
    CaseNoticeWorkflow,
    ScheduledReportWorkflow,
    ReportWorkflow,
    ReviewWorkflow,
    RetentionWorkflow,
    ErasureWorkflow,
]


def workflow_runner() -> UnsandboxedWorkflowRunner:
    """Workflows run without the SDK's sandbox.

    The sandbox builds a restricted world of modules for every workflow it starts or replays and checks every import
    the process makes, in any thread; with the workflow modules imported once for the process (as they must be to be
    affordable) it no longer checks the calls they make. Without it the worker spends about a tenth less CPU per
    opened case (bench/RESULTS.md, "Mass departure"). Determinism rests on the workflow code's own discipline
    (workflow.now(), workflow.random(), no I/O, no state of its own at module level), which
    tests/workflows/test_discipline.py reads from the source, and on tests/workflows/test_replay.py, which replays
    recorded histories of whole cases through this same runner."""
    return UnsandboxedWorkflowRunner()


def build_worker(
    client: Client,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str | None = None,
    **options: Any,
) -> Worker:
    """The product's worker; ``options`` go to the SDK's ``Worker`` as they are (the benchmarks' profiler gives its
    own thread pool for workflow tasks)."""
    cases = CaseActivities(settings, sessions)
    mail = MailActivities(settings, sessions, MailTemplates(country=settings.organisation_country))
    interviews = InterviewActivities(sessions)
    availability = AvailabilityActivities(settings, sessions)
    reports = ReportActivities(settings, sessions, MailTemplates(country=settings.organisation_country))
    retention = RetentionActivities(settings, sessions, client)
    read_model = ReadModelActivities(sessions)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=WORKFLOWS,
        workflow_runner=workflow_runner(),
        max_cached_workflows=settings.worker_max_cached_workflows,
        # Counts cases and mails for the metrics (operations/metrics.py); tracing comes with the client.
        interceptors=[CountingInterceptor()],
        activities=[
            cases.open_case,
            cases.store_case,
            cases.plan_case,
            cases.move_last_day,
            cases.set_interview_status,
            cases.close_case,
            cases.record_withdrawal,
            cases.load_organisation,
            interviews.store_interview,
            interviews.audit_manager_chosen,
            availability.interviewer_availability,
            read_model.publish_case,
            read_model.publish_interview,
            mail.send_mail,
            mail.send_mails,
            reports.load_report_setup,
            reports.plan_scheduled_report,
            reports.compile_report,
            reports.set_report_status,
            reports.store_finding,
            reports.store_action,
            reports.send_report_mail,
            retention.load_retention_plan,
            retention.find_due,
            retention.cases_of_person,
            retention.anonymise_cases,
            retention.erase_interview_content,
            retention.purge_event_log,
            *webhook_activities(settings, sessions),
            *access_activities(settings, sessions),
        ],
        **options,
    )


async def main(**options: Any) -> None:
    settings = get_settings()
    # Logs, the SDK's metrics, the health endpoint and the schema check (operations/worker.py).
    operations = WorkerOperations(settings)
    engine = create_engine(settings.database_url)
    await operations.check_schema(engine)
    client = await connect(settings, runtime=operations.runtime)
    # The activities' own engine: on SQLite they take turns at one connection (db/engine.py); the health endpoint and
    # the schedules keep the other, so that a long queue of activities never makes the worker look dead.
    activities_engine = create_engine(settings.database_url, queue_on_sqlite=True)
    worker = build_worker(client, settings, create_sessionmaker(activities_engine), **options)
    await ensure_report_schedule(client, settings, create_sessionmaker(engine))
    await ensure_retention_schedule(client, settings, create_sessionmaker(engine))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with worker, operations.serving(client, create_sessionmaker(engine)):
        logging.getLogger("worker").info("polling task queue %s on %s", settings.task_queue, settings.temporal_address)
        await backfill.ask_to_publish(client, create_sessionmaker(engine))
        await stop.wait()
    await activities_engine.dispose()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
