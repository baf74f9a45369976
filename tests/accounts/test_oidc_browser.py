"""Signing in through a real OpenID Connect provider, in Chromium, the whole way.

The provider is the `oidc-provider` npm package under Debian's Node.js (installed by `make oidc-provider`
from tests/oidc/package-lock.json), started by the test. Like a conforming provider it puts only `sub` in the
ID token and gives the email at its UserInfo endpoint; it authenticates the app at its token endpoint as the
client is registered there: `client_secret_basic` (the default) or `client_secret_post`. The person clicks
"Sign in with your organisation account", signs in and consents at the provider's own pages, and lands signed
in at their start page. The browser reaches nothing but the two local servers."""

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.async_api import async_playwright

from tests.support import eventually, free_port, unique
from tests.support.auth import make_account
from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
OIDC_DIR = ROOT / "tests" / "oidc"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# An odd secret, as generated ones can be: Basic credentials must form-encode it (RFC 6749 §2.3.1).
CLIENT_SECRET = "s3cret:with%odd+chars"

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (run `make browser`)"
    ),
    pytest.mark.skipif(
        shutil.which("node") is None or not (OIDC_DIR / "node_modules" / "oidc-provider").exists(),
        reason="run `make oidc-provider`",
    ),
]


class Provider:
    """oidc-provider as a process of its own, with one client registration and the given accounts."""

    def __init__(self, workdir: Path, client: dict, accounts: dict) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "oidc-provider.log"
        env = {**os.environ, "PORT": str(self.port), "CLIENTS": json.dumps([client]), "ACCOUNTS": json.dumps(accounts)}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                ["node", "provider.mjs"], cwd=OIDC_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    async def ready(self) -> None:
        async def answers():
            assert self.process.poll() is None, f"oidc-provider exited:\n{self.log.read_text()}"
            try:
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"{self.issuer}/.well-known/openid-configuration")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(answers, timeout=30, interval=0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture
async def web(settings, time_skipping_env, sessions, tmp_path, request):
    """The web app on a port of its own, configured for a provider started with the client registration ``request.param``."""
    method = request.param
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    email = await make_account(sessions, f"{unique('hanna-')}@example.org", ["hr"], name="Hanna de Haan", language="nl")
    login = email.split("@")[0]
    registration = {
        "client_id": "offboarding",
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{public_url}/login/oidc/callback"],
        "token_endpoint_auth_method": method,
    }
    provider = Provider(
        tmp_path, registration, {login: {"email": email, "email_verified": True, "name": "Hanna de Haan"}}
    )
    try:
        await provider.ready()
        configured = settings.model_copy(
            update={
                "public_url": public_url,
                "oidc_issuer": provider.issuer,
                "oidc_client_id": "offboarding",
                "oidc_client_secret": CLIENT_SECRET,
                "oidc_token_auth_method": method,
            }
        )
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(configured, time_skipping_env.client), host="127.0.0.1", port=port, log_level="warning"
            )
        )
        serving = asyncio.create_task(server.serve())
        await eventually(lambda: server.started, timeout=30, interval=0.1)
        try:
            yield public_url, login, email
        finally:
            server.should_exit = True
            await serving
    finally:
        provider.stop()
        print(f"----- oidc-provider -----\n{provider.log.read_text(errors='replace')[-3000:]}")


@pytest.mark.parametrize("web", ["client_secret_basic", "client_secret_post"], indirect=True)
async def test_signing_in_at_the_organisations_provider_in_a_browser(web):
    public_url, login, email = web
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            # The two local servers only (the provider's sign-in page asks for a web font).
            await page.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1:") else route.abort(),
            )

            await page.goto(f"{public_url}/login?lang=en")
            await page.get_by_role("link", name="Sign in with your organisation account").click()

            # The provider's own pages: sign in, then allow the app to see the email address.
            await page.locator('input[name="login"]').fill(login)
            await page.locator('input[name="password"]').fill("any password")
            await page.get_by_role("button", name="Sign-in").click()
            await page.get_by_role("button", name="Continue").click()

            # HR lands on its dashboard.
            await page.wait_for_url(f"{public_url}/dashboard**", timeout=30_000)
            session = await page.evaluate("fetch('/api/session').then(answer => answer.json())")
        finally:
            await browser.close()

    assert session["email"] == email
    assert session["roles"] == ["hr"]
