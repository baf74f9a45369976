"""The web app and a worker as processes of their own for the browser tests (the `app` fixture), Chromium's
settings, screenshots, and the steps a person takes in a page."""

import re
from pathlib import Path

import pytest

from tests.support import eventually
from tests.support.auth import PASSWORD
from tests.support.process import Parts

ROOT = Path(__file__).resolve().parents[2]


CHROMIUM = Path("/usr/bin/chromium")


SHOTS = ROOT / "test-artifacts" / "screenshots"


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class App(Parts):
    """The web app and a worker, each a process of its own, as the browser tests' ``app`` fixture runs them."""

    async def start_both(self) -> None:
        self.start("worker")
        self.start("web")
        await self.wait_answering(f"{self.url}/health")


async def running_app(env, settings, task_queue: str, workdir: Path, *, worker_process: bool = True):
    settings.signing_key()  # made once here, so the two processes share it
    running = App(settings, task_queue, env.client.service_client.config.target_host, workdir)
    try:
        if worker_process:
            await running.start_both()
        else:
            running.start("web")
            await running.wait_answering(f"{running.url}/health")
    except BaseException:
        running.stop()  # the process that did start must not outlive the test
        raise
    yield running
    running.stop()
    print(f"----- web -----\n{running.tail('web')}\n----- worker -----\n{running.tail('worker')}")


@pytest.fixture
async def app(dev_server_env, settings, task_queue, tmp_path):
    async for running in running_app(dev_server_env, settings, task_queue, tmp_path):
        yield running


@pytest.fixture
async def app_on_skipping_clock(time_skipping_env, settings, sessions, task_queue, tmp_path):
    """As ``app``, against the time-skipping server: for the tests that move on to an interview's agreed time, from
    which on it can be recorded (``env.sleep``); meanwhile its clock runs as the wall clock does. The worker runs in
    the test's process, with the web app's address for its links: that server has no schedules for a worker process
    to put."""
    from worker import build_worker

    async for running in running_app(time_skipping_env, settings, task_queue, tmp_path, worker_process=False):
        worker_settings = settings.model_copy(update={"public_url": running.url})
        async with build_worker(time_skipping_env.client, worker_settings, sessions, task_queue=task_queue):
            yield running


class Shots:
    def __init__(self) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.count = 0

    async def take(self, page, name: str) -> None:
        self.count += 1
        await page.screenshot(path=str(SHOTS / f"{self.count:02d}-{name}.png"), full_page=True)


async def sign_in(browser, app: App, email: str, locale: str):
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = await context.new_page()
    await page.goto(f"{app.url}/")
    assert "/login" in page.url
    return await submit_sign_in(page, email)


async def submit_sign_in(page, email: str):
    """Sign in on the sign-in page ``page`` shows, with the tests' password; the page, signed in."""
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    async with page.expect_navigation():
        await page.click("main form button[type=submit]")
    assert "/login" not in page.url, await page.content()
    return page


async def submit(page, selector: str) -> None:
    """Click a form's button and wait for the page the form leads to."""
    async with page.expect_navigation():
        await page.click(selector)


async def reload_until(page, selector: str, timeout: float = 60) -> None:
    async def present():
        await page.reload()
        return await page.locator(selector).count() > 0

    await eventually(present, timeout=timeout, interval=1.0)


def mails_for(mail_store, case_id: str, purpose: str) -> list:
    try:
        return [m for m in mail_store.all() if m.case_id == case_id and m.purpose.startswith(purpose)]
    except FileNotFoundError:
        return []


def link_in(mail, app: App, kind: str) -> str:
    match = re.search(re.escape(app.url) + rf"/{kind}/[A-Za-z0-9_.\-]+", mail.text)
    assert match, mail.text
    return match.group(0)
