"""What every answer carries (security headers, no caching of personal data), the cookies' flags over http and
https, the self-hosted API docs, and the bound on request bodies."""

import re
from pathlib import Path

import pytest

from tests.support import serve
from tests.support.auth import (
    PASSWORD,
    api_token,
    csrf_token,
    make_account,
    sign_in,
    token_client,
    unique_email,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "pages"
EVERYWHERE = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


def _csp(response) -> dict[str, str]:
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1]
        for part in (p.strip() for p in response.headers["content-security-policy"].split(";"))
        if part
    }


async def _answers(http, sessions) -> dict:
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    program = token_client(http, await api_token(sessions, email))
    answers = {
        "sign-in page": await http.get("/login"),
        "page redirecting to sign in": await http.get("/cases"),
        "error page": await http.get("/no/such/page"),
        "API refusal": await http.get("/api/cases", headers={"Authorization": "Bearer obt_wrong"}),
        "API answer": await program.get("/api/cases"),
        "API error": await program.get("/api/cases/offboarding-nobody-2027-01-04"),
        "static file": await http.get("/static/style.css"),
        "API docs": await http.get("/docs"),
        "employee link": await http.get("/invitation/forged-token"),
    }
    await program.aclose()
    return answers


async def test_every_answer_carries_the_security_headers(http, sessions):
    answers = await _answers(http, sessions)

    assert answers["API answer"].status_code == 200 and answers["static file"].status_code == 200
    for what, response in answers.items():
        for name, value in EVERYWHERE.items():
            assert response.headers.get(name) == value, (what, name)
        assert "camera=()" in response.headers["permissions-policy"], what
        assert "strict-transport-security" not in response.headers, what  # plain http: a browser would ignore it anyway
        policy = _csp(response)
        assert (
            policy["default-src"] == "'self'"
            and policy["frame-ancestors"] == "'none'"
            and policy["object-src"] == "'none'"
        ), what
        assert "unsafe-inline" not in response.headers["content-security-policy"], what
        assert "unsafe-eval" not in response.headers["content-security-policy"], what
        # Personal data is never kept by a cache; the static files may be.
        assert (response.headers.get("cache-control") == "no-store") == (what != "static file"), what


async def test_over_https_browsers_are_told_to_stay_on_https(settings, time_skipping_env):
    async with serve(
        settings.model_copy(update={"public_url": "https://offboarding.example.org"}), time_skipping_env.client
    ) as http:
        for url in ("/login", "/api/cases", "/static/style.css", "/nothing-here"):
            assert (await http.get(url)).headers["strict-transport-security"] == "max-age=31536000", url


async def test_a_report_page_may_use_its_own_inline_stylesheet_and_nothing_else(http, sessions):
    email = await make_account(sessions, unique_email("reviewer"), ["reviewer"])
    await sign_in(http, email)
    response = await http.get(
        "/reports/report-2026-01-01-2026-03-31"
    )  # none stored: the policy is the route's, whatever the answer
    pdf = await http.get("/reports/report-2026-01-01-2026-03-31.pdf")

    policy = _csp(response)
    assert (
        policy["default-src"] == "'none'"
        and "'unsafe-inline'" in policy["style-src"]
        and policy["form-action"] == "'none'"
    )
    assert "script-src" not in policy  # default-src 'none': no script at all
    assert "unsafe-inline" not in pdf.headers["content-security-policy"]
    # The report's review page is an ordinary page: its forms may post to this site.
    review = _csp(await http.get("/reports/report-2026-01-01-2026-03-31/review"))
    assert review["form-action"] == "'self'" and "'unsafe-inline'" not in review.get("style-src", "")


async def test_the_api_docs_come_from_this_site_with_no_inline_script(http):
    docs = await http.get("/docs")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", docs.text, re.S)

    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text
    assert scripts and all('src="/' in attributes and not body.strip() for attributes, body in scripts)
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', docs.text):
        assert (await http.get(asset)).status_code == 200, asset
    assert (await http.get("/redoc")).status_code == 404  # ReDoc would load from a CDN: not offered
    # The token a program uses can be tried from the docs: the schema describes the bearer scheme.
    schema = (await http.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["Token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["Token"]["description"],
    }


def test_no_page_template_has_inline_script_style_or_handler():
    """The pages' CSP allows no inline script or style: a template that brings one would break in the browser."""
    problems = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern, what in (
            (r"<script(?![^>]*\bsrc=)[^>]*>", "inline script"),
            (r"<style\b", "style element"),
            (r"\sstyle=", "style attribute"),
            (r"\son[a-z]+=", "event handler"),
            (r"javascript:", "javascript: URL"),
        ):
            if re.search(pattern, text, re.I):
                problems.append(f"{template.relative_to(TEMPLATES)}: {what}")
    assert not problems, problems


def _cookie(response, name: str) -> str:
    return next(value for value in response.headers.get_list("set-cookie") if value.startswith(f"{name}="))


@pytest.mark.parametrize(
    "public_url, prefix, secure",
    [("http://offboarding.test", "", False), ("https://offboarding.example.org", "__Host-", True)],
)
async def test_session_and_csrf_cookies_are_http_only_same_site_and_secure_over_https(
    settings, time_skipping_env, sessions, public_url, prefix, secure
):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    async with serve(settings.model_copy(update={"public_url": public_url}), time_skipping_env.client) as http:
        form = await http.get("/login")
        token = csrf_token(form.text)
        # Over https the test client (plain http underneath) holds Secure cookies back: send it as a browser would.
        signed = await http.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token},
            headers={"Cookie": f"{prefix}offboarding_csrf={token}"},
        )
        key = _cookie(signed, f"{prefix}offboarding_session").split(";", 1)[0].split("=", 1)[1]
        with_prefix = await http.get("/cases", headers={"Cookie": f"{prefix}offboarding_session={key}"})
        other_name = "offboarding_session" if prefix else "__Host-offboarding_session"
        without = await http.get("/cases", headers={"Cookie": f"{other_name}={key}"})

    assert signed.status_code == 303
    for cookie in (_cookie(form, f"{prefix}offboarding_csrf"), _cookie(signed, f"{prefix}offboarding_session")):
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert ("Secure" in cookie) is secure
    assert with_prefix.status_code == 200
    # Over https a cookie without the prefix (which a page over plain http could have set) opens nothing.
    assert without.status_code == 303


class Chunks:
    """A request body sent in pieces, counting how many the app asked for."""

    def __init__(self, total: int, size: int = 64 * 1024) -> None:
        self.total, self.size, self.sent = total, size, 0

    async def __aiter__(self):
        while self.sent < self.total:
            self.sent += self.size
            yield b"x" * self.size


async def test_a_body_larger_than_allowed_is_refused_with_413_before_it_is_read(http, sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    program = token_client(http, await api_token(sessions, email))
    limit = 1_048_576

    declared = Chunks(4 * limit)
    told = await program.post(
        "/api/cases",
        content=declared.__aiter__(),
        headers={"Content-Type": "application/json", "Content-Length": str(declared.total)},
    )
    streamed = Chunks(4 * limit)
    counted = await program.post(
        "/api/cases", content=streamed.__aiter__(), headers={"Content-Type": "application/json"}
    )
    page = await http.post(
        "/login",
        content=b"email=" + b"x" * (limit + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"},
    )
    small = await program.post("/api/cases", json={"employee": {}})

    assert told.status_code == 413 and "at most 1048576 bytes" in told.json()["detail"]
    assert declared.sent == 0  # refused on its Content-Length alone
    assert counted.status_code == 413 and "at most 1048576 bytes" in counted.json()["detail"]
    assert limit < streamed.sent < 2 * limit  # refused once past the bound, not after reading it all
    assert page.status_code == 413 and "larger than this page accepts" in page.text
    assert small.status_code == 422
    await program.aclose()


async def test_the_csv_import_takes_a_larger_body(http, sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    program = token_client(http, await api_token(sessions, email))
    csv = b"employee_id,name\n" + b"E1,x\n" * 400_000  # 2 MB: more than other routes take

    imported = await program.post("/api/imports/departures", content=csv, headers={"Content-Type": "text/csv"})
    elsewhere = await program.post("/api/cases", content=csv, headers={"Content-Type": "application/json"})

    assert imported.status_code not in (413, 401, 403)  # read, and judged on its rows
    assert elsewhere.status_code == 413
    await program.aclose()


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (run `make browser`)")
async def test_the_policy_breaks_nothing_in_a_real_browser(settings, time_skipping_env, sessions):
    """Chromium reports every resource, script or style the policy blocks; the sign-in page, an admin's page and
    Swagger UI (working: its operations listed and one opened) have none."""
    import asyncio

    import uvicorn
    from playwright.async_api import async_playwright

    from tests.support import free_port
    from web.app import create_app

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(settings.model_copy(update={"public_url": url}), client=time_skipping_env.client)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    email = await make_account(sessions, unique_email("admin"), ["admin"])
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
            )
            page = await browser.new_page()
            violations: list[str] = []
            page.on(
                "console",
                lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
            )
            await page.goto(f"{url}/login")
            await page.fill("#email", email)
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{url}/admin/accounts")
            await page.goto(f"{url}/admin/tokens")
            await page.goto(f"{url}/docs")
            await page.wait_for_selector(".opblock", timeout=15000)
            await page.locator(".opblock-summary").first.click()
            await page.wait_for_selector(".opblock-body", timeout=5000)
            operations = await page.locator(".opblock").count()
            background = await page.evaluate(
                "getComputedStyle(document.querySelector('.opblock-summary-method')).backgroundColor"
            )
            await browser.close()
    finally:
        server.should_exit = True
        await serving
    assert not violations, violations
    assert operations > 20
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # Swagger's stylesheet applies
