"""Access at the end of employment: the person's account in the identity provider is deactivated (SCIM 2.0), or,
without a SCIM endpoint, other systems are told (``access.revoke``) and IT/facilities gets a task.

The evidence of each revocation is kept in ``access_revocations``, one row per case: when, which account,
and what the identity provider answered."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, EmailStr, Field
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from i18n.catalogue import LANGUAGES, N_, translations
from models.actors import Actor
from models.handover import Comment
from models.tables import Base, UtcDateTime, utcnow


class AccessMethod(StrEnum):
    SCIM = "scim"  # the identity provider's SCIM endpoint: PATCH active=false
    EVENT = "event"  # no SCIM endpoint: the signed `access.revoke` webhook and a task for IT/facilities


class AccessState(StrEnum):
    SCHEDULED = "scheduled"  # waits for the end of the last working day (or HR's word)
    DEACTIVATED = "deactivated"  # the identity provider confirmed it; also when the account was inactive already
    PUBLISHED = "published"  # no SCIM: the event went out and IT/facilities holds the task
    ESCALATED = "escalated"  # not found, ambiguous, refused or still failing after the retries: HR and IT were told
    CANCELLED = "cancelled"  # the departure was withdrawn before the moment came


class ScimOutcome(StrEnum):
    DEACTIVATED = "deactivated"
    ALREADY_INACTIVE = "already_inactive"
    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"
    REFUSED = "refused"  # 401/403: the identity provider does not accept our token
    FAILED = "failed"  # no usable answer after every attempt
    PUBLISHED = "published"  # no SCIM endpoint configured: nothing was asked of an identity provider


class AccessView(BaseModel):
    """The access step as the case shows it."""

    method: AccessMethod
    state: AccessState = AccessState.SCHEDULED
    due_at: datetime | None = Field(
        None, description="When access ends: the end of the last working day in the organisation's time zone."
    )
    immediate: bool = Field(False, description="HR ended access at once instead of at the end of the last working day.")
    requested_by: str | None = None
    reason: str = ""
    done_at: datetime | None = None
    account_id: str | None = Field(None, description="The account's id at the identity provider.")
    outcome: ScimOutcome | None = None
    answer: str = Field("", description="A summary of the identity provider's answer (HTTP status and message).")
    task_id: str | None = Field(None, description="IT/facilities' task on the case, where there is no SCIM endpoint.")


ACCESS_TASK_TITLE = N_(
    "End %(name)s's access at the end of the last working day (switch accounts off, do not delete them)"
)
# The task IT/facilities gets where there is no SCIM endpoint, in the language of their mails. Read from the
# catalogue once, when the module is imported outside the workflow sandbox: the case workflow then words the title
# without reading a file, from IT/facilities' language and the name alone (``title % {"name": ...}``).
ACCESS_TASK_TITLES = {language: translations(language).gettext(ACCESS_TASK_TITLE) for language in LANGUAGES}


class AccessMethodInput(BaseModel):
    case_id: str


class RevokeAccess(BaseModel):
    """End one person's access: at the end of their last working day, or at once on HR's word."""

    case_id: str
    method: AccessMethod = Field(description="As asked when the case started: a case keeps the way it started with.")
    employee_id: str
    work_email: EmailStr
    immediate: bool = False
    requested_by: str | None = None


class AccessReceipt(BaseModel):
    outcome: ScimOutcome
    method: AccessMethod
    at: datetime
    account_id: str | None = None
    status_code: int | None = None
    answer: str = ""


class RevokeAccessNow(BaseModel):
    """HR ends the person's access at once (a dismissal with immediate effect)."""

    actor: Actor
    reason: Comment = ""


class AccessRevocation(Base):
    """The evidence of one case's revocation, written by the activity that did it, each attempt."""

    __tablename__ = "access_revocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32))
    immediate: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by: Mapped[str | None] = mapped_column(String(320))
    account_id: Mapped[str | None] = mapped_column(String(255))
    response_status: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
