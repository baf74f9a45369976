"""Requests to send mail: one mail for one purpose to one recipient, or a batch of them."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, EmailStr, Field

from models.registration import Language


class CalendarInvite(BaseModel):
    """An iCalendar event sent with the mail; the same uid with a higher sequence updates it."""

    uid: str
    sequence: int = 0
    method: Literal["REQUEST", "CANCEL"] = "REQUEST"
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    organizer_email: EmailStr
    attendee_email: EmailStr


class ActionLink(BaseModel):
    """A signed link the recipient follows to act (accept, propose, decline); its URL lands in ``action_url``."""

    purpose: Literal["interview", "consent"]
    path: str = Field(pattern=r"^/[a-z/-]+$")


class MailRequest(BaseModel):
    case_id: str
    purpose: str = Field(description="Why this mail goes out, e.g. 'announcement'; with the recipient it is the idempotency key.")
    template: str
    to: EmailStr
    language: Language
    context: dict[str, Any] = Field(default_factory=dict)
    calendar: CalendarInvite | None = None
    link: ActionLink | None = None


class MailBatch(BaseModel):
    """Mails of one case that go out at the same moment, sent by one activity over one connection."""

    requests: list[MailRequest] = Field(min_length=1)


class MailReceipt(BaseModel):
    message_id: str
    already_sent: bool
    refused: str | None = Field(None, description="The mail server's reply when it refused the recipient for good; nothing was delivered.")
