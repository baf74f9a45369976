"""People who sign in to the web app: their roles, their language, and what a session carries.

The tables (``accounts``, ``web_sessions``, ``interview_drafts``) are in ``models.tables``; these are
the shapes the rest of the code passes around."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from models.text import Email, Visible

Language = Literal["nl", "en"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Visible]
# argon2 makes long passwords no weaker; the bound only keeps a request from hashing megabytes.
Password = Annotated[str, StringConstraints(min_length=10, max_length=256)]


class AccountRole(StrEnum):
    """What a signed-in person may do in the web app (one account may hold several)."""

    HR = "hr"
    MANAGER = "manager"
    CUSTODIAN = "custodian"
    INTERVIEWER = "interviewer"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Email
    name: Name
    roles: list[AccountRole] = Field(min_length=1)
    language: Language = "nl"
    password: Password | None = Field(
        None, description="Empty: the account signs in only through the organisation's OIDC provider."
    )

    @field_validator("roles")
    @classmethod
    def _distinct(cls, roles: list[AccountRole]) -> list[AccountRole]:
        return sorted(set(roles), key=list(AccountRole).index)


@dataclass(frozen=True)
class SignedIn:
    """The person behind a request with a valid session (or API token)."""

    account_id: int
    email: str
    name: str
    roles: frozenset[AccountRole]
    language: Language
    session_key: str = field(repr=False)
    csrf_token: str = field(repr=False)
    # The shared mailboxes this person works for (organisation/mailboxes.py): they see and do those mailboxes' part.
    mailboxes: frozenset[str] = frozenset()
    # With an API token: who made it (the account itself or the command line's operator; None: not recorded).
    token_made_by: str | None = None

    def has(self, *roles: AccountRole) -> bool:
        return bool(self.roles & set(roles))
