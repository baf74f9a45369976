"""The short record of an exit interview for the personnel file (004; 001 §3.1): a PDF HR downloads from the
interview page, holding who, when and by whom, and only what the employee agreed to share beyond HR."""

import io

from pypdf import PdfReader

from tests.support import SAMPLE_RECORD
from tests.support.api import CONSENT, HR, MANAGER, at_agreed_time
from tests.support.auth import unique_email
from tests.support.privacy import audit_entries

RECORD = {
    **SAMPLE_RECORD,
    "most_important_advice": "Geef mensen een loopbaanpad.",
    "went_well": "De koffie en de collega's.",
    "reasons_comment": "Het salaris bleef achter.",
}


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


async def _recorded(case, consent: dict, env) -> None:
    await at_agreed_time(case, env)
    response = await case.post("interview/record", {"actor": HR, "record": RECORD, "consent": consent})
    assert response.status_code == 200, response.text


async def test_hr_downloads_a_record_with_only_the_consented_answers(case, browser, sessions, time_skipping_env):
    await _recorded(case, CONSENT, time_skipping_env)  # advice only, main points to the manager
    hr = await browser(unique_email("hr"), ["hr"], sessions, language="nl")

    page = await hr.get(f"/cases/{case.id}/interview")
    assert f'/cases/{case.id}/interview/record.pdf"' in page.text and 'id="personnel-record"' in page.text
    response = await hr.get(f"/cases/{case.id}/interview/record.pdf")

    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    text = text_of(response.content)
    employee = case.data["employee"]
    assert "Exitgesprek: kort verslag" in text and employee["name"] in text and employee["id"] in text
    assert "Gehouden door" in text and "hr@example.org" in text
    assert "Geef mensen een loopbaanpad." in text and "Career paths." in text  # the advice, consented
    assert "De koffie" not in text and "salaris" not in text  # experiences: not consented
    [entry] = [
        e
        for e in await audit_entries(sessions, action="interview.read", subject=employee["id"])
        if e.detail.get("part") == "personnel_record"
    ]
    assert entry.detail["case_id"] == case.id

    english = await hr.get(f"/cases/{case.id}/interview/record.pdf?lang=en")
    assert "Exit interview: short record" in text_of(english.content)


async def test_a_record_without_consent_or_after_withdrawal_holds_no_answers(
    case, browser, sessions, time_skipping_env
):
    await _recorded(case, {**CONSENT, "scope": "nothing", "share_with_manager": False}, time_skipping_env)
    hr = await browser(unique_email("hr"), ["hr"], sessions, language="en")

    text = text_of((await hr.get(f"/cases/{case.id}/interview/record.pdf")).content)

    assert case.data["employee"]["name"] in text and "Held on" in text
    assert "Nothing: the answers stay with HR." in text
    assert "loopbaanpad" not in text and "Career paths." not in text and "De koffie" not in text


async def test_only_hr_fetches_the_record(case, browser, sessions, time_skipping_env):
    await _recorded(case, CONSENT, time_skipping_env)
    manager = await browser(MANAGER["email"], ["manager"], sessions)
    interviewer = await browser(unique_email("interviewer"), ["interviewer"], sessions)
    reviewer = await browser(unique_email("reviewer"), ["reviewer"], sessions)
    hr = await browser(unique_email("hr"), ["hr"], sessions)

    for other in (manager, interviewer, reviewer):
        refused = await other.get(f"/cases/{case.id}/interview/record.pdf")
        assert refused.status_code in (403, 404) and not refused.content.startswith(b"%PDF")
    assert (await hr.get("/cases/offboarding-unknown-2027-01-01/interview/record.pdf")).status_code == 404
