"""The departure as HR registers it: one model behind the CLI, the API, the web form and events."""

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from models.recorded import is_recorded
from models.text import Email, Visible, VisibleLines, same_address

Language = Literal["nl", "en"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Visible]
Identifier = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), VisibleLines]


class DepartureType(StrEnum):
    RESIGNATION = "resignation"
    END_OF_CONTRACT = "end_of_contract"
    DISMISSAL = "dismissal"
    RETIREMENT = "retirement"
    MUTUAL_AGREEMENT = "mutual_agreement"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Person(Strict):
    name: Name
    email: Email
    language: Language = "nl"


class Employee(Strict):
    id: Identifier
    name: Name
    work_email: Email
    private_email: Email | None = None
    language: Language = "nl"
    department: Name
    job_title: Name
    start_date: date | None = None


# Longer than any notice period or planned retirement; a case plans every working day up to its last one.
MAX_DAYS_AFTER_NOTICE = 731
# A departure is registered around the time notice is given: the notice date lies at most this many days
# before or after today. With the last working day at most MAX_DAYS_AFTER_NOTICE later, every date a case
# plans with (due dates, reminders, the interview) stays years away from the ends of the calendar.
NOTICE_WINDOW_DAYS = 731
# The team hears of a departure around the last working day, not long after it.
MAX_DAYS_ANNOUNCEMENT_AFTER_LAST_DAY = 30
# Error types of these two rules, for callers that word the refusal themselves (the pages).
NOTICE_DATE_OUT_OF_RANGE = "notice_date_out_of_range"
ANNOUNCEMENT_TOO_LATE = "announcement_too_late"


class Departure(Strict):
    type: DepartureType
    notice_date: date
    last_working_day: date

    @field_validator("notice_date")
    @classmethod
    def _around_today(cls, value: date, info: ValidationInfo) -> date:
        if is_recorded(info):
            return value
        # A validation context may say which day the registration is made (a test's clock); else it is today.
        today = (info.context or {}).get("today") or date.today()
        if abs((value - today).days) > NOTICE_WINDOW_DAYS:
            raise PydanticCustomError(
                NOTICE_DATE_OUT_OF_RANGE,
                "the notice date ({notice_date}) is more than two years from today ({today}); register a departure around the time notice is given",
                {"notice_date": value.isoformat(), "today": today.isoformat(), "days": NOTICE_WINDOW_DAYS},
            )
        return value

    @field_validator("last_working_day")
    @classmethod
    def _last_day_after_notice(cls, value: date, info: ValidationInfo) -> date:
        notice = info.data.get("notice_date")
        if notice and value < notice:
            raise ValueError(f"the last working day ({value}) is before the notice date ({notice})")
        if notice and (value - notice).days > MAX_DAYS_AFTER_NOTICE:
            raise ValueError(f"the last working day ({value}) is more than two years after the notice date ({notice})")
        return value


class ItemKind(StrEnum):
    LAPTOP = "laptop"
    PHONE = "phone"
    BADGE = "badge"
    KEYS = "keys"
    CAR = "car"
    CARD = "card"
    OTHER = "other"


class EquipmentItem(Strict):
    name: Name
    kind: ItemKind = ItemKind.OTHER
    asset_tag: ShortText = Field("", description="Asset tag or serial number, as the organisation marks the item.")
    custodian_email: Email | None = Field(
        None,
        description="Who receives it back: a person or a shared mailbox (the fleet manager's for a lease car); empty: IT/facilities.",
    )


class ExtraTask(Strict):
    title: Name
    assignee_email: Email | None = None
    due_days_before_last_day: int = Field(5, ge=-30, le=365)


def case_id_of(employee_id: str, notice_date: date) -> str:
    """One departure, one case: the same employee and notice date always map to the same id."""
    return f"offboarding-{employee_id}-{notice_date.isoformat()}"


class Registration(Strict):
    employee: Employee
    departure: Departure
    manager: Person
    successor: Person | None = None
    equipment: list[EquipmentItem] = Field(default_factory=list, max_length=100)
    extra_tasks: list[ExtraTask] = Field(default_factory=list, max_length=200)
    team_announcement_date: date | None = None
    team_email: Email | None = Field(None, description="Team address that receives the team announcement.")
    note: ShortText = ""

    @field_validator("team_announcement_date")
    @classmethod
    def _announced_around_departure(cls, value: date | None, info: ValidationInfo) -> date | None:
        departure = info.data.get("departure")
        if value is None or departure is None or is_recorded(info):
            return value
        latest = departure.last_working_day + timedelta(days=MAX_DAYS_ANNOUNCEMENT_AFTER_LAST_DAY)
        if value > latest:
            raise PydanticCustomError(
                ANNOUNCEMENT_TOO_LATE,
                "the team announcement ({date}) is more than {days} days after the last working day ({last_working_day})",
                {
                    "date": value.isoformat(),
                    "days": MAX_DAYS_ANNOUNCEMENT_AFTER_LAST_DAY,
                    "last_working_day": departure.last_working_day.isoformat(),
                },
            )
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> "Registration":
        if self.employee.start_date and self.employee.start_date > self.departure.last_working_day:
            raise ValueError("employee.start_date must be before departure.last_working_day")
        if self.team_announcement_date and not self.team_email:
            raise ValueError("team_email is needed when a team announcement date is given")
        if self.team_announcement_date and self.team_announcement_date < self.departure.notice_date:
            raise ValueError("team_announcement_date must not be before the notice date")
        # Read back as recorded, a registration is held to the rule it was accepted under.
        manager_is_employee = (
            self.manager.email == self.employee.work_email
            if is_recorded(info)
            else same_address(self.manager.email, self.employee.work_email)
        )
        if manager_is_employee:
            raise ValueError("manager.email must not be the leaving employee's own address")
        return self

    @property
    def case_id(self) -> str:
        """One departure, one case: the same employee and notice date always map to the same id."""
        return case_id_of(self.employee.id, self.departure.notice_date)
