"""People without an account do their part from their mail, in a real browser (Chromium, driven by Playwright).

The successor and the leaving employee each get the task mail with a link per task; they open it on a phone-sized
screen, in their own language, add a comment and mark the task done. The link then shows what was done and takes
no second answer; HR sees both on the case page, with the comments. The web app and a worker run as processes
against the real Temporal dev server, the test database and the test's mail sink."""

import re
import uuid

import httpx
import pytest

from tests.support import eventually
from tests.support.auth import PASSWORD, make_account
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, Shots, mails_for, sign_in
from tests.support.case_driver import last_day_in

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (run `make browser`)"
)

PHONE = {"width": 390, "height": 844}


def task_links(mail, base_url: str) -> dict[str, str]:
    """Each task the mail lists, with the link under it."""
    found = re.findall(
        r"^- (.+?) \((?:uiterlijk|due) [^)]*\)\r?\n\s+\S.*?(" + re.escape(base_url) + r"/task/[A-Za-z0-9_.\-]+)",
        mail.text,
        re.M,
    )
    return dict(found)


async def test_the_successor_and_the_leaving_employee_tick_off_their_tasks_from_the_mail(app, sessions, mail_store):
    from playwright.async_api import async_playwright

    suffix = uuid.uuid4().hex[:6]
    hr_email = f"hanna-{suffix}@example.org"
    await make_account(sessions, hr_email, ["hr"], name="Hanna de Haan", language="nl", password=PASSWORD)
    employee_id = f"L{suffix.upper()}"
    employee_email = f"{employee_id.lower()}@example.org"
    registration = {
        "employee": {
            "id": employee_id,
            "name": "Anouk de Vries",
            "work_email": employee_email,
            "language": "en",
            "department": "Sales",
            "job_title": "Account manager",
        },
        "departure": {
            "type": "resignation",
            "notice_date": last_day_in(0).isoformat(),
            "last_working_day": last_day_in(15).isoformat(),
        },
        "manager": {"name": "Bram Janssens", "email": "bram.janssens@example.org", "language": "nl"},
        "successor": {"name": "Sam Peeters", "email": f"sam-{suffix}@example.org", "language": "nl"},
        "extra_tasks": [
            {
                "title": "Klantenlijst overdragen",
                "assignee_email": f"sam-{suffix}@example.org",
                "due_days_before_last_day": 3,
            },
            {
                "title": "Hand over the customer passwords",
                "assignee_email": employee_email,
                "due_days_before_last_day": 2,
            },
        ],
    }
    async with httpx.AsyncClient(base_url=app.url) as api:
        login = await api.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
        assert (
            await api.post("/login", data={"email": hr_email, "password": PASSWORD, "csrf_token": token})
        ).status_code == 303
        csrf = (await api.get("/api/session")).json()["csrf_token"]
        created = await api.post("/api/cases", json=registration, headers={"X-CSRF-Token": csrf})
        assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    shots = Shots()

    def mail_to(address: str):
        return [m for m in mails_for(mail_store, case_id, "tasks_assigned") if m.to == address]

    successor_mail = (await eventually(lambda: mail_to(f"sam-{suffix}@example.org"), timeout=60))[0]
    employee_mail = (await eventually(lambda: mail_to(employee_email), timeout=60))[0]
    assert employee_mail.subject == "Your tasks before you leave", "the leaving employee is addressed, not spoken of"
    assert "Dear Anouk de Vries" in employee_mail.text and "is leaving the organisation" not in employee_mail.text

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # The successor: Dutch, on a phone, no account.
            successor = await (await browser.new_context(viewport=PHONE, locale="nl-NL")).new_page()
            links = task_links(successor_mail, app.url)
            assert "Klantenlijst overdragen" in links, successor_mail.text
            link = links["Klantenlijst overdragen"]
            await successor.goto(link)
            title = await successor.locator("h1").inner_text()
            assert title == "Klantenlijst overdragen"
            await shots.take(successor, "successor-task-from-mail")
            await successor.fill("#comment", "Lijst staat in het CRM onder 'overdracht'")
            async with successor.expect_navigation():
                await successor.click("#task-done-form button[type=submit]")
            assert "done=done" in successor.url
            assert "de taak is afgevinkt" in (await successor.inner_text("#notice")).lower()
            await shots.take(successor, "successor-task-done")
            # The link has done its one thing: opened again it says so, and a second answer is refused.
            again = await successor.request.post(link + "/done", form={"comment": "nog eens"}, max_redirects=0)
            assert again.status in (403, 410)
            reopened = await (await browser.new_context(viewport=PHONE, locale="nl-NL")).new_page()
            response = await reopened.goto(link)
            assert response.status == 410 and "Afgevinkt op" in await reopened.inner_text("#task-done")

            # The leaving employee: English (their language), the task given to them.
            employee = await (await browser.new_context(viewport=PHONE, locale="en-GB")).new_page()
            own = task_links(employee_mail, app.url)
            await employee.goto(own["Hand over the customer passwords"])
            assert await employee.locator("h1").inner_text() == "Hand over the customer passwords"
            await employee.fill("#comment", "Passwords are in the team vault")
            async with employee.expect_navigation():
                await employee.click("#task-done-form button[type=submit]")
            assert "done=done" in employee.url and "marked as done" in await employee.inner_text("#notice")
            await shots.take(employee, "employee-task-done")

            # HR sees both tasks done, by whom, with the comments, on the case page and its timeline.
            hr = await sign_in(browser, app, hr_email, "nl-NL")
            await hr.goto(f"{app.url}/cases/{case_id}")
            tasks = await hr.inner_text("#case-tasks")
            assert "Lijst staat in het CRM onder 'overdracht'" in tasks and "Passwords are in the team vault" in tasks
            assert f"sam-{suffix}@example.org" in tasks and employee_email in tasks
            timeline = await hr.inner_text("#timeline")
            assert title in timeline and "Hand over the customer passwords" in timeline
            await shots.take(hr, "hr-sees-tasks-done-from-mail")
        finally:
            await browser.close()
