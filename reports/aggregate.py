"""The figures of one report: the SQL aggregates of ``reports.sql`` with suppression applied.

Ratings, reasons, the recommend score and belonging count only interviews whose consent covers
the experiences; advice text needs at least advice-only consent; an interview without consent
counts only towards the response rate. The last ``TREND_PERIODS`` periods are aggregated at once
so the trend lines and the comparison with the previous period come from the same queries."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models.registration import DepartureType
from models.report import (
    ActionState,
    Breakdown,
    Cell,
    CountTable,
    EarlierAction,
    GroupFigures,
    RatingFigures,
    RecommendFigures,
    ReportFigures,
    TextSection,
    Trend,
    TrendPoint,
)
from reports import periods as calendar
from reports import sql
from reports.anonymise import KnownNames
from reports.suppression import all_or_nothing, is_small, mean_if_enough, protect, suppress_small

TREND_PERIODS = 4
RATINGS = range(1, 6)
NPS_BANDS = ["promoters", "passives", "detractors"]


# Free-text topics and the answers (``reports.anonymise.FREE_TEXT_FIELDS``) they gather; "advice" needs
# advice-only consent, the others all of it.
ADVICE_TOPIC = "advice"
TEXT_TOPICS: dict[str, list[str]] = {
    ADVICE_TOPIC: ["most_important_advice", "advice_summary"],
    "went_well": ["went_well"],
    "should_improve": ["should_improve"],
    "reasons": ["reasons_comment"],
    "experiences": [f"{area}_comment" for area in sql.AREAS],
    "belonging": ["belonging_comment"],
    "remember": ["remember_with_pleasure"],
}


class Departures:
    """The closed cases of every period, counted by (period, departure type, department, interview outcome)."""

    COLUMNS = ("period", "departure_type", "department", "outcome")

    def __init__(self, groups: list[tuple[str, str, str, str, int]]) -> None:
        self._groups = groups

    def counts(self, column: str, period: str) -> dict[str, int]:
        index, result = self.COLUMNS.index(column), {}
        for group in self._groups:
            if group[0] == period:
                result[str(group[index])] = result.get(str(group[index]), 0) + group[-1]
        return result

    def totals(self, respondents: Mapping[str, int]) -> dict[str, tuple[int, int, int]]:
        """period -> (departures, interviews held, respondents), the bases of the trend lines."""
        result: dict[str, tuple[int, int, int]] = {}
        for period, _type, _department, outcome, count in self._groups:
            n, held, _ = result.get(period, (0, 0, 0))
            result[period] = (n + count, held + (count if outcome == "held" else 0), respondents.get(period, 0))
        return result


def _cells(shown: Mapping[str, int | None], total: int | None) -> list[Cell]:
    def share(count: int | None) -> float | None:
        return round(count / total, 4) if count is not None and total else None

    visible = sorted(((k, v) for k, v in shown.items() if v is not None), key=lambda kv: (-kv[1], kv[0]))
    # Hidden cells in key order: ordering them by their true counts would hint at those counts.
    hidden = sorted(k for k, v in shown.items() if v is None)
    return [Cell(key=k, count=v, share=share(v)) for k, v in visible] + [Cell(key=k, count=None) for k in hidden]


def partition_table(counts: Mapping[str, int], total: int, k: int, keys: Iterable[str] = (), hide: Iterable[str] = ()) -> CountTable:
    full = {key: 0 for key in keys} | dict(counts)
    shown, shown_total = protect(full, total, k, hide)
    return CountTable(total=shown_total, cells=_cells(shown, shown_total))


def multi_table(counts: Mapping[str, int], respondents: int, k: int) -> CountTable:
    base = None if is_small(respondents, k) else respondents
    shown = suppress_small(counts, k) if base is not None else {key: None for key in counts}
    return CountTable(total=base, cells=_cells(shown, base))


def rating(metric: str, distribution: Mapping[int, int], mean: tuple[float, int] | None, k: int) -> RatingFigures:
    average, n = mean or (None, 0)
    shown = all_or_nothing({str(r): distribution.get(r, 0) for r in RATINGS}, k) if n >= k else {str(r): None for r in RATINGS}
    return RatingFigures(
        metric=metric,
        respondents=n if n >= k else None,
        mean=mean_if_enough(average, n, k),
        distribution=[Cell(key=r, count=c, share=round(c / n, 4) if c is not None else None) for r, c in shown.items()],
    )


def recommend(bands: Mapping[str, int], mean: tuple[float, int] | None, k: int) -> RecommendFigures:
    average, n = mean or (None, 0)
    if n < k:
        return RecommendFigures(respondents=None, mean=None)
    shown = all_or_nothing({band: bands.get(band, 0) for band in NPS_BANDS}, k)
    nps = None if shown["promoters"] is None else round((shown["promoters"] - shown["detractors"]) / n * 100, 1)
    return RecommendFigures(respondents=n, mean=mean_if_enough(average, n, k), nps=nps, **shown)


class Compiler:
    """Compiles one report; one instance per report, reading through one session."""

    def __init__(self, session: AsyncSession, *, report_id: str, start: date, end: date, zone: str, k: int, as_of: datetime) -> None:
        self.session, self.report_id, self.start, self.end, self.zone, self.k, self.as_of = session, report_id, start, end, zone, k, as_of
        ranges = [(start, end)]
        while len(ranges) < TREND_PERIODS:
            ranges.insert(0, calendar.previous(*ranges[0]))
        self.periods = [sql.Period(calendar.label(s, e), *calendar.utc_bounds(s, e, zone)) for s, e in ranges]
        self.current, self.previous = self.periods[-1].label, self.periods[-2].label

    async def figures(self) -> ReportFigures:
        async with sql.scratch(self.session, self.periods, self.as_of) as scratch:
            return await self._figures(scratch)

    async def _figures(self, scratch: sql.Scratch) -> ReportFigures:
        s, k, now = self.session, self.k, self.current
        self.resp, self.advisers = scratch.respondents, scratch.advisers
        closed = Departures(await sql.departures(s, self.periods))
        totals = closed.totals(await sql.respondents_by_period(s, self.resp))
        departures, held, respondents = totals.get(now, (0, 0, 0))
        # Held minus respondents counts those who kept their experiences to HR; a small count must not show.
        outcomes = partition_table(closed.counts("outcome", now), departures, k, sql.OUTCOMES, hide=["held"] if is_small(held - respondents, k) else [])
        held = outcomes.count("held")
        means = await sql.means_by(s, self.resp)
        distributions = await sql.distributions(s, self.resp, [*sql.AREAS, *sql.BELONGING], RATINGS, now)
        return ReportFigures(
            report_id=self.report_id,
            label=now,
            period_start=self.start,
            period_end=self.end,
            previous_label=self.previous,
            generated_at=self.as_of,
            min_group_size=k,
            departures_by_type=partition_table(closed.counts("departure_type", now), departures, k, [t.value for t in DepartureType]),
            departures_by_department=partition_table(closed.counts("department", now), departures, k),
            interview_response=outcomes,
            response_rate=round(held / departures, 4) if held is not None and outcomes.total else None,
            respondents=None if is_small(respondents, k) else respondents,
            primary_reasons=partition_table(await sql.counts_by(s, self.resp, "primary_reason", now), respondents, k),
            secondary_reasons=multi_table(await sql.mention_counts(s, self.resp, "secondary_reasons", now), respondents, k),
            ratings=[rating(m, distributions.get(m, {}), means.get((now, m)), k) for m in sql.AREAS],
            recommend=recommend(await sql.nps_bands(s, self.resp, now), means.get((now, sql.RECOMMEND)), k),
            belonging=[rating(m, distributions.get(m, {}), means.get((now, m)), k) for m in sql.BELONGING],
            influences=multi_table(await sql.mention_counts(s, self.resp, "influences", now), respondents, k),
            breakdowns=[await self._breakdown(dimension, respondents) for dimension in sql.DIMENSIONS],
            trends=self._trends(totals, means),
            free_text=await self._free_text(),
            earlier_actions=await self._earlier_actions(),
        )

    async def _breakdown(self, dimension: str, respondents: int) -> Breakdown:
        sizes = await sql.counts_by(self.session, self.resp, dimension, self.current)
        # Group sizes partition the respondents: protect them, or a hidden group's mean follows by subtraction.
        shown, _ = protect(sizes, respondents, self.k)
        means = await sql.means_by(self.session, self.resp, dimension, period=self.current)
        groups = []
        for key in sorted(sizes, key=lambda g: (shown[g] is None, g)):
            n = shown[key]
            group_means = {m: None if n is None else mean_if_enough(means.get((self.current, key, m), (None, 0))[0], n, self.k) for m in sql.METRIC_COLUMNS}
            groups.append(GroupFigures(key=key, respondents=n, means=group_means))
        return Breakdown(dimension=dimension, groups=groups)

    def _trends(self, totals: Mapping[str, tuple[int, int, int]], means: Mapping[tuple, tuple[float | None, int]]) -> list[Trend]:
        k = self.k

        def departures(p: str) -> TrendPoint:
            n = totals.get(p, (0, 0, 0))[0]
            return TrendPoint(label=p, value=None if is_small(n, k) else n, base=None if is_small(n, k) else n)

        def response_rate(p: str) -> TrendPoint:
            n, held, counted = totals.get(p, (0, 0, 0))
            hidden = n < k or is_small(held, k) or is_small(held - counted, k)
            return TrendPoint(label=p, value=None if hidden else round(held / n, 4), base=None if n < k else n)

        def mean(metric: str):
            def point(p: str) -> TrendPoint:
                average, n = means.get((p, metric), (None, 0))
                return TrendPoint(label=p, value=mean_if_enough(average, n, k), base=n if n >= k else None)

            return point

        series = {"departures": departures, "response_rate": response_rate, **{m: mean(m) for m in sql.METRIC_COLUMNS}}
        trends = []
        for metric, point in series.items():
            points = [point(p.label) for p in self.periods]
            last, before = points[-1].value, points[-2].value
            delta = None if last is None or before is None else round(last - before, 4)
            trends.append(Trend(metric=metric, points=points, delta=delta))
        return trends

    async def _free_text(self) -> list[TextSection]:
        known = KnownNames(await sql.known_names(self.session))
        topics = {field: topic for topic, fields in TEXT_TOPICS.items() for field in fields}
        written = await sql.texts(self.session, self.advisers, topics, [ADVICE_TOPIC], self.current)
        return [self._section(topic, *written.get(topic, (0, set())), known) for topic in TEXT_TOPICS]

    def _section(self, topic: str, contributors: int, texts: set[str], known: KnownNames) -> TextSection:
        if is_small(contributors, self.k):
            return TextSection(topic=topic, suppressed=True)
        # Sorted, not in case order, so a text cannot be matched to a case by its position.
        return TextSection(topic=topic, suppressed=False, texts=sorted({known.scrub(t) for t in texts}, key=str.casefold))

    async def _earlier_actions(self) -> list[EarlierAction]:
        since = self.periods[-1].begin
        today = calendar.local_date(self.as_of, self.zone)
        result = []
        for period_start, period_end, action in await sql.earlier_actions(self.session, self.start, since):
            state = ActionState.DONE if action.completed_at else ActionState.LATE if action.due_date < today else ActionState.OPEN
            result.append(
                EarlierAction(
                    report_label=calendar.label(period_start, period_end),
                    text=action.text,
                    owner_email=action.owner_email,
                    due_date=action.due_date,
                    state=state,
                    completed_at=action.completed_at,
                )
            )
        return result


async def compile_figures(session: AsyncSession, *, report_id: str, start: date, end: date, zone: str, k: int, as_of: datetime) -> ReportFigures:
    if session.get_bind().dialect.name == "postgresql":
        # PostgreSQL would JIT-compile each of these one-off aggregates over many rows: seconds per query, never repaid.
        await session.execute(text("SET LOCAL jit = off"))
        # Grouping a hundred thousand cases fits in memory with room to spare; the default 4 MB sorts them on disk.
        await session.execute(text("SET LOCAL work_mem = '64MB'"))
    return await Compiler(session, report_id=report_id, start=start, end=end, zone=zone, k=k, as_of=as_of).figures()
