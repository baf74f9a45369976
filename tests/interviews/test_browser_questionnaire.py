"""The organisation's questionnaire in a real browser (Chromium, driven by Playwright), as the people involved use
it: HR words a new version (a question of its own added, one dropped, and a warning before a question the reports
count goes); an interview is held with it while an older record still reads with the questions it was held with.
The employee notes answers beforehand through the invitation link and the interviewer sees them; an employee who
declines the conversation answers in writing instead, and the report counts it as written.

The web app and a worker run as processes against the Temporal dev server, the test database and the mail sink."""

import uuid
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from bench.seed_reports import closed_case, interview, record
from models.interview import AcceptSlot, AssignInterviewer
from models.registration import Person
from models.tables import Case, InterviewRecordRow
from questionnaires import store
from reports.tables import ReportRow
from tests.support import eventually
from tests.support.auth import PASSWORD, make_account
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, Shots, link_in, mails_for, sign_in, submit
from tests.support.case_driver import HR, CaseDriver
from tests.support.questionnaire import questionnaire_restored  # noqa: F401  (a fixture)
from tests.support.report import configure, seed_quarter, start_period

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (run `make browser`)"
    ),
    pytest.mark.usefixtures("questionnaire_restored"),
]


async def invitation_of(app, mail_store, case_id: str) -> str:
    mails = await eventually(lambda: mails_for(mail_store, case_id, "interview:invitation"), timeout=60)
    return link_in(mails[0], app, "invitation")


async def test_hr_words_a_new_version_an_interview_is_held_with_it_and_an_older_record_still_reads(
    app_on_skipping_clock, time_skipping_env, sessions, mail_store, task_queue
):
    app = app_on_skipping_clock
    from playwright.async_api import async_playwright

    suffix = uuid.uuid4().hex[:6]
    hr_email, interviewer_email = f"hanna-{suffix}@example.org", f"ilse-{suffix}@example.org"
    await make_account(sessions, hr_email, ["hr"], name="Hanna de Haan", language="nl", password=PASSWORD)
    await make_account(sessions, interviewer_email, ["interviewer"], name="Ilse Maes", language="nl", password=PASSWORD)
    # A record held with the version in use now, asking "Wat was je mooiste moment bij ons?".
    async with sessions.begin() as session:
        older = (await store.current(session)).number
        earlier = closed_case(closed_at=datetime.now(UTC), employee_name="Pieter Smit")
        session.add(earlier)
        await session.flush()
        session.add(
            interview(earlier, {**record(), "template_version": older, "answers": {"proudest_moment": "De verhuizing"}})
        )
    driver = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue)
    await invitation_of(app, mail_store, driver.case_id)
    await driver.act(
        AssignInterviewer(actor=HR, interviewer=Person(name="Ilse Maes", email=interviewer_email, language="nl"))
    )
    # The interview is recorded from its agreed time on.
    slot = (await driver.view()).interview.proposed_slots[0]
    await driver.act(AcceptSlot(actor=driver.employee, start=slot.start))
    await driver.reach_agreed_time()
    shots = Shots()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            hr = await sign_in(browser, app, hr_email, "nl-NL")
            await submit(hr, "nav a:has-text('Vragenlijst')")
            assert f"In gebruik: versie {older}." in await hr.locator("#current-version").inner_text()

            # A question of her own, without a key; the proudest moment goes; the English wording of another left out.
            proudest = hr.locator("fieldset.item", has=hr.locator("input[value='proudest_moment']"))
            await proudest.locator("input[type=checkbox]").check()
            new = hr.locator("#questions-list fieldset.item").last
            await new.locator("select[name$='.section']").select_option(label="1. Algemeen")
            await new.locator("select[name$='.kind']").select_option("text")
            await new.locator("input[name$='.label_nl']").fill("Wat neem je mee naar je nieuwe baan?")
            general = hr.locator("fieldset.item", has=hr.locator("input[value='looking_back']"))
            await general.locator("input[name$='.label_en']").fill("")
            await submit(hr, "#save-questionnaire")
            summary = await hr.locator("#error-summary").inner_text()
            assert "vraag in het engels: Schrijf de vraag in beide talen." in summary
            assert summary.count("Schrijf de vraag in beide talen.") == 2, summary  # the new one lacks it too
            await shots.take(hr, "hr-questionnaire-errors")
            general = hr.locator("fieldset.item", has=hr.locator("input[value='looking_back']"))
            await general.locator("input[name$='.label_en']").fill(
                "Overall, how do you look back on your time with us?"
            )
            await (
                hr.locator("input[value='Wat neem je mee naar je nieuwe baan?']")
                .locator("xpath=ancestor::fieldset[1]")
                .locator("input[name$='.label_en']")
                .fill("What do you take with you to your new job?")
            )

            # Dropping the recommend question first says what the reports would miss; HR keeps it after all.
            recommend = hr.locator("fieldset.item", has=hr.locator("input[value='recommend_score']"))
            await recommend.locator("input[type=checkbox]").check()
            await submit(hr, "#save-questionnaire")
            assert "Aanbevelingsscore" in await hr.locator("#emptied-figures").inner_text()
            await shots.take(hr, "hr-questionnaire-warning")
            recommend = hr.locator("fieldset.item", has=hr.locator("input[value='recommend_score']"))
            await recommend.locator("input[type=checkbox]").uncheck()
            await submit(hr, "#save-questionnaire")
            assert f"Bewaard als versie {older + 1}." in await hr.locator("#notice").inner_text()
            # Its key is made from its English wording, and kept from now on.
            assert await hr.locator("input[name$='.key'][value='what_do_you_take_with_you_to_your_new']").count() == 1

            # The interview is held with the new version.
            interviewer = await sign_in(browser, app, interviewer_email, "nl-NL")
            await interviewer.goto(f"{app.url}/interviews/{driver.case_id}")
            assert (
                f"Versie {older + 1} van de vragenlijst"
                in await interviewer.locator("#questionnaire-version").inner_text()
            )
            assert await interviewer.locator("textarea[name=proudest_moment]").count() == 0
            await interviewer.fill("textarea[name=what_do_you_take_with_you_to_your_new]", "Rust en overzicht.")
            await interviewer.check("input[name=recommend_score][value='8']")
            await shots.take(interviewer, "interviewer-new-version")
            await submit(interviewer, "#to-consent")
            assert interviewer.url.endswith("/consent"), await interviewer.content()
            await interviewer.check("input[name=scope][value=advice_and_experiences]")
            await interviewer.check("input[name=share_with_manager][value=no]")
            await submit(interviewer, "#submit-interview")
            assert "done=recorded" in interviewer.url

            await eventually(lambda: _record_of(sessions, driver.case_id), timeout=60)
            await hr.goto(f"{app.url}/cases/{driver.case_id}/interview")
            assert f"Versie {older + 1} van de vragenlijst" in await hr.locator("#record-version").inner_text()
            answers = await hr.locator("#own-answers").inner_text()
            assert "Wat neem je mee naar je nieuwe baan?" in answers and "Rust en overzicht." in answers
            await shots.take(hr, "hr-record-new-version")

            # The older record reads with the question it was held with, which the new version no longer asks.
            await hr.goto(f"{app.url}/cases/{earlier.id}/interview")
            assert f"Versie {older} van de vragenlijst" in await hr.locator("#record-version").inner_text()
            answers = await hr.locator("#own-answers").inner_text()
            assert "Wat was je mooiste moment bij ons?" in answers and "De verhuizing" in answers
            await shots.take(hr, "hr-record-older-version")
        finally:
            await browser.close()


async def _record_of(sessions, case_id: str):
    async with sessions() as session:
        query = select(InterviewRecordRow).where(InterviewRecordRow.case_id == case_id)
        return (await session.execute(query)).scalar_one_or_none()


async def test_the_employee_notes_answers_beforehand_and_the_interviewer_sees_them(
    app_on_skipping_clock, time_skipping_env, sessions, mail_store, task_queue
):
    app = app_on_skipping_clock
    from playwright.async_api import async_playwright

    interviewer_email = f"ilse-{uuid.uuid4().hex[:6]}@example.org"
    await make_account(sessions, interviewer_email, ["interviewer"], name="Ilse Maes", language="en", password=PASSWORD)
    driver = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue)
    link = await invitation_of(app, mail_store, driver.case_id)
    await driver.act(
        AssignInterviewer(actor=HR, interviewer=Person(name="Ilse Maes", email=interviewer_email, language="en"))
    )
    shots = Shots()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            employee = await (await browser.new_context(locale="nl-NL")).new_page()
            await employee.goto(link)
            await submit(employee, "#note-beforehand")
            assert await employee.locator("h1").inner_text() == "Noteer vooraf je antwoorden"
            await employee.fill("textarea[name=went_well]", "De vrijdagmiddagen met het team.")
            await employee.check("input[name=recommend_score][value='9']")
            await shots.take(employee, "employee-notes-beforehand")
            await submit(employee, "#save-answers")
            assert "Je notities zijn bewaard." in await employee.locator("#notice").inner_text()
            assert (
                await employee.locator("textarea[name=went_well]").input_value() == "De vrijdagmiddagen met het team."
            )
            await submit(employee, "a:has-text('Terug naar de uitnodiging')")
            assert await employee.locator("#proposed-slots form").count() > 0, "the times can still be chosen"
            # A time is agreed, and the interview reaches it: from then on the questionnaire opens.
            slot = (await driver.view()).interview.proposed_slots[0]
            await driver.act(AcceptSlot(actor=driver.employee, start=slot.start))
            await driver.reach_agreed_time()

            interviewer = await sign_in(browser, app, interviewer_email, "en-GB")
            await interviewer.goto(f"{app.url}/interviews/{driver.case_id}")
            assert await interviewer.locator("#employee-noted").count() == 1
            noted = await interviewer.locator("#went_well-noted").inner_text()
            assert "Noted beforehand by the employee:" in noted and "De vrijdagmiddagen met het team." in noted
            assert "9" in await interviewer.locator("#recommend_score-noted").inner_text()
            assert not await interviewer.is_checked("input[name=recommend_score][value='9']")
            await shots.take(interviewer, "interviewer-sees-the-notes")
        finally:
            await browser.close()
    async with sessions() as session:
        records = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == driver.case_id))
        ).all()
    assert records == [], "notes alone make no record"


async def test_a_decliner_answers_in_writing_and_the_report_counts_it_as_written(
    app, dev_server_env, sessions, settings, mail_store, task_queue
):
    from playwright.async_api import async_playwright

    hr_email = f"hanna-{uuid.uuid4().hex[:6]}@example.org"
    await make_account(sessions, hr_email, ["hr"], name="Hanna de Haan", language="en", password=PASSWORD)
    driver = await CaseDriver.start(dev_server_env, mail_store, sessions, task_queue)
    link = await invitation_of(app, mail_store, driver.case_id)
    shots = Shots()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            employee = await (await browser.new_context(locale="nl-NL")).new_page()
            await employee.goto(link)
            await employee.click("#decline summary")
            await submit(employee, "#decline button[type=submit]")
            assert await employee.locator("#answer-in-writing").count() == 1
            await submit(employee, "#answer-in-writing")
            assert await employee.locator("h1").inner_text() == "Schriftelijk antwoorden"
            await employee.check("input[name='experiences.work_organisation.rating'][value='2']")
            await employee.fill("textarea[name=most_important_advice]", "Maak de werkdruk bespreekbaar.")
            await employee.select_option("#primary-reason-select", "workload")
            await shots.take(employee, "employee-answers-in-writing")
            await submit(employee, "#save-answers")
            await employee.check("input[name=scope][value=advice_and_experiences]")
            await employee.check("input[name=share_with_manager][value=no]")
            await shots.take(employee, "employee-written-consent")
            await submit(employee, "#submit-written")
            assert "Bedankt voor je schriftelijke antwoorden." in await employee.locator("#notice").inner_text()

            # The case closes in a past quarter with others (four more answered in writing), and its report is made.
            await dev_server_env.client.get_workflow_handle(driver.case_id).terminate("the test closes it in 1977")
            await seed_quarter(sessions, date(1977, 1, 1), respondents=6, declined=5, written=4)
            async with sessions.begin() as session:
                case = await session.get(Case, driver.case_id)
                case.status, case.closed_at, case.department = (
                    "closed",
                    datetime.combine(date(1977, 1, 21), time(12), tzinfo=UTC),
                    "Finance",
                )
            await configure(sessions)
            report_id = (await start_period(dev_server_env, sessions, settings, task_queue, "1977-Q1")).report_id

            async def stored():
                async with sessions() as session:
                    return await session.get(ReportRow, report_id) is not None

            await eventually(stored, timeout=90)
            hr = await sign_in(browser, app, hr_email, "en-GB")
            await hr.goto(f"{app.url}/reports/{report_id}")
            page = await hr.locator("body").inner_text()
            # Five answered in writing, apart from six held, in the reader's language.
            assert "Answered in writing\n5" in page and "Held\n6" in page, page
            assert "Response rate: 69%" in page  # (6 + 5) of 16
            await shots.take(hr, "hr-report-counts-written")
        finally:
            await browser.close()
    async with sessions() as session:
        row = await _record_of(sessions, driver.case_id)
    assert row is not None and row.mode == "written" and row.primary_reason == "workload"
