"""Retention, run daily by a Temporal Schedule, and erasure on request: both hand batches of cases to
the same activity (``RetentionActivities.anonymise_cases``), which does the work.

``RetentionWorkflow`` anonymises the cases closed longer ago than the policy keeps personal data,
erases the free text of interviews past their own period, and clears old received events.
``ErasureWorkflow`` does the same at once for every case of one person, and is refused while one of
them still runs."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.retention import STILL_RUNNING, RetentionActivities
    from models.retention import (
        AnonymiseInput,
        DueKind,
        EraseContentInput,
        ErasureInput,
        ErasureOutcome,
        ErasureReason,
        FindDueInput,
        PersonInput,
        PurgeEventsInput,
        RequestedBy,
        RetentionInput,
        RetentionOutcome,
        RetentionPlanInput,
    )
    from workflows.activity_calls import DB_TIMEOUT

BATCH = 100
# A batch deletes up to two executions per case and rewrites its rows; heartbeats show it is alive.
BATCH_TIMEOUT = timedelta(minutes=10)
BATCH_HEARTBEAT = timedelta(minutes=1)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5), non_retryable_error_types=[STILL_RUNNING])


async def _anonymise(input: AnonymiseInput):
    return await workflow.execute_activity_method(
        RetentionActivities.anonymise_cases,
        input,
        start_to_close_timeout=BATCH_TIMEOUT,
        heartbeat_timeout=BATCH_HEARTBEAT,
        retry_policy=RETRY,
    )


@workflow.defn
class RetentionWorkflow:
    @workflow.run
    async def run(self, input: RetentionInput) -> RetentionOutcome:
        plan = await workflow.execute_activity_method(
            RetentionActivities.load_retention_plan,
            RetentionPlanInput(as_of=workflow.now()),
            start_to_close_timeout=DB_TIMEOUT,
        )
        outcome = RetentionOutcome()
        by = RequestedBy(who=input.requested_by, roles=["system"])
        # Anonymising erases the interview's free text too, so it goes first and leaves less for the next pass.
        async for batch in self._due(DueKind.IDENTIFIERS, plan.identifiers_before):
            result = await _anonymise(AnonymiseInput(case_ids=batch, reason=ErasureReason.RETENTION, requested_by=by))
            outcome.cases_anonymised += len(result.anonymised)
            outcome.skipped += result.skipped
        async for batch in self._due(DueKind.INTERVIEW_CONTENT, plan.interview_content_before):
            outcome.interviews_erased += await workflow.execute_activity_method(
                RetentionActivities.erase_interview_content,
                EraseContentInput(case_ids=batch),
                start_to_close_timeout=BATCH_TIMEOUT,
            )
        outcome.events_deleted = await workflow.execute_activity_method(
            RetentionActivities.purge_event_log,
            PurgeEventsInput(before=plan.events_before),
            start_to_close_timeout=BATCH_TIMEOUT,
        )
        return outcome

    async def _due(self, kind: DueKind, before):
        """Batches of due case ids; the keyset moves on, so a case left alone (still running) is not asked for again."""
        after = ""
        while True:
            batch = await workflow.execute_activity_method(
                RetentionActivities.find_due,
                FindDueInput(kind=kind, before=before, after=after, limit=BATCH),
                start_to_close_timeout=DB_TIMEOUT,
            )
            if not batch:
                return
            yield batch
            after = batch[-1]


@workflow.defn
class ErasureWorkflow:
    @staticmethod
    def id_for(request_id: str) -> str:
        return f"erasure-{request_id}"

    @workflow.run
    async def run(self, input: ErasureInput) -> ErasureOutcome:
        case_ids = await workflow.execute_activity_method(
            RetentionActivities.cases_of_person,
            PersonInput(employee_id=input.employee_id),
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=RETRY,
        )
        result = await _anonymise(
            AnonymiseInput(
                case_ids=case_ids,
                reason=ErasureReason.REQUEST,
                requested_by=input.requested_by,
                person=input.employee_id,
                request_id=workflow.info().workflow_id,
            )
        )
        return ErasureOutcome(
            employee_id=input.employee_id,
            cases_anonymised=len(result.anonymised),
            events_deleted=result.events_deleted,
            executions_deleted=result.executions_deleted,
        )
