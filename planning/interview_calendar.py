"""The agreed exit interview as one calendar event (RFC 5545/5546), the same for the employee and the interviewer.

Proposed times are not meetings: only the agreed time goes out, as a ``REQUEST`` to both. Every later message about
it (a moved time, another interviewer, a cancellation) carries the same UID and a higher SEQUENCE, so calendar
programs update or remove the one event they hold. Pure functions: the interview workflow calls them."""

from urllib.parse import urlsplit
from uuid import NAMESPACE_URL, uuid5

from models.interview import Slot
from models.mail import CalendarAttendee, CalendarInvite, CalendarWords
from models.organisation import Organisation


def uid_for(case_id: str, public_url: str) -> str:
    """Stable for the case, under the domain people reach the app at; the case id (which holds the employee
    number) only goes in hashed."""
    domain = urlsplit(public_url).hostname or "offboarding.invalid"
    return f"exit-interview-{uuid5(NAMESPACE_URL, case_id)}@{domain}"


def meeting(
    case_id: str,
    sequence: int,
    slot: Slot,
    organisation: Organisation,
    employee: CalendarAttendee,
    interviewer: CalendarAttendee | None,
) -> CalendarInvite:
    policy = organisation.policy
    return CalendarInvite(
        uid=uid_for(case_id, organisation.public_url),
        sequence=sequence,
        method="REQUEST",
        start=slot.start,
        end=slot.end,
        words=CalendarWords(
            organisation=organisation.name,
            employee=employee.name,
            interviewer=interviewer.name if interviewer is not None else "",
            online=slot.online,
            place=policy.interview_place or organisation.name,
        ),
        url=policy.interview_online_link if slot.online else "",
        organizer_email=organisation.hr.email,
        organizer_name=f"HR, {organisation.name}",
        attendees=[employee] + ([interviewer] if interviewer is not None else []),
    )


def cancellation(
    invite: CalendarInvite, sequence: int, attendees: list[CalendarAttendee] | None = None
) -> CalendarInvite:
    """The same event taken out again, for all its attendees or for those left out of it."""
    update = {"method": "CANCEL", "sequence": sequence}
    if attendees is not None:
        update["attendees"] = attendees
    return invite.model_copy(update=update)
