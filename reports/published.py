"""Published reports: stored once with their figures, and read back as published.

The figures never change after publication. Free text is kept apart from them (``report_texts``), tied to
the answer it came from, so that a report shows a text only while its writer's consent stands and no longer
once retention or an erasure has removed the answer."""

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.report import ReportFigures, Trend
from models.tables import InterviewRecordRow, InterviewText
from reports import sql
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
    trends = [await _as_headlined(session, row, figures, trend) for trend in figures.trends]
    return figures.model_copy(update={"free_text": sections, "trends": trends})


async def _as_headlined(session: AsyncSession, row: ReportRow, figures: ReportFigures, trend: Trend) -> Trend:
    """The response-rate line with only the rates the headlines of their periods' reports showed. A report stored
    before its line followed the headline may hold a rate the headline left out because it gave away the few who did
    not answer; it is not shown again, nor the change against it."""
    if trend.metric != "response_rate" or all(point.value is None for point in trend.points):
        return trend
    shown = {figures.label: figures.response_rate}
    if any(point.value is not None for point in trend.points[:-1]):
        earlier = await sql.earlier_reports(session, row.period_start, len(trend.points) - 1)
        shown |= {stored.get("label", ""): stored.get("response_rate") for stored in earlier}
    points = [
        point if point.value is None or shown.get(point.label) is not None else point.model_copy(update={"value": None})
        for point in trend.points
    ]
    if points == trend.points:
        return trend
    last, before = points[-1].value, points[-2].value if len(points) > 1 else None
    return trend.model_copy(update={"points": points, "delta": None if last is None or before is None else trend.delta})
