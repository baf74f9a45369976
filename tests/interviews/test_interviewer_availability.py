"""A time the employee proposes becomes agreed only when the interviewer is free then: no other interview of theirs,
and nothing busy in their calendar on the organisation's CalDAV server (a real Radicale server, started here);
otherwise it waits for the interviewer, who takes it after all or asks the employee for another time. In-process, on
the time-skipping server, with the worker reading the calendar as configured."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from tests.support.api import HR, invited, register
from tests.support.auth import another_client, csrf_token, make_account, post_form, sign_in, unique_email
from tests.support.caldav import PASSWORD, USERNAME, Radicale
from tests.support.links import link_in

ZONE = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def radicale(tmp_path):
    server = Radicale(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings, radicale):
    """The organisation's interviewers keep their calendars on the CalDAV server."""
    return settings.model_copy(
        update={
            "caldav_url": radicale.calendar_url,
            "caldav_username": USERNAME,
            "caldav_password": SecretStr(PASSWORD),
        }
    )


async def _assigned(http, mail_store, sessions, interviewer: str):
    case = await register(http, mail_store)
    await invited(case)
    person = {"name": "Ilse Maes", "email": interviewer, "language": "nl"}
    assert (await case.post("interview/assign", {"actor": HR, "interviewer": person})).status_code == 200
    return case


def _moment(slot: dict) -> datetime:
    return datetime.fromisoformat(slot["start"])


async def test_a_proposed_time_the_interviewers_calendar_shows_busy_waits_for_them(
    http, worker, mail_store, sessions, radicale
):
    ilse = unique_email("ilse")
    await make_account(sessions, ilse, ["interviewer"], name="Ilse Maes", language="nl")
    case = await _assigned(http, mail_store, sessions, ilse)
    first, second = (_moment(slot) for slot in (await case.interview())["proposed_slots"][:2])
    radicale.busy(ilse, first - timedelta(minutes=30), first + timedelta(minutes=30))

    # The employee proposes a time (their own, on their link page) while the interviewer has a meeting.
    employee = another_client(http)
    url = link_in((await case.wait_for_mail("interview:invitation", to=case.employee["email"]))[-1])
    page = await employee.get(url + "?lang=en")
    local = first.astimezone(ZONE)
    proposed = await employee.post(
        url + "/propose?lang=en",
        data={"day": local.date().isoformat(), "at": f"{local:%H:%M}", "csrf_token": csrf_token(page.text)},
    )
    assert proposed.status_code == 303 and proposed.headers["location"].endswith("done=pending")
    waiting = await employee.get(proposed.headers["location"])
    assert (
        "your interviewer has another appointment around then" in waiting.text and 'id="pending-time"' in waiting.text
    )
    interview = await case.interview()
    assert interview["status"] == "invited" and interview["pending_conflict"] == "calendar_busy"
    assert _moment(interview["pending_slot"]) == first
    hr = another_client(http)
    await make_account(sessions, (hr_email := unique_email("hr")), ["hr"])
    await sign_in(hr, hr_email)
    assert 'id="pending-time"' in (await hr.get(f"/cases/{case.id}")).text
    await hr.aclose()
    [told] = await case.wait_for_mail("interview:interview_time_proposed", to=ilse)
    assert "De agenda van de gespreksvoerder geeft dan een andere afspraak aan." in told.text

    # The interviewer asks for another time; the employee is invited again, told why.
    interviewer = another_client(http)
    await sign_in(interviewer, ilse)
    prepared = await interviewer.get(f"/interviews/{case.id}/preparation")
    assert 'id="pending-time"' in prepared.text and "Je agenda geeft aan dat je dan bezet bent." in prepared.text
    answered = await post_form(
        interviewer,
        f"/interviews/{case.id}/preparation",
        f"/interviews/{case.id}/proposed-time",
        {"answer": "decline"},
    )
    assert answered.status_code == 303 and answered.headers["location"].endswith("done=time_declined")
    again = await case.wait_for_mail("interview:invitation:time_declined", to=case.employee["email"])
    assert "past helaas niet in de agenda van je gespreksvoerder" in again[0].text
    assert (await case.interview())["pending_slot"] is None

    # A free time is agreed at once.
    url = link_in(again[0])
    page = await employee.get(url + "?lang=en")
    local = second.astimezone(ZONE)
    proposed = await employee.post(
        url + "/propose?lang=en",
        data={"day": local.date().isoformat(), "at": f"{local:%H:%M}", "csrf_token": csrf_token(page.text)},
    )
    assert proposed.status_code == 303 and proposed.headers["location"].endswith("done=proposed")
    agreed = await case.interview()
    assert agreed["status"] == "scheduled" and _moment(agreed["scheduled"]) == second
    await employee.aclose()
    await interviewer.aclose()


async def test_a_time_that_clashes_with_another_interview_waits_until_the_interviewer_takes_it(
    http, worker, mail_store, sessions, radicale
):
    ilse = unique_email("ilse")
    await make_account(sessions, ilse, ["interviewer"], name="Ilse Maes", language="en")
    earlier = await _assigned(http, mail_store, sessions, ilse)
    later = await _assigned(http, mail_store, sessions, ilse)
    moment = _moment((await earlier.interview())["proposed_slots"][0])
    agreed = await earlier.post("interview/propose", {"actor": earlier.employee, "start": moment.isoformat()})
    assert agreed.status_code == 200 and agreed.json()["status"] == "scheduled"

    clash = await later.post("interview/propose", {"actor": later.employee, "start": moment.isoformat()})
    assert clash.status_code == 200, clash.text
    assert clash.json()["status"] == "invited" and clash.json()["pending_conflict"] == "other_interview"

    # Only the interviewer (or HR) answers; then the time is agreed after all.
    stranger = await later.post(
        "interview/answer-proposed-time", {"actor": {"email": unique_email("x"), "role": "interviewer"}, "accept": True}
    )
    assert stranger.status_code == 409 and stranger.json()["code"] == "not_the_interviewer"
    taken = await later.post(
        "interview/answer-proposed-time", {"actor": {"email": ilse, "role": "interviewer"}, "accept": True}
    )
    assert taken.status_code == 200 and taken.json()["status"] == "scheduled"
    assert (await later.post("interview/answer-proposed-time", {"actor": HR, "accept": True})).json()[
        "code"
    ] == "no_proposed_time"
    await later.wait_for_mail("interview:interview_confirmed", to=later.employee["email"])


async def test_a_calendar_that_cannot_be_read_leaves_the_time_to_the_interviewer(
    http, worker, mail_store, sessions, radicale
):
    ilse = unique_email("ilse")
    case = await _assigned(http, mail_store, sessions, ilse)
    radicale.stop()
    moment = _moment((await case.interview())["proposed_slots"][0])
    proposed = await case.post("interview/propose", {"actor": case.employee, "start": moment.isoformat()})
    assert proposed.status_code == 200
    assert proposed.json()["status"] == "invited" and proposed.json()["pending_conflict"] == "calendar_unreachable"
