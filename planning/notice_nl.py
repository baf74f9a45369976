"""The statutory notice period in the Netherlands: Burgerlijk Wetboek Boek 7, art. 7:672.

- lid 1: notice is given against the end of a month, unless another day was agreed in writing or is customary;
- lid 2: the employer's period by the length of the employment on the day notice is given: under 5 years one
  month, 5 to 10 years two, 10 to 15 years three, 15 years or more four;
- lid 3: the employee's period is one month;
- lid 4: with the UWV's permission the employer's period is shortened by the length of that procedure, to no
  less than one month.

Only the statutory periods: a longer period agreed in writing (lid 5 to 8, or a collective agreement) is not
known here. The check warns and never refuses: the last working day may come earlier because the remaining
leave is taken before the end of the employment, by agreement, or after a court's decision."""

from datetime import date

from models.calendar import WorkCalendar
from models.notice import NoticeWarning
from models.registration import DepartureType, Registration
from planning.months import add_months, end_of_month, full_months_between
from planning.workdays import is_working_day

EMPLOYEE_MONTHS = 1


def employer_months(years_of_service: int) -> int:
    """Art. 7:672 lid 2 BW."""
    if years_of_service < 5:
        return 1
    if years_of_service < 10:
        return 2
    if years_of_service < 15:
        return 3
    return 4


def last_working_day_by(day: date, calendar: WorkCalendar) -> date:
    """The last working day on or before ``day``: a period that ends on a Sunday is served by the Friday before."""
    while not is_working_day(day, calendar):
        day = date.fromordinal(day.toordinal() - 1)
    return day


def warnings(registration: Registration, calendar: WorkCalendar) -> list[NoticeWarning]:
    departure, employee = registration.departure, registration.employee
    notice, last_day, start_date = departure.notice_date, departure.last_working_day, employee.start_date
    extra: dict[str, int]
    if departure.type == DepartureType.RESIGNATION:
        months, code, extra = EMPLOYEE_MONTHS, "notice_nl_employee", {}
    elif departure.type == DepartureType.DISMISSAL and start_date is None:
        months, code, extra = 1, "notice_nl_employer_minimum", {}
    elif departure.type == DepartureType.DISMISSAL and start_date is not None:
        years = full_months_between(start_date, notice) // 12
        months, code, extra = (
            employer_months(years),
            "notice_nl_employer",
            {"months": employer_months(years), "years": years},
        )
    else:
        # A fixed-term contract ends by itself (art. 7:667), retirement and a mutual agreement by what was agreed: no notice.
        return []
    period_end = add_months(notice, months)
    if last_day < last_working_day_by(period_end, calendar):
        return [NoticeWarning.of(code, last_day=last_day, notice_date=notice, period_end=period_end, **extra)]
    month_end = end_of_month(period_end)
    if last_day < last_working_day_by(month_end, calendar):
        return [NoticeWarning.of("notice_nl_end_of_month", last_day=last_day, month_end=month_end)]
    return []
