"""The timed actions of a case, derived from its state: reminders, escalations, announcements.

Each action has a key naming what it does and for which date, so a moved date gives a new key
(a new reminder) while an action already performed is never repeated. The key is also the
purpose under which its mail goes out, which keeps every mail single."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Due:
    at: datetime
    key: str
    action: str
    ref: str = ""


def local_moment(day: date, clock: time, zone: str) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def end_of_day(day: date, zone: str) -> datetime:
    return local_moment(day + timedelta(days=1), time.min, zone)


def pending(items: list[Due], done: set[str]) -> list[Due]:
    return sorted((item for item in items if item.key not in done), key=lambda item: (item.at, item.key))
