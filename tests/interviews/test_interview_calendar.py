"""The exit interview in people's calendars (RFC 5545/5546), walked the way the employee, HR and the interviewer
walk it: every calendar file that goes out is read back with vobject, a parser independent of the icalendar
library that writes them. Proposed times are not meetings; the agreed time is one REQUEST to the employee and the
interviewer; every cancellation is a CANCEL with the same UID; the SEQUENCE only rises, and the link page offers
the file last mailed."""

from datetime import UTC, datetime

import pytest
import vobject

from tests.support import eventually
from tests.support.api import HR, invited, register
from tests.support.auth import another_client, csrf_token
from tests.support.links import link_in

ILSE = {"name": "Ilse Maes", "email": "ilse.maes@example.org", "language": "nl"}
KIM = {"name": "Kim Claes", "email": "kim.claes@example.org", "language": "en"}
PLACE = "Zaal 3.14, Stationsplein 1, Utrecht"
ONLINE = "https://meet.example.org/exitgesprek"


def event_of(text: str) -> tuple[str, "vobject.base.Component"]:
    calendar = vobject.readOne(text)
    events = list(calendar.vevent_list)
    assert len(events) == 1, text
    return calendar.method.value, events[0]


def attendees(event) -> set[str]:
    return {line.value.lower() for line in event.contents.get("attendee", [])}


def calendar_in(mail) -> tuple[str, "vobject.base.Component"]:
    assert mail.calendars, f"{mail.purpose} to {mail.to} has no calendar file"
    return event_of(mail.calendars[0])


@pytest.fixture
async def policy(http):
    before = (await http.get("/api/organisation/policy")).json()
    changed = await http.patch(
        "/api/organisation/policy", json={"interview_place": PLACE, "interview_online_link": ONLINE}
    )
    assert changed.status_code == 200, changed.text
    yield
    assert (await http.put("/api/organisation/policy", json=before)).status_code == 200


async def accept_by_link(case, http, slot_index: int = 0):
    interview = await invited(case)
    mail = (await case.wait_for_mail("interview:invitation", to=case.employee["email"]))[0]
    employee = another_client(http)
    page = await employee.get(link_in(mail))
    start = interview["proposed_slots"][slot_index]["start"]
    accepted = await employee.post(
        link_in(mail) + "/accept", data={"start": start, "csrf_token": csrf_token(page.text)}
    )
    assert accepted.status_code == 303, accepted.text
    return employee, mail, datetime.fromisoformat(start)


async def test_the_agreed_time_reaches_both_calendars_and_a_decline_takes_it_out_of_both(
    http, worker, mail_store, policy
):
    case = await register(http, mail_store)
    assert (await case.post("interview/assign", {"actor": HR, "interviewer": ILSE})).status_code == 200
    employee_address = case.employee["email"].lower()

    invitation = (await case.wait_for_mail("interview:invitation", to=case.employee["email"]))[0]
    assert not invitation.calendars, "proposed times are not meetings"
    assert (
        "Zodra we een moment hebben afgesproken" in invitation.text or "Once we have agreed a time" in invitation.text
    )

    employee, mail, start = await accept_by_link(case, http)
    confirmed = (await case.wait_for_mail("interview:interview_confirmed", to=case.employee["email"]))[0]
    scheduled = (await case.wait_for_mail("interview:interview_scheduled", to=ILSE["email"]))[0]
    method, to_employee = calendar_in(confirmed)
    interviewer_method, to_interviewer = calendar_in(scheduled)

    assert method == interviewer_method == "REQUEST"
    assert to_employee.uid.value == to_interviewer.uid.value
    assert to_employee.sequence.value == to_interviewer.sequence.value
    uid = to_employee.uid.value
    assert uid.endswith("@offboarding.test") and case.data["employee"]["id"] not in uid, (
        "a domain, not the employee number"
    )
    assert to_employee.organizer.value.lower() == "mailto:hr@example.org"
    assert (
        attendees(to_employee) == attendees(to_interviewer) == {f"mailto:{employee_address}", f"mailto:{ILSE['email']}"}
    )
    assert to_employee.status.value == "CONFIRMED"
    assert to_employee.dtstart.value == start.astimezone(UTC)
    assert to_employee.location.value == PLACE
    assert (
        "calendar invitation for this conversation is attached" in scheduled.text
        or "agenda-uitnodiging voor dit gesprek" in scheduled.text
    )

    # The link page offers the very file that was mailed: the same UID and SEQUENCE.
    offered = await employee.get(link_in(mail) + "/interview.ics")
    assert offered.status_code == 200 and offered.headers["content-type"].startswith("text/calendar")
    offered_method, from_page = event_of(offered.text)
    assert (offered_method, from_page.uid.value, from_page.sequence.value) == (
        "REQUEST",
        uid,
        to_employee.sequence.value,
    )

    # The employee cancels through the link in the confirmation.
    page = await employee.get(link_in(confirmed))
    declined = await employee.post(
        link_in(confirmed) + "/decline", data={"reason": "", "csrf_token": csrf_token(page.text)}
    )
    assert declined.status_code == 303, declined.text
    cancelled = await case.wait_for_mail("interview:interview_cancelled", count=2)
    assert {m.to.lower() for m in cancelled} == {employee_address, ILSE["email"]}
    for mail_out in cancelled:
        cancel_method, event = calendar_in(mail_out)
        assert cancel_method == "CANCEL" and event.status.value == "CANCELLED"
        assert event.uid.value == uid
        assert int(event.sequence.value) > int(to_employee.sequence.value)
    assert (await employee.get(link_in(mail) + "/interview.ics")).status_code == 404
    await employee.aclose()


async def test_a_new_interviewer_a_moved_time_and_a_withdrawal_keep_one_event_whose_sequence_only_rises(
    http, worker, mail_store, policy
):
    case = await register(http, mail_store)
    employee, mail, _ = await accept_by_link(case, http)
    employee_address = case.employee["email"].lower()
    # Without an interviewer yet, HR (the organizer) is told, with the file; the employee is the only attendee.
    _, first = calendar_in((await case.wait_for_mail("interview:interview_scheduled", to="hr@example.org"))[0])
    assert attendees(first) == {f"mailto:{employee_address}"}
    uid = first.uid.value

    assert (await case.post("interview/assign", {"actor": HR, "interviewer": ILSE})).status_code == 200
    _, to_ilse = calendar_in((await case.wait_for_mail("interview:interview_scheduled", to=ILSE["email"]))[0])
    assert attendees(to_ilse) == {f"mailto:{employee_address}", f"mailto:{ILSE['email']}"}
    updates = await case.wait_for_mail("interview:interview_confirmed", count=2, to=case.employee["email"])
    assert max(int(calendar_in(m)[1].sequence.value) for m in updates) == int(to_ilse.sequence.value), (
        "the employee gets the same update"
    )

    assert (await case.post("interview/assign", {"actor": HR, "interviewer": KIM})).status_code == 200
    _, to_kim = calendar_in((await case.wait_for_mail("interview:interview_scheduled", to=KIM["email"]))[0])
    method, ilse_out = calendar_in((await case.wait_for_mail("interview:interview_cancelled", to=ILSE["email"]))[0])
    assert attendees(to_kim) == {f"mailto:{employee_address}", f"mailto:{KIM['email']}"}
    assert int(to_ilse.sequence.value) < int(to_kim.sequence.value) < int(ilse_out.sequence.value)
    assert method == "CANCEL" and ilse_out.status.value == "CANCELLED" and ilse_out.uid.value == uid
    assert attendees(ilse_out) == {f"mailto:{ILSE['email']}"}, "only the interviewer who is no longer in it"

    online = (await case.interview())["proposed_slots"][1]["start"]
    assert (await case.post("interview/schedule", {"actor": HR, "start": online, "online": True})).status_code == 200
    moved = await case.wait_for_mail(
        f"interview:interview_scheduled:{datetime.fromisoformat(online).isoformat()}", to=KIM["email"]
    )
    _, at_new_time = calendar_in(moved[0])
    assert at_new_time.uid.value == uid and at_new_time.location.value == "Online" and at_new_time.url.value == ONLINE
    assert at_new_time.dtstart.value == datetime.fromisoformat(online).astimezone(UTC)
    offered = await employee.get(link_in(mail) + "/interview.ics")
    assert event_of(offered.text)[1].sequence.value == at_new_time.sequence.value

    assert (await case.post("withdraw", {"actor": HR, "reason": "Blijft toch"})).status_code == 202

    def withdrawn():
        found = [m for m in case.mails("interview:interview_cancelled") if m.to.lower() != ILSE["email"]]
        return len(found) >= 2 and found

    cancelled = await eventually(withdrawn)
    assert {m.to.lower() for m in cancelled} == {employee_address, KIM["email"]}
    for out in cancelled:
        method, event = calendar_in(out)
        assert method == "CANCEL" and event.status.value == "CANCELLED" and event.uid.value == uid
        assert attendees(event) == {f"mailto:{employee_address}", f"mailto:{KIM['email']}"}
        assert int(event.sequence.value) > int(at_new_time.sequence.value)

    # Every file this case sent is the one event: the same UID, and no two messages share a SEQUENCE but for the
    # copies of one message to its several attendees.
    sent = [calendar_in(m) for m in case.mails("interview:") if m.calendars]
    assert {event.uid.value for _, event in sent} == {uid}
    by_sequence: dict[int, set] = {}
    for method, event in sent:
        by_sequence.setdefault(int(event.sequence.value), set()).add((method, event.dtstart.value))
    assert all(len(versions) == 1 for versions in by_sequence.values()), by_sequence
    assert max(by_sequence) == int(calendar_in(cancelled[0])[1].sequence.value), (
        "the withdrawal's CANCEL is the last word"
    )
    await employee.aclose()


async def test_the_employee_and_the_interviewer_each_read_the_event_in_their_own_language(
    http, worker, mail_store, policy
):
    case = await register(http, mail_store)
    employee_name = case.data["employee"]["name"]
    assert case.data["employee"]["language"] == "nl"
    assert (await case.post("interview/assign", {"actor": HR, "interviewer": KIM})).status_code == 200
    employee, mail, _ = await accept_by_link(case, http)

    _, to_employee = calendar_in(
        (await case.wait_for_mail("interview:interview_confirmed", to=case.employee["email"]))[0]
    )
    _, to_kim = calendar_in((await case.wait_for_mail("interview:interview_scheduled", to=KIM["email"]))[0])
    assert to_employee.uid.value == to_kim.uid.value and to_employee.sequence.value == to_kim.sequence.value
    assert to_employee.summary.value.startswith("Exitgesprek, ")
    assert to_employee.description.value == f"Exitgesprek met {employee_name}; gespreksvoerder: {KIM['name']}"
    assert to_kim.summary.value.startswith("Exit interview, "), (
        "the interviewer's copy is in the interviewer's language"
    )
    assert to_kim.description.value == f"Exit interview with {employee_name}; interviewer: {KIM['name']}"
    assert to_employee.location.value == to_kim.location.value == PLACE

    # Online, the place is "Online" in either language, and the link is in the event.
    online = (await case.interview())["proposed_slots"][1]["start"]
    assert (await case.post("interview/schedule", {"actor": HR, "start": online, "online": True})).status_code == 200
    moved = await case.wait_for_mail(
        f"interview:interview_scheduled:{datetime.fromisoformat(online).isoformat()}", to=KIM["email"]
    )
    _, online_for_kim = calendar_in(moved[0])
    assert online_for_kim.location.value == "Online" and online_for_kim.description.value.endswith(f"\n{ONLINE}")
    assert online_for_kim.summary.value.startswith("Exit interview, ")

    # The file on the link page reads in the page's language.
    in_dutch = event_of((await employee.get(link_in(mail) + "/interview.ics")).text)[1]
    in_english = event_of((await employee.get(link_in(mail) + "/interview.ics?lang=en")).text)[1]
    assert in_dutch.summary.value.startswith("Exitgesprek, ") and in_english.summary.value.startswith(
        "Exit interview, "
    )
    assert in_dutch.uid.value == in_english.uid.value == to_kim.uid.value
    await employee.aclose()


async def test_the_online_link_must_be_an_https_address(http, policy):
    refused = await http.patch("/api/organisation/policy", json={"interview_online_link": "javascript:alert(1)"})
    assert refused.status_code == 422 and "interview_online_link" in refused.text


def test_an_invitation_asked_for_before_attendees_existed_still_reads_as_one_meeting():
    """A send retried across the upgrade carries the older request: one attendee, no list."""
    from email.message import EmailMessage

    from activities.mail import attach_invite
    from models.mail import CalendarInvite

    start = datetime(2027, 1, 22, 9, tzinfo=UTC)
    older = CalendarInvite.model_validate(
        {
            "uid": "offboarding-E1-2027-01-04-interview@offboarding",
            "sequence": 2,
            "method": "CANCEL",
            "start": start.isoformat(),
            "end": start.replace(hour=10).isoformat(),
            "summary": "Exitgesprek",
            "organizer_email": "hr@example.org",
            "attendee_email": "anouk@example.org",
        }
    )
    message = EmailMessage()
    message.set_content("x")
    attach_invite(message, older, "en")
    part = next(message.iter_attachments())
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "CANCEL"
    method, event = event_of(part.get_content())
    assert (method, event.status.value, int(event.sequence.value)) == ("CANCEL", "CANCELLED", 2)
    assert attendees(event) == {"mailto:anouk@example.org"}
    assert event.organizer.value.lower() == "mailto:hr@example.org"
    assert event.summary.value == "Exitgesprek", "an event made before keeps the words it was made with"
