"""The notice-period check at registration, by the organisation's country (``planning.notice_nl``,
``planning.notice_be``): warnings for HR, never a refusal."""

from types import MappingProxyType

from models.notice import NoticeWarning
from models.registration import Registration
from planning import notice_be, notice_nl
from planning.workdays import calendar_for

CHECKS = MappingProxyType({"NL": notice_nl.warnings, "BE": notice_be.warnings})


def check(registration: Registration, country: str) -> list[NoticeWarning]:
    departure = registration.departure
    calendar = calendar_for(country, range(departure.notice_date.year, departure.last_working_day.year + 2))
    return CHECKS[country](registration, calendar)
