"""Report periods: the organisation's fixed calendar periods (quarters, half-years or years), the part of
one that no earlier report covers, and the names and ids they are known by.

A report never covers a range someone picks: two overlapping ranges would differ by a handful of people,
and subtracting one report from the other would show what those people said."""

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.report import ReportPeriod

MONTHS: dict[str, int] = {"quarter": 3, "half_year": 6, "year": 12}
# When the schedule fires: early on the first day after the period, local time.
CRON = {"quarter": "0 6 1 1,4,7,10 *", "half_year": "0 6 1 1,7 *", "year": "0 6 1 1 *"}


def cron(period: ReportPeriod, day: int = 1) -> str:
    """When the report of each period is made: at six in the morning on ``day`` of the month after the period."""
    minute, hour, _, months, weekdays = CRON[period].split()
    return f"{minute} {hour} {day} {months} {weekdays}"


# Every period starts on a quarter's first day, so the parts of periods also start and end with quarters.
_LABEL = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]))?$")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return _add_months(day, 1) - timedelta(days=1)


def months_before(end: date, months: int) -> date:
    """The first day of the ``months`` whole months that end with ``end``'s month: a rolling window's start."""
    return _add_months(date(end.year, end.month, 1), 1 - months)


def period_containing(day: date, period: ReportPeriod) -> tuple[date, date]:
    months = MONTHS[period]
    start = date(day.year, (day.month - 1) // months * months + 1, 1)
    return start, _add_months(start, months) - timedelta(days=1)


def period_just_ended(today: date, period: ReportPeriod) -> tuple[date, date]:
    """The whole period before today's: also right for a trigger that ran days late."""
    start, _ = period_containing(today, period)
    return period_containing(start - timedelta(days=1), period)


def parse(name: str) -> tuple[date, date, ReportPeriod]:
    """``2027-Q2``, ``2027-H1`` or ``2027``: the period's first and last day and its kind."""
    match = _LABEL.match(name.strip())
    if not match:
        raise ValueError(f"'{name}' is not a period; write a quarter (2027-Q2), a half-year (2027-H1) or a year (2027)")
    year, part = int(match.group(1)), match.group(2)
    if year < 1900:
        raise ValueError(f"'{name}' is not a period; the year is before 1900")
    if part is None:
        return date(year, 1, 1), date(year, 12, 31), "year"
    kind: ReportPeriod = "quarter" if part[0] == "Q" else "half_year"
    start = date(year, (int(part[1]) - 1) * MONTHS[kind] + 1, 1)
    return start, _add_months(start, MONTHS[kind]) - timedelta(days=1), kind


def unreported_part(start: date, end: date, reported: Iterable[tuple[date, date]]) -> tuple[date, date] | None:
    """What of the fixed period [start, end] comes after every earlier report overlapping it; None when nothing does.

    After the organisation lengthens its period (quarter to year, say), the first longer period would
    include quarters already reported; it covers only the rest, so no two reports ever share a day."""
    first = start
    for begun, ended in reported:
        if begun <= end and ended >= start:
            first = max(first, ended + timedelta(days=1))
    return (first, end) if first <= end else None


def _whole_months(start: date, end: date) -> int | None:
    if start.day != 1 or end != _month_end(end):
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def label(start: date, end: date) -> str:
    months = _whole_months(start, end)
    if months == 3 and start.month % 3 == 1:
        return f"{start.year}-Q{(start.month + 2) // 3}"
    if months == 6 and start.month in (1, 7):
        return f"{start.year}-H{1 if start.month == 1 else 2}"
    if months == 12 and start.month == 1:
        return str(start.year)
    return f"{start.isoformat()} – {end.isoformat()}"


def report_id(start: date, end: date) -> str:
    """The workflow id and the stored report's key: derived from the period, so one period is reported once."""
    return f"report-{start.isoformat()}-{end.isoformat()}"


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def utc_bounds(start: date, end: date, zone: str) -> tuple[datetime, datetime]:
    """The period as [from, to) in UTC: cases close at moments, periods are local calendar days."""
    tz = ZoneInfo(zone)
    begin = datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return begin, until
