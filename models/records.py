"""Inputs and outputs of the activities that read and write case records."""

from datetime import date, datetime

from pydantic import BaseModel, EmailStr, Field

from models.access import AccessMethod
from models.actors import Actor
from models.calendar import WorkCalendar
from models.case import CaseStatus
from models.handover import ChecklistItem
from models.interview import InterviewStatus
from models.organisation import Organisation
from models.questionnaire import ConsentChoice, InterviewRecord
from models.registration import Registration


class StoreCaseInput(BaseModel):
    case_id: str
    registration: Registration


class PlanCaseInput(BaseModel):
    department: str
    job_title: str
    last_working_day: date


class CasePlan(BaseModel):
    organisation: Organisation
    checklist: list[ChecklistItem]
    calendar: WorkCalendar


class OpenCaseInput(BaseModel):
    case_id: str
    registration: Registration


class CaseOpening(BaseModel):
    """What a case needs to begin, in one activity: its plan, the URLs to tell of it and how access ends."""

    plan: CasePlan
    webhook_urls: list[str]
    access_method: AccessMethod


class MoveLastDayRecord(BaseModel):
    case_id: str
    last_working_day: date


class CaseSummary(BaseModel):
    status: CaseStatus
    open_tasks: list[str]
    missing_equipment: list[str]
    settlement: list[str] = []
    interview_status: InterviewStatus | None
    reason: str = ""


class CloseCaseInput(BaseModel):
    case_id: str
    summary: CaseSummary


class RecordWithdrawalInput(BaseModel):
    """A withdrawal the case's own workflow could not record; the registration stores the case if it never got that far."""

    case_id: str
    registration: Registration
    reason: str = ""


class LoadOrganisationInput(BaseModel):
    case_id: str


class InterviewStatusInput(BaseModel):
    case_id: str
    status: InterviewStatus


class StoreInterviewInput(BaseModel):
    case_id: str
    interviewer_email: EmailStr
    record: InterviewRecord
    consent: ConsentChoice
    held_at: datetime
    recorded_by: Actor | None = Field(
        None, description="Who submitted the record (for the audit log); absent: the interviewer."
    )
    consent_given_at: datetime | None = Field(
        None, description="When the employee gave the consent, where not at ``held_at``."
    )


class ManagerChosenInput(BaseModel):
    """HR chose the employee's direct manager to hold the interview, as the fallback 004 allows: for the audit log."""

    case_id: str
    manager_email: EmailStr
    reason: str
    chosen_by: Actor


class AvailabilityInput(BaseModel):
    """A time the employee proposed, to check against the interviewer's other interviews and calendar."""

    case_id: str
    interviewer_email: EmailStr
    start: datetime
    end: datetime


class Availability(BaseModel):
    fits: bool
    conflict: str = Field(
        "",
        description="Why not: `other_interview`, `calendar_busy`, or `calendar_unreachable` (nothing could be read).",
    )
