"""The exit interview step: its input, its state, and what employee, HR and interviewer can do."""

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from models.actors import Actor
from models.calendar import WorkCalendar
from models.handover import Comment
from models.organisation import Organisation
from models.questionnaire import ConsentChoice, InterviewRecord
from models.recorded import is_recorded
from models.registration import DepartureType, Language, Person

# An interview is planned around a departure, whose dates lie at most about four years ahead (see
# models.registration): a time further from now than this is no time it can have.
MAX_DAYS_FROM_NOW = 5 * 366


def _within_reach(value: datetime, info: ValidationInfo) -> datetime:
    if not is_recorded(info) and abs(value - datetime.now(UTC)) > timedelta(days=MAX_DAYS_FROM_NOW):
        raise PydanticCustomError(
            "moment_out_of_range", "the time ({moment}) is more than five years from now", {"moment": value.isoformat()}
        )
    return value


# The start of an interview as someone proposes or agrees to it.
Moment = Annotated[AwareDatetime, AfterValidator(_within_reach)]


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


FINISHED = {
    InterviewStatus.HELD,
    InterviewStatus.DECLINED,
    InterviewStatus.SKIPPED,
    InterviewStatus.NO_RESPONSE,
    InterviewStatus.NOT_HELD,
    InterviewStatus.CANCELLED,
}


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
    # The language of the manager's mails; interviews started before it was passed write to them in Dutch.
    manager_language: Language = "nl"
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
    mail_failures: list[str] = Field(
        default_factory=list, description="Mails that could not be delivered, for HR to follow up."
    )
    interviewer_is_manager: bool = Field(False, description="HR chose the direct manager as the fallback.")
    other_interviewer_asked: bool = Field(
        False, description="The employee asked for someone else; answered by HR assigning an interviewer."
    )
    other_interviewer_reason: str = ""
    pending_slot: Slot | None = Field(
        None, description="A time the employee proposed that waits for the interviewer: it clashed with their agenda."
    )
    pending_conflict: str = Field("", description="What it clashed with (see `Availability.conflict`).")
    recordable: bool = Field(
        False,
        description="A record can be added now: from the agreed time on (an interview begun before that rule: while "
        "invited or scheduled).",
    )
    record_from: datetime | None = Field(
        None, description="From when the record can be added: the agreed start. Null while no time is agreed."
    )
    held_on_asked: bool = Field(
        False, description="The record says on which day the interview was held (`held_on` of the record)."
    )
    held_on_required: bool = Field(
        False,
        description="No time is agreed in the product (the interview was arranged elsewhere): the record must give "
        "the day it was held.",
    )


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
    manager_reason: Comment = Field(
        "",
        description="Only when the interviewer is the employee's direct manager, HR's fallback (004): why no one "
        "without a reporting line holds it. Goes on the timeline and the audit log.",
    )


class AnswerProposedTime(BaseModel):
    """The interviewer (or HR) takes the employee's proposed time after all, or asks the employee for another."""

    model_config = ConfigDict(extra="forbid")
    actor: Actor
    accept: bool


class AskOtherInterviewer(BaseModel):
    """The employee would rather talk to someone else than the interviewer assigned (or the one HR would pick)."""

    model_config = ConfigDict(extra="forbid")
    actor: Actor
    reason: Comment = ""


class AcceptSlot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    start: Moment


class ProposeSlot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    start: Moment
    online: bool = False


class DeclineInterview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    reason: Comment = ""


class ScheduleInterview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    start: Moment
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
    held_on: date | None = Field(
        None,
        description="The day it was held, in the organisation's time zone, when not the agreed day: not in the future, "
        "not before the invitation. Absent: the agreed day. Required when no time is agreed in the product "
        "(`held_on_required`).",
    )


class LastDayChanged(BaseModel):
    last_working_day: date
