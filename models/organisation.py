"""The organisation a case belongs to: who is told, in which language, where holidays count, and its policy."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from models.policy import Policy
from models.registration import Language
from models.text import Email, Visible

Country = Literal["NL", "BE"]


class Contact(BaseModel):
    email: Email
    language: Language = "nl"


class Contacts(BaseModel):
    """Who every case tells at once: HR and IT/facilities, each with the language of their mails."""

    model_config = ConfigDict(extra="forbid")

    hr: Contact
    facilities: Contact


# The two shared mailboxes every organisation has; more may be defined (fleet, payroll, ...).
HR_MAILBOX = "hr"
FACILITIES_MAILBOX = "facilities"


class RoleMailbox(BaseModel):
    """A shared mailbox that owns tasks or receives equipment: everyone who works for it sees them and may act."""

    key: str
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Visible]
    email: Email
    language: Language = "nl"


class Organisation(BaseModel):
    name: str
    country: Country = "NL"
    hr: Contact
    facilities: Contact
    public_url: str
    policy: Policy = Field(default_factory=Policy)
    mailboxes: list[RoleMailbox] = Field(
        default_factory=list, description="The shared mailboxes besides HR and IT/facilities."
    )

    def mailbox_of(self, email: str | None) -> str | None:
        """The key of the shared mailbox at ``email``, None for a person's own address."""
        if email is None:
            return None
        wanted = str(email).lower()
        known = {str(self.hr.email).lower(): HR_MAILBOX, str(self.facilities.email).lower(): FACILITIES_MAILBOX}
        known |= {str(box.email).lower(): box.key for box in self.mailboxes}
        return known.get(wanted)
