"""Each employee link does its one thing once: an answer to the invitation, or the withdrawal of consent.
A replay, or any further answer through the same link, is refused with 410 Gone and never reaches the case;
two submits at the same moment make exactly one change. In-process, against the time-skipping server."""

import asyncio
import time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from links import tokens
from links.tokens import LinkPurpose
from tests.support import SAMPLE_RECORD
from tests.support.api import CONSENT, at_agreed_time, invited, register
from tests.support.links import (
    NAME,
    answers_seen,
    invitation_link,
    link_in,
    opened,
    used_rows,
)


def fresh_link(settings, purpose: LinkPurpose, case_id: str, email: str) -> str:
    """A link as a later mail would carry it."""
    return f"/{'invitation' if purpose == LinkPurpose.INTERVIEW else 'consent'}/{tokens.sign(settings.signing_key(), purpose, case_id, email)}"


async def test_an_answer_uses_the_link_up_and_a_replay_reaches_nothing(case, employee, time_skipping_env, sessions):
    url = await invitation_link(case)
    token = await opened(employee, url)
    start = (await case.interview())["proposed_slots"][0]["start"]

    accepted = await employee.post(f"{url}/accept", data={"start": start, "csrf_token": token})
    replay = await employee.post(f"{url}/accept", data={"start": start, "csrf_token": token})
    decline = await employee.post(f"{url}/decline", data={"reason": "toch niet", "csrf_token": token})
    propose = await employee.post(f"{url}/propose", data={"day": start[:10], "at": "10:00", "csrf_token": token})

    assert accepted.status_code == 303
    for refused in (replay, decline, propose):
        assert refused.status_code == 410, refused.text
        # In the employee's language (Dutch here), saying what was recorded; nothing of the case beyond it.
        assert '<html lang="nl">' in refused.text and "Deze link is al gebruikt" in refused.text
        assert (
            "een van de voorgestelde tijden gekozen" in refused.text and "er is nu dus niets veranderd" in refused.text
        )
        assert NAME not in refused.text and "Finance" not in refused.text and "toch niet" not in refused.text
    assert await answers_seen(time_skipping_env, case.id) == ["accept_slot"]
    interview = await case.interview()
    assert interview["status"] == "scheduled" and interview["scheduled"]["start"] == start
    assert await used_rows(sessions, case.id) == 1

    # The link still shows the answer, read-only, and still serves the calendar file.
    page = await employee.get(url)
    assert page.status_code == 200 and 'id="link-used"' in page.text and 'id="agreed-time"' in page.text
    assert "/accept" not in page.text and "/decline" not in page.text and "/propose" not in page.text
    ics = await employee.get(f"{url}/interview.ics")
    assert ics.status_code == 200 and "BEGIN:VEVENT" in ics.text
    # In English when asked.
    english = await employee.post(f"{url}/decline?lang=en", data={"csrf_token": token})
    assert (
        english.status_code == 410
        and "This link has already been used" in english.text
        and "you accepted one of the proposed times" in english.text
    )


async def test_two_submits_at_the_same_moment_make_exactly_one_change(case, employee, time_skipping_env, sessions):
    url = await invitation_link(case)
    token = await opened(employee, url)

    first, second = await asyncio.gather(
        employee.post(f"{url}/decline", data={"reason": "Liever niet", "csrf_token": token}),
        employee.post(f"{url}/decline", data={"reason": "Liever niet", "csrf_token": token}),
    )

    assert sorted([first.status_code, second.status_code]) == [303, 410]
    assert await answers_seen(time_skipping_env, case.id) == ["decline"]
    assert await used_rows(sessions, case.id) == 1
    assert len(await case.wait_for_mail("interview:interview_declined")) == 1


async def test_an_answer_the_case_refuses_leaves_the_link_usable(case, employee, time_skipping_env, sessions):
    url = await invitation_link(case)
    token = await opened(employee, url)
    start = (await case.interview())["proposed_slots"][0]["start"]

    outside_hours = await employee.post(f"{url}/propose", data={"day": start[:10], "at": "22:00", "csrf_token": token})
    not_offered = await employee.post(
        f"{url}/accept",
        data={"start": "2031-01-01T10:00:00+01:00", "csrf_token": token},
    )
    assert outside_hours.status_code == 409 and not_offered.status_code == 409
    assert await used_rows(sessions, case.id) == 0

    accepted = await employee.post(f"{url}/accept", data={"start": start, "csrf_token": token})
    assert accepted.status_code == 303
    assert await answers_seen(time_skipping_env, case.id) == ["accept_slot"]


async def test_a_link_for_one_case_never_opens_another(
    hr, case, employee, mail_store, settings, time_skipping_env, sessions
):
    other = await register(hr, mail_store)
    await invited(other)
    url = await invitation_link(case)
    token = await opened(employee, url)
    # A genuine link naming the other case, but mailed to this employee's address: refused, as is any mix.
    crossed = fresh_link(settings, LinkPurpose.INTERVIEW, other.id, case.employee["email"])
    start = (await other.interview())["proposed_slots"][0]["start"]

    refused = await employee.post(f"{crossed}/accept", data={"start": start, "csrf_token": token})
    accepted = await employee.post(
        f"{url}/accept",
        data={
            "start": (await case.interview())["proposed_slots"][0]["start"],
            "csrf_token": token,
        },
    )

    assert refused.status_code == 404 and NAME not in refused.text
    assert accepted.status_code == 303
    assert (await other.interview())["status"] == "invited" and await answers_seen(time_skipping_env, other.id) == []
    assert (await case.interview())["status"] == "scheduled"
    assert await used_rows(sessions, other.id) == 0


def _expired(settings, case_id: str, email: str) -> str:
    class Old(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - (settings.link_max_age_days + 1) * 86400

    serializer = URLSafeTimedSerializer(settings.signing_key(), salt="offboarding-link-interview", signer=Old)
    return serializer.dumps({"c": case_id, "e": email, "n": "x" * 22})


async def test_expired_and_forged_links_change_nothing(case, employee, settings, time_skipping_env, sessions):
    url = await invitation_link(case)
    token = await opened(employee, url)
    start = (await case.interview())["proposed_slots"][0]["start"]
    genuine = url.rsplit("/", 1)[1]

    for bad in (
        _expired(settings, case.id, case.employee["email"]),
        genuine[:-3] + "abc",
        tokens.sign("another key", LinkPurpose.INTERVIEW, case.id, case.employee["email"]),
    ):
        response = await employee.post(f"/invitation/{bad}/accept", data={"start": start, "csrf_token": token})
        assert response.status_code == 404 and NAME not in response.text
    assert await answers_seen(time_skipping_env, case.id) == []
    assert await used_rows(sessions, case.id) == 0


async def test_a_later_mails_link_works_only_while_the_answer_is_still_open(
    case, employee, settings, time_skipping_env
):
    url = await invitation_link(case)
    token = await opened(employee, url)
    interview = await case.interview()
    first, second = (
        interview["proposed_slots"][0]["start"],
        interview["proposed_slots"][1]["start"],
    )
    assert (await employee.post(f"{url}/accept", data={"start": first, "csrf_token": token})).status_code == 303

    # The confirmation mail brings a new link: the time can still change through it, not through the old one.
    confirmation = link_in((await case.wait_for_mail("interview:interview_confirmed", to=case.employee["email"]))[0])
    assert confirmation != url
    assert (await employee.post(f"{url}/accept", data={"start": second, "csrf_token": token})).status_code == 410
    assert (
        await employee.post(f"{confirmation}/accept", data={"start": second, "csrf_token": token})
    ).status_code == 303
    assert (await case.interview())["scheduled"]["start"] == second

    # Once declined there is nothing left to answer: a link from any later mail changes nothing either.
    declining = fresh_link(settings, LinkPurpose.INTERVIEW, case.id, case.employee["email"])
    assert (await employee.post(f"{declining}/decline", data={"csrf_token": token})).status_code == 303
    later = fresh_link(settings, LinkPurpose.INTERVIEW, case.id, case.employee["email"])
    refused = await employee.post(f"{later}/accept", data={"start": second, "csrf_token": token})
    assert refused.status_code == 409 and "declined" in refused.text
    page = await employee.get(later)
    assert page.status_code == 200 and 'id="declined"' in page.text and "/accept" not in page.text
    assert await answers_seen(time_skipping_env, case.id) == [
        "accept_slot",
        "accept_slot",
        "decline",
    ]


async def test_a_consent_link_withdraws_once(case, employee, sessions, time_skipping_env):
    await at_agreed_time(case, time_skipping_env, actor=None)
    assert (await case.post("interview/record", {"record": SAMPLE_RECORD, "consent": CONSENT})).status_code == 200
    url = link_in((await case.wait_for_mail("interview:interview_thank_you", to=case.employee["email"]))[0])
    token = await opened(employee, url)

    confirm = {"csrf_token": token, "confirmed": "yes"}
    first, second = await asyncio.gather(
        employee.post(f"{url}/revoke", data=confirm), employee.post(f"{url}/revoke", data=confirm)
    )
    replay = await employee.post(f"{url}/revoke", data=confirm)

    assert sorted([first.status_code, second.status_code]) == [303, 410]
    assert (
        replay.status_code == 410
        and "je toestemming ingetrokken" in replay.text
        and "Je toestemming blijft ingetrokken" in replay.text
    )
    assert NAME not in replay.text and "Career" not in replay.text
    assert await used_rows(sessions, case.id) == 1
    page = await employee.get(url)
    assert page.status_code == 200 and 'id="consent-revoked"' in page.text and "revoke-form" not in page.text


def test_no_two_links_are_alike_and_one_link_has_one_fingerprint():
    one = tokens.sign("key", LinkPurpose.INTERVIEW, "offboarding-E1-2027-01-04", "a@example.org")
    two = tokens.sign("key", LinkPurpose.INTERVIEW, "offboarding-E1-2027-01-04", "a@example.org")
    assert one != two
    claims = tokens.verify("key", LinkPurpose.INTERVIEW, one, 3600)
    assert claims.fingerprint != tokens.verify("key", LinkPurpose.INTERVIEW, two, 3600).fingerprint
    # The signature's last base64 character has spare bits: other spellings verify, and must count as the same link.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(one[-1])
    spellings = [one[:-1] + alphabet[(last & ~3) | bits] for bits in range(4)]
    verified = [tokens.verify("key", LinkPurpose.INTERVIEW, spelling, 3600) for spelling in spellings]
    assert len(set(spellings)) == 4 and {c.fingerprint for c in verified} == {claims.fingerprint}
