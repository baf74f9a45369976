"""Working days and interview timing, as the seeds describe them, on Dutch and Belgian calendars."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.interview import Slot
from models.policy import Policy
from planning.interview_slots import problem_with, propose
from planning.workdays import (
    add_working_days,
    calendar_for,
    is_working_day,
    working_days_between,
)

NL = calendar_for("NL", range(2026, 2029))
BE = calendar_for("BE", range(2026, 2029))
ZONE = ZoneInfo("Europe/Amsterdam")


def test_weekends_and_public_holidays_do_not_count():
    assert not is_working_day(date(2027, 4, 27), NL), "King's Day"
    assert is_working_day(date(2027, 4, 27), BE)
    assert not is_working_day(date(2027, 7, 21), BE), "Belgian National Day"
    assert is_working_day(date(2027, 7, 21), NL)
    assert not is_working_day(date(2027, 1, 2), NL), "a Saturday"


def test_counting_working_days_skips_christmas():
    # Thursday 24 December 2026; Christmas Day is Friday, then a weekend.
    assert add_working_days(date(2026, 12, 24), 1, NL) == date(2026, 12, 28)
    assert add_working_days(date(2026, 12, 28), -1, NL) == date(2026, 12, 24)
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 31), NL) == 4


def test_interview_about_a_week_before_the_last_day_and_not_in_its_last_hours():
    plan = propose(datetime(2027, 1, 4, 8, tzinfo=UTC), date(2027, 1, 29), Policy(), NL)

    assert not plan.short_notice
    assert plan.slots[0].start.astimezone(ZONE) == datetime(2027, 1, 22, 10, 0, tzinfo=ZONE)
    assert all(slot.start.astimezone(ZONE).date() <= plan.cutoff_day < date(2027, 1, 29) for slot in plan.slots)
    assert all(not slot.online for slot in plan.slots)
    assert all(slot.end - slot.start == timedelta(minutes=60) for slot in plan.slots)


def test_short_notice_offers_the_earliest_slot_and_an_online_conversation():
    plan = propose(datetime(2027, 1, 26, 8, tzinfo=UTC), date(2027, 1, 29), Policy(), NL)

    assert plan.short_notice
    assert plan.slots[0].start.astimezone(ZONE).date() == date(2027, 1, 27)
    assert [slot.online for slot in plan.slots] == [False, True]


def local_slots(plan) -> list[tuple[bool, datetime, datetime]]:
    return [(slot.online, slot.start.astimezone(ZONE), slot.end.astimezone(ZONE)) for slot in plan.slots]


def test_one_day_notice_offers_a_short_online_talk_the_day_before_then_the_last_morning():
    # Registered on Thursday 28 January 2027 at 09:00, the last working day is Friday 29 January (002: "geen goed idee
    # … tijdens de laatste werkuren"): first a short online talk that Thursday afternoon, else online on Friday
    # morning, ending before midday. Nothing in Friday's last working hours.
    now = datetime(2027, 1, 28, 8, tzinfo=UTC)
    plan = propose(now, date(2027, 1, 29), Policy(), NL)

    assert plan.short_notice
    assert local_slots(plan) == [
        (True, datetime(2027, 1, 28, 14, 0, tzinfo=ZONE), datetime(2027, 1, 28, 14, 30, tzinfo=ZONE)),
        (True, datetime(2027, 1, 29, 10, 0, tzinfo=ZONE), datetime(2027, 1, 29, 11, 0, tzinfo=ZONE)),
    ]
    assert all(problem_with(slot, now, date(2027, 1, 29), Policy(), NL) is None for slot in plan.slots)


def test_the_short_talk_takes_the_length_hr_set_and_fits_the_working_day():
    now = datetime(2027, 1, 28, 8, tzinfo=UTC)
    plan = propose(now, date(2027, 1, 29), Policy(short_notice_online_minutes=45), NL)
    assert local_slots(plan)[0] == (
        True,
        datetime(2027, 1, 28, 14, 0, tzinfo=ZONE),
        datetime(2027, 1, 28, 14, 45, tzinfo=ZONE),
    )

    # Registered at 13:00, 14:00 leaves too little time to answer: the talk is the day's last half hour.
    plan = propose(datetime(2027, 1, 28, 12, tzinfo=UTC), date(2027, 1, 29), Policy(), NL)
    assert local_slots(plan)[0] == (
        True,
        datetime(2027, 1, 28, 16, 30, tzinfo=ZONE),
        datetime(2027, 1, 28, 17, 0, tzinfo=ZONE),
    )

    # Registered at 15:30, no talk fits that day any more: only the last morning is left.
    plan = propose(datetime(2027, 1, 28, 14, 30, tzinfo=UTC), date(2027, 1, 29), Policy(), NL)
    assert [start.date() for _, start, _ in local_slots(plan)] == [date(2027, 1, 29)]


def test_registered_over_the_weekend_before_a_monday_last_day_offers_only_its_morning():
    plan = propose(datetime(2027, 1, 30, 9, tzinfo=UTC), date(2027, 2, 1), Policy(), NL)

    assert local_slots(plan) == [
        (True, datetime(2027, 2, 1, 10, 0, tzinfo=ZONE), datetime(2027, 2, 1, 11, 0, tzinfo=ZONE))
    ]


def test_a_long_interview_on_the_last_morning_starts_earlier_to_end_before_its_last_hours():
    plan = propose(datetime(2027, 1, 28, 8, tzinfo=UTC), date(2027, 1, 29), Policy(interview_duration_minutes=240), NL)

    assert [(start.time(), end.time()) for _, start, end in local_slots(plan) if start.date() == date(2027, 1, 29)] == [
        (time(9, 0), time(13, 0))
    ]


def test_cases_started_before_the_rules_keep_what_they_were_offered():
    now = datetime(2027, 1, 28, 8, tzinfo=UTC)
    plan = propose(now, date(2027, 1, 29), Policy(), NL, last_day_mornings=False, day_before_talks=False)
    assert [slot.start.astimezone(ZONE) for slot in plan.slots] == [datetime(2027, 1, 29, 14, 0, tzinfo=ZONE)]

    plan = propose(now, date(2027, 1, 29), Policy(), NL, day_before_talks=False)
    assert [slot.start.astimezone(ZONE) for slot in plan.slots] == [datetime(2027, 1, 29, 10, 0, tzinfo=ZONE)]


def test_registered_on_the_last_day_offers_only_an_online_conversation():
    plan = propose(datetime(2027, 1, 29, 8, tzinfo=UTC), date(2027, 1, 29), Policy(), NL)

    assert [slot.online for slot in plan.slots] == [True]
    assert plan.slots[0].start.astimezone(ZONE).date() > date(2027, 1, 29)


def test_a_proposed_time_must_fit_working_hours_and_the_cut_off():
    now = datetime(2027, 1, 4, 8, tzinfo=UTC)
    policy = Policy()

    def at(day: date, clock: time, online: bool = False) -> Slot:
        start = datetime.combine(day, clock, tzinfo=ZONE)
        return Slot(start=start, end=start.replace(hour=clock.hour + 1), online=online)

    assert problem_with(at(date(2027, 1, 20), time(10)), now, date(2027, 1, 29), policy, NL) is None
    assert "working hours" in problem_with(at(date(2027, 1, 20), time(7)), now, date(2027, 1, 29), policy, NL)
    assert "not a working day" in problem_with(at(date(2027, 1, 23), time(10)), now, date(2027, 1, 29), policy, NL)
    assert "last working hours" in problem_with(at(date(2027, 1, 29), time(14)), now, date(2027, 1, 29), policy, NL)
    assert "before its last working hours" in problem_with(
        at(date(2027, 1, 29), time(14), online=True), now, date(2027, 1, 29), policy, NL
    )
    assert "by 13:00" in problem_with(
        at(date(2027, 1, 29), time(12, 30), online=True), now, date(2027, 1, 29), policy, NL
    )
    assert problem_with(at(date(2027, 1, 29), time(10), online=True), now, date(2027, 1, 29), policy, NL) is None
    assert problem_with(at(date(2027, 1, 28), time(14), online=True), now, date(2027, 1, 29), policy, NL) is None
    assert "passed" in problem_with(
        at(date(2027, 1, 1), time(10)), datetime(2027, 1, 5, tzinfo=UTC), date(2027, 1, 29), policy, NL
    )


def test_policy_rejects_incoherent_timings():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="working_hours_end"):
        Policy(working_hours_start=time(17), working_hours_end=time(9))
    with pytest.raises(ValidationError, match="cutoff"):
        Policy(interview_working_days_before_last_day=2, interview_cutoff_working_days_before_last_day=3)
