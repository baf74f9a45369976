"""`offboarding demo` on an empty installation: the real Temporal dev server, a worker, the mail sink and the web app.

The filled installation's HR dashboard is also opened in Chromium (Playwright) at desktop width and kept as
``test-artifacts/screenshots/hr-dashboard.png``: the README shows that picture (docs/screenshots/), so it is made
here, from the demo, and not by hand. Without Debian's Chromium at /usr/bin/chromium (``make browser``) that last
step is skipped."""

import asyncio
import html
import re
from contextlib import asynccontextmanager
from datetime import date

import pytest
import uvicorn

from db.engine import create_engine, create_sessionmaker
from reports import periods
from reports import service as reports
from tests.support import eventually, free_port, serve
from tests.support.auth import another_client, sign_in
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, SHOTS
from tests.support.cli import offboarding, offboarding_in_thread
from tests.support.environment import fresh_database
from web.app import create_app
from worker import build_worker

ACCOUNT_LINE = re.compile(
    r"^  (hr|manager|custodian|interviewer|reviewer|admin)\s+.+?\s(\S+@example\.org)\s+(demo-\S+)$", re.MULTILINE
)

# What each role's landing page shows of the demo organisation: someone from their own lists.
LANDING = {
    "hr": ["7 lopende dossiers", "thijs.vandijk@example.org"],
    "manager": ["Thijs van Dijk"],
    "custodian": ["Laptop", "Thijs van Dijk"],
    "interviewer": ["Jeroen de Boer", "Fleur Hendriks"],
    "reviewer": [periods.report_id(*periods.period_just_ended(date.today(), "quarter"))],
    "admin": ["hanna.dehaan@example.org", "marieke.bos@example.org"],
}

# The demo's open cases on HR's dashboard: the interviews by state (the registered and the overdue case have
# invitations out too), in the words the dashboard uses.
PIPELINE = {
    "awaiting_hr": "1 Wacht op HR",
    "invited": "3 Uitgenodigd",
    "scheduled": "1 Ingepland",
    "held": "1 Gehouden",
    "declined": "1 Afgeslagen",
}
ERROR_RED = "rgb(180, 35, 24)"  # --error in web/static/style.css


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def empty_settings(settings, tmp_path, task_queue):
    """Settings on a database of this test's own, empty (the run's shared one holds other tests' cases)."""
    with fresh_database(tmp_path, "demo") as url:
        yield settings.model_copy(update={"database_url": url, "task_queue": task_queue})


@pytest.fixture
async def demo_sessions(empty_settings):
    engine = create_engine(empty_settings.database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


def demo_env(dev_server_env, settings) -> dict[str, str]:
    return {
        "OFFBOARDING_TEMPORAL_ADDRESS": dev_server_env.client.service_client.config.target_host,
        "OFFBOARDING_TASK_QUEUE": settings.task_queue,
        "OFFBOARDING_DATABASE_URL": settings.database_url,
        "OFFBOARDING_DATA_DIR": str(settings.data_dir),
        "OFFBOARDING_PUBLIC_URL": "http://offboarding.test",
    }


async def test_the_demo_gives_every_role_a_page_to_look_at(dev_server_env, empty_settings, demo_sessions, mail_store):
    env = demo_env(dev_server_env, empty_settings)
    async with build_worker(dev_server_env.client, empty_settings, demo_sessions):
        filled = await offboarding_in_thread(["demo"], env)
        assert filled.exit_code == 0, filled.output

        accounts = {role: (email, password) for role, email, password in ACCOUNT_LINE.findall(filled.stdout)}
        assert set(accounts) == set(LANDING), filled.stdout
        assert "14 departures" in filled.stdout and "under review" in filled.stdout

        async with serve(empty_settings, dev_server_env.client) as http:
            for role, shown in LANDING.items():
                email, password = accounts[role]
                async with another_client(http) as browser:
                    await sign_in(browser, email, password)
                    page = await browser.get("/", follow_redirects=True)
                    assert page.status_code == 200, (role, page.text[:500])
                    missing = [text for text in shown if text not in visible_text(page.text)]
                    assert not missing, f"{role}'s landing page {page.url} lacks {missing}"
            async with another_client(http) as reviewer:
                await sign_in(reviewer, *accounts["reviewer"])
                quarter = periods.period_just_ended(date.today(), "quarter")
                report = await reviewer.get(f"/reports/{periods.report_id(*quarter)}")
                assert (
                    report.status_code == 200 and f"Rapportage exitgesprekken {periods.label(*quarter)}" in report.text
                ), report.text[:500]

        async with demo_sessions() as session:
            listed = await reports.list_reports(session)
        assert [row.status for row in listed] == ["in_review"]
        review = await reports.review_view(dev_server_env.client, listed[0].id)
        assert review.findings and review.actions

        purposes = {part for mail in mail_store.all() for part in mail.purpose.split(":")}
        assert {
            "announcement",
            "task_overdue",
            "interview_thank_you",
            "interview_declined",
            "case_closed",
            "case_withdrawn",
            "report_ready",
        } <= purposes, purposes

        again = await offboarding_in_thread(["demo"], env)
        assert again.exit_code == 5
        assert "already has cases" in again.stderr

    if not CHROMIUM.exists():
        pytest.skip(
            "the demo is checked; Chromium is not installed at /usr/bin/chromium for the dashboard's screenshot (run `make browser`)"
        )
    await hr_dashboard_in_chromium(empty_settings, dev_server_env.client, *accounts["hr"])


@asynccontextmanager
async def web_app_on_a_port(settings, client):
    """The web app under uvicorn on a free port of its own, for a browser to reach."""
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    app = create_app(settings.model_copy(update={"public_url": public_url}), client)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started, timeout=30, interval=0.1)
        yield public_url
    finally:
        server.should_exit = True
        await serving


async def hr_dashboard_in_chromium(settings, client, email: str, password: str) -> None:
    """HR signs in and looks at the dashboard at desktop width: the picture the README shows."""
    from playwright.async_api import async_playwright

    async with web_app_on_a_port(settings, client) as url, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
            page = await context.new_page()
            await page.goto(f"{url}/login")  # where the demo says to sign in
            await page.fill("input[name=email]", email)
            await page.fill("input[name=password]", password)
            async with page.expect_navigation():
                await page.click("main form button[type=submit]")
            assert page.url == f"{url}/dashboard", page.url
            SHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOTS / "hr-dashboard.png"))

            # What HR notices first: the open cases counted, each figure opening the list it counts.
            assert await page.locator("#figure-open").inner_text() == "7\nlopende dossiers"
            assert (await page.get_attribute("#figure-open", "href")).endswith("/cases?status=open")
            # The late tasks: their figure in red, and with whom they are.
            assert await page.locator("#figure-overdue").inner_text() == "3\ntaken over de uiterlijke datum"
            assert (
                await page.locator("#figure-overdue").evaluate("a => getComputedStyle(a).borderLeftColor") == ERROR_RED
            )
            late = await page.locator("#late-by-owner tbody tr").all_inner_texts()
            assert [re.sub(r"\s+", " ", row) for row in late] == [
                "thijs.vandijk@example.org 2",
                "HR (hr@example.org) 1",
            ], late
            # The interview pipeline of the open cases, each figure a link to the cases it counts.
            pipeline = page.locator("#pipeline a")
            shown = {
                (await a.get_attribute("href")).split("interview_status=")[1]: re.sub(r"\s+", " ", await a.inner_text())
                for a in await pipeline.all()
            }
            assert {state: shown[state] for state in PIPELINE} == PIPELINE, shown
            await page.click("#pipeline a[href$='interview_status=scheduled']")
            listed = await page.locator("main table tbody").inner_text()
            assert "Jeroen de Boer" in listed and "Fleur Hendriks" not in listed, listed
        finally:
            await browser.close()


async def test_without_a_worker_the_demo_says_to_start_one(dev_server_env, empty_settings):
    refused = await offboarding_in_thread(["demo"], demo_env(dev_server_env, empty_settings))
    assert refused.exit_code == 1
    assert f"no worker answers on task queue {empty_settings.task_queue}" in refused.stderr
    assert "make run" in refused.stderr


def test_without_temporal_the_demo_says_to_start_the_product(empty_settings):
    env = {
        "OFFBOARDING_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "OFFBOARDING_DATABASE_URL": empty_settings.database_url,
    }
    refused = offboarding(["demo"], env)
    assert refused.exit_code == 1
    assert "cannot reach Temporal" in refused.stderr and "start the product first (`make run`" in refused.stderr
