"""The API as it ships (``api_trust_body_actor`` off): nothing without a session or a bearer token; a token acts
as its account with that account's roles, needs no CSRF token, and stops working when revoked, expired or
its account is switched off. Tokens are made, listed and revoked on the command line and by an admin."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from cli.main import app as cli_app
from config import Settings
from models.tables import Account, ApiToken, utcnow
from tests.auth_support import another_client, api_token, csrf_token, make_account, post_form, sign_in, token_client, unique_email
from tests.privacy_support import audit_entries
from tests.support import registration_data, serve
from tests.test_api_actions import HR, register

runner = CliRunner()
MANAGER = "bram.janssens@example.org"


@pytest.fixture
async def strict(settings, time_skipping_env, task_queue):
    """The web app with the shipped default: the body's actor is not trusted."""
    shipped = settings.model_copy(update={"task_queue": task_queue, "api_trust_body_actor": Settings.model_fields["api_trust_body_actor"].default})
    async with serve(shipped, time_skipping_env.client) as http:
        yield http


def test_the_body_is_not_trusted_unless_the_settings_say_so():
    assert Settings(_env_file=None).api_trust_body_actor is False


async def test_without_a_session_or_token_the_api_answers_401_asking_for_a_bearer_token(strict):
    answers = [
        await strict.get("/api/cases"),
        await strict.get("/api/cases/offboarding-x-2027-01-04"),
        await strict.post("/api/cases", json=registration_data()),
        await strict.post("/api/cases/offboarding-x-2027-01-04/withdraw", json={"actor": HR, "reason": "x"}),
        await strict.post("/api/cases/offboarding-x-2027-01-04/tasks/t1/complete", json={"actor": HR}),
        await strict.post("/api/cases/offboarding-x-2027-01-04/interview/accept", json={"nonsense": True}),
        await strict.get("/api/reports"),
        await strict.get("/api/session"),
    ]
    for response in answers:
        assert response.status_code == 401, (response.request.url, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "error=" not in response.headers["www-authenticate"]  # no token was sent, so none was wrong


async def test_a_token_acts_as_its_account_without_csrf(strict, sessions, worker, mail_store):
    hr_email = await make_account(sessions, unique_email("hr"), ["hr"])
    hr = token_client(strict, await api_token(sessions, hr_email))
    case = await register(hr, mail_store)
    task = next(t for t in (await case.live())["tasks"] if t["state"] == "open")

    listed = await hr.get("/api/cases")
    session = await hr.get("/api/session")
    someone_else = await case.post(f"tasks/{task['id']}/complete", {"actor": {"email": "hr@example.org", "role": "hr"}})
    done = await case.post(f"tasks/{task['id']}/complete", {"comment": "klaar"})

    assert listed.status_code == 200 and case.id in listed.text
    assert session.status_code == 200 and session.json()["email"] == hr_email and session.json()["roles"] == ["hr"]
    assert someone_else.status_code == 422 and ["body", "actor", "email"] in [e["loc"] for e in someone_else.json()["detail"]]
    assert done.status_code == 200, done.text
    assert done.json()["completed_by"] == hr_email
    # A program that still names its actor may keep doing so, as long as it is the token's own account.
    other = next(t for t in (await case.live())["tasks"] if t["state"] == "open")
    named = await case.post(f"tasks/{other['id']}/complete", {"actor": {"email": hr_email.upper(), "role": "hr"}})
    assert named.status_code == 200 and named.json()["completed_by"] == hr_email
    async with sessions() as db:
        used = (await db.execute(select(ApiToken).join(Account).where(Account.email == hr_email))).scalar_one()
    assert used.last_used_at is not None
    await hr.aclose()


async def test_a_managers_token_cannot_do_what_only_hr_may(strict, sessions, worker, mail_store):
    hr_email = await make_account(sessions, unique_email("hr"), ["hr"])
    hr = token_client(strict, await api_token(sessions, hr_email))
    case = await register(hr, mail_store)
    await make_account(sessions, MANAGER, ["manager"])
    manager = token_client(strict, await api_token(sessions, MANAGER))
    own_task = next(t for t in (await case.live())["tasks"] if t["assignee_email"] == MANAGER)

    refused = {
        "list cases": await manager.get("/api/cases"),
        "read the case": await manager.get(f"/api/cases/{case.id}"),
        "register": await manager.post("/api/cases", json=registration_data()),
        "withdraw": await manager.post(f"/api/cases/{case.id}/withdraw", json={"reason": "x"}),
        "withdraw as hr": await manager.post(f"/api/cases/{case.id}/withdraw", json={"actor": {"email": MANAGER, "role": "hr"}, "reason": "x"}),
        "read the interview": await manager.get(f"/api/cases/{case.id}/interview"),
        "change the policy": await manager.patch("/api/organisation/policy", json={}),
    }
    done = await manager.post(f"/api/cases/{case.id}/tasks/{own_task['id']}/complete", json={})

    for what, response in refused.items():
        assert response.status_code == 403, (what, response.text)
        assert "Anouk" not in response.text, what
    assert done.status_code == 200 and done.json()["completed_by"] == MANAGER
    assert (await hr.get(case.url)).json()["status"] == "open"
    await hr.aclose()
    await manager.aclose()


async def test_a_revoked_or_expired_token_or_a_switched_off_account_gets_401(strict, sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    revoked = await api_token(sessions, email, "revoked")
    expired = await api_token(sessions, email, "expired")
    other_email = await make_account(sessions, unique_email("hr"), ["hr"])
    switched_off = await api_token(sessions, other_email, "account off")
    from web.auth import api_tokens

    async with sessions() as session:
        await api_tokens.revoke(session, api_tokens.digest(revoked))
        await session.execute(update(ApiToken).where(ApiToken.id == api_tokens.digest(expired)).values(expires_at=utcnow() - timedelta(minutes=1)))
        await session.execute(update(Account).where(Account.email == other_email).values(active=False))
        await session.commit()

    for token in (revoked, expired, switched_off, "obt_made-up", "not even ours"):
        response = await strict.get("/api/cases", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert (await strict.get("/api/cases", headers={"Authorization": f"Bearer {await api_token(sessions, email, 'fresh')}"})).status_code == 200


async def test_a_wrong_token_is_not_made_good_by_a_session_cookie_or_by_trust_in_the_body(http, sessions):
    # ``http`` trusts the body; a request that brings a token is still judged by the token alone.
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    await sign_in(http, email)
    assert (await http.get("/api/cases")).status_code == 200

    wrong = await http.get("/api/cases", headers={"Authorization": "Bearer obt_wrong"})
    acting = await http.post("/api/cases/offboarding-x-2027-01-04/withdraw", json={"actor": HR, "reason": "x"}, headers={"Authorization": "Bearer obt_wrong"})

    assert wrong.status_code == acting.status_code == 401


async def test_a_session_without_its_csrf_header_is_refused_where_a_token_needs_none(strict, sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    browser = another_client(strict)
    await sign_in(browser, email)
    del browser.headers["X-CSRF-Token"]
    program = token_client(strict, await api_token(sessions, email))

    by_cookie = await browser.patch("/api/organisation/policy", json={})
    by_token = await program.patch("/api/organisation/policy", json={})

    assert by_cookie.status_code == 403
    assert by_token.status_code == 200, by_token.text
    await browser.aclose()
    await program.aclose()


def test_tokens_are_made_listed_and_revoked_on_the_command_line(settings, sessions):
    env = {"OFFBOARDING_DATABASE_URL": settings.database_url, "OFFBOARDING_DATA_DIR": str(settings.data_dir)}
    email = unique_email("integration")
    assert runner.invoke(cli_app, ["accounts", "add", "--email", email, "--name", "HR system", "--role", "hr", "--password", "a long enough password"], env=env).exit_code == 0

    created = runner.invoke(cli_app, ["accounts", "token", "create", email, "--name", "HR system", "--expires-days", "30"], env=env)
    no_account = runner.invoke(cli_app, ["accounts", "token", "create", unique_email("nobody"), "--name", "x"], env=env)
    too_long = runner.invoke(cli_app, ["accounts", "token", "create", email, "--name", "x", "--expires-days", "9999"], env=env)
    listed = runner.invoke(cli_app, ["accounts", "token", "list", email, "--json"], env=env)

    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("obt_") and len(token.splitlines()) == 1
    assert "shown only now" in created.stderr
    assert no_account.exit_code == 4 and too_long.exit_code == 2 and "--expires-days" in too_long.stderr
    [row] = json.loads(listed.stdout)
    assert row["name"] == "HR system" and row["state"] == "active" and row["account"] == email and row["expires_at"]
    assert token not in listed.stdout and token[4:16] not in listed.stdout

    revoked = runner.invoke(cli_app, ["accounts", "token", "revoke", row["id"]], env=env)
    unknown = runner.invoke(cli_app, ["accounts", "token", "revoke", "0123456789ab"], env=env)
    after = json.loads(runner.invoke(cli_app, ["accounts", "token", "list", "--json"], env=env).stdout)

    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert unknown.exit_code == 4
    assert next(r for r in after if r["id"] == row["id"])["state"] == "revoked"


async def test_an_admin_makes_a_token_sees_it_once_and_revokes_it(strict, sessions):
    admin = another_client(strict)
    await make_account(sessions, unique_email("admin"), ["admin"])
    admin_email = await make_account(sessions, unique_email("admin"), ["admin"])
    await sign_in(admin, admin_email)
    hr_email = await make_account(sessions, unique_email("hr"), ["hr"])

    made = await post_form(admin, "/admin/tokens", "/admin/tokens", {"email": hr_email, "name": "Payroll export", "expires_days": "90"})
    refused = await post_form(admin, "/admin/tokens", "/admin/tokens", {"email": hr_email, "name": "", "expires_days": "0"})

    assert made.status_code == 201
    token = made.text.split('<code id="token-value">', 1)[1].split("</code>", 1)[0]
    assert token.startswith("obt_")
    assert refused.status_code == 422
    program = token_client(strict, token)
    assert (await program.get("/api/cases")).status_code == 200

    page = await admin.get("/admin/tokens")
    assert "Payroll export" in page.text and token not in page.text  # shown once, never again
    from web.auth import api_tokens

    revoked = await admin.post(f"/admin/tokens/{api_tokens.digest(token)}/revoke", data={"csrf_token": csrf_token(page.text)})
    assert revoked.status_code == 303
    assert (await program.get("/api/cases")).status_code == 401
    # Both are in the audit log with the admin who did them; the token itself never is.
    issued = await audit_entries(sessions, action="api_token.issued", subject=hr_email)
    revoked_entries = await audit_entries(sessions, action="api_token.revoked", subject=hr_email)
    assert [(e.actor, e.detail["name"]) for e in issued + revoked_entries] == [(admin_email, "Payroll export")] * 2
    assert all(token not in str(e.detail) for e in issued + revoked_entries)
    # Only admins reach the page.
    hr = another_client(strict)
    await sign_in(hr, hr_email)
    assert (await hr.get("/admin/tokens")).status_code == 403
    for client in (admin, program, hr):
        await client.aclose()
