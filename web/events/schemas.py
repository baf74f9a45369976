"""What the events API answers."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from models.events import EventStatus


class EarlierOutcome(BaseModel):
    delivery: int
    status: EventStatus
    detail: str
    case_id: str | None
    received_at: datetime


class EventAnswer(BaseModel):
    status: EventStatus = Field(
        description="accepted: acted on; duplicate: seen before, nothing changed; rejected: not acted on (see detail)."
    )
    detail: str = Field(description="What was done, or why not.")
    delivery: int | None = Field(description="Number under which this delivery is kept (see GET /api/events).")
    event_id: str | None = None
    source: str | None = None
    type: str | None = None
    subject: str | None = None
    case_id: str | None = None
    status_url: str | None = Field(None, description="Where the case can be followed.")
    errors: list[dict[str, Any]] = Field(
        default_factory=list,
        description="For an invalid event: each problem with its location (`data.departure.last_working_day`).",
    )
    earlier: EarlierOutcome | None = Field(
        None, description="For a duplicate: the outcome of the delivery that was accepted."
    )
