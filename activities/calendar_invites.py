"""Calendar invitations (.ics) for the exit interview, built with icalendar (RFC 5545, methods of RFC 5546).

The event is worded here, from the catalogue, in the language of whoever gets this file: the employee's copy and the
interviewer's copy of one event (same UID and SEQUENCE) each read in their reader's own language."""

from collections.abc import Callable
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from i18n.catalogue import translations
from models.mail import CalendarInvite

PRODUCT_ID = "-//Offboarding//Exit interview//EN"


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    address.params.update({key: vText(value) for key, value in params.items()})
    return address


def worded(invite: CalendarInvite, gettext: Callable[[str], str]) -> CalendarInvite:
    """The event with its summary, description and location in the catalogue's language. An event made before
    events carried ``words`` keeps the words it was made with."""
    words = invite.words
    if words is None:
        return invite
    _ = gettext
    if words.interviewer:
        description = _("Exit interview with %(employee)s; interviewer: %(interviewer)s") % {
            "employee": words.employee,
            "interviewer": words.interviewer,
        }
    else:
        description = _("Exit interview with %(name)s") % {"name": words.employee}
    return invite.model_copy(
        update={
            "summary": _("Exit interview, %(organisation)s") % {"organisation": words.organisation},
            "description": description + (f"\n{invite.url}" if invite.url else ""),
            "location": _("Online") if words.online else words.place,
        }
    )


def to_ics(invite: CalendarInvite, language: str, country: str = "NL", now: datetime | None = None) -> bytes:
    """The calendar file for one reader, in their language (and their organisation's country's words)."""
    invite = worded(invite, translations(language, country).gettext)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", invite.method)
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", now or datetime.now(UTC))
    event.add("dtstart", invite.start.astimezone(UTC))
    event.add("dtend", invite.end.astimezone(UTC))
    event.add("summary", invite.summary)
    if invite.description:
        event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    if invite.url:
        event.add("url", invite.url)
    event.add("status", "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED")
    event.add("organizer", _address(invite.organizer_email, invite.organizer_name), encode=False)
    for attendee in invite.everyone():
        # Nothing reads calendar replies: the employee answers through their link, so no RSVP is asked.
        event.add(
            "attendee",
            _address(attendee.email, attendee.name, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="FALSE"),
            encode=False,
        )
    calendar.add_component(event)
    return calendar.to_ical()
