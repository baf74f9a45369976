"""The short record of each interview that the board may read (seed 001 §3.1: "van dit exitgesprek zal een kort
verslag gemaakt worden en beschikbaar worden gesteld aan het bestuur"), only where the employee agreed to it.

A record holds only what the employee's consent already lets go beyond HR: the advice with advice-only consent, the
experiences too with the wider consent, as the texts kept ready for reports (``interview_texts``: the employee's and
manager's names and e-mail addresses removed). It leaves the board's view as soon as the consent is withdrawn or the
content erased. Reading one is written in the audit log, like every reading of interview content."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.consent import shared_texts
from models.audit import AuditAction, SubjectType
from models.questionnaire import ConsentScope
from models.tables import Case, InterviewRecordRow
from privacy import audit
from reports import periods
from reports.tables import ReportRow


@dataclass(frozen=True)
class ShortRecord:
    department: str
    departure_type: str
    texts: list[tuple[str, str]]  # (topic, text), in the questionnaire's order


async def for_report(session: AsyncSession, report: ReportRow, zone: str, reader: str) -> list[ShortRecord]:
    """The short records of the interviews of the cases closed in the report's period whose employee agreed; each
    reading is logged in ``session`` (the caller commits)."""
    begin, until = periods.utc_bounds(report.period_start, report.period_end, zone)
    query = (
        select(Case, InterviewRecordRow)
        .join(InterviewRecordRow, InterviewRecordRow.case_id == Case.id)
        .where(
            Case.status == "closed",
            Case.closed_at >= begin,
            Case.closed_at < until,
            InterviewRecordRow.share_with_board.is_(True),
            InterviewRecordRow.consent_revoked_at.is_(None),
            InterviewRecordRow.content_erased_at.is_(None),
            InterviewRecordRow.consent_scope.in_([ConsentScope.ADVICE_ONLY, ConsentScope.ADVICE_AND_EXPERIENCES]),
        )
        .order_by(Case.department, InterviewRecordRow.id)
    )
    records = []
    for case, record in (await session.execute(query)).all():
        shown = await shared_texts(session, record)
        if not shown:
            continue
        records.append(ShortRecord(department=case.department, departure_type=case.departure_type, texts=shown))
        await audit.record(
            session,
            AuditAction.INTERVIEW_READ,
            SubjectType.PERSON,
            case.employee_id or case.id,
            {"case_id": case.id, "part": "board_record", "report": report.id, "reader": reader},
            roles=("reviewer", "hr"),
        )
    return records
