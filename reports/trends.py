"""Trends across the published periods, for all leavers or for one department or target group.

Every value is read from the figures a report stored when it was made, exactly as that report showed it: a value
its report left out stays out (a dash), and a group its report did not name is not named here. So the page adds no
figure that a reader could not already take from the reports themselves, and with it no new way to subtract one
person. The reports hold departures, reasons and response per period for everyone; per department or target group
the number of respondents and their means; and per target group the share of each main reason for leaving. So that
is what a filter can show."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.registration import DepartureType
from reports.labels import group_order
from reports.sql import AREAS, BELONGING, NO_REASON, RECOMMEND
from reports.tables import ReportRow

# The periods a trend shows: two years of quarters.
PERIODS = 8
Kind = Literal["count", "rate", "mean", "score"]
ALL = ""


@dataclass(frozen=True)
class Row:
    """One line of the trends: what it counts, and its value in each period (None where the report left it out)."""

    section: str
    label_kind: str
    key: str
    kind: Kind
    values: list[float | None]


@dataclass(frozen=True)
class Choice:
    """A department or target group the reports named: ``dimension:key``."""

    dimension: str
    key: str

    @property
    def value(self) -> str:
        return f"{self.dimension}:{self.key}"


@dataclass
class Trends:
    labels: list[str]
    rows: list[Row]
    choices: list[Choice] = field(default_factory=list)
    chosen: Choice | None = None
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    # With a department and a target group chosen together: the department (``chosen`` is the target group).
    within: Choice | None = None

    @property
    def department(self) -> Choice | None:
        """The department the page is filtered by, alone or with a target group."""
        return self.within or (self.chosen if self.chosen and self.chosen.dimension == "department" else None)

    @property
    def group(self) -> Choice | None:
        """The target group the page is filtered by, alone or within a department."""
        return self.chosen if self.chosen and self.chosen.dimension != "department" else None

    def options(self, department: bool) -> list[Choice]:
        return [c for c in self.choices if (c.dimension == "department") == department]

    def dimension_name(self, dimension: str, language: str) -> str | None:
        """A self-declared group's name as the latest report that broke it down called it."""
        return (self.names.get(dimension) or {}).get(language)

    def section(self, name: str) -> list[Row]:
        return [row for row in self.rows if row.section == name]


def _table_value(table: Mapping[str, Any] | None, key: str) -> float | None:
    """A cell as its report showed it: its count; 0 when the table hid nothing and lacks it; else left out."""
    if not table:
        return None
    for cell in table.get("cells", []):
        if cell.get("key") == key:
            return cell.get("count")
    return 0 if table.get("total") is not None and table.get("other") is None else None


def _keys(tables: Iterable[Mapping[str, Any] | None], order: list[str] | None = None) -> list[str]:
    named = {cell["key"] for table in tables if table for cell in table.get("cells", []) if cell.get("key")}
    if order:
        return [key for key in order if key in named] + sorted(named - set(order))
    return sorted(named, key=group_order)


def _table_share(table: Mapping[str, Any] | None, key: str) -> float | None:
    """A cell's share as its report showed it: 0 when the table hid nothing and lacks it; else left out."""
    if not table:
        return None
    for cell in table.get("cells", []):
        if cell.get("key") == key:
            return cell.get("share")
    return 0 if table.get("total") is not None and table.get("other") is None else None


def _group_reasons(figures: Mapping[str, Any], chosen: Choice) -> Mapping[str, Any] | None:
    """The chosen target group's table of main reasons, where its report had one."""
    for breakdown in figures.get("reasons_by_group", []):
        if breakdown.get("dimension") == chosen.dimension:
            group = next((g for g in breakdown.get("groups", []) if g.get("key") == chosen.key), None)
            return group.get("reasons") if group else None
    return None


def _rating_mean(figures: Mapping[str, Any], section: str, metric: str) -> float | None:
    return next((r.get("mean") for r in figures.get(section, []) if r.get("metric") == metric), None)


def _cross(figures: Mapping[str, Any], department: str, chosen: Choice) -> Mapping[str, Any] | None:
    """The chosen target group within the department, where its report showed that pair."""
    for breakdown in figures.get("cross_breakdowns", []):
        if breakdown.get("department") == department and breakdown.get("dimension") == chosen.dimension:
            return next((g for g in breakdown.get("groups", []) if g.get("key") == chosen.key), None)
    return None


def _group(figures: Mapping[str, Any], chosen: Choice) -> Mapping[str, Any] | None:
    for breakdown in figures.get("breakdowns", []):
        if breakdown.get("dimension") == chosen.dimension:
            return next((g for g in breakdown.get("groups", []) if g.get("key") == chosen.key), None)
    return None


def choices(stored: Sequence[Mapping[str, Any]]) -> list[Choice]:
    """The departments and target groups that the reports named, in their natural order."""
    found: dict[str, set[str]] = {}
    for figures in stored:
        for cell in (figures.get("departures_by_department") or {}).get("cells", []):
            found.setdefault("department", set()).add(cell["key"])
        for breakdown in figures.get("breakdowns", []):
            for group in breakdown.get("groups", []):
                found.setdefault(breakdown["dimension"], set()).add(group["key"])
    return [Choice(dimension, key) for dimension in found for key in sorted(found[dimension], key=group_order)]


def names(stored: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        breakdown["dimension"]: breakdown["name"]
        for figures in stored
        for breakdown in figures.get("breakdowns", [])
        if breakdown.get("name")
    }


def build(stored: Sequence[Mapping[str, Any]], chosen: Choice | None = None, within: Choice | None = None) -> Trends:
    """The trend rows over the stored figures (oldest first), for everyone, for the chosen group, or for the chosen
    target group ``within`` a department: what the reports published on that pair (respondents and their means)."""
    labels = [figures.get("label", "") for figures in stored]
    rows: list[Row] = []

    def add(section: str, label_kind: str, key: str, kind: Kind, values: list[float | None]) -> None:
        rows.append(Row(section, label_kind, key, kind, values))

    if chosen is None:
        add("departures", "text", "departures_total", "count", [f["departures_by_type"].get("total") for f in stored])
        by_type = [f.get("departures_by_type") for f in stored]
        for key in _keys(by_type, [t.value for t in DepartureType]):
            add("departures", "departure_type", key, "count", [_table_value(t, key) for t in by_type])
        by_department = [f.get("departures_by_department") for f in stored]
        for key in _keys(by_department):
            add("departures", "department", key, "count", [_table_value(t, key) for t in by_department])
        add("response", "text", "response_rate", "rate", [f.get("response_rate") for f in stored])
        add("response", "text", "respondents", "count", [f.get("respondents") for f in stored])
        for area in AREAS:
            add("five_as", "metric", area, "mean", [_rating_mean(f, "ratings", area) for f in stored])
        add("recommend", "text", "mean", "score", [(f.get("recommend") or {}).get("mean") for f in stored])
        add("recommend", "text", "nps", "score", [(f.get("recommend") or {}).get("nps") for f in stored])
        for item in BELONGING:
            add("belonging", "metric", item, "mean", [_rating_mean(f, "belonging", item) for f in stored])
        reasons = [f.get("primary_reasons") for f in stored]
        for key in _keys(reasons, None):
            add("reasons", "reason", key, "count", [_table_value(t, key) for t in reasons])
        return Trends(labels=labels, rows=rows, choices=choices(stored), chosen=None, names=names(stored))

    if chosen.dimension == "department":
        by_department = [f.get("departures_by_department") for f in stored]
        add("departures", "text", "departures_total", "count", [_table_value(t, chosen.key) for t in by_department])
    if within is not None:
        groups = [_cross(f, within.key, chosen) for f in stored]
    else:
        groups = [_group(f, chosen) for f in stored]
    add("response", "text", "respondents", "count", [g.get("respondents") if g else None for g in groups])

    def means(metric: str) -> list[float | None]:
        return [(g.get("means") or {}).get(metric) if g else None for g in groups]

    for area in AREAS:
        add("five_as", "metric", area, "mean", means(area))
    add("recommend", "text", "mean", "score", means(RECOMMEND))
    for item in BELONGING:
        add("belonging", "metric", item, "mean", means(item))
    if within is None:
        reasons = [_group_reasons(f, chosen) for f in stored]
        for key in sorted(_keys(reasons, None), key=lambda key: key == NO_REASON):
            add("reasons", "reason", key, "rate", [_table_share(t, key) for t in reasons])
    return Trends(labels=labels, rows=rows, choices=choices(stored), chosen=chosen, names=names(stored), within=within)


async def stored_figures(session: AsyncSession, count: int = PERIODS) -> list[dict]:
    """The figures of the last ``count`` reports, oldest first: as they were published, never computed again."""
    query = select(ReportRow.figures).order_by(ReportRow.period_end.desc()).limit(count)
    return [figures for (figures,) in reversed((await session.execute(query)).all()) if figures]


async def trends(session: AsyncSession, wanted: str = ALL, department: str = ALL) -> Trends:
    """The trends page's figures; ``wanted`` is ``dimension:key`` of a department or target group the reports named,
    ``department`` a department they named, alone or with a target group."""
    stored = await stored_figures(session)
    named = {c.value: c for c in choices(stored)}
    chosen = named.get(wanted) if wanted else None
    within = named.get(f"department:{department}") if department else None
    if within is None or chosen == within:
        return build(stored, chosen)
    if chosen is None or chosen.dimension == "department":
        return build(stored, within)
    return build(stored, chosen, within)
