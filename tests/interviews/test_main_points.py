"""004: "koppel hoofdlijnen terug". Where the employee agreed, the manager is told by mail, in their own language,
that the main points of the exit interview are there, and reads them (and only them) on a page of their own; without
that consent, or once it is withdrawn, there is no mail and the page is refused. A manager who held the interview
as HR's fallback interviewer was there: no mail for them. The same after written answers, which also tell HR that they
are in; nobody held a conversation then, so the manager is told even where HR had chosen them as the interviewer."""

import re

import pytest

from privacy import retention
from tests.support import SAMPLE_RECORD
from tests.support.api import CONSENT, HR, MANAGER, at_agreed_time, invited
from tests.support.auth import another_client, csrf_token, unique_email
from tests.support.links import invitation_link, link_in
from tests.support.questionnaire import questionnaire_restored  # noqa: F401  (a fixture)
from workflows.case_notices import WRITTEN_ANSWERS, CaseNoticeWorkflow
from workflows.exit_interview import ExitInterviewWorkflow

RECORD = {**SAMPLE_RECORD, "went_well": "De koffie en de collega's."}
MAIN_POINTS = re.compile(r"http://offboarding\.test(/my/cases/[^/\s\"]+/main-points)")


async def _held(case, time_skipping_env, consent: dict) -> None:
    await at_agreed_time(case, time_skipping_env)
    response = await case.post("interview/record", {"actor": HR, "record": RECORD, "consent": consent})
    assert response.status_code == 200, response.text
    # The interview ends once the mails its record causes are out: after this, no mail is still on its way.
    await time_skipping_env.client.get_workflow_handle(ExitInterviewWorkflow.id_for(case.id)).result()


async def test_the_manager_is_told_and_reads_only_the_consented_main_points(case, browser, sessions, time_skipping_env):
    await _held(case, time_skipping_env, CONSENT)

    [mail] = case.mails("interview:main_points", to=MANAGER["email"])
    assert mail.subject == "Main points from the exit interview: Anouk de Vries"  # the manager reads English
    assert "Career paths." not in mail.text and "career path" not in mail.text.lower()  # the points stay on the page
    path = MAIN_POINTS.search(mail.text).group(1)
    assert path == f"/my/cases/{case.id}/main-points"

    manager = await browser(MANAGER["email"], ["manager"], sessions, language="en")
    page = await manager.get(path)
    assert page.status_code == 200 and 'id="main-points"' in page.text
    assert "Give people a career path." in page.text and "Career paths." in page.text
    assert "De koffie" not in page.text and "career_opportunity" not in page.text

    someone_else = await browser(unique_email("manager"), ["manager"], sessions)
    assert (await someone_else.get(path)).status_code == 404


async def _manager_interviews(case) -> None:
    """HR's fallback (004): the direct manager holds the interview, with HR's reason why no one else can."""
    await invited(case)
    assigned = await case.post(
        "interview/assign",
        {
            "actor": HR,
            "interviewer": {"name": "Bram Janssens", "email": MANAGER["email"], "language": "en"},
            "manager_reason": "Geen HR-collega zonder directe band beschikbaar",
        },
    )
    assert assigned.status_code == 200, assigned.text


async def test_a_manager_who_held_the_interview_gets_no_main_points_mail(case, browser, sessions, time_skipping_env):
    await _manager_interviews(case)
    await at_agreed_time(case, time_skipping_env)
    response = await case.post(
        "interview/record", {"actor": {**MANAGER, "role": "interviewer"}, "record": RECORD, "consent": CONSENT}
    )
    assert response.status_code == 200, response.text
    await time_skipping_env.client.get_workflow_handle(ExitInterviewWorkflow.id_for(case.id)).result()

    assert case.mails("interview:interview_thank_you", to=case.employee["email"])  # the record's mails are out
    assert case.mails("interview:main_points") == []
    # The consent still lets them read the main points on their page.
    manager = await browser(MANAGER["email"], ["manager"], sessions)
    assert (await manager.get(f"/my/cases/{case.id}/main-points")).status_code == 200


async def test_without_consent_no_mail_and_the_page_is_refused(case, browser, sessions, time_skipping_env):
    await _held(case, time_skipping_env, {**CONSENT, "share_with_manager": False})

    assert case.mails("interview:main_points") == []
    manager = await browser(MANAGER["email"], ["manager"], sessions)
    assert (await manager.get(f"/my/cases/{case.id}/main-points")).status_code == 404


async def test_a_withdrawn_consent_closes_the_page(case, http, browser, sessions, time_skipping_env):
    await _held(case, time_skipping_env, CONSENT)
    manager = await browser(MANAGER["email"], ["manager"], sessions)
    assert (await manager.get(f"/my/cases/{case.id}/main-points")).status_code == 200

    url = link_in((await case.wait_for_mail("interview:interview_thank_you", to=case.employee["email"]))[0])
    employee = another_client(http)
    page = await employee.get(url)
    done = await employee.post(f"{url}/revoke", data={"csrf_token": csrf_token(page.text), "confirmed": "yes"})
    assert done.status_code == 303
    await employee.aclose()

    assert (await manager.get(f"/my/cases/{case.id}/main-points")).status_code == 404


@pytest.mark.usefixtures("questionnaire_restored")
@pytest.mark.parametrize(
    ("share", "manager_interviewer"),
    [(True, False), (False, False), (True, True)],
    ids=["shared", "not-shared", "shared-manager-was-to-interview"],
)
async def test_written_answers_tell_hr_and_with_consent_the_manager(
    case, http, browser, sessions, time_skipping_env, share, manager_interviewer
):
    await invited(case)
    if manager_interviewer:
        await _manager_interviews(case)
    url = await invitation_link(case)
    employee = another_client(http)
    page = await employee.get(url)
    await employee.post(url + "/decline", data={"reason": "", "csrf_token": csrf_token(page.text)})
    token = csrf_token((await employee.get(url + "/questions")).text)
    written = await employee.post(
        url + "/questions", data={"most_important_advice": "Luister naar je mensen.", "csrf_token": token}
    )
    sent = await employee.post(
        written.headers["location"],
        data={
            "scope": "advice_only",
            "share_with_manager": "yes" if share else "no",
            "text_version": "2026-11",
            "csrf_token": token,
        },
    )
    assert sent.status_code == 303
    await employee.aclose()
    notice_id = CaseNoticeWorkflow.id_for(case.id, WRITTEN_ANSWERS)
    assert await time_skipping_env.client.get_workflow_handle(notice_id).result() == [None] * (2 if share else 1)
    assert notice_id in retention.workflow_ids(case.id)  # its history goes when the case's person is erased

    [to_hr] = await case.wait_for_mail("interview:written_answers", to="hr@example.org")
    assert to_hr.subject == "Schriftelijke antwoorden binnen: Anouk de Vries"  # HR's language, Dutch
    assert f"http://offboarding.test/cases/{case.id}/interview" in to_hr.text
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    assert (await hr.get(f"/cases/{case.id}/interview")).status_code == 200

    manager = await browser(MANAGER["email"], ["manager"], sessions)
    shown = await manager.get(f"/my/cases/{case.id}/main-points")
    if share:
        [to_manager] = await case.wait_for_mail("interview:main_points", to=MANAGER["email"])
        assert "Main points from the exit interview" in to_manager.subject
        assert shown.status_code == 200 and "Luister naar je mensen." in shown.text
    else:
        assert case.mails("interview:main_points") == []
        assert shown.status_code == 404
