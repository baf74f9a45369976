"""Report periods: calendar months and quarters, the one before, and the id a date range is known by."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from models.report import ReportPeriod

# When the schedule fires: early on the first day after the period, local time.
CRON = {"quarter": "0 6 1 1,4,7,10 *", "month": "0 6 1 * *"}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return _add_months(day, 1) - timedelta(days=1)


def period_containing(day: date, period: ReportPeriod) -> tuple[date, date]:
    months = 3 if period == "quarter" else 1
    start = date(day.year, (day.month - 1) // months * months + 1, 1)
    return start, _add_months(start, months) - timedelta(days=1)


def period_just_ended(today: date, period: ReportPeriod) -> tuple[date, date]:
    """The whole period before today's: also right for a trigger that ran days late."""
    return previous(*period_containing(today, period))


def _whole_months(start: date, end: date) -> int | None:
    if start.day != 1 or end != _month_end(end):
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def previous(start: date, end: date) -> tuple[date, date]:
    """The range just before, as long as this one: the previous quarter for a quarter, else as many days."""
    months = _whole_months(start, end)
    if months is not None:
        first = _add_months(start, -months)
        return first, start - timedelta(days=1)
    length = end - start + timedelta(days=1)
    return start - length, start - timedelta(days=1)


def label(start: date, end: date) -> str:
    months = _whole_months(start, end)
    if months == 1:
        return f"{start:%Y-%m}"
    if months == 3 and start.month % 3 == 1:
        return f"{start.year}-Q{(start.month + 2) // 3}"
    if months == 12 and start.month == 1:
        return str(start.year)
    return f"{start.isoformat()} – {end.isoformat()}"


def report_id(start: date, end: date) -> str:
    """The workflow id: derived from the range, so one range is never aggregated twice at once."""
    return f"report-{start.isoformat()}-{end.isoformat()}"


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def utc_bounds(start: date, end: date, zone: str) -> tuple[datetime, datetime]:
    """The period as [from, to) in UTC: cases close at moments, periods are local calendar days."""
    tz = ZoneInfo(zone)
    begin = datetime.combine(start, time.min, tzinfo=tz).astimezone(timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(timezone.utc)
    return begin, until
