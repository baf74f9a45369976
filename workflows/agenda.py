"""The timed actions of a case, derived from its state: reminders, escalations, announcements.

Each action has a key naming what it does and for which date, so a moved date gives a new key
(a new reminder) while an action already performed is never repeated. The key is also the
purpose under which its mail goes out, which keeps every mail single."""

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from temporalio import workflow


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


async def perform_due(
    agenda: Callable[[], list[Due]],
    perform: Callable[[Due], Awaitable[None]],
    done: set[str],
    stop: Callable[[], bool],
) -> None:
    """Perform, in order, each action of the agenda whose moment has come, until ``stop``; a performed action is
    marked done, so that it never runs again."""
    for due in agenda():
        if due.at > workflow.now() or stop():
            break
        await perform(due)
        done.add(due.key)


def due_now(items: list[Due]) -> bool:
    return bool(items) and items[0].at <= workflow.now()


async def wait_until_due(items: list[Due], woken: Callable[[], bool]) -> None:
    """Sleep until the first item's moment, or until ``woken`` says the state changed (which may change the agenda)."""
    timeout = items[0].at - workflow.now() if items else None
    with contextlib.suppress(TimeoutError):
        await workflow.wait_condition(woken, timeout=timeout)
