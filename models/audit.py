"""The audit log: who read or wrote interview content or exported a person's data, and every change an admin makes.

Append-only: triggers in the database (migration 0007) refuse UPDATE and DELETE on ``audit_log``, on
SQLite as on PostgreSQL. An entry names the actor, the action and its subject (an employee number,
an account's address, a template id); its detail is small and never holds free text about a person."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.tables import Base, UtcDateTime, utcnow


class AuditAction(StrEnum):
    INTERVIEW_READ = "interview.read"
    INTERVIEW_WRITTEN = "interview.written"
    INTERVIEW_RECORDED = "interview.recorded"
    INTERVIEWER_MANAGER_CHOSEN = "interview.manager_chosen"
    PERSON_EXPORTED = "person.exported"
    PERSON_ERASED = "person.erased"
    CASE_ANONYMISED = "case.anonymised"
    INTERVIEW_CONTENT_ERASED = "interview.content_erased"
    EVENTS_PURGED = "events.purged"
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_ACTIVATED = "account.activated"
    ACCOUNT_DEACTIVATED = "account.deactivated"
    ACCOUNT_PASSWORD_SET = "account.password_set"
    API_TOKEN_ISSUED = "api_token.issued"
    API_TOKEN_REVOKED = "api_token.revoked"
    CHECKLIST_CREATED = "checklist.created"
    CHECKLIST_REPLACED = "checklist.replaced"
    CHECKLIST_DELETED = "checklist.deleted"
    POLICY_CHANGED = "policy.changed"
    CONTACTS_CHANGED = "contacts.changed"
    MAILBOX_CHANGED = "mailbox.changed"
    TASK_REOPENED = "task.reopened"
    ITEM_REOPENED = "equipment.reopened"
    ACCESS_REVOKED = "access.revoked"
    ACCESS_REVOKE_FAILED = "access.revoke_failed"


class SubjectType(StrEnum):
    PERSON = "person"
    ACCOUNT = "account"
    CHECKLIST = "checklist"
    POLICY = "policy"
    EVENT_LOG = "event_log"


class AuditLogRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(320), index=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(320), index=True)
    detail: Mapped[dict] = mapped_column(JSON)


class AuditEntry(BaseModel):
    """One entry as admins see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str = Field(description="Who: an account's address, `command line (<user>)`, `api client` or `system`.")
    actor_role: str = Field(description="The role they acted in: hr, admin, manager, command_line, api, system.")
    action: str
    subject_type: str
    subject: str = Field(
        description="What it concerned: an employee number, an account's address, a checklist template id."
    )
    detail: dict[str, Any] = Field(default_factory=dict)


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    total: int
    page: int
    per_page: int
