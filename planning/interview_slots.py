"""When to hold the exit interview: about a week before the last working day, never in its last
working hours, and with short notice the earliest slot or an online conversation.

002: "geen goed idee … tijdens de laatste werkuren". On site that means before the cut-off day; online, on the
last working day itself, only before its last working hours: the second half of that day. With a single working day
left, a short online conversation (the policy's ``short_notice_online_minutes``) is offered the day before as well,
later that same working day when there is still time to answer, ahead of the last day's morning."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.calendar import WorkCalendar
from models.interview import Slot
from models.policy import Policy
from models.refusals import Refusal
from planning.workdays import add_working_days, is_working_day, working_days_between


@dataclass(frozen=True)
class SlotPlan:
    slots: list[Slot]
    short_notice: bool
    cutoff_day: date


def _at(day: date, clock: time, tz: ZoneInfo, minutes: int, online: bool) -> Slot:
    start = datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)
    return Slot(start=start, end=start + timedelta(minutes=minutes), online=online)


# The least time between the invitation and a conversation offered that same day: time to read the mail and answer
# it, and for the interviewer to see the agreed time come in.
SAME_DAY_LEAD = timedelta(hours=2)


def _clock(policy: Policy, hours_after_start: int, minutes: int | None = None) -> time:
    """The usual time this many hours into the working day, earlier where the conversation would end after it."""
    length = timedelta(minutes=policy.interview_duration_minutes if minutes is None else minutes)
    start = datetime.combine(date.min, policy.working_hours_start) + timedelta(hours=hours_after_start)
    latest = datetime.combine(date.min, policy.working_hours_end) - length
    return min(start, latest).time()


def _day_before_talk(now: datetime, last_working_day: date, policy: Policy, calendar: WorkCalendar) -> Slot | None:
    """The short online conversation on the working day before the last: in its afternoon, or as late in its
    working hours as it still fits; None where that day has passed or no such time is far enough ahead."""
    tz = ZoneInfo(policy.timezone)
    day = add_working_days(last_working_day, -1, calendar)
    if day < now.astimezone(tz).date():
        return None
    minutes = policy.short_notice_online_minutes
    latest = (datetime.combine(date.min, policy.working_hours_end) - timedelta(minutes=minutes)).time()
    for clock in (_clock(policy, 5, minutes), latest):
        slot = _at(day, clock, tz, minutes, True)
        if slot.start >= now + SAME_DAY_LEAD and clock >= policy.working_hours_start:
            return slot
    return None


def last_hours_start(policy: Policy) -> time:
    """Where the last working hours of the last working day begin: halfway through the working day."""
    start, end = (datetime.combine(date.min, clock) for clock in (policy.working_hours_start, policy.working_hours_end))
    return (start + (end - start) / 2).time()


def _last_day_clock(policy: Policy) -> time:
    """The earliest usual morning time, moved earlier where the interview would run into the last working hours."""
    latest = datetime.combine(date.min, last_hours_start(policy)) - timedelta(minutes=policy.interview_duration_minutes)
    return max(policy.working_hours_start, min(_clock(policy, 1), latest.time()))


def cutoff_day(last_working_day: date, policy: Policy, calendar: WorkCalendar) -> date:
    return add_working_days(last_working_day, -policy.interview_cutoff_working_days_before_last_day, calendar)


def propose(
    now: datetime,
    last_working_day: date,
    policy: Policy,
    calendar: WorkCalendar,
    *,
    last_day_mornings: bool = True,
    day_before_talks: bool = True,
) -> SlotPlan:
    """``last_day_mornings``: an online slot on the last working day falls before its last working hours (cases
    started before short-notice-mornings-v1 were offered its afternoon). ``day_before_talks``: with one working day
    left, a short online conversation the day before comes first (not for cases started before
    short-notice-day-before-v1)."""
    tz = ZoneInfo(policy.timezone)
    today = now.astimezone(tz).date()
    cutoff = cutoff_day(last_working_day, policy, calendar)
    target = add_working_days(last_working_day, -policy.interview_working_days_before_last_day, calendar)
    earliest = add_working_days(today, 1, calendar)
    minutes = policy.interview_duration_minutes
    morning, afternoon = _clock(policy, 1), _clock(policy, 5)
    short_notice = (
        working_days_between(today, last_working_day, calendar) < policy.short_notice_working_days or target < earliest
    )
    if not short_notice:
        second_day = add_working_days(target, 1, calendar)
        if second_day > cutoff:
            second_day = add_working_days(target, -1, calendar)
        slots = [
            _at(target, morning, tz, minutes, False),
            _at(target, afternoon, tz, minutes, False),
            _at(second_day, morning, tz, minutes, False),
        ]
    else:
        slots = [_at(earliest, morning, tz, minutes, False)] if earliest <= cutoff else []
        online_clock = _last_day_clock(policy) if last_day_mornings and earliest == last_working_day else afternoon
        slots.append(_at(earliest, online_clock, tz, minutes, True))
        day_before = (
            _day_before_talk(now, last_working_day, policy, calendar)
            if day_before_talks and earliest == last_working_day
            else None
        )
        if day_before is not None:
            slots.append(day_before)
    return SlotPlan(slots=sorted(slots, key=lambda s: s.start), short_notice=short_notice, cutoff_day=cutoff)


def problem_with(
    slot: Slot,
    now: datetime,
    last_working_day: date,
    policy: Policy,
    calendar: WorkCalendar,
    *,
    last_day_mornings: bool = True,
) -> Refusal | None:
    """Why a proposed time cannot be used, or None when it can."""
    tz = ZoneInfo(policy.timezone)
    local_start, local_end = slot.start.astimezone(tz), slot.end.astimezone(tz)
    if slot.start <= now:
        return Refusal("slot_passed")
    if not is_working_day(local_start.date(), calendar):
        return Refusal("slot_not_working_day")
    if (
        local_start.time() < policy.working_hours_start
        or local_end.time() > policy.working_hours_end
        or local_end.date() != local_start.date()
    ):
        return Refusal(
            "slot_outside_working_hours",
            start=f"{policy.working_hours_start:%H:%M}",
            end=f"{policy.working_hours_end:%H:%M}",
        )
    if not slot.online and local_start.date() > cutoff_day(last_working_day, policy, calendar):
        return Refusal("slot_in_last_working_hours")
    if (
        last_day_mornings
        and slot.online
        and local_start.date() == last_working_day
        and local_end.time() > last_hours_start(policy)
    ):
        return Refusal("slot_online_in_last_working_hours", until=f"{last_hours_start(policy):%H:%M}")
    if slot.online and local_start.date() > last_working_day + timedelta(
        days=policy.interview_record_days_after_last_day
    ):
        return Refusal("slot_too_late")
    return None


def slot_at(start: datetime, policy: Policy, online: bool) -> Slot:
    return Slot(start=start, end=start + timedelta(minutes=policy.interview_duration_minutes), online=online)
