"""One whole case in a real browser (Chromium, driven by Playwright), as each role lives it.

The web app and a worker run as processes of their own against the real Temporal dev server, the test
database and the test's mail sink, as in production. HR signs in and registers the departure; the manager
ticks off the handover tasks; IT/facilities confirm the laptop came back; the employee opens the invitation
from the mail, accepts a time and then asks for an online conversation instead; HR assigns the interviewer and
moves the last working day to yesterday (first sending the form unchanged, which the case refuses, in Dutch);
the interviewer fills in the questionnaire (saved as a draft while
typing) and records it with the employee's consent; the employee opens their consent page from the thank-you
mail; the case closes. Before all that, HR adds a checklist template for the department and changes the policy,
meeting the error next to a value the policy does not allow. Each page is kept as a screenshot in
``test-artifacts/screenshots/``.

Needs Debian's Chromium at /usr/bin/chromium (``make browser`` installs it); skipped without it."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from organisation import checklists, store
from tests.support import eventually
from tests.support.auth import PASSWORD, make_account
from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Shots,
    link_in,
    mails_for,
    reload_until,
    sign_in,
    submit,
)
from tests.support.case_driver import last_day_in, reach_agreed_time

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (run `make browser`)"
)

MANAGER = "bram.janssens@example.org"
CUSTODIAN = "facilities@example.org"


@pytest.fixture
async def settings_restored(sessions, settings):
    """The walk changes the policy and adds a checklist template in the test database, which later tests share: put back."""
    async with sessions() as session:
        policy = (await store.load(session, settings)).policy
        before = {template.id for template in await checklists.all_templates(session)}
        await session.commit()
    yield
    async with sessions() as session:
        await store.update_policy(session, settings, policy)
        for template in await checklists.all_templates(session):
            if template.id not in before:
                await checklists.delete(session, template.id)
        await session.commit()


async def test_one_case_from_registration_to_closing_as_every_role_lives_it(
    app_on_skipping_clock, time_skipping_env, sessions, mail_store, settings_restored
):
    from playwright.async_api import async_playwright

    app = app_on_skipping_clock

    suffix = uuid.uuid4().hex[:6]
    hr_email, interviewer_email = f"hanna-{suffix}@example.org", f"ilse-{suffix}@example.org"
    await make_account(sessions, hr_email, ["hr"], name="Hanna de Haan", language="nl", password=PASSWORD)
    await make_account(sessions, MANAGER, ["manager"], name="Bram Janssens", language="en", password=PASSWORD)
    await make_account(sessions, CUSTODIAN, ["custodian"], name="Facilitair", language="nl", password=PASSWORD)
    await make_account(sessions, interviewer_email, ["interviewer"], name="Ilse Maes", language="en", password=PASSWORD)
    employee_id = f"B{suffix.upper()}"
    notice = date.today() - timedelta(days=20)
    shots = Shots()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # HR signs in (in Dutch), adds a checklist template for the department, then edits it.
            hr = await sign_in(browser, app, hr_email, "nl-NL")
            # HR starts on the dashboard.
            assert await hr.locator("h1").inner_text() == "Overzicht"
            department = f"Financiën {suffix}"
            await hr.click("nav a[href$='/settings/checklists']")
            assert await hr.locator("h1").inner_text() == "Checklists"
            await hr.click("a.button[href$='/settings/checklists/new']")
            await hr.fill("#name", f"Financiën {suffix}")
            await hr.fill("#department", department)
            await hr.fill("#items-0-title", "Kasbeheer overdragen")
            await hr.select_option("#items-0-assignee", "manager")
            await hr.fill("#items-0-due_working_days_before", "300")
            await submit(hr, "#save-template")
            assert "Vul een getal in van hoogstens 120." in await hr.inner_text(
                "#items-0-due_working_days_before-error"
            )
            await hr.fill("#items-0-due_working_days_before", "3")
            await submit(hr, "#save-template")
            assert "done=created" in hr.url, await hr.content()
            await hr.click(f"#checklist-templates a:text('Financiën {suffix}')")
            await hr.fill("#items-1-title", "Toegang tot de boekhouding intrekken")
            await hr.select_option("#items-1-assignee", "facilities")
            await hr.fill("#items-1-due_working_days_before", "0")
            await hr.set_viewport_size({"width": 390, "height": 844})  # as on a phone
            await shots.take(hr, "hr-edits-a-checklist-on-a-phone")
            await hr.set_viewport_size({"width": 1280, "height": 900})
            await submit(hr, "#save-template")
            assert "done=saved" in hr.url, await hr.content()
            assert "lopende dossiers houden hun taken" in await hr.inner_text("#notice")
            await shots.take(hr, "hr-checklists")

            # HR changes the policy: a value it does not allow is named next to its field.
            await hr.click("nav a[href$='/settings/policy']")
            await hr.fill("#interview_duration_minutes", "5")
            await submit(hr, "#save-policy")
            assert "Vul een getal in van minstens 15." in await hr.inner_text("#interview_duration_minutes-error")
            assert await hr.get_attribute("#interview_duration_minutes", "aria-invalid") == "true"
            await shots.take(hr, "hr-policy-error")
            await hr.fill("#interview_duration_minutes", "45")
            await hr.fill("#appreciation_token", "een boekenbon")
            await submit(hr, "#save-policy")
            assert "done=policy" in hr.url and "Het beleid is opgeslagen" in await hr.inner_text("#notice")

            # HR registers the departure.
            await hr.click("nav a[href$='/cases']")
            await hr.click("a.button[href$='/cases/new']")
            fields = {
                "employee.name": "Anouk de Vries",
                "employee.id": employee_id,
                "employee.work_email": f"{employee_id.lower()}@example.org",
                "employee.private_email": "anouk@example.net",
                "employee.department": department,
                "employee.job_title": "Controller",
                "employee.start_date": "2019-03-01",
                "departure.notice_date": notice.isoformat(),
                "departure.last_working_day": last_day_in(10).isoformat(),
                "manager.name": "Bram Janssens",
                "manager.email": MANAGER,
                "equipment.0.name": "Laptop",
                "extra_tasks": "Klantenlijst overdragen",
            }
            for name, value in fields.items():
                await hr.fill(f"[name='{name}']", value)
            await hr.select_option("[name='employee.language']", "nl")
            await hr.select_option("[name='manager.language']", "en")
            await shots.take(hr, "hr-registers-a-departure")
            await submit(hr, "#register-button")
            assert "notice=created" in hr.url, await hr.content()
            case_id = hr.url.split("/cases/")[1].split("?")[0]
            case_url = f"{app.url}/cases/{case_id}"
            await reload_until(hr, "#interview-panel")
            assert "Kasbeheer overdragen" in await hr.inner_text("table.tasks"), (
                "the new template's items are the case's tasks"
            )
            await shots.take(hr, "hr-case-page")

            # HR assigns the interviewer.
            await hr.select_option("#assign-interviewer-select", interviewer_email)
            await submit(hr, "#assign-interviewer form button[type=submit]")
            assert "done=assigned" in hr.url

            # The manager ticks off their handover tasks.
            manager = await sign_in(browser, app, MANAGER, "en-GB")
            assert manager.url.endswith("/my/tasks")
            await shots.take(manager, "manager-my-tasks")
            mine = f"form[action*='/my/tasks/{case_id}/'][action$='/complete'] button"
            assert await manager.locator(mine).count() >= 1
            await manager.fill(f"form[action*='/my/tasks/{case_id}/'] input[name=comment]", "Overgedragen aan het team")
            while await manager.locator(mine).count():
                await submit(manager, mine + " >> nth=0")
            assert "done=completed" in manager.url
            await manager.click(f"a[href$='/my/cases/{case_id}']")
            await shots.take(manager, "manager-team-departure")

            # IT/facilities confirm the laptop came back.
            custodian = await sign_in(browser, app, CUSTODIAN, "nl-NL")
            assert custodian.url.endswith("/equipment")
            await shots.take(custodian, "custodian-equipment-to-receive")
            returned = f"form[action*='/equipment/{case_id}/'][action$='/return'] button"
            while await custodian.locator(returned).count():
                await submit(custodian, returned + " >> nth=0")
            assert "done=returned" in custodian.url

            # The employee opens the invitation from the mail (in Dutch), accepts a time, then asks for an online one.
            invitation = (await eventually(lambda: mails_for(mail_store, case_id, "interview:invitation"), timeout=60))[
                0
            ]
            employee = await (
                await browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
            ).new_page()
            await employee.goto(link_in(invitation, app, "invitation"))
            assert await employee.locator("h1").inner_text() == "Je exitgesprek"
            await shots.take(employee, "employee-invitation")
            await submit(employee, "#proposed-slots form >> nth=0 >> button")
            assert "done=accepted" in employee.url
            await shots.take(employee, "employee-interview-agreed")
            ics = await employee.request.get(await employee.get_attribute("#download-ics", "href"))
            assert ics.ok and "BEGIN:VEVENT" in await ics.text()
            agreed = (
                datetime.fromisoformat(await employee.get_attribute("#agreed-time time", "datetime"))
                if await employee.locator("#agreed-time time").count()
                else None
            )
            # The answer used the link up; the confirmation mail brings a new one to change the time with.
            confirmation = (
                await eventually(lambda: mails_for(mail_store, case_id, "interview:interview_confirmed"), timeout=60)
            )[0]
            await employee.goto(link_in(confirmation, app, "invitation"))
            await employee.click("#propose summary")
            tomorrow = last_day_in(1)
            clock = (
                agreed or datetime.combine(tomorrow, datetime.min.time().replace(hour=13), ZoneInfo("Europe/Amsterdam"))
            ).astimezone(ZoneInfo("Europe/Amsterdam"))
            await employee.fill("#propose-day", tomorrow.isoformat())
            await employee.fill("#propose-at", clock.strftime("%H:%M"))
            await employee.check("#propose-online")
            await submit(employee, "#propose form button[type=submit]")
            assert "done=proposed" in employee.url, await employee.content()

            # Everything but the interview is settled: HR ticks off what is left and moves the last day to yesterday.
            await hr.goto(case_url)
            left = f"form[action*='/my/tasks/{case_id}/'][action$='/complete'] button"
            while await hr.locator(left).count():
                await submit(hr, left + " >> nth=0")
            await hr.click("#move-last-day summary")
            await submit(hr, "#move-last-day form button[type=submit]")  # still the current last day: refused, in Dutch
            assert "de laatste werkdag is al die datum" in await hr.inner_text("#action-error")
            await shots.take(hr, "hr-refusal-in-dutch")
            await hr.click("#move-last-day summary")
            await hr.fill("#move-day", (date.today() - timedelta(days=1)).isoformat())
            await hr.fill("#move-reason", "Resterend verlof opgenomen")
            await submit(hr, "#move-last-day form button[type=submit]")
            assert "done=moved" in hr.url, await hr.content()

            # At the agreed time the interviewer records the interview, with drafts saved while typing, and the
            # employee's consent.
            await reach_agreed_time(time_skipping_env, case_id)
            interviewer = await sign_in(browser, app, interviewer_email, "en-GB")
            assert interviewer.url.endswith("/interviews")
            await submit(interviewer, f"a[href$='/interviews/{case_id}']")
            for area, rating in [
                ("work_content", 4),
                ("working_conditions", 3),
                ("working_relations", 5),
                ("terms_of_employment", 2),
                ("work_organisation", 3),
            ]:
                await interviewer.check(f"input[name='experiences.{area}.rating'][value='{rating}']")
            await interviewer.fill(
                "textarea[name='experiences.work_content.comment']", "Boeiend werk, veel afwisseling."
            )
            await interviewer.select_option("#primary-reason-select", "career_opportunity")
            await interviewer.check("input[name=secondary_reasons][value=pay_and_benefits]")
            await interviewer.fill("textarea[name=went_well]", "Het team en de vrijheid.")
            await interviewer.fill("textarea[name=should_improve]", "Doorgroeimogelijkheden.")
            await interviewer.fill("textarea[name=most_important_advice]", "Geef mensen een loopbaanpad.")
            await interviewer.check("input[name=recommend_score][value='8']")
            for question, rating in [("felt_safe", 4), ("felt_at_home", 4), ("felt_valued", 3)]:
                await interviewer.check(f"input[name='belonging.{question}'][value='{rating}']")
            await interviewer.check("input[name='belonging.influences'][value=work_life_balance]")
            await interviewer.fill("textarea[name=remember_with_pleasure]", "De vrijdagmiddagen.")
            await interviewer.fill("textarea[name=advice_summary]", "Loopbaanpaden zichtbaar maken.")
            # A selector, not a script: the pages' Content-Security-Policy allows no eval.
            await interviewer.locator("form[data-autosave][data-saved]:not([data-saved=''])").wait_for(
                state="attached", timeout=15000
            )
            await interviewer.reload()  # the draft brings every answer back
            assert (
                await interviewer.locator("textarea[name=advice_summary]").input_value()
                == "Loopbaanpaden zichtbaar maken."
            )
            assert await interviewer.is_checked("input[name=recommend_score][value='8']")
            await shots.take(interviewer, "interviewer-questionnaire")
            await submit(interviewer, "#to-consent")
            assert interviewer.url.endswith("/consent"), await interviewer.content()
            await submit(interviewer, "#employee-language")  # turned to the employee, in their own language
            assert await interviewer.locator("h1").inner_text() == "Toestemming van Anouk de Vries"
            await interviewer.check("input[name=scope][value=advice_only]")
            await interviewer.check("input[name=share_with_manager][value=yes]")
            await shots.take(interviewer, "interviewer-consent")
            await submit(interviewer, "#submit-interview")
            assert "done=recorded" in interviewer.url, await interviewer.content()

            # The employee looks at their consent from the thank-you mail.
            thanks = (
                await eventually(lambda: mails_for(mail_store, case_id, "interview:interview_thank_you"), timeout=60)
            )[0]
            await employee.goto(link_in(thanks, app, "consent"))
            assert "Alleen het advies, geanonimiseerd" in await employee.inner_text("#consent-scope")
            await shots.take(employee, "employee-consent")

            # The manager now sees only the advice the employee agreed to share.
            await manager.goto(f"{app.url}/my/cases/{case_id}")
            assert "Geef mensen een loopbaanpad." in await manager.inner_text("#manager-feedback")
            assert "Het team en de vrijheid." not in await manager.content()

            # The last day is over and every step is settled: the case closes; HR reads the record.
            await hr.goto(case_url)
            await reload_until(hr, ".page-head .status-closed", timeout=60)
            await shots.take(hr, "hr-case-closed")
            await hr.goto(f"{case_url}/interview")
            assert "Het team en de vrijheid." in await hr.content()
            await shots.take(hr, "hr-interview-record")
            await hr.goto(f"{app.url}/cases?q={employee_id}")
            await shots.take(hr, "hr-dashboard")
        finally:
            await browser.close()
