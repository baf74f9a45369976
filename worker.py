"""The worker: runs case workflows and their activities. Stateless; start as many as the load needs."""

import asyncio
import compileall
import logging
import signal
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

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

# Pure libraries that pydantic's validators import lazily; reloading them per workflow run buys nothing.
LIBRARIES_PASSED_THROUGH = ("email_validator", "idna", "pydantic", "pydantic_core", "babel")
# The workflow modules themselves, imported once for the process instead of afresh for every workflow the worker
# starts or replays: that import cost ~20 ms of CPU per workflow under the profiler, and the worker's memory per cached
# workflow fell from ~330 to ~220 KiB with it (bench/RESULTS.md, "Mass departure (issue 19)"). The sandbox then no
# longer re-runs their module code per workflow nor checks the calls it makes into the standard library, so
# determinism rests on the workflow code's own discipline (workflow.now(), workflow.random(), no I/O), which
# tests/workflows/test_discipline.py reads from the source, and on tests/workflows/test_replay.py, which replays
# recorded histories of whole cases through this same runner. Workflow modules keep no state of their own at module
# level (constants only).
WORKFLOW_MODULES_PASSED_THROUGH = ("workflows",)
PASSTHROUGH_MODULES = (*LIBRARIES_PASSED_THROUGH, *WORKFLOW_MODULES_PASSED_THROUGH)


def compile_workflow_modules() -> None:
    """Write the workflow modules' bytecode when it is missing or stale.

    The sandbox imports a workflow's module afresh for every workflow it starts or replays; without bytecode
    (``PYTHONDONTWRITEBYTECODE``, a fresh checkout) each of those imports compiles the source again, most of
    what a new workflow instance costs. A read-only folder (the image compiles at build time) is left as it is."""
    compileall.compile_dir(Path(__file__).resolve().parent / "workflows", quiet=2)


def sandbox_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    )


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
        workflow_runner=sandbox_runner(),
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
    compile_workflow_modules()
    engine = create_engine(settings.database_url)
    await operations.check_schema(engine)
    client = await connect(settings, runtime=operations.runtime)
    worker = build_worker(client, settings, create_sessionmaker(engine), **options)
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
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
