"""Who holds the exit interview and how they prepare, in a real browser (Chromium, driven by Playwright), against the
web app and a worker running as processes on the real Temporal dev server.

The employee asks for someone else through their invitation link; HR sees it and chooses the direct manager as the
fallback, with a reason, which an admin then finds in the audit log; HR assigns an interviewer after all, who prepares
on the preparation page (the career, where the employee excelled), opens the questionnaire with the conversation guide
beside it and finds the note again at the closing step. Each page is kept as a screenshot in
``test-artifacts/screenshots/``. Needs Debian's Chromium at /usr/bin/chromium; skipped without it."""

import uuid

import pytest

from cases import service
from models.registration import Registration
from tests.support import eventually, registration_data
from tests.support.auth import PASSWORD, make_account
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, Shots, link_in, mails_for, reload_until, sign_in, submit
from tests.support.case_driver import last_day_in, reach_agreed_time

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (run `make browser`)"
)


async def test_the_employee_asks_for_someone_else_hr_chooses_the_manager_and_the_interviewer_prepares(
    app_on_skipping_clock, sessions, mail_store, time_skipping_env, task_queue
):
    from playwright.async_api import async_playwright

    app, dev_server_env = app_on_skipping_clock, time_skipping_env

    suffix = uuid.uuid4().hex[:6]
    hr_email, admin_email = f"hanna-{suffix}@example.org", f"ruud-{suffix}@example.org"
    interviewer_email = f"noor-{suffix}@example.org"
    await make_account(sessions, hr_email, ["hr"], name="Hanna de Haan", language="nl", password=PASSWORD)
    await make_account(sessions, admin_email, ["admin"], name="Ruud Vermeulen", language="en", password=PASSWORD)
    await make_account(
        sessions, interviewer_email, ["interviewer"], name="Noor Smits", language="en", password=PASSWORD
    )
    data = registration_data(employee_id=f"P{suffix.upper()}", last_working_day=last_day_in(20))
    case_id = (await service.register(dev_server_env.client, Registration.model_validate(data), task_queue)).case_id
    reason = "Kleine vestiging: geen HR-collega zonder directe band beschikbaar"
    shots = Shots()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # The employee opens the invitation from the mail and asks for someone else.
            invitation = (await eventually(lambda: mails_for(mail_store, case_id, "interview:invitation"), timeout=60))[
                0
            ]
            employee = await (
                await browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
            ).new_page()
            await employee.goto(link_in(invitation, app, "invitation"))
            await employee.click("#other-interviewer summary")
            await employee.fill("#other-interviewer-reason", "Liever niet met iemand uit mijn eigen team")
            await shots.take(employee, "employee-asks-for-someone-else")
            await submit(employee, "#other-interviewer form button[type=submit]")
            assert "done=other_interviewer" in employee.url, await employee.content()
            assert "HR zoekt iemand anders voor het gesprek" in await employee.inner_text("#notice")
            assert await employee.locator("#proposed-slots form").count() >= 1, "the link still answers"

            # HR sees the request on the case page and chooses the direct manager as the fallback, with a reason.
            hr = await sign_in(browser, app, hr_email, "nl-NL")
            await hr.goto(f"{app.url}/cases/{case_id}")
            await reload_until(hr, "#other-interviewer-asked")
            assert "Liever niet met iemand uit mijn eigen team" in await hr.inner_text("#other-interviewer-asked")
            await hr.click("#assign-manager summary")
            assert "Je keuze en je reden komen in de auditlog." in await hr.inner_text("#assign-manager")
            await hr.fill("#assign-manager-reason", reason)
            await shots.take(hr, "hr-chooses-the-manager-with-a-reason")
            await submit(hr, "#assign-manager form button[type=submit]")
            assert "done=assigned" in hr.url, await hr.content()
            assert "als uitwijkmogelijkheid" in await hr.inner_text("#interviewer-is-manager")

            # An admin finds the choice and its reason in the audit log.
            admin = await sign_in(browser, app, admin_email, "en-GB")
            await admin.goto(f"{app.url}/admin/audit?action=interview.manager_chosen&subject={data['employee']['id']}")
            entries = await admin.inner_text("#audit-entries")
            assert "Direct manager chosen as the interviewer" in entries and reason in entries and hr_email in entries
            await shots.take(admin, "admin-audit-log-manager-chosen")

            # HR assigns an interviewer without a reporting line after all.
            await hr.click("#assign-interviewer summary")
            await hr.select_option("#assign-interviewer-select", interviewer_email)
            await submit(hr, "#assign-interviewer form button[type=submit]")
            assert "done=assigned" in hr.url

            # The interviewer prepares: the career, and where they saw the employee excel.
            interviewer = await sign_in(browser, app, interviewer_email, "en-GB")
            assert interviewer.url.endswith("/interviews")
            await submit(interviewer, f"a[href$='/interviews/{case_id}/preparation']")
            assert "1 March 2019" in await interviewer.inner_text("#career-start")
            assert "Controller" in await interviewer.inner_text("#career-titles")
            assert "Finance" in await interviewer.inner_text("#career-departments")
            await interviewer.fill("#excelled", "Zette de maandafsluiting strak neer; collega's kwamen graag bij haar.")
            await submit(interviewer, "#preparation button[type=submit]")
            assert "Your preparation is saved." in await interviewer.inner_text("#notice")
            await shots.take(interviewer, "interviewer-preparation")

            # The employee takes a time; from then on the questionnaire opens, with the guide beside it, and shows
            # the note again at the close.
            await reach_agreed_time(dev_server_env, case_id, data["employee"]["work_email"])
            await submit(interviewer, f"#preparation a[href$='/interviews/{case_id}']")
            guide = await interviewer.inner_text("#conversation-guide")
            assert "Never try to persuade them to stay." in guide and "If I understand you correctly" in guide
            assert "maandafsluiting" in await interviewer.inner_text("#excelled")
            await shots.take(interviewer, "interviewer-questionnaire-with-guide")
        finally:
            await browser.close()
