"""A whole management review in a real browser (Chromium, driven by Playwright): a report of a past quarter made by
the worker the way the schedule makes it (``ReportWorkflow`` for the period; the schedule itself firing on the report
day, through a review to the next report made on schedule, is tests/reports/test_review_on_schedule.py's on the
time-skipping server, and the real Schedule is tests/reports/test_report_schedule.py's), mailed to the reviewer; the reviewer finds it
under "Reports", records a finding and gives an action to a colleague chosen from the accounts, sends it back to HR
with a remark (HR is mailed); the colleague notes progress and marks it done from "My tasks"; the reviewer approves;
the next quarter's report opens with the action and its state; the trends page shows a target group within a
department. The web app and a worker run as processes against the real Temporal dev server, the test database and
the mail sink."""

import uuid
from datetime import date, timedelta

import pytest

from models.report import ReportPolicy
from reports import settings_store
from reports.tables import ReportRow
from tests.support import eventually
from tests.support.auth import PASSWORD, make_account
from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Shots,
    reload_until,
    sign_in,
    submit,
)
from tests.support.report import seed_quarter, start_period

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (run `make browser`)"
)


async def test_a_reviewer_and_an_action_owner_carry_a_review_through_the_pages(
    app, dev_server_env, sessions, settings, task_queue, mail_store
):
    from playwright.async_api import async_playwright

    suffix = uuid.uuid4().hex[:6]
    reviewer = await make_account(
        sessions, f"bea-{suffix}@example.org", ["reviewer"], name="Bea Bestuur", language="nl", password=PASSWORD
    )
    async with sessions.begin() as session:
        await settings_store.update(session, ReportPolicy(reviewers=[{"email": reviewer, "language": "nl"}]))
    await seed_quarter(sessions, date(2018, 1, 1))
    owner = await make_account(
        sessions, f"olaf-{suffix}@example.org", ["manager"], name="Olaf Eigenaar", language="nl", password=PASSWORD
    )
    report_id = (await start_period(dev_server_env, sessions, settings, task_queue, "2018-Q1")).report_id

    async def stored():
        async with sessions() as session:
            return await session.get(ReportRow, report_id) is not None

    await eventually(stored, timeout=90)
    [ready] = await eventually(
        lambda: [m for m in mail_store.all() if m.purpose == "r1:report_ready" and m.to == reviewer], timeout=60
    )
    assert ready.attachments == ("application/pdf",) and f"/reports/{report_id}/review" in ready.text
    due = date.today() + timedelta(days=30)
    shots = Shots()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            board = await sign_in(browser, app, reviewer, "nl-NL")
            assert board.url.endswith("/reports")  # a reviewer starts at the reports
            await board.goto(f"{app.url}/my/tasks")
            await submit(board, "nav[aria-label='Hoofdmenu'] a:has-text('Rapportages')")
            row = board.locator("#reports tr", has_text="2018-Q1")
            assert "in_review" not in await row.inner_text()
            await submit(board, "#reports tr:has-text('2018-Q1') a:has-text('Bespreken')")
            await reload_until(board, "#finding-form")

            await board.fill("#finding", "Werkdruk in Finance valt op")
            await submit(board, "#finding-form button[type=submit]")
            assert "De bevinding is vastgelegd." in await board.locator("#notice").inner_text()

            await board.fill("#text", "Werkdruk in Finance onderzoeken")
            await board.select_option("#owner_email", owner)
            await board.fill("#due_date", due.isoformat())
            await shots.take(board, "reviewer-adds-an-action")
            await submit(board, "#action-form button[type=submit]")
            assert "De actie is toegevoegd" in await board.locator("#notice").inner_text()
            assert "Werkdruk in Finance onderzoeken" in await board.locator("#actions").inner_text()

            olaf = await sign_in(browser, app, owner, "nl-NL")
            await olaf.goto(f"{app.url}/my/tasks")
            card = olaf.locator("#review-actions li", has_text="Werkdruk in Finance onderzoeken")
            assert "2018-Q1" in await card.inner_text()
            await card.locator("textarea[name=note]").fill("Gesprekken met het team gepland")
            await submit(olaf, "#review-actions li button[type=submit]")
            assert "Je notitie over de voortgang staat bij de actie." in await olaf.locator("#notice").inner_text()
            await card.locator("textarea[name=note]").fill("Besproken; extra collega per 1 mei")
            await card.locator("input[name=done]").check()
            await shots.take(olaf, "owner-marks-the-action-done")
            await submit(olaf, "#review-actions li button[type=submit]")
            assert "De actie staat als afgerond" in await olaf.locator("#notice").inner_text()
            assert await olaf.locator("#review-actions").count() == 0

            await board.reload()
            await board.fill("#remark", "Graag eerst de respons per afdeling erbij")
            await submit(board, "#send-back-form button[type=submit]")
            assert "teruggestuurd" in await board.locator("#notice").inner_text()
            actions = await board.locator("#actions").inner_text()
            assert (
                "Gesprekken met het team gepland" in actions
                and "Besproken; extra collega per 1 mei" in actions
                and "Klaar (" in actions
            )
            await board.fill("#comment", "Akkoord, met dank aan HR")
            await submit(board, "#approve-form button[type=submit]")
            assert "De rapportage is goedgekeurd" in await board.locator("#notice").inner_text()
            assert await board.locator("#report-status").inner_text() == "Goedgekeurd"
            await shots.take(board, "reviewer-approved")

            # The next quarter's report opens with the action and how it went.
            await seed_quarter(sessions, date(2018, 4, 1))
            second = (await start_period(dev_server_env, sessions, settings, task_queue, "2018-Q2")).report_id
            await board.goto(f"{app.url}/reports")
            await reload_until(board, "#reports tr:has-text('2018-Q2')", timeout=90)
            await submit(board, "#reports tr:has-text('2018-Q2') a:has-text('Lezen')")
            assert second in board.url
            earlier = await board.locator("#earlier-actions").inner_text()
            assert "Werkdruk in Finance onderzoeken" in earlier and "2018-Q1" in earlier and "Klaar" in earlier
            summary = await board.locator("#summary").inner_text()
            assert "De acties uit eerdere rapportages zijn gedaan." in summary
            await shots.take(board, "next-report-shows-the-action")
            await board.goto(f"{app.url}/reports")
            await submit(board, "nav[aria-label='Hoofdmenu'] a:has-text('Trends')")
            assert await board.locator("h1").inner_text() == "Trends"
            # A target group within a department: both chosen in the form, both kept in the page it leads to.
            department = await board.locator("#department option").nth(1).get_attribute("value")
            group = await board.locator("#group option[value^='gender:']").first.get_attribute("value")
            await board.select_option("#department", department)
            await board.select_option("#group", group)
            await submit(board, "#trends-filter button[type=submit]")
            assert f"in {department}." in await board.locator("#trends-scope").inner_text()
            assert await board.locator("#department").input_value() == department
            assert await board.locator("#group").input_value() == group
            await shots.take(board, "trends-for-a-target-group-within-a-department")
        finally:
            await browser.close()
    approved = await eventually(lambda: [m for m in mail_store.all() if m.purpose == "r1:report_approved"], timeout=60)
    assert "Werkdruk in Finance onderzoeken" in approved[0].text
    [sent_back] = [m for m in mail_store.all() if m.purpose == "r1:sent_back:1"]
    assert "Graag eerst de respons per afdeling erbij" in sent_back.text
    async with sessions.begin() as session:
        await settings_store.update(session, ReportPolicy())
