"""The first run in a real browser (Chromium, driven by Playwright) against the web app as it is run
(``python -m web.serve``, a process of its own) on a fresh installation: the sign-in page leads to the setup
page; without the setup code nothing is made; with it the first admin/HR account is made and signed in; then
the setup page is gone. The setup code is read where ``make run`` prints it from: the data folder.

Needs Debian's Chromium at /usr/bin/chromium (``make browser`` installs it); skipped without it."""

import os
from pathlib import Path

import pytest

from tests.support import free_port
from tests.support.environment import fresh_database
from tests.support.process import start, wait_answering

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

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (run `make browser`)"
    ),
    # A database of the run's kind of its own: the PostgreSQL run runs it too.
    pytest.mark.database,
]


@pytest.fixture
def empty_database(tmp_path):
    with fresh_database(tmp_path, "fresh_install") as url:
        yield url


@pytest.fixture
async def fresh_web(dev_server_env, empty_database, tmp_path):
    """The web app on a database without any account, with the setup code kept in its data folder."""
    data = tmp_path / "data"
    port = free_port()
    url = empty_database
    env = {
        **os.environ,
        "OFFBOARDING_DATABASE_URL": url,
        "OFFBOARDING_DATA_DIR": str(data),
        "OFFBOARDING_TEMPORAL_ADDRESS": dev_server_env.client.service_client.config.target_host,
        "OFFBOARDING_WEB_PORT": str(port),
        "OFFBOARDING_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "OFFBOARDING_SETUP_CODE": "",
    }
    web = start("web", env, tmp_path / "web.log")
    url_base = f"http://127.0.0.1:{port}"
    try:
        await wait_answering(f"{url_base}/health/live", alive=[web])
        yield url_base, data
    finally:
        web.stop()


async def test_the_first_account_is_made_in_the_browser_with_the_setup_code_only(fresh_web):
    from playwright.async_api import async_playwright

    url, data = fresh_web
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(locale="en-GB")).new_page()
            await page.goto(f"{url}/")
            assert "/login" in page.url
            assert "make run" in await page.locator("#first-run").inner_text()
            async with page.expect_navigation():
                await page.click("#setup-link")
            assert page.url.endswith("/setup")
            await page.screenshot(path=str(SHOTS / "first-run-setup.png"), full_page=True)

            async def fill(code: str) -> None:
                await page.fill("#setup-code", code)
                await page.fill("#setup-name", "Hanna de Haan")
                await page.fill("#setup-email", "hanna@example.org")
                await page.select_option("#setup-language", "en")
                await page.fill("#setup-password", "een lang wachtwoord")
                await page.fill("#setup-again", "een lang wachtwoord")
                async with page.expect_navigation():
                    await page.click("#setup-form button[type=submit]")

            # Without the setup code: refused, nothing made, the page stays.
            await fill("AAAAA-BBBBB-CCCCC-DDDDD")
            assert "/setup" in page.url
            assert "not the setup code" in await page.locator("#setup-code-error").inner_text()
            assert await page.locator("#setup-name").input_value() == "Hanna de Haan"

            # With the code that `make run` printed (kept in the data folder): the first admin, signed in.
            code = (data / "setup_code").read_text().strip()
            await fill(code)
            assert page.url.endswith("/dashboard"), page.url
            await page.screenshot(path=str(SHOTS / "first-run-dashboard.png"), full_page=True)
            session = await page.request.get(f"{url}/api/session")
            assert session.ok and set((await session.json())["roles"]) == {"hr", "admin"}

            # Now the setup page is gone, for everyone, code or not.
            gone = await page.goto(f"{url}/setup")
            assert gone.status == 404
            stranger = await (await browser.new_context()).new_page()
            assert (await stranger.goto(f"{url}/setup")).status == 404
            await stranger.goto(f"{url}/login")
            assert await stranger.locator("#first-run").count() == 0
        finally:
            await browser.close()
