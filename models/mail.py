"""A request to send one mail for one purpose to one recipient."""

from typing import Any

from pydantic import BaseModel, EmailStr, Field

from models.registration import Language


class MailRequest(BaseModel):
    case_id: str
    purpose: str = Field(description="Why this mail goes out, e.g. 'announcement'; with the recipient it is the idempotency key.")
    template: str
    to: EmailStr
    language: Language
    context: dict[str, Any] = Field(default_factory=dict)


class MailReceipt(BaseModel):
    message_id: str
    already_sent: bool
