"""Retention and erasure I/O, in batches the workflows hand over. Every activity is idempotent: a case
already anonymised, an interview already erased or an execution already deleted is passed over."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from config import Settings
from models.audit import AuditAction, AuditLogRow, SubjectType
from models.retention import (
    AnonymiseInput,
    AnonymiseResult,
    EraseContentInput,
    ErasureReason,
    FindDueInput,
    PersonInput,
    PurgeEventsInput,
    RetentionPlan,
    RetentionPlanInput,
)
from organisation import store
from privacy import audit, retention
from privacy.audit import SYSTEM, Auditor

STILL_RUNNING = "PersonStillActive"


class RetentionActivities:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession], client: Client) -> None:
        self._settings = settings
        self._sessions = sessions
        self._client = client

    @activity.defn
    async def load_retention_plan(self, input: RetentionPlanInput) -> RetentionPlan:
        async with self._sessions.begin() as session:
            organisation = await store.load(session, self._settings)
        return retention.plan(organisation.policy, input.as_of)

    @activity.defn
    async def find_due(self, input: FindDueInput) -> list[str]:
        async with self._sessions() as session:
            return await retention.due_case_ids(session, input.kind, input.before, input.after, input.limit)

    @activity.defn
    async def cases_of_person(self, input: PersonInput) -> list[str]:
        """The person's cases still held; refused (for good) while one of them still runs."""
        async with self._sessions() as session:
            cases = await retention.cases_of_person(session, input.employee_id)
        running = await retention.running_cases(self._client, cases)
        if running:
            raise _still_running(input.employee_id, running[0])
        return [case.id for case in cases]

    @activity.defn
    async def anonymise_cases(self, input: AnonymiseInput) -> AnonymiseResult:
        by = Auditor(input.requested_by.who, frozenset(input.requested_by.roles))
        on_request = input.reason == ErasureReason.REQUEST
        result = AnonymiseResult()
        for case_id in input.case_ids:
            activity.heartbeat(case_id)
            if await retention.still_running(self._client, case_id):
                if on_request:
                    raise _still_running(input.person or "", case_id)
                result.skipped.append(case_id)
                continue
            # Temporal first: should the database part fail, a retry finds the executions gone and goes on.
            result.executions_deleted += await retention.delete_executions(self._client, case_id)
            async with self._sessions.begin() as session:
                if await retention.anonymise_case(session, case_id, reason=input.reason.value, by=by):
                    result.anonymised.append(case_id)
        if input.person:
            async with self._sessions.begin() as session:
                result.events_deleted += await retention.delete_events_of_person(session, input.person)
                await self._log_request_once(session, input.person, input, result, by)
        return result

    async def _log_request_once(
        self, session: AsyncSession, person: str, input: AnonymiseInput, result: AnonymiseResult, by: Auditor
    ) -> None:
        """One entry for the request itself, however often this activity is retried."""
        query = select(AuditLogRow.detail).where(
            AuditLogRow.action == AuditAction.PERSON_ERASED.value,
            AuditLogRow.subject == person,
            AuditLogRow.subject_type == SubjectType.PERSON.value,
        )
        if any(detail.get("request") == input.request_id for detail in (await session.execute(query)).scalars()):
            return
        detail = {"request": input.request_id, "cases": len(input.case_ids), "events_deleted": result.events_deleted}
        await audit.record(session, AuditAction.PERSON_ERASED, SubjectType.PERSON, person, detail, roles=("hr",), by=by)

    @activity.defn
    async def erase_interview_content(self, input: EraseContentInput) -> int:
        erased = 0
        for case_id in input.case_ids:
            async with self._sessions.begin() as session:
                erased += await retention.erase_interview_content(session, case_id, by=SYSTEM)
        return erased

    @activity.defn
    async def purge_event_log(self, input: PurgeEventsInput) -> int:
        async with self._sessions.begin() as session:
            deleted = await retention.delete_events(session, input.before)
            if deleted:
                await audit.record(
                    session,
                    AuditAction.EVENTS_PURGED,
                    SubjectType.EVENT_LOG,
                    "inbound_events",
                    {"deleted": deleted, "before": input.before.isoformat()},
                    by=SYSTEM,
                )
        return deleted


def _still_running(employee_id: str, case_id: str) -> ApplicationError:
    return ApplicationError(
        f"case {case_id} of {employee_id} is still running: its data can be erased once it is closed or withdrawn",
        type=STILL_RUNNING,
        non_retryable=True,
    )
