"""The first run in the browser: while no account exists, the setup page makes the first admin/HR account for
whoever holds the setup code; a wrong code opens nothing and is rate-limited; afterwards the page is gone.

In-process here (httpx against the app); tests/accounts/test_browser_first_run.py walks the same in Chromium."""

import re

import pytest

from accounts import first_run
from config.codes import new_setup_code
from tests.support import serve
from tests.support.auth import csrf_token
from tests.support.environment import fresh_database

CODE = "ABCDE-FGHJK-LMNPQ-RSTUV"
PASSWORD = "een lang wachtwoord"


@pytest.fixture
def empty_install(tmp_path, settings):
    """Settings on a database of its own without any account (the shared test database has many)."""
    with fresh_database(tmp_path, "first_run") as url:
        yield settings.model_copy(
            update={"database_url": url, "setup_code": CODE, "setup_limit_per_address": "3 per hour"}
        )


@pytest.fixture
async def web(empty_install, time_skipping_env):
    async with serve(empty_install, time_skipping_env.client) as client:
        yield client


def form(code: str, **overrides) -> dict:
    return {
        "code": code,
        "name": "Hanna de Haan",
        "email": "hanna@example.org",
        "language": "nl",
        "password": PASSWORD,
        "again": PASSWORD,
        **overrides,
    }


async def post_setup(web, data: dict):
    page = await web.get("/setup")
    return await web.post("/setup", data={**data, "csrf_token": csrf_token(page.text)})


async def test_the_sign_in_page_of_a_fresh_installation_leads_to_the_setup_page(web):
    page = await web.get("/login", headers={"Accept-Language": "en"})
    assert re.search(r'href="[^"]*/setup"', page.text)
    assert "make run" in page.text


async def test_without_the_right_code_no_account_is_made(web, empty_install, sessions):
    refused = await post_setup(web, form("WRONG-CODE0-00000-00000"))
    assert refused.status_code == 403
    assert "not the setup code" in refused.text or "niet de installatiecode" in refused.text
    refused = await post_setup(web, form(""))
    assert refused.status_code == 403
    assert (await web.get("/setup")).status_code == 200  # still open: nobody has set it up


async def test_the_right_code_makes_the_first_admin_and_signs_them_in_then_the_page_is_gone(web, empty_install):
    done = await post_setup(web, form(CODE.lower().replace("-", " ")))
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/dashboard"
    me = (await web.get("/api/session")).json()
    assert me["email"] == "hanna@example.org" and set(me["roles"]) == {"hr", "admin"} and me["language"] == "nl"
    assert (await web.get("/setup")).status_code == 404
    again = await web.post("/setup", data={**form(CODE, email="mallory@example.org"), "csrf_token": me["csrf_token"]})
    assert again.status_code == 404
    login = await web.get("/login?lang=en")
    assert not re.search(r'href="[^"]*/setup"', login.text)


async def test_a_bad_field_is_named_and_nothing_is_made(web):
    answer = await post_setup(web, form(CODE, password="kort", again="kort"))
    assert answer.status_code == 422
    assert 'id="setup-password-error"' in answer.text
    answer = await post_setup(web, form(CODE, email="not-an-address"))
    assert answer.status_code == 422 and 'id="setup-email-error"' in answer.text
    assert (await web.get("/setup")).status_code == 200


async def test_guessing_the_code_is_rate_limited_per_address(web):
    for _ in range(3):
        assert (await post_setup(web, form("GUESS"))).status_code == 403
    limited = await post_setup(web, form(CODE))
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert (await web.get("/setup")).status_code == 200  # even the right code waits: nothing was made


def test_codes_are_random_typable_and_compared_whatever_the_spelling():
    codes = {new_setup_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{5}(-[A-HJ-NP-Z2-9]{5}){3}", code)
    assert first_run.code_matches(" abcde fghjk-lmnpq rstuv ", CODE)
    assert not first_run.code_matches("ABCDE-FGHJK-LMNPQ-RSTUW", CODE)
    assert not first_run.code_matches("", "")


def test_without_a_setting_the_code_is_kept_in_the_data_folder(settings):
    kept = settings.model_copy(update={"setup_code": ""})
    code = kept.first_run_code()
    assert (settings.data_dir / "setup_code").read_text().strip() == code
    assert kept.first_run_code() == code
    assert (settings.data_dir / "setup_code").stat().st_mode & 0o077 == 0


def test_make_run_prints_the_setup_page_and_code_while_no_account_exists(empty_install):
    from launcher.operations import first_run_lines

    lines = first_run_lines(empty_install, "http://localhost:8000")
    assert any("http://localhost:8000/setup" in line and CODE in line for line in lines)
    assert any("make demo" in line for line in lines)


async def test_make_run_prints_no_setup_code_once_an_account_exists(empty_install, web):
    import asyncio

    from launcher.operations import first_run_lines

    assert (await post_setup(web, form(CODE))).status_code == 303
    assert await asyncio.to_thread(first_run_lines, empty_install, "http://localhost:8000") == []
