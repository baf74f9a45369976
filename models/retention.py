"""Inputs and outputs of retention and erasure (workflows/retention.py, activities/retention.py)."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class ErasureReason(StrEnum):
    RETENTION = "retention"
    REQUEST = "request"


class DueKind(StrEnum):
    IDENTIFIERS = "identifiers"
    INTERVIEW_CONTENT = "interview_content"


class RequestedBy(BaseModel):
    """Who asked, for the audit log: an address or description and the roles they held."""

    who: str
    roles: list[str] = Field(default_factory=list)


class RetentionInput(BaseModel):
    requested_by: str = "schedule"


class RetentionPlanInput(BaseModel):
    as_of: datetime


class RetentionPlan(BaseModel):
    """The moments before which closing makes data due, from the organisation's policy at ``as_of``."""

    interview_content_before: datetime
    identifiers_before: datetime
    events_before: datetime


class FindDueInput(BaseModel):
    kind: DueKind
    before: datetime
    after: str = Field("", description="Keyset: only case ids sorting after this one.")
    limit: int = Field(100, ge=1, le=1000)


class AnonymiseInput(BaseModel):
    case_ids: list[str]
    reason: ErasureReason
    requested_by: RequestedBy
    person: str | None = Field(
        None, description="For an erasure request: the employee number, whose events go as well."
    )
    request_id: str = Field(
        "", description="For an erasure request: its id, so a retried activity logs the request once."
    )


class AnonymiseResult(BaseModel):
    anonymised: list[str] = Field(default_factory=list, description="Case ids that were anonymised now.")
    skipped: list[str] = Field(default_factory=list, description="Cases left alone because their workflow still runs.")
    events_deleted: int = 0
    executions_deleted: int = 0


class EraseContentInput(BaseModel):
    case_ids: list[str]


class PurgeEventsInput(BaseModel):
    before: datetime


class RetentionOutcome(BaseModel):
    cases_anonymised: int = 0
    interviews_erased: int = 0
    events_deleted: int = 0
    skipped: list[str] = Field(default_factory=list)


class ErasureInput(BaseModel):
    employee_id: str
    requested_by: RequestedBy


class PersonInput(BaseModel):
    employee_id: str


class ErasureOutcome(BaseModel):
    employee_id: str
    cases_anonymised: int
    events_deleted: int
    executions_deleted: int
