"""The interview is recorded from its agreed time on, and "held on" is the agreed day unless the interviewer gives
another: on the interviewer's pages, in the API, and on every page that shows the record afterwards."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import select

from models.tables import InterviewRecordRow
from tests.interviews.test_personnel_record import text_of
from tests.support import SAMPLE_RECORD
from tests.support.api import CONSENT, HR, agree_time, at_agreed_time, invited
from tests.support.auth import csrf_token, post_form, unique_email

ZONE = ZoneInfo("Europe/Amsterdam")


def agreed_day(interview: dict) -> date:
    return datetime.fromisoformat(interview["scheduled"]["start"]).astimezone(ZONE).date()


async def _held_at(sessions, case_id: str) -> datetime:
    async with sessions() as session:
        row = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case_id))
        ).scalar_one()
        return row.held_at


async def _interviewer_for(case, browser, sessions, language: str):
    interviewer_email = unique_email("ilse")
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    interviewer = await browser(interviewer_email, ["interviewer"], sessions, language=language)
    assigned = await post_form(
        hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": interviewer_email}
    )
    assert assigned.status_code == 303
    return hr, interviewer


async def test_the_interviewer_records_from_the_agreed_time_on_held_on_the_agreed_day(
    case, browser, sessions, time_skipping_env
):
    await invited(case)
    hr, interviewer = await _interviewer_for(case, browser, sessions, language="nl")

    # No time agreed in the product: it may have been arranged elsewhere, so the form is there, with a word on the day.
    page = await interviewer.get(f"/interviews/{case.id}")
    assert page.status_code == 200 and 'id="questionnaire"' in page.text
    assert "Voor dit gesprek is in het systeem geen moment afgesproken." in page.text

    # A time is agreed for tomorrow: until then the page says from when, and nothing is taken in.
    interview = await agree_time(case, time_skipping_env)
    page = await interviewer.get(f"/interviews/{case.id}")
    assert 'id="questionnaire"' not in page.text and 'id="not-recordable"' in page.text
    assert "Dit gesprek kan worden vastgelegd vanaf het afgesproken moment: " in page.text
    assert f"{agreed_day(interview):%d-%m-%Y}, 10:00" in page.text
    token = csrf_token(page.text)
    early = await interviewer.post(f"/interviews/{case.id}", data={"went_well": "Het team", "csrf_token": token})
    assert early.status_code == 409 and 'id="questionnaire"' not in early.text
    draft = await interviewer.post(
        f"/interviews/{case.id}/draft", data={"went_well": "Het team"}, headers={"X-CSRF-Token": token}
    )
    assert draft.status_code == 409

    # From the agreed time on: the questionnaire, and "held on" on the consent screen set to the agreed day.
    await at_agreed_time(case, time_skipping_env)
    await time_skipping_env.sleep(timedelta(hours=2))
    form = await interviewer.get(f"/interviews/{case.id}")
    assert 'id="questionnaire"' in form.text
    to_consent = await interviewer.post(
        f"/interviews/{case.id}", data={"went_well": "Het team", "csrf_token": csrf_token(form.text)}
    )
    assert to_consent.status_code == 303
    consent = await interviewer.get(to_consent.headers["location"])
    assert f'name="held_on" value="{agreed_day(interview).isoformat()}"' in consent.text
    assert "Gehouden op" in consent.text
    recorded = await post_form(
        interviewer,
        to_consent.headers["location"],
        to_consent.headers["location"],
        {
            "scope": "advice_only",
            "share_with_manager": "no",
            "text_version": "2026-11",
            "held_on": agreed_day(interview).isoformat(),
        },
    )
    assert recorded.status_code == 303 and recorded.headers["location"].endswith("?done=recorded")

    assert await _held_at(sessions, case.id) == datetime.fromisoformat(interview["scheduled"]["start"])
    shown = await hr.get(f"/cases/{case.id}/interview?lang=en")
    assert f"Held on {format_date(agreed_day(interview), 'long', locale='en_GB')} by" in shown.text


async def test_a_day_the_interviewer_gives_is_kept_and_a_day_to_come_refused(
    case, browser, sessions, time_skipping_env
):
    await invited(case)
    hr, interviewer = await _interviewer_for(case, browser, sessions, language="en")
    interview = await at_agreed_time(case, time_skipping_env)
    # Recorded three days on, about a conversation held the day after the agreed one.
    await time_skipping_env.sleep(timedelta(days=3))
    held_on = agreed_day(interview) + timedelta(days=1)
    form = await interviewer.get(f"/interviews/{case.id}")
    to_consent = await interviewer.post(f"/interviews/{case.id}", data={"csrf_token": csrf_token(form.text)})
    consent = to_consent.headers["location"]
    fields = {"scope": "advice_only", "share_with_manager": "no", "text_version": "2026-11"}

    later = (await time_skipping_env.get_current_time()).astimezone(ZONE).date() + timedelta(days=1)
    future = await post_form(interviewer, consent, consent, {**fields, "held_on": later.isoformat()})
    assert future.status_code == 409
    assert f"the day it was held, {later.isoformat()}, is in the future" in future.text
    not_a_day = await post_form(interviewer, consent, consent, {**fields, "held_on": "yesterday"})
    assert not_a_day.status_code == 422 and "Held on: give the day as a date" in not_a_day.text

    recorded = await post_form(interviewer, consent, consent, {**fields, "held_on": held_on.isoformat()})
    assert recorded.status_code == 303

    assert (await _held_at(sessions, case.id)).astimezone(ZONE).date() == held_on
    in_words = format_date(held_on, "long", locale="en_GB")
    assert f"Held on {in_words} by" in (await hr.get(f"/cases/{case.id}/interview?lang=en")).text
    pdf = await hr.get(f"/cases/{case.id}/interview/record.pdf?lang=en")
    assert pdf.status_code == 200 and in_words in text_of(pdf.content)


async def test_the_api_refuses_a_record_before_the_agreed_time_and_keeps_the_day_given(
    case, time_skipping_env, sessions
):
    await invited(case)
    body = {"actor": HR, "record": SAMPLE_RECORD, "consent": CONSENT}
    none_agreed = await case.post("interview/record", body)
    assert none_agreed.status_code == 409
    assert none_agreed.json()["code"] == "record_without_agreed_time"
    assert "no time is agreed" in none_agreed.json()["detail"] and "(held_on)" in none_agreed.json()["detail"]

    interview = await agree_time(case, time_skipping_env)
    assert interview["recordable"] is False and interview["record_from"] == interview["scheduled"]["start"]
    early = await case.post("interview/record", body)
    assert early.status_code == 409 and early.json()["code"] == "record_before_agreed_time"
    assert f"{agreed_day(interview).isoformat()} 10:00" in early.json()["detail"]

    await at_agreed_time(case, time_skipping_env)
    await time_skipping_env.sleep(timedelta(days=1))
    before_invitation = await case.post("interview/record", {**body, "held_on": "2020-01-06"})
    assert before_invitation.status_code == 409 and before_invitation.json()["code"] == "held_on_before_invitation"
    recorded = await case.post("interview/record", {**body, "held_on": agreed_day(interview).isoformat()})
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "held"
    assert await _held_at(sessions, case.id) == datetime.fromisoformat(interview["scheduled"]["start"])


async def test_an_interview_arranged_elsewhere_is_recorded_with_the_day_it_was_held(
    case, browser, sessions, time_skipping_env
):
    await invited(case)
    hr, interviewer = await _interviewer_for(case, browser, sessions, language="en")
    form = await interviewer.get(f"/interviews/{case.id}")
    assert 'id="questionnaire"' in form.text and 'id="no-agreed-time"' in form.text
    to_consent = await interviewer.post(
        f"/interviews/{case.id}", data={"went_well": "The team", "csrf_token": csrf_token(form.text)}
    )
    assert to_consent.status_code == 303
    consent = to_consent.headers["location"]
    screen = await interviewer.get(consent)
    assert "No time was agreed in the product: give the day the interview was held." in screen.text
    assert 'name="held_on" value="" aria-describedby="held-on-hint" required' in screen.text
    fields = {"scope": "advice_only", "share_with_manager": "no", "text_version": "2026-11"}

    without_day = await post_form(interviewer, consent, consent, fields)
    assert without_day.status_code == 422 and "Held on: give the day the interview was held." in without_day.text

    today = (await time_skipping_env.get_current_time()).astimezone(ZONE).date()
    recorded = await post_form(interviewer, consent, consent, {**fields, "held_on": today.isoformat()})
    assert recorded.status_code == 303

    assert (await _held_at(sessions, case.id)).astimezone(ZONE).date() == today
    shown = await hr.get(f"/cases/{case.id}/interview?lang=en")
    assert f"Held on {format_date(today, 'long', locale='en_GB')} by" in shown.text
