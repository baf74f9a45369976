"""The interviewer prepares (001: "overloop voor jezelf de loopbaan … waar heb je hem/haar in zien uitblinken?"):
the career from the registrations, this one and the person's earlier ones, and a note on where they excelled that
the questionnaire's closing step shows again. Beside the questionnaire, the conversation guide. Only the assigned
interviewer and HR open it, and every sight of the note is on the audit log. In-process, on the time-skipping server."""

from datetime import date

import pytest
from sqlalchemy import select

from models.tables import Case, InterviewerPreparation
from tests.api_support import invited
from tests.auth_support import another_client, make_account, post_form, sign_in, unique_email
from tests.privacy_support import audit_entries


@pytest.fixture
async def people(http, sessions):
    made = []

    async def open_as(email: str, roles: list[str], language: str = "en"):
        client = another_client(http)
        made.append(client)
        await make_account(sessions, email, roles, language=language)
        await sign_in(client, email)
        return client

    yield open_as
    for client in made:
        await client.aclose()


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
    case, http, people, sessions
):
    await invited(case)
    await _earlier_post(sessions, case)
    interviewer_email = unique_email("ilse")
    hr = await people(unique_email("hr"), ["hr"])
    interviewer = await people(interviewer_email, ["interviewer"])
    await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": interviewer_email})

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
