"""What the case and interview workflows write into the database at every change of state, for the lists.

Temporal queries answer for one running case; a list of thousands would ask thousands of workflows. So each
workflow publishes its state, numbered: ``version`` rises with every publication, and a write that arrives
after a newer one (a retry, a late attempt) leaves the newer state in place. Timeline events are numbered by
their place in the workflow's timeline and only ever added."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from models.case import Step, StepState
from models.handover import EquipmentLoan, Task
from models.interview import InterviewStatus


class PublishedEvent(BaseModel):
    seq: int = Field(description="Place in the workflow's own timeline, from 0.")
    at: datetime
    event: str
    detail: str = ""
    by: str = ""
    by_role: str = ""


class CaseSnapshot(BaseModel):
    case_id: str
    version: int
    last_working_day: date
    steps: dict[Step, StepState]
    tasks: list[Task]
    equipment: list[EquipmentLoan]
    events: list[PublishedEvent] = Field(default_factory=list, description="Timeline events not yet published.")


class InterviewSnapshot(BaseModel):
    case_id: str
    version: int
    status: InterviewStatus
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    online: bool = False
    interviewer_email: str | None = None
    interviewer_name: str | None = None
    events: list[PublishedEvent] = Field(default_factory=list)
