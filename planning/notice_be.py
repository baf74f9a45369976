"""The statutory notice period in Belgium, checked only where the rule leaves no doubt: an employee's resignation
under the unified statute (Wet van 26 december 2013 betreffende de invoering van een eenheidsstatuut), for an
employment that began on or after 1 January 2014, so that all of its seniority falls under the new rules.

- Arbeidsovereenkomstenwet (3 juli 1978) art. 37/2 § 2: the employee's notice in weeks by seniority, from one
  week (under three months) to thirteen weeks (eight years or more);
- the notice period starts on the Monday after the week in which notice was given.

Not checked, and so never warned about: a dismissal (the employer may end the employment at once and pay a
compensation in lieu of notice, art. 39), employments that began before 2014 (their notice was calculated in two
parts, and the rules for them changed since), counter-notice during the employer's notice, and a registration
without a start date. Seniority may be longer than the start date says (earlier temporary agency work counts, up to
a year), which makes the period longer, never shorter: a warning given here is never wrong in that respect."""

from datetime import date, timedelta

from models.calendar import WorkCalendar
from models.notice import NoticeWarning
from models.registration import DepartureType, Registration
from planning.months import full_months_between
from planning.notice_nl import last_working_day_by

UNIFIED_STATUTE = date(2014, 1, 1)
# Art. 37/2 § 2: (seniority under this many months, weeks of notice); 13 weeks from eight years on.
EMPLOYEE_WEEKS = ((3, 1), (6, 2), (12, 3), (18, 4), (24, 5), (48, 6), (60, 7), (72, 9), (84, 10), (96, 12))
MOST_WEEKS = 13


def employee_weeks(seniority_months: int) -> int:
    for below, weeks in EMPLOYEE_WEEKS:
        if seniority_months < below:
            return weeks
    return MOST_WEEKS


def notice_start(notice_date: date) -> date:
    """The Monday after the week in which notice was given."""
    return notice_date + timedelta(days=7 - notice_date.weekday())


def warnings(registration: Registration, calendar: WorkCalendar) -> list[NoticeWarning]:
    departure, start_date = registration.departure, registration.employee.start_date
    if departure.type != DepartureType.RESIGNATION or start_date is None or start_date < UNIFIED_STATUTE:
        return []
    start = notice_start(departure.notice_date)
    # Seniority as reached when the notice period begins.
    seniority = full_months_between(start_date, start)
    weeks = employee_weeks(seniority)
    period_end = start + timedelta(weeks=weeks, days=-1)
    if departure.last_working_day < last_working_day_by(period_end, calendar):
        return [
            NoticeWarning.of(
                "notice_be_employee",
                last_day=departure.last_working_day,
                weeks=weeks,
                seniority_months=seniority,
                start=start,
                period_end=period_end,
            )
        ]
    return []
