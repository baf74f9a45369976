"""The interview record and the employee's consent: confidential content kept in the database only."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from db.rows import stored
from models.audit import AuditAction, AuditLogRow, SubjectType
from models.records import ManagerChosenInput, StoreInterviewInput
from models.tables import Case, InterviewRecordRow
from privacy import audit
from questionnaires.records import record_row


class InterviewActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn
    async def store_interview(self, input: StoreInterviewInput) -> int:
        async with self._sessions.begin() as session:
            existing = (
                await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == input.case_id))
            ).scalar_one_or_none()
            if existing is not None:
                return existing.id
            case = await stored(session, Case, input.case_id)
            row = record_row(
                case,
                input.record,
                input.consent,
                interviewer_email=str(input.interviewer_email),
                held_at=input.held_at,
                consent_given_at=input.consent_given_at,
            )
            session.add(row)
            await session.flush()
            # In the same transaction as the record: no record without its entry, and a retry adds neither twice.
            await audit.record(
                session,
                AuditAction.INTERVIEW_RECORDED,
                SubjectType.PERSON,
                case.employee_id or case.id,
                {"case_id": case.id, "consent_scope": input.consent.scope.value},
                by=_recorder(input),
            )
            return row.id

    @activity.defn
    async def audit_manager_chosen(self, input: ManagerChosenInput) -> None:
        """The fallback on the audit log with HR's reason, once however often the activity runs."""
        async with self._sessions.begin() as session:
            case = await stored(session, Case, input.case_id)
            subject = case.employee_id or case.id
            detail = {"case_id": case.id, "manager": str(input.manager_email), "reason": input.reason}
            already = (
                await session.execute(
                    select(AuditLogRow.detail).where(
                        AuditLogRow.action == AuditAction.INTERVIEWER_MANAGER_CHOSEN.value,
                        AuditLogRow.subject == subject,
                    )
                )
            ).scalars()
            if detail in list(already):
                return
            await audit.record(
                session,
                AuditAction.INTERVIEWER_MANAGER_CHOSEN,
                SubjectType.PERSON,
                subject,
                detail,
                by=audit.Auditor(str(input.chosen_by.email), frozenset({input.chosen_by.role.value})),
            )


def _recorder(input: StoreInterviewInput) -> audit.Auditor:
    if input.recorded_by is None:
        return audit.Auditor(str(input.interviewer_email), frozenset({"interviewer"}))
    return audit.Auditor(str(input.recorded_by.email), frozenset({input.recorded_by.role.value}))
