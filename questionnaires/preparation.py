"""What the employee writes through their invitation link: answers noted beforehand, for the interviewer to see
beside the questions, or, after declining a conversation, the answers given in writing instead.

The notes are the employee's alone until the interview: the interviewer sees them, HR's record holds only what
is recorded with the employee's consent, and no report reads them. A written answer becomes a record like a held
interview's, with the same consent, marked as written so that reports count it apart."""

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import AuditAction, SubjectType
from models.questionnaire import ConsentChoice, InterviewRecord
from models.tables import Case, InterviewPreparation, InterviewRecordRow
from privacy import audit
from questionnaires.records import WRITTEN, record_row


class AlreadyRecorded(Exception):
    """The case has an interview record already: a written answer cannot come on top of it."""


async def find(session: AsyncSession, case_id: str) -> InterviewPreparation | None:
    query = select(InterviewPreparation).where(InterviewPreparation.case_id == case_id)
    return (await session.execute(query)).scalar_one_or_none()


async def notes_of(session: AsyncSession, case_id: str) -> dict:
    """The employee's notes in the form's shape; empty when there are none."""
    found = await find(session, case_id)
    return {key: value for key, value in found.answers.items() if value not in ("", [], None)} if found else {}


async def save(session: AsyncSession, case: Case, version: int, answers: dict) -> InterviewPreparation:
    """Keep the notes (the caller commits); the first save is on the audit log, as the interviewer's draft is."""
    found = await find(session, case.id)
    if found is None:
        found = InterviewPreparation(case_id=case.id, template_version=version, answers=answers)
        session.add(found)
        await _log(session, AuditAction.INTERVIEW_WRITTEN, case, "employee_notes", case.work_email)
    else:
        found.template_version, found.answers, found.updated_at = version, answers, datetime.now(UTC)
    await session.flush()
    return found


async def forget(session: AsyncSession, case_id: str) -> None:
    await session.execute(delete(InterviewPreparation).where(InterviewPreparation.case_id == case_id))


async def has_record(session: AsyncSession, case_id: str) -> bool:
    query = select(InterviewRecordRow.id).where(InterviewRecordRow.case_id == case_id)
    return (await session.execute(query)).first() is not None


async def record_written(
    session: AsyncSession, case: Case, record: InterviewRecord, consent: ConsentChoice, by: str
) -> int:
    """The written answers as the case's interview record, with their consent; the notes they came from go.
    Raises AlreadyRecorded when the case has a record (also one stored a moment earlier by another request)."""
    if await has_record(session, case.id):
        raise AlreadyRecorded(case.id)
    row = record_row(case, record, consent, interviewer_email="", held_at=datetime.now(UTC), mode=WRITTEN)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise AlreadyRecorded(case.id) from None
    await forget(session, case.id)
    await audit.record(
        session,
        AuditAction.INTERVIEW_RECORDED,
        SubjectType.PERSON,
        case.employee_id or case.id,
        {"case_id": case.id, "consent_scope": consent.scope.value, "mode": WRITTEN},
        by=audit.Auditor(by, frozenset({"employee"})),
    )
    return row.id


async def _log(session: AsyncSession, action: AuditAction, case: Case, part: str, by: str) -> None:
    await audit.record(
        session,
        action,
        SubjectType.PERSON,
        case.employee_id or case.id,
        {"case_id": case.id, "part": part},
        by=audit.Auditor(by, frozenset({"employee"})),
    )
