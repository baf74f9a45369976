"""After the interview, in a real browser (Chromium, driven by Playwright) against the web app and a worker running as
processes on the real Temporal dev server: the manager follows the mail to the main points the employee agreed to share;
HR downloads the short record for the personnel file; the employee withdraws their consent through their link,
confirming first, and is mailed a confirmation while HR is told; the manager's page then is gone. Each page is kept
as a screenshot in ``test-artifacts/screenshots/``. Needs Debian's Chromium at /usr/bin/chromium; skipped without it."""

import io
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader

from cases import service
from models.actors import Actor, Role
from models.interview import SubmitInterview
from models.questionnaire import ConsentChoice, InterviewRecord
from models.registration import Registration
from tests.support import SAMPLE_RECORD, eventually, registration_data
from tests.support.auth import PASSWORD, make_account
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, Shots, link_in, mails_for, sign_in, submit
from tests.support.case_driver import last_day_in, reach_agreed_time

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (run `make browser`)"
)
MANAGER = "bram.janssens@example.org"


async def test_main_points_to_the_manager_a_record_for_the_file_and_a_confirmed_withdrawal(
    app_on_skipping_clock, sessions, mail_store, time_skipping_env, task_queue
):
    from playwright.async_api import async_playwright

    app, dev_server_env = app_on_skipping_clock, time_skipping_env

    suffix = uuid.uuid4().hex[:6]
    hr_email = f"hanna-{suffix}@example.org"
    await make_account(sessions, hr_email, ["hr"], name="Hanna de Haan", language="nl", password=PASSWORD)
    await make_account(sessions, MANAGER, ["manager"], name="Bram Janssens", language="en", password=PASSWORD)
    data = registration_data(employee_id=f"R{suffix.upper()}", last_working_day=last_day_in(20))
    client = dev_server_env.client
    case_id = (await service.register(client, Registration.model_validate(data), task_queue)).case_id
    await eventually(lambda: mails_for(mail_store, case_id, "interview:invitation"), timeout=60)
    # The interview is recorded from its agreed time on.
    await reach_agreed_time(dev_server_env, case_id, data["employee"]["work_email"])
    record = InterviewRecord.model_validate(
        {**SAMPLE_RECORD, "most_important_advice": "Geef mensen een loopbaanpad.", "went_well": "De koffie."}
    )
    await service.act(
        client,
        case_id,
        SubmitInterview(
            actor=Actor(email=hr_email, role=Role.HR),
            record=record,
            consent=ConsentChoice(scope="advice_only", share_with_manager=True, text_version="2026-11"),
        ),
    )
    shots = Shots()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # The manager follows the mail to the main points, and sees only those.
            [told] = await eventually(lambda: mails_for(mail_store, case_id, "interview:main_points"), timeout=60)
            manager = await sign_in(browser, app, MANAGER, "en-GB")
            points_url = f"{app.url}/my/cases/{case_id}/main-points"
            assert points_url in told.text
            response = await manager.goto(points_url)
            assert response.status == 200
            shown = await manager.inner_text("#main-points")
            assert "Geef mensen een loopbaanpad." in shown and "De koffie." not in await manager.content()
            await shots.take(manager, "manager-reads-the-main-points")

            # HR downloads the short record for the personnel file from the interview page.
            hr = await sign_in(browser, app, hr_email, "nl-NL")
            await hr.goto(f"{app.url}/cases/{case_id}/interview")
            async with hr.expect_download() as waiting:
                await hr.click("#personnel-record")
            download = await waiting.value
            pdf = PdfReader(io.BytesIO(Path(await download.path()).read_bytes()))
            text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
            assert "Exitgesprek: kort verslag" in text and "Geef mensen een loopbaanpad." in text
            assert "De koffie." not in text

            # The employee withdraws, after confirming, through the link in the thank-you mail.
            [thanks] = mails_for(mail_store, case_id, "interview:interview_thank_you")
            employee = await (
                await browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
            ).new_page()
            await employee.goto(link_in(thanks, app, "consent"))
            assert await employee.inner_text("#consent-manager") == "Ja"
            await submit(employee, "#revoke-form button[type=submit]")
            assert "Toestemming intrekken?" in await employee.inner_text("h1")
            await shots.take(employee, "employee-confirms-the-withdrawal")
            await submit(employee, "#revoke-confirm-form button[type=submit]")
            assert "done=revoked" in employee.url
            assert "ingetrokken" in await employee.inner_text("#consent-manager")
            assert "Ja" not in await employee.inner_text("#consent")
            await shots.take(employee, "employee-consent-withdrawn")
            recipients = await eventually(
                lambda: (
                    len(found := mails_for(mail_store, case_id, "consent_revoked")) == 2 and sorted(m.to for m in found)
                ),
                timeout=60,
            )
            assert recipients == sorted([thanks.to, "hr@example.org"])  # the employee, where the link went; HR

            # The manager's page is gone with the consent.
            assert (await manager.goto(points_url)).status == 404
        finally:
            await browser.close()
