"""The figures of one report: the SQL aggregates of ``reports.sql`` with suppression applied.

Ratings, reasons, the recommend score and belonging count only interviews whose consent covers
the experiences; advice text needs at least advice-only consent; an interview without consent
counts only towards the response rate. Only the report's own period is aggregated: the trend lines
take the earlier periods from the reports stored for them, as they were published, so that no
report ever shows an earlier period's figure computed again on (a few) other people."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models.registration import DepartureType
from models.report import (
    ActionState,
    Breakdown,
    Cell,
    CountTable,
    CrossBreakdown,
    DeclaredGroup,
    EarlierAction,
    GroupFigures,
    GroupReasons,
    PooledFigures,
    RatingFigures,
    ReasonBreakdown,
    RecommendFigures,
    ReportFigures,
    TextSection,
    Trend,
    TrendPoint,
)
from reports import group_reasons, linked, sql
from reports import periods as calendar
from reports.anonymise import KnownNames
from reports.labels import group_order
from reports.suppression import all_or_nothing, is_small, mean_if_enough, protect, suppress_small

# The report's own period and the stored reports before it.
TREND_PERIODS = 4
# The scratch label of the earlier periods a small organisation's report may pool with its own.
POOLED_EARLIER = "pooled:earlier"
POOLED = "pooled"
# Breakdowns left out of a report where nobody is in any of their groups but "not given".
OPTIONAL_DIMENSIONS = {"tenure_band"}
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
        index, result = self.COLUMNS.index(column), dict[str, int]()
        for group in self._groups:
            if group[0] == period:
                result[str(group[index])] = result.get(str(group[index]), 0) + group[-1]
        return result

    def totals(self, respondents: Mapping[str, int]) -> dict[str, tuple[int, int, int]]:
        """period -> (departures, interviews held or answered in writing, respondents), the bases of the trend lines."""
        result: dict[str, tuple[int, int, int]] = {}
        for period, _type, _department, outcome, count in self._groups:
            n, answered, _ = result.get(period, (0, 0, 0))
            answered += count if outcome in sql.ANSWERED else 0
            result[period] = (n + count, answered, respondents.get(period, 0))
        return result


def _cells(shown: Mapping[str, int | None], total: int | None) -> list[Cell]:
    """The cells that show. A suppressed cell is left out, name and all: listing it would say who was there.
    With a cell left out, so are the zeros, or the names missing from a known list would name it all the same."""

    def share(count: int | None) -> float | None:
        return round(count / total, 4) if count is not None and total else None

    hidden = any(count is None for count in shown.values())
    visible = [(key, count) for key, count in shown.items() if count is not None and not (hidden and count == 0)]
    return [
        Cell(key=key, count=count, share=share(count)) for key, count in sorted(visible, key=lambda kv: (-kv[1], kv[0]))
    ]


def partition_table(
    counts: Mapping[str, int], total: int, k: int, keys: Iterable[str] = (), hide: Iterable[str] = ()
) -> CountTable:
    full = dict.fromkeys(keys, 0) | dict(counts)
    shown, shown_total = protect(full, total, k, hide)
    hidden = [key for key, count in shown.items() if count is None]
    # What the shown cells leave of the total: the hidden groups together, never fewer than k (``protect``).
    other = sum(full[key] for key in hidden) if hidden and shown_total is not None else None
    return CountTable(total=shown_total, cells=_cells(shown, shown_total), other=other)


def multi_table(counts: Mapping[str, int], respondents: int, k: int) -> CountTable:
    base = None if is_small(respondents, k) else respondents
    shown = suppress_small(counts, k) if base is not None else dict.fromkeys(counts)
    return CountTable(total=base, cells=_cells(shown, base))


def shown_count(table: CountTable, key: str) -> int | None:
    """A cell's count as the table shows it: 0 when it is absent from a table that hides nothing, else None."""
    found = next((cell.count for cell in table.cells if cell.key == key), None)
    if found is not None:
        return found
    return 0 if table.total is not None and table.other is None else None


def rating(
    metric: str, distribution: Mapping[int, int], mean: tuple[float | None, int] | None, k: int
) -> RatingFigures:
    average, n = mean or (None, 0)
    shown = (
        all_or_nothing({str(r): distribution.get(r, 0) for r in RATINGS}, k)
        if n >= k
        else {str(r): None for r in RATINGS}
    )
    return RatingFigures(
        metric=metric,
        respondents=n if n >= k else None,
        mean=mean_if_enough(average, n, k),
        distribution=[Cell(key=r, count=c, share=round(c / n, 4) if c is not None else None) for r, c in shown.items()],
    )


def recommend(bands: Mapping[str, int], mean: tuple[float | None, int] | None, k: int) -> RecommendFigures:
    average, n = mean or (None, 0)
    if n < k:
        return RecommendFigures(respondents=None, mean=None)
    shown = all_or_nothing({band: bands.get(band, 0) for band in NPS_BANDS}, k)
    promoters, detractors = shown["promoters"], shown["detractors"]  # all shown or none
    nps = None if promoters is None or detractors is None else round((promoters - detractors) / n * 100, 1)
    return RecommendFigures(respondents=n, mean=mean_if_enough(average, n, k), nps=nps, **shown)


@dataclass(frozen=True)
class PublishedText:
    """One answer's free text as the report shows it, and the answer it came from (``interview_texts``)."""

    topic: str
    text_id: int
    text: str


@dataclass(frozen=True)
class Compiled:
    """A report as compiled: its figures (free text included) and each text with the answer it came from."""

    figures: ReportFigures
    texts: list[PublishedText]


def shown_texts(texts: Iterable[str]) -> list[str]:
    # Sorted and without repeats, not in case order, so a text cannot be matched to a case by its position.
    return sorted(set(texts), key=str.casefold)


class Compiler:
    """Compiles one report; one instance per report, reading through one session."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        report_id: str,
        start: date,
        end: date,
        zone: str,
        k: int,
        as_of: datetime,
        pool_months: int = 0,
        target_groups: Sequence[DeclaredGroup] = (),
    ) -> None:
        self.target_groups = list(target_groups)
        self.session, self.report_id, self.start, self.end, self.zone, self.k, self.as_of = (
            session,
            report_id,
            start,
            end,
            zone,
            k,
            as_of,
        )
        self.pool_months = pool_months
        self.periods = [sql.Period(calendar.label(start, end), *calendar.utc_bounds(start, end, zone))]
        self.current = self.periods[0].label
        self.texts: list[PublishedText] = []
        self.poolable: list[tuple[date, date, str]] = []

    async def compile(self) -> Compiled:
        self.poolable = await self._poolable()
        # Copied with the report's own respondents, under one label: used only if this period turns out too small.
        self.periods += [sql.Period(POOLED_EARLIER, *calendar.utc_bounds(a, b, self.zone)) for a, b, _ in self.poolable]
        async with sql.scratch(self.session, self.periods, self.as_of) as scratch:
            figures = await self._figures(scratch)
        return Compiled(figures=figures, texts=self.texts)

    async def _figures(self, scratch: sql.Scratch) -> ReportFigures:
        s, k, now = self.session, self.k, self.current
        self.resp, self.advisers = scratch.respondents, scratch.advisers
        closed = Departures(await sql.departures(s, self.periods))
        totals = closed.totals(await sql.respondents_by_period(s, self.resp))
        departures, answered, respondents = totals.get(now, (0, 0, 0))
        # Those who answered (held or in writing) minus the respondents kept their experiences to HR; a small count
        # must not show, so neither may both of the cells it is taken from.
        outcomes = partition_table(
            closed.counts("outcome", now),
            departures,
            k,
            sql.OUTCOMES,
            hide=["held", "written"] if is_small(answered - respondents, k) else [],
        )
        counted = [shown_count(outcomes, outcome) for outcome in sql.ANSWERED]
        answered_shown = None if None in counted else sum(c for c in counted if c is not None)
        # Shown only where the outcomes table shows what it is taken from: beside the departures, the rate gives away
        # those who did not answer, as the table's own cells would.
        response_rate = round(answered_shown / departures, 4) if answered_shown is not None and outcomes.total else None
        means = await sql.means_by(s, self.resp)
        distributions = await sql.distributions(s, self.resp, [*sql.AREAS, *sql.BELONGING], RATINGS, now)
        earlier = await sql.earlier_reports(s, self.start, TREND_PERIODS - 1)
        primary_reasons = self._answered(await sql.counts_by(s, self.resp, "primary_reason", now), k)
        breakdowns, reasons_by_group, cross_breakdowns = await self._breakdowns(respondents, primary_reasons)
        return ReportFigures(
            report_id=self.report_id,
            label=now,
            period_start=self.start,
            period_end=self.end,
            previous_label=earlier[-1].get("label") if earlier else None,
            generated_at=self.as_of,
            min_group_size=k,
            departures_by_type=partition_table(
                closed.counts("departure_type", now), departures, k, [t.value for t in DepartureType]
            ),
            departures_by_department=partition_table(closed.counts("department", now), departures, k),
            interview_response=outcomes,
            response_rate=response_rate,
            respondents=None if is_small(respondents, k) else respondents,
            primary_reasons=primary_reasons,
            secondary_reasons=multi_table(
                await sql.mention_counts(s, self.resp, "secondary_reasons", now), respondents, k
            ),
            ratings=[rating(m, distributions.get(m, {}), means.get((now, m)), k) for m in sql.AREAS],
            recommend=recommend(await sql.nps_bands(s, self.resp, now), means.get((now, sql.RECOMMEND)), k),
            belonging=[rating(m, distributions.get(m, {}), means.get((now, m)), k) for m in sql.BELONGING],
            influences=multi_table(await sql.mention_counts(s, self.resp, "influences", now), respondents, k),
            breakdowns=breakdowns,
            reasons_by_group=reasons_by_group,
            cross_breakdowns=cross_breakdowns,
            trends=self._trends(totals, response_rate, means, earlier),
            free_text=await self._free_text(),
            earlier_actions=await self._earlier_actions(),
            pooled=await self._pooled() if is_small(respondents, k) and self.pool_months else None,
        )

    async def _poolable(self) -> list[tuple[date, date, str]]:
        """The earlier periods within the window that showed no figure on their respondents and that no published pool
        holds yet: (first day, last day, label), oldest first. Reports before the window are read only for the pools
        they published, which may reach into it."""
        if not self.pool_months:
            return []
        since = calendar.months_before(self.end, self.pool_months)
        stored = await sql.stored_reports(self.session, calendar.months_before(since, self.pool_months), self.start)
        pooled = {
            label
            for *_, figures in stored
            if (pool := figures.get("pooled")) and pool.get("respondents") is not None
            for label in pool.get("labels", [])
        }
        return [
            (first, last, figures.get("label", ""))
            for first, last, figures in stored
            if first >= since and figures.get("respondents") is None and figures.get("label") not in pooled
        ]

    async def _pooled(self) -> PooledFigures:
        """This period's respondents with those of the ``poolable`` periods, counted as one; shown only once they are
        at least the minimum together, and then under the same suppression as any report."""
        s, k = self.session, self.k
        labels = [label for *_, label in self.poolable] + [self.current]
        first = self.poolable[0][0] if self.poolable else self.start
        pool = sql.relabelled(self.resp, [self.current, POOLED_EARLIER], POOLED)
        n = (await sql.respondents_by_period(s, pool)).get(POOLED, 0)
        if n < k:
            return PooledFigures(labels=labels, period_start=first, period_end=self.end, respondents=None)
        means = await sql.means_by(s, pool)
        distributions = await sql.distributions(s, pool, [*sql.AREAS, *sql.BELONGING], RATINGS, POOLED)
        return PooledFigures(
            labels=labels,
            period_start=first,
            period_end=self.end,
            respondents=n,
            primary_reasons=self._answered(await sql.counts_by(s, pool, "primary_reason", POOLED), k),
            secondary_reasons=multi_table(await sql.mention_counts(s, pool, "secondary_reasons", POOLED), n, k),
            ratings=[rating(m, distributions.get(m, {}), means.get((POOLED, m)), k) for m in sql.AREAS],
            recommend=recommend(await sql.nps_bands(s, pool, POOLED), means.get((POOLED, sql.RECOMMEND)), k),
            belonging=[rating(m, distributions.get(m, {}), means.get((POOLED, m)), k) for m in sql.BELONGING],
            influences=multi_table(await sql.mention_counts(s, pool, "influences", POOLED), n, k),
        )

    @staticmethod
    def _answered(counts: dict[str, int], k: int) -> CountTable:
        """A one-answer question's table over those who answered it: a respondent without an answer is in no cell."""
        return partition_table(counts, sum(counts.values()), k)

    async def _breakdowns(
        self, respondents: int, primary_reasons: CountTable
    ) -> tuple[list[Breakdown], list[ReasonBreakdown], list[CrossBreakdown]]:
        """The breakdowns, suppressed together (``reports.linked``): first the groups' sizes, then per figure the
        groups whose mean may show, counting only those who answered it (every answer is optional). The
        organisation's self-declared target groups are breakdowns like the others, in the same search."""
        k = self.k
        published = {d: d for d in sql.DIMENSIONS}
        names: dict[str, dict[str, str]] = {}
        source = self.resp
        if self.target_groups:
            source = sql.with_declared(self.resp, [g.key for g in self.target_groups])
            for group in self.target_groups:
                published[sql.declared_column(group.key)] = f"group:{group.key}"
                names[sql.declared_column(group.key)] = {"nl": group.nl, "en": group.en}
        dimensions = list(published)
        cells = await sql.cells(self.session, source, dimensions, self.current)
        people = {cell: size for cell, (size, _) in cells.items()}
        shown = linked.shown_groups(people, len(dimensions), k)
        groups = [{cell[d] for cell in cells} for d in range(len(dimensions))]
        kept_back = [groups[d] - shown[d] for d in range(len(dimensions))]
        with_mean = {
            metric: linked.shown_groups(
                {cell: answered[metric] for cell, (_, answered) in cells.items()}, len(dimensions), k, kept_back
            )
            for metric in sql.METRIC_COLUMNS
        }
        result = []
        for d, dimension in enumerate(dimensions):
            if (dimension in OPTIONAL_DIMENSIONS or dimension in names) and groups[d] <= {sql.NOT_GIVEN}:
                continue  # nobody's start date was registered, nobody answered: one group of everyone, the total again
            sizes: dict[str, int] = {}
            for cell, size in people.items():
                sizes[cell[d]] = sizes.get(cell[d], 0) + size
            means = await sql.means_by(self.session, source, dimension, period=self.current)
            figures = [
                GroupFigures(
                    key=group,
                    respondents=sizes[group],
                    means={
                        m: mean_if_enough(*means.get((self.current, group, m), (None, 0)), k)
                        if group in with_mean[m][d]
                        else None
                        for m in sql.METRIC_COLUMNS
                    },
                )
                for group in sorted(shown[d], key=group_order)
            ]
            other = (
                respondents - sum(sizes[g] for g in shown[d]) if kept_back[d] and not is_small(respondents, k) else None
            )
            result.append(
                Breakdown(dimension=published[dimension], name=names.get(dimension), groups=figures, other=other)
            )
        targets = [d for d, dimension in enumerate(dimensions) if dimension != "department"]
        targets = [d for d in targets if published[dimensions[d]] in {b.dimension for b in result}]
        reasons = await self._reasons_by_group(
            source, [dimensions[d] for d in targets], [shown[d] for d in targets], respondents, primary_reasons
        )
        reason_breakdowns = [
            ReasonBreakdown(
                dimension=published[dimensions[targets[d]]], name=names.get(dimensions[targets[d]]), groups=g
            )
            for d, g in reasons
        ]
        crossed = await self._cross_breakdowns(source, dimensions, cells, shown, with_mean, targets)
        return (
            result,
            reason_breakdowns,
            [
                CrossBreakdown(
                    department=department, dimension=published[dimensions[d]], name=names.get(dimensions[d]), groups=g
                )
                for department, d, g in crossed
            ],
        )

    async def _cross_breakdowns(
        self,
        source,
        dimensions: list[str],
        cells: Mapping[tuple[str, ...], tuple[int, dict[str, int]]],
        shown: list[set[str]],
        with_mean: Mapping[str, list[set[str]]],
        targets: list[int],
    ) -> list[tuple[str, int, list[GroupFigures]]]:
        """Per shown department and shown target group, the respondents in both and their means: a pair of groups is
        one more sum beside the groups' own, so the pairs that show are checked together with them
        (``linked.shown_pairs``), first on the people, then per figure on those who answered it."""
        k, department = self.k, dimensions.index("department")
        total = sum(size for size, _ in cells.values())
        held = {
            (d, g): sum(size for cell, (size, _) in cells.items() if cell[d] == g) for d in targets for g in shown[d]
        }
        # A group of everyone (all ages "not given") within a department is the department again.
        candidates = [
            (department, a, d, g) for a in shown[department] for d in targets for g in shown[d] if held[(d, g)] < total
        ]
        if not candidates:
            return []
        people = {cell: size for cell, (size, _) in cells.items()}
        pairs = linked.shown_pairs(people, shown, candidates, k)
        with_pair_mean: dict[str, set[linked.Pair]] = {}
        for metric in sql.METRIC_COLUMNS:
            answered = {cell: counts[metric] for cell, (_, counts) in cells.items()}
            if answered == people and with_mean[metric] == shown:
                with_pair_mean[metric] = pairs  # everyone answered it: the same sums as the people's
                continue
            with_pair_mean[metric] = linked.shown_pairs(
                answered,
                with_mean[metric],
                [p for p in pairs if p[1] in with_mean[metric][p[0]] and p[3] in with_mean[metric][p[2]]],
                k,
            )
        result = []
        for d in targets:
            means = await self._pair_means(source, dimensions[d])
            for a in sorted(shown[department]):
                groups = [
                    GroupFigures(
                        key=g,
                        respondents=sum(
                            size for cell, size in people.items() if cell[department] == a and cell[d] == g
                        ),
                        means={
                            m: mean_if_enough(*means.get((self.current, a, g, m), (None, 0)), k)
                            if (department, a, d, g) in with_pair_mean[m]
                            else None
                            for m in sql.METRIC_COLUMNS
                        },
                    )
                    for g in sorted(shown[d], key=group_order)
                    if (department, a, d, g) in pairs
                ]
                if groups:
                    result.append((a, d, groups))
        return result

    async def _pair_means(self, source, dimension: str) -> dict[tuple, tuple[float | None, int]]:
        return await sql.means_by(self.session, source, "department", dimension, period=self.current)

    async def _reasons_by_group(
        self, source, dimensions: list[str], shown: list[set[str]], respondents: int, primary_reasons: CountTable
    ) -> list[tuple[int, list[GroupReasons]]]:
        """Per target group (by index into ``dimensions``), its shown groups' tables of main reasons for leaving
        (``reports.group_reasons``); a target group none of whose groups may show a table is left out."""
        k = self.k
        if not dimensions or primary_reasons.total is None:
            return []
        cells = await sql.reason_cells(self.session, source, dimensions, self.current)
        named = {reason for reasons in cells.values() for reason in reasons} - {sql.NO_REASON}
        hidden_overall = {reason for reason in named if shown_count(primary_reasons, reason) is None}
        if is_small(respondents - primary_reasons.total, k):
            hidden_overall.add(sql.NO_REASON)
        tables: dict[int, list[GroupReasons]] = {}
        for table in group_reasons.group_tables(cells, len(dimensions), shown, k, hidden_overall):
            reasons = partition_table(table.counts, table.respondents, k, hide=table.hidden)
            if not reasons.cells:
                continue  # every reason hidden: the table would show the group's size again, nothing more
            tables.setdefault(table.dimension, []).append(GroupReasons(key=table.group, reasons=reasons))
        return [(d, sorted(groups, key=lambda g: group_order(g.key))) for d, groups in sorted(tables.items())]

    def _trends(
        self,
        totals: Mapping[str, tuple[int, int, int]],
        rate: float | None,
        means: Mapping[tuple, tuple[float | None, int]],
        earlier: list[dict],
    ) -> list[Trend]:
        """This period's point of each trend line after the earlier reports' own; ``rate`` is the response rate as
        the report's headline shows it."""
        k, now = self.k, self.current

        def departures() -> TrendPoint:
            n = totals.get(now, (0, 0, 0))[0]
            return TrendPoint(label=now, value=None if is_small(n, k) else n, base=None if is_small(n, k) else n)

        def response_rate() -> TrendPoint:
            # The headline's figure and no other: a line that showed it where the headline does not would give away
            # the few who did not answer.
            n = totals.get(now, (0, 0, 0))[0]
            return TrendPoint(label=now, value=rate, base=None if n < k else n)

        def mean(metric: str):
            def point() -> TrendPoint:
                average, n = means.get((now, metric), (None, 0))
                return TrendPoint(label=now, value=mean_if_enough(average, n, k), base=n if n >= k else None)

            return point

        series = {"departures": departures, "response_rate": response_rate, **{m: mean(m) for m in sql.METRIC_COLUMNS}}
        trends = []
        for metric, point in series.items():
            points = [published_point(figures, metric) for figures in earlier] + [point()]
            last, before = points[-1].value, points[-2].value if len(points) > 1 else None
            delta = None if last is None or before is None else round(last - before, 4)
            trends.append(Trend(metric=metric, points=points, delta=delta))
        return trends

    async def _free_text(self) -> list[TextSection]:
        known = KnownNames(await sql.known_names(self.session))
        topics = {field: topic for topic, fields in TEXT_TOPICS.items() for field in fields}
        written = await sql.texts(self.session, self.advisers, topics, [ADVICE_TOPIC], self.current)
        sections = []
        for topic in TEXT_TOPICS:
            contributors, answers = written.get(topic, (0, []))
            if is_small(contributors, self.k):
                sections.append(TextSection(topic=topic, suppressed=True))
                continue
            published = [
                PublishedText(topic=topic, text_id=text_id, text=known.scrub(answer)) for text_id, answer in answers
            ]
            self.texts += published
            sections.append(TextSection(topic=topic, suppressed=False, texts=shown_texts(p.text for p in published)))
        return sections

    async def _earlier_actions(self) -> list[EarlierAction]:
        since = self.periods[0].begin
        today = calendar.local_date(self.as_of, self.zone)
        result = []
        for period_start, period_end, action in await sql.earlier_actions(self.session, self.start, since):
            state = (
                ActionState.DONE
                if action.completed_at
                else ActionState.LATE
                if action.due_date < today
                else ActionState.OPEN
            )
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


def published_point(figures: Mapping, metric: str) -> TrendPoint:
    """An earlier report's own figure for the metric, as it published it (the last point of its trend line).

    The response rate only as that report's headline showed it: reports stored before the line followed the headline
    may hold a point the headline left out, and a later report must not repeat it."""
    label = figures.get("label", "")
    for trend in figures.get("trends", []):
        if trend.get("metric") == metric and trend.get("points"):
            own = trend["points"][-1]
            value = figures.get("response_rate") if metric == "response_rate" else own.get("value")
            return TrendPoint(label=label, value=value, base=own.get("base"))
    return TrendPoint(label=label, value=None, base=None)


async def compile_report(
    session: AsyncSession,
    *,
    report_id: str,
    start: date,
    end: date,
    zone: str,
    k: int,
    as_of: datetime,
    pool_months: int = 0,
    target_groups: Sequence[DeclaredGroup] = (),
) -> Compiled:
    if session.get_bind().dialect.name == "postgresql":
        # PostgreSQL would JIT-compile each of these one-off aggregates over many rows: seconds per query, never repaid.
        await session.execute(text("SET LOCAL jit = off"))
        # Grouping a hundred thousand cases fits in memory with room to spare; the default 4 MB sorts them on disk.
        await session.execute(text("SET LOCAL work_mem = '64MB'"))
    return await Compiler(
        session,
        report_id=report_id,
        start=start,
        end=end,
        zone=zone,
        k=k,
        as_of=as_of,
        pool_months=pool_months,
        target_groups=target_groups,
    ).compile()


async def compile_figures(
    session: AsyncSession, *, report_id: str, start: date, end: date, zone: str, k: int, as_of: datetime
) -> ReportFigures:
    """The figures alone, with their free text: what the report would show if it were published now."""
    return (
        await compile_report(session, report_id=report_id, start=start, end=end, zone=zone, k=k, as_of=as_of)
    ).figures
