"""The employee's own answers through their invitation link: noted beforehand for the interviewer, who sees them
beside the questions (and nothing of them reaches a record or a report on its own); or, after declining the
conversation, given in writing with the same consent as an interview, and kept as a written record."""

import pytest
from sqlalchemy import select

from models.tables import InterviewPreparation, InterviewRecordRow, InterviewText
from tests.support.api import at_agreed_time, invited
from tests.support.auth import another_client, csrf_token, post_form, unique_email
from tests.support.links import invitation_link
from tests.support.privacy import audit_entries
from tests.support.questionnaire import questionnaire_restored  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("questionnaire_restored")
MANAGER = "bram.janssens@example.org"


async def test_the_employee_notes_answers_beforehand_and_the_interviewer_sees_them(
    case, http, browser, sessions, time_skipping_env
):
    await invited(case)
    url = await invitation_link(case)
    mail = (await case.wait_for_mail("interview:invitation", to=case.employee["email"]))[0]
    assert "Wil je alvast antwoorden noteren? Dat kan via dezelfde link" in mail.text  # in the employee's language
    employee = another_client(http)
    invitation = await employee.get(url + "?lang=en")
    assert 'id="note-beforehand"' in invitation.text

    form = await employee.get(url + "/questions?lang=en")
    assert form.status_code == 200 and "Note your answers beforehand" in form.text
    assert "Would you recommend us as an employer?" in form.text
    assert 'name="advice_summary"' not in form.text, "the interviewer's own summary is not the employee's"
    token = csrf_token(form.text)
    wrong = await employee.post(
        url + "/questions?lang=en", data={"recommend_score": "12", "went_well": "Mijn team", "csrf_token": token}
    )
    assert wrong.status_code == 422
    assert "Would you recommend us as an employer?: Choose a number in the scale." in wrong.text
    saved = await employee.post(
        url + "/questions?lang=en",
        data={
            "went_well": "Mijn team en de vrijheid",
            "recommend_score": "9",
            "primary_reason": "prefer_not_to_say",
            "advice_summary": "not theirs to write",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("?lang=en&done=saved")
    again = await employee.get(saved.headers["location"])
    assert "Your notes are saved." in again.text and "Mijn team en de vrijheid" in again.text
    # Noting answers is no answer to the invitation: the times can still be accepted through the same link.
    assert "/accept" in (await employee.get(url)).text
    await employee.aclose()

    interviewer_email = unique_email("ilse")
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    interviewer = await browser(interviewer_email, ["interviewer"], sessions)
    manager = await browser(MANAGER, ["manager"], sessions)
    await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": interviewer_email})
    await at_agreed_time(case, time_skipping_env)
    page = await interviewer.get(f"/interviews/{case.id}")
    assert 'id="employee-noted"' in page.text
    assert 'id="went_well-noted"' in page.text and "Mijn team en de vrijheid" in page.text
    assert 'id="recommend_score-noted"' in page.text
    assert 'id="primary_reason-noted"' in page.text and "Prefer not to say" in page.text
    # Shown beside the questions, not filled in for the employee: the interview records only what is said in it.
    assert 'name="recommend_score" value="9" checked' not in page.text
    assert "Mijn team" not in (await manager.get(f"/my/cases/{case.id}")).text

    async with sessions() as session:
        noted = (
            await session.execute(select(InterviewPreparation).where(InterviewPreparation.case_id == case.id))
        ).scalar_one()
        records = (await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case.id))).all()
        texts = (await session.execute(select(InterviewText.text))).scalars().all()
    assert "advice_summary" not in noted.answers and noted.answers["recommend_score"] == "9"
    assert records == [] and not any("Mijn team" in text for text in texts)
    read = [entry.detail.get("part") for entry in await audit_entries(sessions, actor=interviewer_email)]
    assert "employee_notes" in read

    # Once the interview is recorded, with what the employee confirmed in it, the notes are gone.
    token = csrf_token(page.text)
    held = await interviewer.post(f"/interviews/{case.id}", data={"went_well": "Het team", "csrf_token": token})
    assert held.status_code == 303
    submitted = await interviewer.post(
        held.headers["location"],
        data={"scope": "nothing", "share_with_manager": "no", "text_version": "2026-11", "csrf_token": token},
    )
    assert submitted.status_code == 303
    async with sessions() as session:
        left = (
            await session.execute(select(InterviewPreparation).where(InterviewPreparation.case_id == case.id))
        ).scalar_one_or_none()
        row = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case.id))
        ).scalar_one()
    assert left is None and row.record["went_well"] == "Het team" and row.recommend_score is None


async def test_a_decliner_answers_in_writing_with_the_same_consent(case, http, browser, sessions):
    await invited(case)
    url = await invitation_link(case)
    employee = another_client(http)
    page = await employee.get(url + "?lang=en")
    declined = await employee.post(url + "/decline?lang=en", data={"reason": "", "csrf_token": csrf_token(page.text)})
    assert declined.status_code == 303 and (await case.interview())["status"] == "declined"

    after = await employee.get(url + "?lang=en")
    assert 'id="answer-in-writing"' in after.text
    form = await employee.get(url + "/questions?lang=en")
    assert "Answer in writing" in form.text and 'id="save-answers"' in form.text
    token = csrf_token(form.text)
    written = await employee.post(
        url + "/questions?lang=en",
        data={
            "experiences.work_content.rating": "2",
            "most_important_advice": "Luister naar je mensen.",
            "future_plans": "Een eigen zaak",
            "csrf_token": token,
        },
    )
    assert written.status_code == 303 and "/written/consent" in written.headers["location"]
    consent_page = await employee.get(written.headers["location"])
    assert consent_page.status_code == 200 and 'id="submit-written"' in consent_page.text
    half = await employee.post(
        written.headers["location"], data={"scope": "advice_only", "text_version": "2026-11", "csrf_token": token}
    )
    assert half.status_code == 422 and "Answer both questions about your consent." in half.text
    sent = await employee.post(
        written.headers["location"],
        data={
            "scope": "advice_and_experiences",
            "share_with_manager": "no",
            "text_version": "2026-11",
            "csrf_token": token,
        },
    )
    assert sent.status_code == 303 and "/consent/" in sent.headers["location"]
    mine = await employee.get(sent.headers["location"])
    assert "Thank you for your written answers." in mine.text and 'id="revoke-form"' in mine.text

    # Once sent, the link takes no second set of answers.
    assert (await employee.get(url + "/questions?lang=en")).status_code == 404
    assert 'id="written-received"' in (await employee.get(url + "?lang=en")).text
    await employee.aclose()

    async with sessions() as session:
        row = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case.id))
        ).scalar_one()
        left = (
            await session.execute(select(InterviewPreparation).where(InterviewPreparation.case_id == case.id))
        ).scalar_one_or_none()
    assert row.mode == "written" and row.consent_scope == "advice_and_experiences"
    assert row.record["answers"] == {"future_plans": "Een eigen zaak"} and row.rating_work_content == 2
    assert left is None
    [entry] = await audit_entries(sessions, action="interview.recorded", subject=case.data["employee"]["id"])
    assert entry.detail["mode"] == "written"

    hr = await browser(unique_email("hr"), ["hr"], sessions)
    assert 'id="answered-in-writing"' in (await hr.get(f"/cases/{case.id}")).text
    record = await hr.get(f"/cases/{case.id}/interview")
    assert 'id="written-answers"' in record.text and "Een eigen zaak" in record.text
    assert "Luister naar je mensen." in record.text


async def test_in_writing_the_employee_may_declare_the_organisations_own_groups_each_with_its_own_consent(
    case, http, sessions, organisation_groups
):
    """As in a conversation, the employee who answers in writing may say whether they belong to each of the
    organisation's self-declared groups, kept only with their consent to its use in the anonymous reports. Notes
    beforehand are no record: they ask none of it and keep none."""
    await invited(case)
    url = await invitation_link(case)
    employee = another_client(http)
    notes = await employee.get(url + "/questions")
    assert 'id="declared-groups"' not in notes.text and "Migratieachtergrond" not in notes.text
    token = csrf_token(notes.text)
    noted = await employee.post(
        url + "/questions",
        data={
            "went_well": "Mijn team",
            "target_group.declared.migratieachtergrond": "yes",
            "target_group.consent.migratieachtergrond": "yes",
            "csrf_token": token,
        },
    )
    assert noted.status_code == 303
    async with sessions() as session:
        kept = (
            await session.execute(select(InterviewPreparation).where(InterviewPreparation.case_id == case.id))
        ).scalar_one()
    assert kept.answers.get("went_well") == "Mijn team"
    assert not [name for name in kept.answers if name.startswith("target_group.")]

    page = await employee.get(url)
    declined = await employee.post(url + "/decline", data={"reason": "", "csrf_token": csrf_token(page.text)})
    assert declined.status_code == 303
    form = await employee.get(url + "/questions")
    assert "<legend>Migratieachtergrond</legend>" in form.text and "<legend>Deeltijd</legend>" in form.text
    assert "Hoor je bij deze groep?" in form.text
    assert "Ik stem ermee in dat dit antwoord anoniem in de rapportages wordt gebruikt" in form.text
    unconsented = await employee.post(
        url + "/questions",
        data={"target_group.declared.migratieachtergrond": "yes", "csrf_token": token},
    )
    assert unconsented.status_code == 422
    assert "Alleen met je toestemming voor het gebruik in de anonieme rapportages" in unconsented.text
    assert 'href="#target_group-declared-migratieachtergrond">Migratieachtergrond:' in unconsented.text
    assert '<option value="yes" selected>' in unconsented.text  # what was chosen stays
    english = await employee.get(url + "/questions?lang=en")
    assert "<legend>Migration background</legend>" in english.text and "Do you belong to this group?" in english.text

    written = await employee.post(
        url + "/questions",
        data={
            "most_important_advice": "Vraag het de mensen zelf.",
            "target_group.declared.migratieachtergrond": "yes",
            "target_group.consent.migratieachtergrond": "yes",
            # Consent without an answer keeps nothing; a group the organisation does not ask about is no answer.
            "target_group.consent.deeltijd": "yes",
            "target_group.declared.verzonnen": "yes",
            "target_group.consent.verzonnen": "yes",
            "csrf_token": token,
        },
    )
    assert written.status_code == 303 and "/written/consent" in written.headers["location"]
    sent = await employee.post(
        written.headers["location"],
        data={
            "scope": "advice_and_experiences",
            "share_with_manager": "no",
            "text_version": "2026-11",
            "csrf_token": token,
        },
    )
    assert sent.status_code == 303
    await employee.aclose()
    async with sessions() as session:
        row = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case.id))
        ).scalar_one()
    assert row.mode == "written" and row.record["target_group"]["declared"] == {"migratieachtergrond": "yes"}
    assert row.declared_groups == {"migratieachtergrond": "yes"}
