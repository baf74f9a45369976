"""Published reports: stored once with their figures, and read back as published.

The figures never change after publication. Free text is kept apart from them (``report_texts``), tied to
the answer it came from, so that a report shows a text only while its writer's consent stands and no longer
once retention or an erasure has removed the answer."""

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.report import ReportFigures
from models.tables import InterviewRecordRow, InterviewText
from reports.aggregate import Compiled, shown_texts
from reports.tables import ReportRow, ReportTextRow


async def reported_periods(session: AsyncSession) -> list[tuple[date, date]]:
    query = select(ReportRow.period_start, ReportRow.period_end).order_by(ReportRow.period_start)
    return [(start, end) for start, end in (await session.execute(query)).all()]


def add(session: AsyncSession, row: ReportRow, compiled: Compiled) -> None:
    """Store the compiled figures on the row (their free text apart, per answer) and the row itself."""
    sections = [section.model_copy(update={"texts": []}) for section in compiled.figures.free_text]
    row.figures = compiled.figures.model_copy(update={"free_text": sections}).model_dump(mode="json")
    session.add(row)
    session.add_all(
        ReportTextRow(report_id=row.id, interview_text_id=t.text_id, topic=t.topic, text=t.text) for t in compiled.texts
    )


async def figures_of(session: AsyncSession, row: ReportRow) -> ReportFigures:
    """The report as published, its free text limited to the writers whose consent still stands."""
    figures = ReportFigures.model_validate(row.figures)
    query = (
        select(ReportTextRow.topic, ReportTextRow.text)
        .join(InterviewText, InterviewText.id == ReportTextRow.interview_text_id)
        .join(InterviewRecordRow, InterviewRecordRow.id == InterviewText.interview_id)
        .where(ReportTextRow.report_id == row.id, InterviewRecordRow.consent_revoked_at.is_(None))
    )
    texts: dict[str, list[str]] = defaultdict(list)
    for topic, text in (await session.execute(query)).all():
        texts[topic].append(text)
    sections = [
        section.model_copy(update={"texts": [] if section.suppressed else shown_texts(texts[section.topic])})
        for section in figures.free_text
    ]
    return figures.model_copy(update={"free_text": sections})
