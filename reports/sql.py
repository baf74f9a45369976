"""The aggregation queries. The database does the counting and averaging (GROUP BY); Python only
applies suppression to the results.

The answers counted are copied out of each interview record into typed columns of ``interview_records``
when it is stored, and its free text, ready to leave HR, into ``interview_texts``. A report first copies
its respondents into a scratch table of its own connection (``scratch``): every figure on them is then a
GROUP BY over that small table. Only unnesting a JSON list needs a dialect switch.

A report aggregates its own period only; its trend lines take the earlier periods from the reports stored
for them (``earlier_reports``), exactly as they were published."""

from collections.abc import Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Column,
    CompoundSelect,
    Date,
    Integer,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models.questionnaire import ConsentScope, ExperienceArea
from models.tables import Case, InterviewRecordRow, InterviewText
from models.tenure import KEPT_BAND_KEY, LONGEST_TENURE, TENURE_BANDS
from reports.tables import ReportActionRow, ReportRow

AREAS = [area.value for area in ExperienceArea]
BELONGING = ["felt_safe", "felt_at_home", "felt_valued"]
RECOMMEND = "recommend"
# Each figure and the interview_records column holding its answer (``models.questionnaire.REPORTED_ANSWERS``).
METRIC_COLUMNS = {
    **{area: f"rating_{area}" for area in AREAS},
    **{item: item for item in BELONGING},
    RECOMMEND: "recommend_score",
}
# Lists of which every value counts once per respondent.
MENTIONS = ["secondary_reasons", "influences"]
EXPERIENCES = ConsentScope.ADVICE_AND_EXPERIENCES.value
ADVICE_SCOPES = [ConsentScope.ADVICE_ONLY.value, ConsentScope.ADVICE_AND_EXPERIENCES.value]
NOT_GIVEN = "not_given"
# A respondent who named no main reason for leaving (not discussed, or "prefer not to say").
NO_REASON = "no_reason"
# "written": declined a conversation, then answered in writing through the link (``questionnaires.preparation``).
OUTCOMES = ["held", "written", "declined", "skipped", "no_response", "other"]
ANSWERED = ("held", "written")
DIMENSIONS = ["department", "gender", "age_band", "tenure_band"]


@dataclass(frozen=True)
class Period:
    label: str
    begin: datetime
    until: datetime


def _closed_in(periods: list[Period]):
    within = and_(
        Case.status == "closed",
        Case.closed_at >= min(p.begin for p in periods),
        Case.closed_at < max(p.until for p in periods),
    )
    if len(periods) == 1:
        return within
    # The periods need not touch: a small organisation's report pools its own period with earlier ones.
    return and_(within, or_(*[and_(Case.closed_at >= p.begin, Case.closed_at < p.until) for p in periods]))


def _period_of(periods: list[Period]):
    return case(*[(and_(Case.closed_at >= p.begin, Case.closed_at < p.until), literal(p.label)) for p in periods])


def consent_stands(as_of: datetime):
    """A revoked consent leaves every report made after the revocation."""
    return or_(InterviewRecordRow.consent_revoked_at.is_(None), InterviewRecordRow.consent_revoked_at > as_of)


_scratch = MetaData()
# TEMPORARY: private to the report's connection, never part of the schema.
RESPONDENTS = Table(
    "report_respondents",
    _scratch,
    Column("period", String(40)),
    Column("case_id", String(120)),
    Column("interview_id", Integer),
    Column("scope", String(32)),
    Column("department", String(200)),
    Column("gender", String(32)),
    Column("age_band", String(32)),
    Column("tenure_band", String(32)),
    Column("primary_reason", String(64)),
    *[Column(metric, Integer) for metric in METRIC_COLUMNS],
    *[Column(name, JSON) for name in MENTIONS],
    Column("declared_groups", JSON),
    prefixes=["TEMPORARY"],
)


def tenure_band(dialect: str):
    """The band of a case's years of service at its last working day (``models.tenure``): the band an anonymised case
    kept, else from the registered start date; ``not_given`` without one."""
    kept = Case.registration[KEPT_BAND_KEY].as_string()
    start = Case.registration["employee"]["start_date"].as_string()
    if dialect == "postgresql":
        begun = cast(start, Date)

        def years_before(years: int):
            return cast(Case.last_working_day - literal_column(f"interval '{years} years'"), Date)
    else:
        begun = start

        def years_before(years: int):
            return func.date(Case.last_working_day, f"-{years} years")

    return case(
        (kept.is_not(None), kept),
        (start.is_(None), literal(NOT_GIVEN)),
        *[(begun > years_before(years), literal(band)) for band, years in TENURE_BANDS],
        else_=literal(LONGEST_TENURE),
    )


def _respondents(periods: list[Period], as_of: datetime, dialect: str) -> Select:
    """One row per interview whose consent covers at least the advice and still stands, with its answers."""
    interview = InterviewRecordRow
    return (
        select(
            _period_of(periods),
            Case.id,
            interview.id,
            interview.consent_scope,
            Case.department,
            func.coalesce(interview.gender, literal(NOT_GIVEN)),
            func.coalesce(interview.age_band, literal(NOT_GIVEN)),
            tenure_band(dialect),
            interview.primary_reason,
            *[getattr(interview, column) for column in METRIC_COLUMNS.values()],
            *[getattr(interview, name) for name in MENTIONS],
            interview.declared_groups,
        )
        .join(interview, interview.case_id == Case.id)
        .where(_closed_in(periods), consent_stands(as_of), interview.consent_scope.in_(ADVICE_SCOPES))
    )


@dataclass(frozen=True)
class Scratch:
    """The report's copy of its respondents: ``advisers`` all whose consent covers the advice, ``respondents``
    those of them who also share their experiences, the base of every figure but the advice."""

    advisers: Table
    respondents: Subquery


@asynccontextmanager
async def scratch(session: AsyncSession, periods: list[Period], as_of: datetime):
    """Copy the respondents of these periods, and drop the copy afterwards."""
    drop = text(f"DROP TABLE IF EXISTS {RESPONDENTS.name}")
    # A report that failed half-way on this connection may have left it behind.
    await session.execute(drop)
    try:
        await session.run_sync(lambda sync_session: RESPONDENTS.create(sync_session.connection()))
        await session.execute(
            RESPONDENTS.insert().from_select(
                [c.name for c in RESPONDENTS.columns],
                _respondents(periods, as_of, session.get_bind().dialect.name),
            )
        )
        if session.get_bind().dialect.name == "postgresql":
            # A new table has no statistics: without them the planner takes it for a handful of rows and joins badly.
            await session.execute(text(f"ANALYZE {RESPONDENTS.name} (interview_id, period, scope)"))
        sharing = select(RESPONDENTS).where(RESPONDENTS.c.scope == EXPERIENCES).subquery("respondents")
        yield Scratch(advisers=RESPONDENTS, respondents=sharing)
    finally:
        await session.execute(drop)


async def rows(session: AsyncSession, query: Select | CompoundSelect) -> list[tuple]:
    return [tuple(row) for row in (await session.execute(query)).all()]


async def counts_by(session: AsyncSession, source, column: str, period: str) -> dict[str, int]:
    """How many respondents gave each answer; who gave none (not discussed, or "prefer not to say") is not counted."""
    query = (
        select(source.c[column], func.count())
        .where(source.c.period == period, source.c[column].is_not(None))
        .group_by(source.c[column])
    )
    return {str(key): count for key, count in await rows(session, query)}


async def departures(session: AsyncSession, periods: list[Period]) -> list[tuple[str, str, str, str, int]]:
    """(period, departure type, department, interview outcome in one of ``OUTCOMES``, cases) of the cases closed in the periods.

    A case's interview status is "held" once its record is stored (the interview workflow stores, then says so); a
    case whose employee declined and then answered in writing keeps "declined" as its status and counts as "written"."""
    status = Case.interview_status
    outcome = case(
        (InterviewRecordRow.mode == "written", literal("written")),
        (status.in_(OUTCOMES[:-1]), status),
        else_=literal(OUTCOMES[-1]),
    )
    closed = (
        select(_period_of(periods).label("period"), Case.departure_type, Case.department, outcome.label("outcome"))
        .select_from(Case)
        .outerjoin(InterviewRecordRow, InterviewRecordRow.case_id == Case.id)
        .where(_closed_in(periods))
        .subquery("closed")
    )
    keys = [closed.c.period, closed.c.departure_type, closed.c.department, closed.c.outcome]
    return await rows(session, select(*keys, func.count()).group_by(*keys))


async def mention_counts(session: AsyncSession, resp: Subquery, name: str, period: str) -> dict[str, int]:
    """How many respondents named each value of one of the ``MENTIONS`` lists (secondary reasons, influences)."""
    if session.get_bind().dialect.name == "postgresql":
        elements = func.json_array_elements_text(resp.c[name]).table_valued("value")
    else:
        elements = func.json_each(resp.c[name]).table_valued("value")
    query = (
        # Each list holds a value at most once (``models.questionnaire.reported_answers``).
        select(elements.c.value, func.count())
        .select_from(resp)
        .join(elements, literal(True))
        .where(resp.c.period == period)
        .group_by(elements.c.value)
    )
    return {str(key): count for key, count in await rows(session, query)}


async def distributions(
    session: AsyncSession, resp: Subquery, metrics: Iterable[str], answers: Iterable[int], period: str
) -> dict[str, dict[int, int]]:
    """metric -> answer -> respondents who gave it in the period, counted in one pass over the respondents."""
    cells = [(metric, answer) for metric in metrics for answer in answers]
    query = select(*[func.count(case((resp.c[metric] == answer, 1))) for metric, answer in cells]).where(
        resp.c.period == period
    )
    [counts] = await rows(session, query)
    result: dict[str, dict[int, int]] = {}
    for (metric, answer), count in zip(cells, counts, strict=False):
        result.setdefault(metric, {})[answer] = count
    return result


async def means_by(
    session: AsyncSession, resp: Subquery, *group: str, period: str | None = None
) -> dict[tuple, tuple[float | None, int]]:
    """(period, *group, metric) -> (mean, respondents); for every period unless one is named."""
    keys = [resp.c.period, *(resp.c[g] for g in group)]
    figures = [f(resp.c[metric]) for metric in METRIC_COLUMNS for f in (func.avg, func.count)]
    query = select(*keys, *figures).group_by(*keys)
    if period is not None:
        query = query.where(resp.c.period == period)
    result = {}
    for row in await rows(session, query):
        key, values = tuple(row[: len(keys)]), row[len(keys) :]
        for index, metric in enumerate(METRIC_COLUMNS):
            average, n = values[2 * index], values[2 * index + 1]
            if n:
                result[(*key, metric)] = (None if average is None else float(average), n)
    return result


async def nps_bands(session: AsyncSession, resp: Subquery, period: str) -> dict[str, int]:
    score = resp.c[RECOMMEND]
    band = case((score >= 9, literal("promoters")), (score >= 7, literal("passives")), else_=literal("detractors"))
    banded = select(band.label("band")).where(resp.c.period == period, score.is_not(None)).subquery("bands")
    query = select(banded.c.band, func.count()).group_by(banded.c.band)
    return dict(await rows(session, query))


async def cells(
    session: AsyncSession, resp: Subquery, dimensions: list[str], period: str
) -> dict[tuple[str, ...], tuple[int, dict[str, int]]]:
    """(one group per dimension) -> (respondents, metric -> answers given): the respondents cross-classified."""
    keys = [resp.c[d] for d in dimensions]
    query = (
        select(*keys, func.count(), *[func.count(resp.c[m]) for m in METRIC_COLUMNS])
        .where(resp.c.period == period)
        .group_by(*keys)
    )
    result = {}
    for row in await rows(session, query):
        cell, counts = tuple(str(v) for v in row[: len(keys)]), row[len(keys) :]
        result[cell] = (counts[0], dict(zip(METRIC_COLUMNS, counts[1:], strict=False)))
    return result


async def reason_cells(
    session: AsyncSession, resp: Subquery, dimensions: list[str], period: str
) -> dict[tuple[str, ...], dict[str, int]]:
    """(one group per dimension) -> main reason for leaving -> respondents; ``NO_REASON`` for those who named none."""
    keys = [resp.c[d] for d in dimensions]
    reason = func.coalesce(resp.c.primary_reason, literal(NO_REASON))
    query = select(*keys, reason, func.count()).where(resp.c.period == period).group_by(*keys, reason)
    result: dict[tuple[str, ...], dict[str, int]] = {}
    for row in await rows(session, query):
        cell = tuple(str(v) for v in row[: len(keys)])
        result.setdefault(cell, {})[str(row[len(keys)])] = row[-1]
    return result


async def respondents_by_period(session: AsyncSession, resp: Subquery) -> dict[str, int]:
    return dict(await rows(session, select(resp.c.period, func.count()).group_by(resp.c.period)))


def _texts_of(advisers: Table, topics: Mapping[str, str], advice_topics: Iterable[str], period: str):
    """(topic, text id, interview, text) of the respondents in the period; the advice topics for every adviser, the others
    only where the consent covers the experiences."""
    topic = case(dict(topics), value=InterviewText.field)
    return (
        select(topic.label("topic"), InterviewText.id, InterviewText.interview_id, InterviewText.text)
        .join(advisers, advisers.c.interview_id == InterviewText.interview_id)
        .where(
            advisers.c.period == period,
            InterviewText.field.in_(list(topics)),
            or_(topic.in_(list(advice_topics)), advisers.c.scope == EXPERIENCES),
        )
        .subquery("texts")
    )


async def texts(
    session: AsyncSession, advisers: Table, topics: Mapping[str, str], advice_topics: Iterable[str], period: str
) -> dict[str, tuple[int, list[tuple[int, str]]]]:
    """topic -> (respondents who wrote something on it, (interview_texts id, text) of each answer); ``topics`` maps each field to its topic."""
    source = _texts_of(advisers, topics, advice_topics, period)
    writers = dict(
        await rows(
            session, select(source.c.topic, func.count(func.distinct(source.c.interview_id))).group_by(source.c.topic)
        )
    )
    result: dict[str, tuple[int, list[tuple[int, str]]]] = {topic: (count, []) for topic, count in writers.items()}
    for topic, text_id, written in await rows(
        session, select(source.c.topic, source.c.id, source.c.text).order_by(source.c.id)
    ):
        result[topic][1].append((text_id, written))
    return result


async def known_names(session: AsyncSession) -> list[str]:
    return [name for (name,) in await rows(session, union(select(Case.employee_name), select(Case.manager_name)))]


def declared_column(key: str) -> str:
    return f"group_{key}"


def with_declared(resp: Subquery, keys: Iterable[str]) -> Subquery:
    """The respondents with a column per self-declared group: "yes", "no", or ``not_given`` where they did not answer
    it (or gave no consent to its use)."""
    extra = [
        func.coalesce(resp.c.declared_groups[key].as_string(), literal(NOT_GIVEN)).label(declared_column(key))
        for key in keys
    ]
    return select(resp, *extra).subquery("declared")


def relabelled(resp: Subquery, periods: Iterable[str], label: str) -> Subquery:
    """The respondents of several periods as if of one period named ``label``: a pool of periods counted together."""
    columns = [column for column in resp.c if column.name != "period"]
    return (
        select(*columns, literal(label).label("period"))
        .where(resp.c.period.in_(list(periods)))
        .subquery(f"pooled_{resp.name}")
    )


async def stored_reports(session: AsyncSession, since: date, before: date) -> list[tuple[date, date, dict]]:
    """(first day, last day, figures) of the reports stored for periods within [since, before), oldest first."""
    query = (
        select(ReportRow.period_start, ReportRow.period_end, ReportRow.figures)
        .where(ReportRow.period_start >= since, ReportRow.period_end < before)
        .order_by(ReportRow.period_start)
    )
    return await rows(session, query)


async def earlier_reports(session: AsyncSession, before: date, count: int) -> list[dict]:
    """The figures of the ``count`` reports stored for periods ending before ``before``, oldest first."""
    query = (
        select(ReportRow.figures)
        .where(ReportRow.period_end < before)
        .order_by(ReportRow.period_end.desc())
        .limit(count)
    )
    return [figures for (figures,) in reversed(await rows(session, query))]


async def earlier_actions(session: AsyncSession, before: date, since: datetime) -> list[tuple]:
    """Actions from reports on earlier periods, except those already done before this period began."""
    query = (
        select(ReportRow.period_start, ReportRow.period_end, ReportActionRow)
        .join(ReportRow, ReportRow.id == ReportActionRow.report_id)
        .where(
            ReportRow.period_end < before,
            or_(ReportActionRow.completed_at.is_(None), ReportActionRow.completed_at >= since),
        )
        .order_by(ReportActionRow.due_date, ReportActionRow.id)
    )
    return await rows(session, query)
