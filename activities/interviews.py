"""The interview record and the employee's consent: confidential content kept in the database only."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from db.rows import stored
from models.audit import AuditAction, SubjectType
from models.records import StoreInterviewInput
from models.tables import Case, InterviewRecordRow, InterviewText
from privacy import audit
from reports.anonymise import shareable_texts


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
            record = input.record.model_dump(mode="json")
            row = InterviewRecordRow(
                case_id=input.case_id,
                interviewer_email=str(input.interviewer_email),
                record=record,
                consent_scope=input.consent.scope.value,
                share_with_manager=input.consent.share_with_manager,
                share_with_board=input.consent.share_with_board,
                consent_text_version=input.consent.text_version,
                consent_given_at=input.held_at,
                held_at=input.held_at,
                texts=[
                    InterviewText(field=field, text=text)
                    for field, text in shareable_texts(record, (case.employee_name, case.manager_name)).items()
                ],
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


def _recorder(input: StoreInterviewInput) -> audit.Auditor:
    if input.recorded_by is None:
        return audit.Auditor(str(input.interviewer_email), frozenset({"interviewer"}))
    return audit.Auditor(str(input.recorded_by.email), frozenset({input.recorded_by.role.value}))
