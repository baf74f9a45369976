"""Who does something in a case. The service fills this from the signed-in account or the person's link."""

from enum import StrEnum

from pydantic import BaseModel, Field

from models.text import Email


class Role(StrEnum):
    HR = "hr"
    MANAGER = "manager"
    ASSIGNEE = "assignee"
    CUSTODIAN = "custodian"
    EMPLOYEE = "employee"
    INTERVIEWER = "interviewer"
    SYSTEM = "system"


class Actor(BaseModel):
    email: Email
    role: Role
    mailboxes: list[str] = Field(
        default_factory=list,
        description="Keys of the shared mailboxes (`hr`, `facilities`, or one the organisation defined) this person works for: "
        "they may act on what such a mailbox owns. Taken from the account, never from a request.",
    )

    def is_addressed_by(self, email: str | None, mailbox: str | None = None) -> bool:
        """Whether a task or item given to ``email`` (owned by ``mailbox``, when a shared mailbox owns it) is this person's."""
        if email is not None and str(email).lower() == str(self.email).lower():
            return True
        return mailbox is not None and mailbox in self.mailboxes
