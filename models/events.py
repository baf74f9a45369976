"""Events in and out: what the HR system sends to ``POST /api/events``, what is kept of it, and the
webhooks the cases send to other systems.

Inbound events are CloudEvents 1.0, in the HTTP binding's structured or binary mode. Every event that passes the signature
check is kept in ``inbound_events``, accepted or not, so that HR can see what the feed sent and why
something was refused. Outgoing webhooks are kept per event and URL in ``webhook_deliveries``: the
guard that keeps a retried delivery from going out twice."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.case import CaseStatus, Step, StepState
from models.media_types import is_json, media_type
from models.registration import Identifier
from models.tables import Base, UtcDateTime, utcnow
from models.text import VisibleLines

# Event types the HR system may send.
EMPLOYEE_RESIGNED = "employee.resigned"
EMPLOYEE_LAST_DAY_CHANGED = "employee.last_day_changed"
EMPLOYEE_RESIGNATION_WITHDRAWN = "employee.resignation_withdrawn"
INBOUND_TYPES = (EMPLOYEE_RESIGNED, EMPLOYEE_LAST_DAY_CHANGED, EMPLOYEE_RESIGNATION_WITHDRAWN)

# Event types the cases send out.
CASE_OPENED = "case.opened"
CASE_STEP_DONE = "case.step_done"
CASE_CLOSED = "case.closed"
# Where no SCIM endpoint is configured: the moment the person's access is to end, for the systems that end it.
ACCESS_REVOKE = "access.revoke"

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), VisibleLines]


class EventStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class CloudEvent(BaseModel):
    """The envelope of a CloudEvents 1.0 event in structured mode. Extension attributes are allowed and kept."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"]
    id: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    source: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    type: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    time: AwareDatetime | None = None
    subject: str | None = Field(
        None, description="The employee number the event is about; may stand in for the one in `data`."
    )
    datacontenttype: str | None = Field(
        None,
        description="Only JSON data is understood: `application/json` or a `+json` type, parameters allowed (`; charset=utf-8`); absent means JSON.",
    )
    dataschema: str | None = None
    data: Any = None

    @field_validator("datacontenttype")
    @classmethod
    def _json_data(cls, value: str | None) -> str | None:
        if value is None:
            return value
        kind, params = media_type(value)
        if not is_json(value):
            raise ValueError(f"only JSON data is understood (application/json), not {kind or 'empty'}")
        if params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
            raise ValueError(f"JSON is UTF-8 (RFC 8259), not {params['charset']}")
        return value


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    employee_id: Identifier
    notice_date: date = Field(
        description="With the employee id, identifies the case: the notice date the departure was registered with."
    )


class LastDayChangedData(EventData):
    last_working_day: date
    reason: Reason = ""

    @field_validator("last_working_day")
    @classmethod
    def _after_notice(cls, value: date, info: ValidationInfo) -> date:
        notice = info.data.get("notice_date")
        if notice and value < notice:
            raise ValueError(f"the last working day ({value}) is before the notice date ({notice})")
        return value


class ResignationWithdrawnData(EventData):
    reason: Reason = ""


class InboundEvent(Base):
    """One event as received: one row per delivery, duplicates included."""

    __tablename__ = "inbound_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str | None] = mapped_column(String(255), index=True)
    source: Mapped[str | None] = mapped_column(String(500))
    type: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(255))
    # The event's own `time` attribute: when it happened at the sender.
    event_time: Mapped[datetime | None] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[str | None] = mapped_column(String(120), index=True)
    payload: Mapped[Any] = mapped_column(JSON)
    # Set on accepted events only (a hash of source and id): a second accepted row for one event cannot exist.
    accepted_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("inbound_events.id", ondelete="SET NULL"))


class InboundEventView(BaseModel):
    """A received event as HR sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Number of this delivery.")
    event_id: str | None = Field(description="The CloudEvents id; empty when the body was not a readable event.")
    source: str | None
    type: str | None
    subject: str | None = Field(None, description="The CloudEvents subject (the employee number) as sent.")
    event_time: datetime | None = Field(
        None, description="The CloudEvents time as sent: when it happened at the sender."
    )
    received_at: datetime
    status: EventStatus
    reason: str = Field(description="Why it was rejected, or what was done.")
    case_id: str | None
    payload: Any = Field(description="The event as received (or its first part, when it was not JSON).")
    duplicate_of: int | None = Field(description="For a duplicate: the delivery that was accepted first.")


class WebhookEvent(BaseModel):
    """One case event for the webhooks, built in the workflow (so its id and time replay the same)."""

    id: str
    type: str
    time: datetime
    case_id: str
    data: dict[str, Any]


class WebhookRequest(BaseModel):
    url: str
    event: WebhookEvent


class WebhookReceipt(BaseModel):
    status_code: int | None = Field(description="The receiver's answer; None when it was delivered before.")
    already_delivered: bool = False


class CaseFacts(BaseModel):
    """What a webhook tells about a case: no names, no interview content."""

    case_id: str
    employee_id: str
    department: str
    departure_type: str
    last_working_day: date
    status: CaseStatus
    steps: dict[Step, StepState]


class WebhookDelivery(Base):
    """One webhook event to one URL: delivered once, however often the activity is retried."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(1000))
    event_type: Mapped[str] = mapped_column(String(64))
    # No foreign key: `case.opened` may go out before the case's row is stored.
    case_id: Mapped[str] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
