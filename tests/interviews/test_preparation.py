"""The interviewer prepares (001: "overloop voor jezelf de loopbaan … waar heb je hem/haar in zien uitblinken?"):
the career from the registrations, this one and the person's earlier ones, and a note on where they excelled that
the questionnaire's closing step shows again. Beside the questionnaire, the conversation guide. Only the assigned
interviewer and HR open it, and every sight of the note is on the audit log. In-process, on the time-skipping server."""

import html
from datetime import date

from sqlalchemy import select

from models.tables import Case, InterviewerPreparation
from tests.support.api import at_agreed_time, invited
from tests.support.auth import post_form, unique_email
from tests.support.privacy import audit_entries


async def _earlier_post(sessions, case) -> None:
    """The same person left once before, as a junior in another department (a case long closed)."""
    async with sessions.begin() as session:
        row = await session.get(Case, case.id)
        session.add(
            Case(
                id=f"offboarding-{row.employee_id}-2016-05-02",
                employee_id=row.employee_id,
                employee_name=row.employee_name,
                work_email=row.work_email,
                language=row.language,
                department="Audit",
                job_title="Junior controller",
                manager_name="Els Peeters",
                manager_email="els.peeters@example.org",
                departure_type="end_of_contract",
                notice_date=date(2016, 5, 2),
                last_working_day=date(2016, 6, 30),
                status="closed",
                registration={"employee": {"start_date": "2014-09-01"}},
            )
        )


async def test_the_interviewer_prepares_with_the_career_and_the_close_shows_where_they_excelled(
    case, http, people, sessions, time_skipping_env
):
    await invited(case)
    await _earlier_post(sessions, case)
    interviewer_email = unique_email("ilse")
    hr = await people(unique_email("hr"), ["hr"])
    interviewer = await people(interviewer_email, ["interviewer"])
    await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": interviewer_email})
    await at_agreed_time(case, time_skipping_env)

    listing = await interviewer.get("/interviews")
    page = await interviewer.get(f"/interviews/{case.id}/preparation")
    assert page.status_code == 200, page.text
    last_day = date.fromisoformat(case.data["departure"]["last_working_day"])
    years = last_day.year - 2019 - ((last_day.month, last_day.day) < (3, 1))
    assert "1 March 2019" in page.text and f"{years} years" in page.text
    assert "Controller, Junior controller" in page.text and "Finance, Audit" in page.text
    assert "Never try to persuade them to stay." in page.text  # the conversation guide beside it
    assert f"/interviews/{case.id}/preparation" in listing.text

    saved = await post_form(
        interviewer,
        f"/interviews/{case.id}/preparation",
        f"/interviews/{case.id}/preparation",
        {"excelled": "Zette de maandafsluiting strak neer; collega's kwamen graag bij haar."},
    )
    assert saved.status_code == 303
    again = await interviewer.get(saved.headers["location"])
    assert "Your preparation is saved." in again.text and "maandafsluiting" in again.text

    form = await interviewer.get(f"/interviews/{case.id}")
    closing = form.text[form.text.rindex('class="questionnaire-section"') :]  # the last section: the close
    assert 'id="excelled"' in closing and "maandafsluiting" in closing
    assert "If I understand you correctly" in form.text and 'id="conversation-guide"' in form.text

    # Nobody else: another interviewer and the manager get what they get for a case that does not exist.
    stranger = await people(unique_email("other"), ["interviewer"])
    manager = await people(unique_email("manager"), ["manager"])
    assert (await stranger.get(f"/interviews/{case.id}/preparation")).status_code == 404
    assert (await manager.get(f"/interviews/{case.id}/preparation")).status_code == 404
    assert (await hr.get(f"/interviews/{case.id}/preparation")).status_code == 200

    logged = [
        (entry.action, entry.detail.get("part"), entry.detail.get("shown_on"))
        for entry in await audit_entries(sessions, actor=interviewer_email)
    ]
    assert ("interview.written", "preparation", None) in logged
    assert ("interview.read", "preparation", "preparation") in logged
    assert ("interview.read", "preparation", "questionnaire") in logged
    assert all("maandafsluiting" not in str(entry.detail) for entry in await audit_entries(sessions))

    # Once the interview is recorded the note has served its purpose.
    complete = await post_form(interviewer, f"/interviews/{case.id}", f"/interviews/{case.id}", {})
    assert complete.status_code == 303
    submitted = await post_form(
        interviewer,
        complete.headers["location"],
        complete.headers["location"],
        {"scope": "nothing", "share_with_manager": "no", "text_version": "2026-11"},
    )
    assert submitted.status_code == 303, submitted.text
    async with sessions() as session:
        rows = (
            await session.execute(select(InterviewerPreparation).where(InterviewerPreparation.case_id == case.id))
        ).all()
    assert rows == []


# Each line of the conversation guide, as a Dutch interviewer reads it, with the guidance it comes from.
GUIDE_IN_DUTCH = {
    "000: know and set aside your own implicit ideas about men and women": "Ken je eigen onuitgesproken ideeën over mannen en vrouwen",
    "000 LSD: listen": "laat de medewerker vooral het eigen verhaal doen",
    "001 §3.2: speak freely": "vrijuit te zeggen wat de medewerker denkt of voelt",
    "000 LSD: probe": "Hoe was dat voor jou?",
    "001 §3.2: no discussion": "Ga niet in discussie en verdedig niets",
    "002: a positive or neutral tone": "Houd de toon positief of ten minste neutraal",
    "003: keep your own opinion out": "Laat je eigen commentaar en mening achterwege",
    "002: never persuade to stay": "Probeer de medewerker nooit over te halen om te blijven.",
    "000: probe negative experiences": "Had je daar last van?",
    "001 §2: translate experience into advice and check it": "Als ik je goed begrijp",
    "002: explain the purpose": "het doel: leren van de ervaringen van de medewerker",
    "002: confidentiality": "dat het gesprek vertrouwelijk is",
    "001 §3.1: a short record, for the board only with consent": "dat het bestuur alleen leest als de medewerker",
    "002: summarise at the end": "Vat het gesprek kort samen.",
    "002: put the employee at ease": "Stel de medewerker op het gemak",
    "002: how the information is processed and kept": "hoe de antwoorden worden verwerkt en bewaard",
    "001 §4: appreciation, where they excelled": "waarin je de medewerker zag uitblinken",
    "001 §2, 002: thank them and sincerely wish them well": "wens oprecht veel succes met wat er nu komt",
}


async def test_a_dutch_interviewer_reads_every_line_of_the_guidance_beside_the_questionnaire(case, http, people):
    await invited(case)
    interviewer_email = unique_email("ilse")
    hr = await people(unique_email("hr"), ["hr"])
    interviewer = await people(interviewer_email, ["interviewer"], language="nl")
    await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": interviewer_email})

    page = await interviewer.get(f"/interviews/{case.id}/preparation")
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    missing = {source: line for source, line in GUIDE_IN_DUTCH.items() if line not in text}
    assert not missing, f"guidance lines missing from the guide: {missing}"
