"""Which report may be made: what is left of one of the organisation's fixed periods, once that period has
ended, and only once. The schedule, the command for a missed period and the report workflow all ask here, so
no way in can ask for a range of its own choosing (two overlapping ranges would give away, by subtraction,
what the few people in only one of them said)."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from models.report import ReportPeriod
from reports import periods, published

NAMES = {"quarter": "quarter", "half_year": "half-year", "year": "year"}


class PeriodRefused(Exception):
    """Not a report that may be made; ``field`` names what was asked, ``code`` the kind of refusal."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.code, self.message = field, code, message


def _left_of(start: date, end: date, reported: list[tuple[date, date]], field: str) -> tuple[date, date]:
    part = periods.unreported_part(start, end, reported)
    if part is None:
        raise PeriodRefused(
            field,
            "already_reported",
            f"{periods.label(start, end)} has been reported already; each period is reported once and kept as published",
        )
    return part


def _ended(end: date, today: date, field: str, start: date) -> None:
    if end >= today:
        raise PeriodRefused(
            field, "not_ended", f"{periods.label(start, end)} has not ended yet; its report is made once it has"
        )


async def check(session: AsyncSession, start: date, end: date, period: ReportPeriod, today: date) -> None:
    """Refuse, naming ``start`` or ``end``, unless [start, end] is what is left of one fixed period that has ended."""
    name = NAMES[period]
    fixed_start, fixed_end = periods.period_containing(end, period)
    if end != fixed_end:
        raise PeriodRefused(
            "end",
            "not_a_period",
            f"{end} is not the last day of a {name}: reports cover the organisation's fixed periods ({name}s) only, never a chosen range",
        )
    left = _left_of(fixed_start, fixed_end, await published.reported_periods(session), "start")
    if start != left[0]:
        what = (
            f"{name} {periods.label(fixed_start, fixed_end)}"
            if left[0] == fixed_start
            else f"part of {periods.label(fixed_start, fixed_end)} no earlier report covers"
        )
        raise PeriodRefused(
            "start",
            "not_a_period",
            f"{start} does not begin a report period: the report ending {end} covers the {what}, from {left[0]}",
        )
    _ended(end, today, "end", start)


async def just_ended(session: AsyncSession, period: ReportPeriod, today: date) -> tuple[date, date] | None:
    """The schedule's report: the period just ended, less what earlier reports cover; None when they cover it all."""
    return periods.unreported_part(*periods.period_just_ended(today, period), await published.reported_periods(session))


async def named(session: AsyncSession, name: str, period: ReportPeriod, today: date) -> tuple[date, date]:
    """The report for a period named by HR (``2027-Q2``), for one the schedule missed: the same rules, field ``period``."""
    try:
        start, end, kind = periods.parse(name)
    except ValueError as err:
        raise PeriodRefused("period", "not_a_period", str(err)) from None
    if kind != period:
        raise PeriodRefused(
            "period", "not_a_period", f"'{name}' is a {NAMES[kind]}, but the organisation reports per {NAMES[period]}"
        )
    _ended(end, today, "period", start)
    return _left_of(start, end, await published.reported_periods(session), "period")
