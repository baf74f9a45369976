"""The departure as HR registers it: one model behind the CLI, the API, the web form and events."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

Language = Literal["nl", "en"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Identifier = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


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
    email: EmailStr
    language: Language = "nl"


class Employee(Strict):
    id: Identifier
    name: Name
    work_email: EmailStr
    private_email: EmailStr | None = None
    language: Language = "nl"
    department: Name
    job_title: Name
    start_date: date | None = None


# Longer than any notice period or planned retirement; a case plans every working day up to its last one.
MAX_DAYS_AFTER_NOTICE = 731


class Departure(Strict):
    type: DepartureType
    notice_date: date
    last_working_day: date

    @field_validator("last_working_day")
    @classmethod
    def _last_day_after_notice(cls, value: date, info: ValidationInfo) -> date:
        notice = info.data.get("notice_date")
        if notice and value < notice:
            raise ValueError(f"the last working day ({value}) is before the notice date ({notice})")
        if notice and (value - notice).days > MAX_DAYS_AFTER_NOTICE:
            raise ValueError(f"the last working day ({value}) is more than two years after the notice date ({notice})")
        return value


class EquipmentItem(Strict):
    name: Name
    custodian_email: EmailStr | None = None


class ExtraTask(Strict):
    title: Name
    assignee_email: EmailStr | None = None
    due_days_before_last_day: int = Field(5, ge=-30, le=365)


class Registration(Strict):
    employee: Employee
    departure: Departure
    manager: Person
    successor: Person | None = None
    equipment: list[EquipmentItem] = Field(default_factory=list, max_length=100)
    extra_tasks: list[ExtraTask] = Field(default_factory=list, max_length=200)
    team_announcement_date: date | None = None
    team_email: EmailStr | None = Field(None, description="Team address that receives the team announcement.")
    note: ShortText = ""

    @model_validator(mode="after")
    def _consistent(self) -> "Registration":
        if self.employee.start_date and self.employee.start_date > self.departure.last_working_day:
            raise ValueError("employee.start_date must be before departure.last_working_day")
        if self.team_announcement_date and not self.team_email:
            raise ValueError("team_email is needed when a team announcement date is given")
        if self.team_announcement_date and self.team_announcement_date < self.departure.notice_date:
            raise ValueError("team_announcement_date must not be before the notice date")
        if self.manager.email == self.employee.work_email:
            raise ValueError("manager.email must not be the leaving employee's own address")
        return self

    @property
    def case_id(self) -> str:
        """One departure, one case: the same employee and notice date always map to the same id."""
        return f"offboarding-{self.employee.id}-{self.departure.notice_date.isoformat()}"
