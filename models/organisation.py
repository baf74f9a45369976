"""The organisation a case belongs to: who is told, in which language, where holidays count, and its policy."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.policy import Policy
from models.registration import Language
from models.text import Email

Country = Literal["NL", "BE"]


class Contact(BaseModel):
    email: Email
    language: Language = "nl"


class Contacts(BaseModel):
    """Who every case tells at once: HR and IT/facilities, each with the language of their mails."""

    model_config = ConfigDict(extra="forbid")

    hr: Contact
    facilities: Contact


class Organisation(BaseModel):
    name: str
    country: Country = "NL"
    hr: Contact
    facilities: Contact
    public_url: str
    policy: Policy = Field(default_factory=Policy)
