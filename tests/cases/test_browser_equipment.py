"""Property from registration to the final settlement, in a real browser (Chromium, driven by Playwright).

HR registers a departure with its items in rows (kind, asset tag, who takes it back; a row added for the lease
car, which goes back to the fleet manager's shared mailbox) and presses Enter to register. The fleet manager
opens their list of equipment to receive, in Dutch, and records the fuel card as lost; HR marks it on the case
page for the final settlement. The web app and a worker run as processes against the real Temporal dev server,
the test database and the test's mail sink."""

import uuid

import pytest

from accounts import store as accounts
from models.organisation import RoleMailbox
from organisation import mailboxes
from tests.support import eventually
from tests.support.auth import PASSWORD, make_account
from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Shots,
    mails_for,
    reload_until,
    sign_in,
    submit,
)
from tests.support.case_driver import last_day_in

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (run `make browser`)"
)


async def test_hr_registers_items_in_rows_the_fleet_manager_records_a_loss_and_hr_settles_it(app, sessions, mail_store):
    from playwright.async_api import async_playwright

    suffix = uuid.uuid4().hex[:6]
    hr_email, fleet_email = f"hanna-{suffix}@example.org", f"femke-{suffix}@example.org"
    fleet_box = f"wagenpark-{suffix}@example.org"
    await make_account(sessions, hr_email, ["hr"], name="Hanna de Haan", language="nl", password=PASSWORD)
    await make_account(sessions, fleet_email, ["manager"], name="Femke Wagenaar", language="nl", password=PASSWORD)
    async with sessions() as session:
        member = await accounts.by_email(session, fleet_email)
        await mailboxes.save(
            session, RoleMailbox(key=f"fleet-{suffix}", name="Wagenpark", email=fleet_box, language="nl"), [member.id]
        )
        await session.commit()
    employee_id = f"P{suffix.upper()}"
    shots = Shots()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            hr = await sign_in(browser, app, hr_email, "nl-NL")
            await hr.goto(f"{app.url}/cases/new")
            assert await hr.locator("fieldset.item-row").count() == 3
            assert fleet_box in await hr.locator("#custodians").inner_html(), "the shared mailboxes are offered"
            fields = {
                "employee.name": "Pieter Claes",
                "employee.id": employee_id,
                "employee.work_email": f"{employee_id.lower()}@example.org",
                "employee.department": "Verkoop",
                "employee.job_title": "Accountmanager",
                "departure.notice_date": last_day_in(0).isoformat(),
                "departure.last_working_day": last_day_in(20).isoformat(),
                "manager.name": "Bram Janssens",
                "manager.email": "bram.janssens@example.org",
                "equipment.0.name": "Laptop",
                "equipment.0.asset_tag": "NL-0412",
                "equipment.1.name": "Leaseauto",
                "equipment.1.asset_tag": "1-ABC-23",
                "equipment.1.custodian_email": fleet_box,
                "equipment.2.name": "Toegangspas",
            }
            for name, value in fields.items():
                await hr.fill(f"[name='{name}']", value)
            await hr.select_option("[name='equipment.0.kind']", "laptop")
            await hr.select_option("[name='equipment.1.kind']", "car")
            await hr.select_option("[name='equipment.2.kind']", "badge")

            # A fourth row, for the fuel card: what was typed stays.
            await submit(hr, "button[name=add_item_row]")
            assert await hr.locator("fieldset.item-row").count() == 4
            assert await hr.input_value("[name='equipment.1.custodian_email']") == fleet_box
            await hr.fill("[name='equipment.3.name']", "Tankpas")
            await hr.select_option("[name='equipment.3.kind']", "card")
            await hr.fill("[name='equipment.3.custodian_email']", fleet_box)
            await shots.take(hr, "hr-registers-items-in-rows")
            # Enter in a field registers, as the form's last button says (not "Add a row").
            async with hr.expect_navigation():
                await hr.press("[name='equipment.3.name']", "Enter")
            assert "notice=created" in hr.url, await hr.content()
            case_id = hr.url.split("/cases/")[1].split("?")[0]
            await reload_until(hr, "#case-equipment")
            items = await hr.inner_text("#case-equipment")
            assert "Leaseauto" in items and "#1-ABC-23" in items and "Wagenpark" in items

            told = await eventually(
                lambda: [m for m in mails_for(mail_store, case_id, "announcement") if m.to == fleet_box], timeout=60
            )
            assert "Leaseauto (1-ABC-23)" in told[0].text and "Tankpas" in told[0].text and "Laptop" not in told[0].text

            # The fleet manager: their list shows the car and the card, not the laptop; the card was lost.
            fleet = await sign_in(browser, app, fleet_email, "nl-NL")
            await fleet.goto(f"{app.url}/equipment")
            await reload_until(fleet, f"form[action*='/equipment/{case_id}/']")
            listed = await fleet.inner_text("#expected-equipment")
            assert "Leaseauto" in listed and "Tankpas" in listed and "Laptop" not in listed
            card_row = fleet.locator("#expected-equipment tr", has_text="Tankpas")
            await card_row.locator("select[name=outcome]").select_option("lost")
            await card_row.locator("input[name=note]").fill("Kwijtgeraakt bij het tanken")
            await shots.take(fleet, "fleet-manager-records-a-loss")
            async with fleet.expect_navigation():
                await card_row.locator("button[type=submit]").click()
            assert "done=returned" in fleet.url
            assert "Tankpas" not in await fleet.inner_text("#expected-equipment")
            assert "Kwijt" in await fleet.inner_text("#returned-equipment")

            # HR: the case page shows the loss; HR marks the card for the final settlement.
            await hr.goto(f"{app.url}/cases/{case_id}")
            await reload_until(hr, "details[id^=settle-]")
            settle = hr.locator("tr", has_text="Tankpas").locator("details[id^=settle-]")
            await settle.locator("summary").click()
            await settle.locator("input[name=note]").fill("€ 50 eigen risico")
            async with hr.expect_navigation():
                await settle.locator("button[type=submit]").click()
            assert "done=settlement" in hr.url
            row = await hr.locator("tr", has_text="Tankpas").inner_text()
            assert "Kwijt" in row and "Voor de eindafrekening: € 50 eigen risico" in row
            await shots.take(hr, "hr-marks-for-final-settlement")
        finally:
            await browser.close()
