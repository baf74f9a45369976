"""Task handover and equipment return: checklist templates, tasks, items and the updates that change them."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from models.actors import Actor
from models.organisation import Country
from models.registration import ItemKind
from models.text import Email, Visible, VisibleLines

# A task handed out during a departure falls due around it: at most this many days after the last working day.
MAX_DAYS_DUE_AFTER_LAST_DAY = 366

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Visible]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), VisibleLines]


class AssigneeRole(StrEnum):
    """Who a checklist item falls to; resolved to an address when the case starts."""

    MANAGER = "manager"
    SUCCESSOR = "successor"
    HR = "hr"
    FACILITIES = "facilities"
    EMPLOYEE = "employee"


class ChecklistItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    title_en: Title | None = Field(
        None, description="The title in English, for assignees who read English; empty: the title as it is."
    )
    assignee: AssigneeRole
    due_working_days_before: int = Field(
        ge=-30, le=120, description="Working days before the last working day; negative: after it."
    )

    def title_for(self, language: str) -> str:
        """The task's title in the assignee's language."""
        return self.title_en if language == "en" and self.title_en else self.title


class ChecklistTemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Title
    department: Title | None = Field(None, description="Applies to this department only; empty: every department.")
    job_title: Title | None = Field(None, description="Applies to this role only; empty: every role.")
    country: Country | None = Field(
        None, description="Applies only where the organisation is in this country (`NL`, `BE`); empty: everywhere."
    )
    items: list[ChecklistItem] = Field(min_length=1, max_length=100)


class ChecklistTemplate(ChecklistTemplateIn):
    id: int


class TaskState(StrEnum):
    OPEN = "open"
    DONE = "done"


class Task(BaseModel):
    """A task as the case keeps it. Its address is kept as the case was given it: lower case since addresses are
    normalised where they come in, as typed in cases registered before (compare with ``models.text.same_address``)."""

    id: str
    title: str
    assignee_email: EmailStr
    due_working_days_before: int | None = None
    due_date: date
    state: TaskState = TaskState.OPEN
    source: str = "checklist"
    completed_by: str | None = None
    completed_at: datetime | None = None
    comments: list[str] = Field(default_factory=list)
    escalated: bool = False
    owner_mailbox: str | None = Field(
        None, description="The shared mailbox that owns the task (`hr`, `facilities`, ...); None: a person's own."
    )


class EquipmentState(StrEnum):
    OUT = "out"
    RETURNED = "returned"
    RETURNED_DAMAGED = "returned_damaged"
    LOST = "lost"
    KEPT = "kept"  # kept by agreement: bought, donated


# What a custodian may record for an item that is out.
RETURN_OUTCOMES = (EquipmentState.RETURNED, EquipmentState.RETURNED_DAMAGED, EquipmentState.LOST, EquipmentState.KEPT)


class EquipmentLoan(BaseModel):
    id: str
    name: str
    custodian_email: EmailStr  # as the case was given it, see Task
    state: EquipmentState = EquipmentState.OUT
    returned_at: datetime | None = None
    confirmed_by: str | None = None
    note: str = ""
    escalated: bool = False
    custodian_mailbox: str | None = Field(
        None, description="The shared mailbox that receives the item; None: a person."
    )
    kind: ItemKind = ItemKind.OTHER
    asset_tag: str = ""
    settlement: bool = Field(
        False, description="Flagged by HR for the final settlement (its value set off against the last pay)."
    )
    settlement_note: str = ""


class CompleteTask(BaseModel):
    task_id: str
    actor: Actor
    comment: Comment = ""


class ReassignTask(BaseModel):
    task_id: str
    actor: Actor
    assignee_email: Email
    comment: Comment = ""


class AddTask(BaseModel):
    actor: Actor
    title: Title
    assignee_email: Email
    due_date: date | None = None
    due_working_days_before: int | None = Field(None, ge=-30, le=120)
    comment: Comment = ""

    @model_validator(mode="after")
    def _one_due(self) -> "AddTask":
        if (self.due_date is None) == (self.due_working_days_before is None):
            raise ValueError("give exactly one of due_date or due_working_days_before")
        return self


class ConfirmReturn(BaseModel):
    """The custodian records how an item that was out came back: returned, returned damaged, lost, or kept by
    agreement (bought, donated); the note says what HR should know ("charger missing")."""

    item_id: str
    actor: Actor
    note: Comment = ""
    outcome: EquipmentState = EquipmentState.RETURNED

    @model_validator(mode="after")
    def _an_outcome(self) -> "ConfirmReturn":
        if self.outcome not in RETURN_OUTCOMES:
            raise ValueError("outcome: choose returned, returned_damaged, lost or kept")
        return self


class FlagForSettlement(BaseModel):
    """HR marks an item for the final settlement (or takes the mark off): what is not back is settled in the last pay."""

    item_id: str
    actor: Actor
    flagged: bool = True
    note: Comment = ""


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ReopenTask(BaseModel):
    """A task ticked off too soon is open again; the reason goes on the case's timeline."""

    task_id: str
    actor: Actor
    reason: Reason


class ReopenReturn(BaseModel):
    """An item recorded as returned that is not back after all."""

    item_id: str
    actor: Actor
    reason: Reason


class MoveLastDay(BaseModel):
    actor: Actor
    last_working_day: date
    reason: Comment = ""


class Withdraw(BaseModel):
    actor: Actor
    reason: Comment = ""
