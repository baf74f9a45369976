"""The short record of one exit interview for the personnel file (seed 004; 001 §3.1: "een kort verslag"): who
left, when the interview was held and by whom, and only what the employee's consent lets go beyond HR (the same
choice as the board's short record, ``cases.consent.shared_texts``). HR files it; every making of one is on the
audit log, like every reading of interview content."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.consent import allows_manager_feedback, shared_texts
from models.audit import AuditAction, SubjectType
from models.tables import Case, InterviewRecordRow
from privacy import audit


@dataclass(frozen=True)
class PersonnelRecord:
    case: Case
    interview: InterviewRecordRow
    texts: list[tuple[str, str]]  # (topic, text), in the questionnaire's order
    manager_told: bool  # the employee agreed that the main points go to the manager, and still does


async def logged_read(
    session: AsyncSession, case_id: str, details: dict | None = None
) -> tuple[Case, InterviewRecordRow] | None:
    """The case and its interview record, None without one; the reading is logged in ``session`` (the caller
    commits, before anything of the record is handed out)."""
    case = await session.get(Case, case_id)
    interview = (
        await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case_id))
    ).scalar_one_or_none()
    if case is None or interview is None:
        return None
    await audit.record(
        session,
        AuditAction.INTERVIEW_READ,
        SubjectType.PERSON,
        case.employee_id or case.id,
        {"case_id": case.id, **(details or {})},
        roles=("hr",),
    )
    return case, interview


async def for_case(session: AsyncSession, case_id: str, reader: str) -> PersonnelRecord | None:
    """The record of the case's interview for the personnel file, None without one (the reading logged, as above)."""
    read = await logged_read(session, case_id, {"part": "personnel_record", "reader": reader})
    if read is None:
        return None
    case, interview = read
    return PersonnelRecord(
        case=case,
        interview=interview,
        texts=await shared_texts(session, interview),
        manager_told=allows_manager_feedback(interview),
    )
