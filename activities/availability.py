"""Whether the interviewer is free at a time the employee proposes: none of their other agreed interviews at that
time (the read model), and, where the organisation configures CalDAV calendars for its interviewers
(``caldav_url``), nothing busy in their free/busy (RFC 4791 §7.10, ``free-busy-query``).

An interviewer without a calendar there (404) has nothing busy in it. A calendar that cannot be read is no reason to hold the employee's answer: the time then waits for the
interviewer, as a busy one does, and the activity answers at once instead of retrying."""

import asyncio
import logging
from datetime import UTC, datetime
from urllib.parse import quote

from caldav.davclient import DAVClient
from caldav.lib.error import NotFoundError
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from config import Settings
from models.interview import InterviewStatus
from models.records import Availability, AvailabilityInput
from models.tables import Case

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


class AvailabilityActivities:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._settings = settings
        self._sessions = sessions

    @activity.defn
    async def interviewer_availability(self, input: AvailabilityInput) -> Availability:
        if await self._other_interview(input):
            return Availability(fits=False, conflict="other_interview")
        if not self._settings.caldav_url:
            return Availability(fits=True)
        try:
            busy = await asyncio.to_thread(self._busy, input)
        except NotFoundError:  # this interviewer keeps no calendar there: nothing in it says they are busy
            log.info("no CalDAV calendar for the interviewer of case_id %s", input.case_id)
            return Availability(fits=True)
        except Exception as err:  # any failure to read the calendar: the interviewer decides instead
            log.warning("free/busy of an interviewer could not be read (case_id %s): %r", input.case_id, err)
            return Availability(fits=False, conflict="calendar_unreachable")
        return Availability(fits=False, conflict="calendar_busy") if busy else Availability(fits=True)

    async def _other_interview(self, input: AvailabilityInput) -> bool:
        async with self._sessions() as session:
            clash = await session.execute(
                select(Case.id)
                .where(
                    func.lower(Case.interviewer_email) == str(input.interviewer_email).lower(),
                    Case.id != input.case_id,
                    Case.interview_status == InterviewStatus.SCHEDULED.value,
                    Case.interview_start < input.end,
                    Case.interview_end > input.start,
                )
                .limit(1)
            )
            return clash.first() is not None

    def _busy(self, input: AvailabilityInput) -> bool:
        settings = self._settings
        url = settings.caldav_url.replace("{email}", quote(str(input.interviewer_email), safe="@"))
        with DAVClient(
            url=url,
            username=settings.caldav_username or None,
            password=settings.caldav_password.get_secret_value() or None,
            timeout=TIMEOUT_SECONDS,
        ) as client:
            answer = client.calendar(url=url).freebusy_request(input.start, input.end)
        # Each FREEBUSY period (several may share one line) is busy unless it says FBTYPE=FREE.
        return any(
            _overlaps(period.dt, input.start, input.end)
            for component in Calendar.from_ical(answer.data).walk("VFREEBUSY")
            for period in _as_list(component.get("FREEBUSY"))
            if str(period.params.get("FBTYPE", "BUSY")).upper() != "FREE"
        )


def _as_list(value) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]


def _overlaps(period: tuple, start: datetime, end: datetime) -> bool:
    begins, until = period
    if not isinstance(until, datetime):  # a duration
        until = begins + until
    return _aware(begins) < end and _aware(until) > start


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
