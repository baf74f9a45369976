"""The employee's consent after the interview: what it allows, and its revocation at any later time."""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import AuditAction, SubjectType
from models.questionnaire import Consent, ConsentScope
from models.tables import Case, InterviewRecordRow, InterviewText, utcnow
from privacy import audit
from reports.aggregate import ADVICE_TOPIC, TEXT_TOPICS

TOPIC_OF = {field: topic for topic, fields in TEXT_TOPICS.items() for field in fields}


class NoInterviewRecord(Exception):
    """The case has no recorded interview, so there is no consent to show or revoke."""


class ManagerFeedback(BaseModel):
    """The main points the employee agreed may be fed back to the manager."""

    advice_summary: str
    most_important_advice: str


async def _row(session: AsyncSession, case_id: str) -> InterviewRecordRow:
    row = (
        await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case_id))
    ).scalar_one_or_none()
    if row is None:
        raise NoInterviewRecord(case_id)
    return row


def _consent(row: InterviewRecordRow) -> Consent:
    return Consent(
        scope=ConsentScope(row.consent_scope),
        share_with_manager=row.share_with_manager,
        text_version=row.consent_text_version,
        given_at=row.consent_given_at,
        revoked_at=row.consent_revoked_at,
    )


async def consent_of(session: AsyncSession, case_id: str) -> Consent:
    return _consent(await _row(session, case_id))


async def revoke(session: AsyncSession, case_id: str, at: datetime | None = None) -> Consent:
    """Withdraw consent: the record stays with HR, but leaves every later report and manager view. Revoking twice keeps the first time."""
    row = await _row(session, case_id)
    if row.consent_revoked_at is None:
        row.consent_revoked_at = at or utcnow()
    return _consent(row)


def allows_manager_feedback(row: InterviewRecordRow) -> bool:
    return row.share_with_manager and row.consent_revoked_at is None


async def shared_texts(session: AsyncSession, row: InterviewRecordRow) -> list[tuple[str, str]]:
    """What the consent lets go beyond HR, as (topic, text) in the questionnaire's order: the advice with advice-only
    consent, the experiences too with the wider one, nothing once withdrawn or erased. The texts are those kept ready
    for reports (``interview_texts``), without the employee's and manager's names and e-mail addresses."""
    if row.consent_revoked_at is not None or row.content_erased_at is not None:
        return []
    if row.consent_scope not in (ConsentScope.ADVICE_ONLY, ConsentScope.ADVICE_AND_EXPERIENCES):
        return []
    texts = (
        await session.execute(
            select(InterviewText.field, InterviewText.text)
            .where(InterviewText.interview_id == row.id)
            .order_by(InterviewText.id)
        )
    ).all()
    everything = row.consent_scope == ConsentScope.ADVICE_AND_EXPERIENCES
    return [
        (TOPIC_OF[field], text)
        for field, text in texts
        if field in TOPIC_OF and (everything or TOPIC_OF[field] == ADVICE_TOPIC)
    ]


async def feedback_for_manager(session: AsyncSession, case_id: str) -> ManagerFeedback | None:
    """The shared points, when the consent allows them; each time they are shown is on the audit log (committed)."""
    row = await _row(session, case_id)
    if not allows_manager_feedback(row):
        return None
    case = await session.get(Case, case_id)
    subject = case.employee_id if case is not None and case.employee_id else case_id
    await audit.record(
        session,
        AuditAction.INTERVIEW_READ,
        SubjectType.PERSON,
        subject,
        {"case_id": case_id, "part": "manager_feedback"},
        roles=("manager", "hr"),
    )
    await session.commit()
    return ManagerFeedback(
        advice_summary=row.record.get("advice_summary", ""),
        most_important_advice=row.record.get("most_important_advice", ""),
    )
