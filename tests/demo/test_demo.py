"""`offboarding demo` on an empty installation: the real Temporal dev server, a worker, the mail sink and the web app."""

import html
import re
import time
from datetime import date

import pytest

from db.engine import create_engine, create_sessionmaker
from reports import periods
from reports import service as reports
from tests.auth_support import another_client, sign_in
from tests.cli_support import offboarding, offboarding_in_thread
from tests.conftest import fresh_database
from tests.support import free_port, serve
from worker import build_worker

ACCOUNT_LINE = re.compile(r"^  (hr|manager|custodian|interviewer|reviewer|admin)\s+.+?\s(\S+@example\.org)\s+(demo-\S+)$", re.MULTILINE)

# What each role's landing page shows of the demo organisation: someone from their own lists.
LANDING = {
    "hr": ["7 lopende dossiers", "thijs.vandijk@example.org"],
    "manager": ["Thijs van Dijk"],
    "custodian": ["Laptop", "Thijs van Dijk"],
    "interviewer": ["Jeroen de Boer", "Fleur Hendriks"],
    "reviewer": [periods.report_id(*periods.period_just_ended(date.today(), "quarter"))],
    "admin": ["hanna.dehaan@example.org", "marieke.bos@example.org"],
}


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
        started = time.monotonic()
        filled = await offboarding_in_thread(["demo"], env)
        took = time.monotonic() - started
        assert filled.exit_code == 0, filled.output
        assert took < 90, f"the demo took {took:.0f}s"

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
                assert report.status_code == 200 and f"Rapportage exitgesprekken {periods.label(*quarter)}" in report.text, report.text[:500]

        async with demo_sessions() as session:
            listed = await reports.list_reports(session)
        assert [row.status for row in listed] == ["in_review"]
        review = await reports.review_view(dev_server_env.client, listed[0].id)
        assert review.findings and review.actions

        purposes = {part for mail in mail_store.all() for part in mail.purpose.split(":")}
        assert {"announcement", "task_overdue", "interview_thank_you", "interview_declined", "case_closed", "case_withdrawn", "report_ready"} <= purposes, purposes

        again = await offboarding_in_thread(["demo"], env)
        assert again.exit_code == 5
        assert "already has cases" in again.stderr


async def test_without_a_worker_the_demo_says_to_start_one(dev_server_env, empty_settings):
    refused = await offboarding_in_thread(["demo"], demo_env(dev_server_env, empty_settings))
    assert refused.exit_code == 1
    assert f"no worker answers on task queue {empty_settings.task_queue}" in refused.stderr
    assert "make run" in refused.stderr


def test_without_temporal_the_demo_says_to_start_the_product(empty_settings):
    env = {"OFFBOARDING_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}", "OFFBOARDING_DATABASE_URL": empty_settings.database_url}
    refused = offboarding(["demo"], env)
    assert refused.exit_code == 1
    assert "cannot reach Temporal" in refused.stderr and "start the product first (`make run`" in refused.stderr
