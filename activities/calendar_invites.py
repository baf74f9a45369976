"""Calendar invitations (.ics) for the exit interview, built with icalendar."""

from datetime import datetime, timezone

from icalendar import Calendar, Event, vCalAddress, vText

from models.mail import CalendarInvite

PRODUCT_ID = "-//Offboarding//Exit interview//EN"


def to_ics(invite: CalendarInvite, now: datetime | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", invite.method)
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", now or datetime.now(timezone.utc))
    event.add("dtstart", invite.start.astimezone(timezone.utc))
    event.add("dtend", invite.end.astimezone(timezone.utc))
    event.add("summary", invite.summary)
    if invite.description:
        event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    event.add("status", "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{invite.organizer_email}")
    organizer.params["cn"] = vText("HR")
    event["organizer"] = organizer
    attendee = vCalAddress(f"mailto:{invite.attendee_email}")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["rsvp"] = vText("TRUE")
    event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    return calendar.to_ical()
