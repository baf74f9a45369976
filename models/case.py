"""What the case workflow takes, keeps and shows: its input, its steps and the view a query returns."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from models.access import AccessView
from models.handover import EquipmentLoan, Task, Withdraw
from models.interview import InterviewView
from models.mail import CalendarInvite
from models.registration import Registration


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Step(StrEnum):
    ANNOUNCEMENT = "announcement"
    HANDOVER = "handover"
    EQUIPMENT = "equipment"
    EXIT_INTERVIEW = "exit_interview"
    CLOSING = "closing"


class StepState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    ESCALATED = "escalated"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class TimelineEntry(BaseModel):
    at: datetime
    event: str
    detail: str = ""
    by: str = Field("", description="Who acted, where a person did.")
    by_role: str = ""


class OffboardingInput(BaseModel):
    registration: Registration


class WithdrawnCaseInput(BaseModel):
    """A withdrawal carried out for a case whose own workflow could not (cases/withdrawal.py)."""

    case_id: str
    registration: Registration
    withdrawal: Withdraw
    interview_calendar: CalendarInvite | None = Field(
        None, description="The agreed interview's calendar event as last mailed, to cancel."
    )


class CaseView(BaseModel):
    case_id: str
    status: CaseStatus
    employee_id: str
    employee_name: str
    department: str
    departure_type: str
    last_working_day: date
    steps: dict[Step, StepState]
    tasks: list[Task] = Field(default_factory=list)
    equipment: list[EquipmentLoan] = Field(default_factory=list)
    interview_status: str | None = None
    next_deadline: datetime | None = None
    interview: InterviewView | None = Field(
        None, description="Filled by the service from the interview's own workflow."
    )
    timeline: list[TimelineEntry] = Field(default_factory=list)
    access: AccessView | None = Field(
        None, description="When and how the person's access ends, and the identity provider's answer."
    )


class CaseOutcome(BaseModel):
    case_id: str
    status: CaseStatus
    steps: dict[Step, StepState]
