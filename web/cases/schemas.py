"""What the cases API answers. Requests are the shared ``Registration`` model itself."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.case import CaseView
from models.notice import NoticeWarning


class CaseCreated(BaseModel):
    case_id: str
    status_url: str
    warnings: list[NoticeWarning] = Field(
        default_factory=list,
        description="Things HR should check, never a refusal: a last working day earlier than the statutory notice period allows (Netherlands: art. 7:672 BW; Belgium: a resignation, art. 37/2 § 2 Arbeidsovereenkomstenwet).",
    )


class CaseConflict(BaseModel):
    detail: str
    case_id: str
    status_url: str


class Problem(BaseModel):
    detail: str


# A route's ``responses``: per status code, what FastAPI writes into the OpenAPI document.
Responses = dict[int | str, dict[str, Any]]


class CaseRecord(BaseModel):
    """The case as stored in the database when the workflow opened it."""

    model_config = ConfigDict(from_attributes=True)

    case_id: str = Field(validation_alias="id")
    employee_id: str
    employee_name: str
    work_email: str
    private_email: str | None
    language: str
    department: str
    job_title: str
    manager_name: str
    manager_email: str
    departure_type: str
    notice_date: date
    last_working_day: date
    status: str
    registration: dict[str, Any] = Field(description="The registration as it was submitted.")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    interview_status: str | None = None
    summary: dict[str, Any] | None = Field(None, description="What was still open when the case closed.")


class RefusedMail(BaseModel):
    """A mail the mail server refused for good: it never arrived, and is not tried again."""

    model_config = ConfigDict(from_attributes=True)

    recipient: str
    purpose: str = Field(description="Why the mail went out, e.g. `announcement` or `task_assigned:t3`.")
    subject: str
    reply: str = Field(
        validation_alias="error", description="What the mail server answered, e.g. `550 5.1.1 ... User unknown`."
    )
    at: datetime = Field(validation_alias="created_at")


class AccessEvidence(BaseModel):
    """How the person's access was ended, as the activity that did it recorded it (``access_revocations``)."""

    model_config = ConfigDict(from_attributes=True)

    method: str = Field(
        description="`scim`: at the identity provider; `event`: told by the `access.revoke` webhook and a task for IT/facilities."
    )
    outcome: str = Field(
        description="`deactivated`, `already_inactive`, `published`; or `not_found`, `ambiguous`, `refused`, `failed` (escalated)."
    )
    immediate: bool
    requested_by: str | None
    account_id: str | None = Field(description="The account's id at the identity provider.")
    response_status: int | None = Field(description="The HTTP status of the identity provider's last answer.")
    answer: str = Field(description="The requests and answers, in short.")
    attempts: int
    done_at: datetime | None


class CaseDetail(BaseModel):
    case_id: str
    status: str
    employee_id: str
    employee_name: str
    department: str
    departure_type: str
    last_working_day: date
    record: CaseRecord | None = Field(description="Null until the worker has stored the case.")
    live: CaseView | None = Field(
        description="What the workflow reports: steps, tasks, equipment, timeline. Null when it cannot be asked right now or no longer exists."
    )
    refused_mails: list[RefusedMail] = Field(
        default_factory=list,
        description="Mail the mail server refused for good (say, an unknown address): correct the address so the person is reached.",
    )
    access_evidence: AccessEvidence | None = Field(None, description="How the person's access was ended, once it was.")


class Progress(BaseModel):
    """How far a case is, from its read model: tasks and equipment done of all, and the interview's state."""

    tasks_done: int
    tasks_total: int
    items_returned: int
    items_total: int
    interview_status: str | None = Field(
        None, description="`invited`, `scheduled`, `held`, `declined`, ... Null before the interview began."
    )
    next_due_date: date | None = Field(None, description="The earliest due date of a task still open.")
    overdue: bool = Field(description="An open task's due date has passed.")


class CaseSummary(BaseModel):
    case_id: str
    employee_id: str
    employee_name: str
    department: str
    departure_type: str
    last_working_day: date
    status: str
    status_url: str
    progress: Progress


class ActionAccepted(BaseModel):
    """The case took the action and carries it out on its own; follow it at ``status_url``."""

    detail: str
    case_id: str
    status_url: str
