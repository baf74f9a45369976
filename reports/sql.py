"""The aggregation queries. The database does the counting and averaging (GROUP BY); Python only
applies suppression to the results.

Answers live in ``interview_records.record`` (JSON). SQLAlchemy's JSON paths render as
``json_extract`` on SQLite and ``#>>`` on PostgreSQL; only unnesting a JSON array needs a dialect
switch. Derived values are computed in a subquery and grouped there, because PostgreSQL will not
match a GROUP BY expression whose bound parameters differ from the select list's."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import CTE, Select, Subquery, and_, case, func, literal, or_, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models.questionnaire import ConsentScope, ExperienceArea
from models.tables import Case, InterviewRecordRow
from reports.tables import ReportActionRow, ReportRow

AREAS = [area.value for area in ExperienceArea]
BELONGING = ["felt_safe", "felt_at_home", "felt_valued"]
RECOMMEND = "recommend"
METRIC_PATHS = {
    **{area: ("experiences", area, "rating") for area in AREAS},
    **{item: ("belonging", item) for item in BELONGING},
    RECOMMEND: ("recommend_score",),
}
EXPERIENCE_SCOPES = [ConsentScope.ADVICE_AND_EXPERIENCES.value]
ADVICE_SCOPES = [ConsentScope.ADVICE_ONLY.value, ConsentScope.ADVICE_AND_EXPERIENCES.value]
NOT_GIVEN = "not_given"
OUTCOMES = ["held", "declined", "skipped", "no_response", "other"]
DIMENSIONS = ["department", "gender", "age_band"]


@dataclass(frozen=True)
class Period:
    label: str
    begin: datetime
    until: datetime


def _closed_in(periods: list[Period]):
    return and_(
        Case.status == "closed",
        Case.closed_at >= min(p.begin for p in periods),
        Case.closed_at < max(p.until for p in periods),
    )


def _period_of(periods: list[Period]):
    return case(*[(and_(Case.closed_at >= p.begin, Case.closed_at < p.until), literal(p.label)) for p in periods])


def consent_stands(as_of: datetime):
    """A revoked consent leaves every report made after the revocation."""
    return or_(InterviewRecordRow.consent_revoked_at.is_(None), InterviewRecordRow.consent_revoked_at > as_of)


def closed_cases(periods: list[Period]) -> CTE:
    """Every case closed in the periods, with its interview outcome in one of ``OUTCOMES``."""
    status = Case.interview_status
    outcome = case(
        (InterviewRecordRow.id.is_not(None), literal("held")),
        (status.in_(["declined", "skipped", "no_response"]), status),
        else_=literal("other"),
    )
    return (
        select(
            _period_of(periods).label("period"),
            Case.id.label("case_id"),
            Case.departure_type,
            Case.department,
            outcome.label("outcome"),
        )
        .outerjoin(InterviewRecordRow, InterviewRecordRow.case_id == Case.id)
        .where(_closed_in(periods))
        .cte("closed_cases")
    )


def respondents(periods: list[Period], as_of: datetime, scopes: list[str]) -> CTE:
    """One row per interview whose consent covers ``scopes`` and still stands, with its answers as columns."""
    record = InterviewRecordRow.record
    target = lambda key: func.coalesce(record[("target_group", key)].as_string(), literal(NOT_GIVEN))  # noqa: E731
    return (
        select(
            _period_of(periods).label("period"),
            Case.id.label("case_id"),
            Case.department,
            Case.employee_name,
            Case.manager_name,
            target("gender").label("gender"),
            target("age_band").label("age_band"),
            record["primary_reason"].as_string().label("primary_reason"),
            record.label("record"),
            *[record[path].as_integer().label(metric) for metric, path in METRIC_PATHS.items()],
        )
        .join(InterviewRecordRow, InterviewRecordRow.case_id == Case.id)
        .where(_closed_in(periods), consent_stands(as_of), InterviewRecordRow.consent_scope.in_(scopes))
        # A CTE, so that the long form (one branch per metric) reads and parses each record once, not once per branch.
        .cte("respondents")
    )


def answers(resp: CTE) -> Subquery:
    """The numeric answers in long form: one row per respondent and metric."""
    parts = [
        select(
            resp.c.period,
            resp.c.department,
            resp.c.gender,
            resp.c.age_band,
            literal(metric).label("metric"),
            resp.c[metric].label("value"),
        )
        for metric in METRIC_PATHS
    ]
    return union_all(*parts).subquery("answers")


def _array_elements(resp: Subquery, path: tuple[str, ...], dialect: str):
    if dialect == "postgresql":
        return func.json_array_elements_text(resp.c.record[path]).table_valued("value")
    return func.json_each(resp.c.record, "$." + ".".join(path)).table_valued("value")


async def rows(session: AsyncSession, query: Select) -> list[tuple]:
    return [tuple(row) for row in (await session.execute(query)).all()]


async def counts_by(session: AsyncSession, source: Subquery, column: str, period: str) -> dict[str, int]:
    query = select(source.c[column], func.count()).where(source.c.period == period).group_by(source.c[column])
    return {str(key): count for key, count in await rows(session, query)}


async def array_counts(session: AsyncSession, resp: Subquery, path: tuple[str, ...], period: str) -> dict[str, int]:
    """How many respondents named each value of a JSON list (secondary reasons, influences)."""
    dialect = session.get_bind().dialect.name
    elements = _array_elements(resp, path, dialect)
    query = (
        select(elements.c.value, func.count(func.distinct(resp.c.case_id)))
        .select_from(resp)
        .join(elements, true())
        .where(resp.c.period == period)
        .group_by(elements.c.value)
    )
    return {str(key): count for key, count in await rows(session, query)}


async def distributions(session: AsyncSession, long: Subquery, period: str) -> dict[str, dict[int, int]]:
    query = select(long.c.metric, long.c.value, func.count()).where(long.c.period == period).group_by(long.c.metric, long.c.value)
    result: dict[str, dict[int, int]] = {}
    for metric, value, count in await rows(session, query):
        result.setdefault(metric, {})[int(value)] = count
    return result


async def means_by(session: AsyncSession, long: Subquery, *group: str, period: str | None = None) -> dict[tuple, tuple[float | None, int]]:
    """(period, *group, metric) -> (mean, respondents); for every period unless one is named."""
    keys = [long.c.period, *(long.c[g] for g in group), long.c.metric]
    query = select(*keys, func.avg(long.c.value), func.count(long.c.value)).group_by(*keys)
    if period is not None:
        query = query.where(long.c.period == period)
    return {tuple(row[:-2]): (None if row[-2] is None else float(row[-2]), row[-1]) for row in await rows(session, query)}


async def nps_bands(session: AsyncSession, long: Subquery, period: str) -> dict[str, int]:
    score = long.c.value
    banded = (
        select(case((score >= 9, literal("promoters")), (score >= 7, literal("passives")), else_=literal("detractors")).label("band"))
        .where(long.c.period == period, long.c.metric == RECOMMEND)
        .subquery("bands")
    )
    query = select(banded.c.band, func.count()).group_by(banded.c.band)
    return {band: count for band, count in await rows(session, query)}


async def period_totals(session: AsyncSession, cases: Subquery, resp: Subquery) -> dict[str, tuple[int, int, int]]:
    """period -> (departures, interviews held, respondents), the bases of the trend lines."""
    held = func.sum(case((cases.c.outcome == "held", 1), else_=0))
    base = {p: (n, int(h or 0)) for p, n, h in await rows(session, select(cases.c.period, func.count(), held).group_by(cases.c.period))}
    counted = dict(await rows(session, select(resp.c.period, func.count()).group_by(resp.c.period)))
    return {p: (n, h, counted.get(p, 0)) for p, (n, h) in base.items()}


async def free_texts(session: AsyncSession, resp: Subquery, period: str) -> list[tuple]:
    """(case id, employee name, manager name, record) of each respondent, for the texts their consent covers."""
    query = (
        select(resp.c.case_id, resp.c.employee_name, resp.c.manager_name, resp.c.record)
        .where(resp.c.period == period)
        .order_by(resp.c.case_id)
    )
    return await rows(session, query)


async def known_names(session: AsyncSession) -> list[str]:
    employees = select(Case.employee_name.label("name"))
    managers = select(Case.manager_name.label("name"))
    both = union_all(employees, managers).subquery("names")
    return [name for (name,) in await rows(session, select(both.c.name).distinct())]


async def earlier_actions(session: AsyncSession, before: date, since: datetime) -> list[tuple]:
    """Actions from reports on earlier periods, except those already done before this period began."""
    query = (
        select(ReportRow.period_start, ReportRow.period_end, ReportActionRow)
        .join(ReportRow, ReportRow.id == ReportActionRow.report_id)
        .where(ReportRow.period_end < before, or_(ReportActionRow.completed_at.is_(None), ReportActionRow.completed_at >= since))
        .order_by(ReportActionRow.due_date, ReportActionRow.id)
    )
    return await rows(session, query)
