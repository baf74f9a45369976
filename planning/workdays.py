"""Working days in the Netherlands and Belgium: weekends and public holidays do not count."""

from datetime import date, timedelta

import holidays

from models.calendar import WorkCalendar


def calendar_for(country: str, years: range) -> WorkCalendar:
    """Public holidays from the ``holidays`` package (outside workflows: it reads locale settings)."""
    return WorkCalendar(country=country, holidays=set(holidays.country_holidays(country, years=list(years)).keys()))


def is_working_day(day: date, calendar: WorkCalendar) -> bool:
    return day.weekday() < 5 and day not in calendar.holidays


def add_working_days(day: date, count: int, calendar: WorkCalendar) -> date:
    """The working day ``count`` working days after ``day`` (before it when negative)."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    current = day
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current, calendar):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, calendar: WorkCalendar) -> int:
    """Working days after ``start`` up to and including ``end``."""
    days, current = 0, start
    while current < end:
        current += timedelta(days=1)
        days += is_working_day(current, calendar)
    return days


def next_working_day(day: date, calendar: WorkCalendar) -> date:
    """The first working day after ``day``."""
    return add_working_days(day, 1, calendar)
