"""The exit interview step: its input, its state, and what employee, HR and interviewer can do."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from models.actors import Actor
from models.calendar import WorkCalendar
from models.handover import Comment
from models.organisation import Organisation
from models.questionnaire import ConsentChoice, InterviewRecord
from models.registration import DepartureType, Language, Person


class InterviewStatus(StrEnum):
    AWAITING_HR = "awaiting_hr"
    INVITED = "invited"
    SCHEDULED = "scheduled"
    HELD = "held"
    DECLINED = "declined"
    SKIPPED = "skipped"
    NO_RESPONSE = "no_response"
    NOT_HELD = "not_held"
    CANCELLED = "cancelled"


FINISHED = {InterviewStatus.HELD, InterviewStatus.DECLINED, InterviewStatus.SKIPPED, InterviewStatus.NO_RESPONSE, InterviewStatus.NOT_HELD, InterviewStatus.CANCELLED}


class Slot(BaseModel):
    start: datetime
    end: datetime
    online: bool = False


# What the case hands its interview keeps the addresses as the case was given them (see models.handover.Task).
class Interviewee(BaseModel):
    name: str
    work_email: EmailStr
    private_email: EmailStr | None = None
    language: Language


class InterviewInput(BaseModel):
    case_id: str
    employee: Interviewee
    manager_email: EmailStr
    departure_type: DepartureType
    last_working_day: date
    organisation: Organisation
    calendar: WorkCalendar
    interviewer: Person | None = None
    mail_context: dict[str, Any] = Field(default_factory=dict)


class InterviewOutcome(BaseModel):
    status: InterviewStatus
    record_id: int | None = None


class InterviewView(BaseModel):
    status: InterviewStatus
    interviewer: Person | None
    proposed_slots: list[Slot]
    scheduled: Slot | None
    short_notice: bool
    invitations_sent: int
    reminders_sent: int
    reason: str = Field("", description="Why it was declined or skipped.")
    consent_given: bool = False
    mail_failures: list[str] = Field(default_factory=list, description="Mails that could not be delivered, for HR to follow up.")


class ConfirmInterview(BaseModel):
    """After a dismissal or non-renewal HR decides whether a useful conversation is still possible."""

    model_config = ConfigDict(extra="forbid")
    actor: Actor
    proceed: bool
    reason: Comment = ""


class AssignInterviewer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    interviewer: Person


class AcceptSlot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    start: AwareDatetime


class ProposeSlot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    start: AwareDatetime
    online: bool = False


class DeclineInterview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    reason: Comment = ""


class ScheduleInterview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    start: AwareDatetime
    online: bool = False


class ResendInvitation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor


class SubmitInterview(BaseModel):
    """The interviewer's record, closed by the employee's consent."""

    model_config = ConfigDict(extra="forbid")
    actor: Actor
    record: InterviewRecord
    consent: ConsentChoice


class LastDayChanged(BaseModel):
    last_working_day: date
