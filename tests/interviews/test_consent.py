"""Consent is recorded with the interview, limits what the manager hears, and can be revoked later."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from activities.cases import CaseActivities
from activities.interviews import InterviewActivities
from cases import consent
from models.questionnaire import ConsentChoice
from models.records import StoreCaseInput, StoreInterviewInput
from models.registration import Registration
from tests.support import SAMPLE_RECORD, registration_data
from tests.support.api import CONSENT, HR, at_agreed_time
from tests.support.auth import another_client, csrf_token, unique_email
from tests.support.case_driver import RECORD
from tests.support.links import link_in
from web.templating import TIME_ZONES


async def _interviewed(sessions, scope: str, share_with_manager: bool) -> str:
    registration = Registration.model_validate(registration_data())
    await CaseActivities(None, sessions).store_case(
        StoreCaseInput(case_id=registration.case_id, registration=registration)
    )
    await InterviewActivities(sessions).store_interview(
        StoreInterviewInput(
            case_id=registration.case_id,
            interviewer_email="hr@example.org",
            record=RECORD,
            consent=ConsentChoice(scope=scope, share_with_manager=share_with_manager, text_version="2026-11"),
            held_at=datetime(2027, 1, 20, 10, tzinfo=UTC),
        )
    )
    return registration.case_id


async def test_storing_the_interview_twice_keeps_one_record(sessions):
    case_id = await _interviewed(sessions, "advice_only", True)
    again = await InterviewActivities(sessions).store_interview(
        StoreInterviewInput(
            case_id=case_id,
            interviewer_email="x@example.org",
            record=RECORD,
            consent=ConsentChoice(scope="nothing", share_with_manager=False, text_version="2026-11"),
            held_at=datetime.now(UTC),
        )
    )
    async with sessions() as session:
        kept = await consent.consent_of(session, case_id)
    assert kept.scope == "advice_only" and again


async def test_manager_hears_the_main_points_only_with_consent(sessions):
    shared = await _interviewed(sessions, "advice_only", True)
    private = await _interviewed(sessions, "advice_and_experiences", False)
    async with sessions() as session:
        feedback = await consent.feedback_for_manager(session, shared)
        assert feedback.advice_summary == "Career paths."
        assert await consent.feedback_for_manager(session, private) is None


async def test_revoking_consent_is_recorded_once_and_stops_manager_feedback(sessions):
    case_id = await _interviewed(sessions, "advice_and_experiences", True)
    first = datetime(2027, 3, 1, tzinfo=UTC)
    async with sessions.begin() as session:
        revoked = await consent.revoke(session, case_id, at=first)
    async with sessions.begin() as session:
        again = await consent.revoke(session, case_id)
        assert await consent.feedback_for_manager(session, case_id) is None
    assert revoked.revoked_at == again.revoked_at == first


async def test_no_interview_no_consent(sessions):
    with pytest.raises(consent.NoInterviewRecord):
        async with sessions() as session:
            await consent.consent_of(session, "offboarding-unknown-2027-01-01")


def _row(page: str, name: str) -> str | None:
    found = re.search(rf'<dd id="{name}">(.*?)</dd>', page)
    return found.group(1) if found else None


async def test_withdrawing_asks_first_confirms_by_mail_tells_hr_and_the_page_no_longer_says_yes(
    case, http, browser, sessions, time_skipping_env
):
    """Through the consent link in the thank-you mail: a confirmation first (nothing withdrawn yet), then the
    withdrawal, a mail to the employee confirming it, one to HR, and a page that reads "no" where it read "yes".
    HR's interview page then says that nothing goes beyond HR any more, and since when."""
    await at_agreed_time(case, time_skipping_env)
    recorded = await case.post("interview/record", {"actor": HR, "record": SAMPLE_RECORD, "consent": CONSENT})
    assert recorded.status_code == 200, recorded.text
    employee_email = case.employee["email"]
    url = link_in((await case.wait_for_mail("interview:interview_thank_you", to=employee_email))[0])
    employee = another_client(http)
    page = await employee.get(url)
    manager_row = re.search(r'<dd id="consent-manager">(.*?)</dd>', page.text).group(1)
    assert manager_row == "Ja" and 'id="revoke-form"' in page.text
    hr = await browser(unique_email("hr"), ["hr"], sessions, language="nl")
    before = (await hr.get(f"/cases/{case.id}/interview")).text
    assert _row(before, "consent-scope") == "Alleen het advies, geanonimiseerd"
    assert _row(before, "consent-manager") == "Ja" and _row(before, "consent-revoked") is None

    asked = await employee.post(f"{url}/revoke", data={"csrf_token": csrf_token(page.text)})

    assert asked.status_code == 200 and 'id="revoke-confirmation"' in asked.text
    assert "Toestemming intrekken?" in asked.text and 'name="confirmed" value="yes"' in asked.text
    assert case.mails("consent_revoked") == []

    done = await employee.post(f"{url}/revoke", data={"csrf_token": csrf_token(asked.text), "confirmed": "yes"})

    assert done.status_code == 303
    after = await employee.get(done.headers["location"])
    assert 'id="consent-revoked"' in after.text and 'id="revoke-form"' not in after.text
    manager_row = re.search(r'<dd id="consent-manager">(.*?)</dd>', after.text).group(1)
    scope_row = re.search(r'<dd id="consent-scope">(.*?)</dd>', after.text).group(1)
    assert "Ja" not in manager_row and "ingetrokken" in manager_row and "ingetrokken" in scope_row
    assert "We hebben je een mail gestuurd" in after.text

    [confirmation] = await case.wait_for_mail("consent_revoked", to=employee_email)
    assert "ingetrokken" in confirmation.subject and "alleen bij HR" in confirmation.text
    [to_hr] = await case.wait_for_mail("consent_revoked", to="hr@example.org")
    assert case.data["employee"]["name"] in to_hr.subject
    assert f"http://offboarding.test/cases/{case.id}/interview" in to_hr.text
    await employee.aclose()

    on_hr_page = (await hr.get(f"/cases/{case.id}/interview")).text
    assert _row(on_hr_page, "consent-scope") == "Niets meer: toestemming ingetrokken"
    assert _row(on_hr_page, "consent-manager") == "Niet meer: toestemming ingetrokken"
    assert "Alleen het advies" not in on_hr_page
    async with sessions() as session:
        withdrawn_at = (await consent.consent_of(session, case.id)).revoked_at
    withdrawn = format_datetime(withdrawn_at, "short", tzinfo=ZoneInfo(TIME_ZONES["NL"]), locale="nl")
    assert _row(on_hr_page, "consent-revoked") == f"<strong>{withdrawn}</strong>"
    english = (await hr.get(f"/cases/{case.id}/interview?lang=en")).text
    assert _row(english, "consent-scope") == "Nothing any more: consent withdrawn"
