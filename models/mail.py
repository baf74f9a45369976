"""Requests to send mail: one mail for one purpose to one recipient, or a batch of them."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, EmailStr, Field

from models.registration import Language


class CalendarAttendee(BaseModel):
    email: EmailStr
    name: str = ""


class CalendarWords(BaseModel):
    """What the event is about, without words of any language: the file is worded where it is made, in its reader's
    language (the mail's, or the page's), so that the employee and the interviewer each read their own copy of the
    one event in theirs (``activities.calendar_invites``)."""

    organisation: str
    employee: str
    interviewer: str = ""
    online: bool = False
    place: str = Field("", description="Where it is held on site.")


class CalendarInvite(BaseModel):
    """An iCalendar event sent with the mail (RFC 5546): ``REQUEST`` puts the meeting in the calendar, the same uid
    with a higher sequence updates it, and ``CANCEL`` with the same uid takes it out again."""

    uid: str
    sequence: int = 0
    method: Literal["REQUEST", "CANCEL"] = "REQUEST"
    start: datetime
    end: datetime
    words: CalendarWords | None = Field(
        None, description="Worded in the reader's language; events made before this carry their words instead."
    )
    summary: str = ""
    description: str = ""
    location: str = ""
    url: str = Field("", description="The online meeting's link, where there is one.")
    organizer_email: EmailStr
    organizer_name: str = "HR"
    attendee_email: EmailStr | None = Field(
        None, description="Invitations asked for before ``attendees`` existed: the only attendee."
    )
    attendees: list[CalendarAttendee] = Field(default_factory=list)

    def everyone(self) -> list[CalendarAttendee]:
        return self.attendees or ([CalendarAttendee(email=self.attendee_email)] if self.attendee_email else [])


class ActionLink(BaseModel):
    """A signed link the recipient follows to act (accept, propose, decline); its URL lands in ``action_url``. For
    ``task``, every entry of the mail's ``tasks`` gets a link of its own, to mark that task done."""

    purpose: Literal["interview", "consent", "task"]
    path: str = Field(pattern=r"^/[a-z/-]+$")


class MailRequest(BaseModel):
    case_id: str
    purpose: str = Field(
        description="Why this mail goes out, e.g. 'announcement'; with the recipient it is the idempotency key."
    )
    template: str
    to: EmailStr
    language: Language
    context: dict[str, Any] = Field(default_factory=dict)
    calendar: CalendarInvite | None = None
    link: ActionLink | None = None
    reply_to: EmailStr | None = Field(
        None, description="The person's mailbox that answers reach (the interviewer, HR); HR's when None."
    )


class MailBatch(BaseModel):
    """Mails of one case that go out at the same moment, sent by one activity over one connection."""

    requests: list[MailRequest] = Field(min_length=1)


class MailReceipt(BaseModel):
    message_id: str
    already_sent: bool
    refused: str | None = Field(
        None, description="The mail server's reply when it refused the recipient for good; nothing was delivered."
    )


class CaseNotice(BaseModel):
    """Mails about something that happened outside a case's own workflows (the employee's written answers, a consent
    withdrawn after the interview), sent by ``CaseNoticeWorkflow``."""

    case_id: str
    mails: list[MailRequest] = Field(min_length=1)
