"""The API as it ships (``api_trust_body_actor`` off): nothing without a session or a bearer token; a token acts
as its account with that account's roles, needs no CSRF token, and stops working when revoked, expired or
its account is switched off. Everyone makes their own tokens (the command line's operator makes them for anyone,
and is named whenever such a token is used); admins list and revoke every token but make none for others."""

import asyncio
import getpass
import json
import socket
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from accounts import store as accounts
from accounts import tokens as api_tokens
from cli.main import app as cli_app
from config import Settings
from models.tables import Account, ApiToken, utcnow
from privacy import audit
from privacy.audit import Auditor
from tests.support import registration_data, serve
from tests.support.api import HR, register
from tests.support.auth import (
    another_client,
    api_token,
    csrf_token,
    make_account,
    post_form,
    sign_in,
    token_client,
    unique_email,
)
from tests.support.privacy import audit_entries, interviewed_case

runner = CliRunner()
MANAGER = "bram.janssens@example.org"


@pytest.fixture
async def strict(settings, time_skipping_env, task_queue):
    """The web app with the shipped default: the body's actor is not trusted."""
    shipped = settings.model_copy(
        update={"task_queue": task_queue, "api_trust_body_actor": Settings.model_fields["api_trust_body_actor"].default}
    )
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
    assert someone_else.status_code == 422 and ["body", "actor", "email"] in [
        e["loc"] for e in someone_else.json()["detail"]
    ]
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
        "withdraw as hr": await manager.post(
            f"/api/cases/{case.id}/withdraw", json={"actor": {"email": MANAGER, "role": "hr"}, "reason": "x"}
        ),
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

    async with sessions() as session:
        await api_tokens.revoke(session, api_tokens.digest(revoked))
        await session.execute(
            update(ApiToken)
            .where(ApiToken.id == api_tokens.digest(expired))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        await session.execute(update(Account).where(Account.email == other_email).values(active=False))
        await session.commit()

    for token in (revoked, expired, switched_off, "obt_made-up", "not even ours"):
        response = await strict.get("/api/cases", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert (
        await strict.get("/api/cases", headers={"Authorization": f"Bearer {await api_token(sessions, email, 'fresh')}"})
    ).status_code == 200


async def test_a_wrong_token_is_not_made_good_by_a_session_cookie_or_by_trust_in_the_body(http, sessions):
    # ``http`` trusts the body; a request that brings a token is still judged by the token alone.
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    await sign_in(http, email)
    assert (await http.get("/api/cases")).status_code == 200

    wrong = await http.get("/api/cases", headers={"Authorization": "Bearer obt_wrong"})
    acting = await http.post(
        "/api/cases/offboarding-x-2027-01-04/withdraw",
        json={"actor": HR, "reason": "x"},
        headers={"Authorization": "Bearer obt_wrong"},
    )

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
    assert (
        runner.invoke(
            cli_app,
            [
                "accounts",
                "add",
                "--email",
                email,
                "--name",
                "HR system",
                "--role",
                "hr",
                "--password",
                "a long enough password",
            ],
            env=env,
        ).exit_code
        == 0
    )

    created = runner.invoke(
        cli_app, ["accounts", "token", "create", email, "--name", "HR system", "--expires-days", "30"], env=env
    )
    no_account = runner.invoke(cli_app, ["accounts", "token", "create", unique_email("nobody"), "--name", "x"], env=env)
    too_long = runner.invoke(
        cli_app, ["accounts", "token", "create", email, "--name", "x", "--expires-days", "9999"], env=env
    )
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


def _shown_token(page: str) -> str:
    return page.split('<code id="token-value">', 1)[1].split("</code>", 1)[0]


async def test_everyone_makes_their_own_token_sees_it_once_and_revokes_it(strict, sessions):
    manager_email = await make_account(sessions, unique_email("manager"), ["manager"])
    manager = another_client(strict)
    await sign_in(manager, manager_email)

    made = await post_form(manager, "/account/tokens", "/account/tokens", {"name": "My scripts", "expires_days": "90"})
    refused = await post_form(manager, "/account/tokens", "/account/tokens", {"name": "", "expires_days": "0"})

    assert made.status_code == 201
    token = _shown_token(made.text)
    assert token.startswith("obt_") and refused.status_code == 422
    program = token_client(strict, token)
    assert (await program.get("/api/session")).json()["email"] == manager_email
    page = await manager.get("/account/tokens")
    assert "My scripts" in page.text and token not in page.text  # shown once, never again
    # A token cannot make itself a successor, nor change the password.
    assert (
        await program.post("/account/tokens", data={"name": "successor", "expires_days": "3650"})
    ).status_code == 403

    revoked = await manager.post(
        f"/account/tokens/{api_tokens.digest(token)}/revoke", data={"csrf_token": csrf_token(page.text)}
    )
    assert revoked.status_code == 303
    assert (await program.get("/api/session")).status_code == 401
    [issued] = await audit_entries(sessions, action="api_token.issued", subject=manager_email)
    assert issued.actor == manager_email and issued.detail["name"] == "My scripts"
    for client in (manager, program):
        await client.aclose()


async def test_an_admin_sees_and_revokes_every_token_but_makes_none_for_another_account(strict, sessions):
    """An admin who could make a token for an HR account would read interviews under HR's name."""
    registration = await interviewed_case(sessions)
    admin_email = await make_account(sessions, unique_email("admin"), ["admin"])
    hr_email = await make_account(sessions, unique_email("hr"), ["hr"])
    hrs_own = await api_token(sessions, hr_email, "HR export script")
    admin = another_client(strict)
    await sign_in(admin, admin_email)

    # The form that made tokens for any account is gone; the own-tokens page ignores an account named in it.
    page = await admin.get("/admin/tokens")
    for_hr = await admin.post(
        "/admin/tokens",
        data={"email": hr_email, "name": "Payroll export", "expires_days": "90", "csrf_token": csrf_token(page.text)},
    )
    async with sessions() as session:
        hr_tokens = (
            (await session.execute(select(ApiToken.name).join(Account).where(Account.email == hr_email)))
            .scalars()
            .all()
        )
    assert for_hr.status_code == 405 and 'name="email"' not in page.text
    assert hr_tokens == ["HR export script"]

    own = await post_form(
        admin, "/account/tokens", "/account/tokens", {"email": hr_email, "name": "Payroll export", "expires_days": "90"}
    )
    program = token_client(strict, _shown_token(own.text))
    assert (await program.get("/api/session")).json()["email"] == admin_email

    # With their own token or their session, the admin reads no interview content: not the page, not the export.
    employee = registration.employee.id
    for client in (program, admin):
        for url in (f"/cases/{registration.case_id}/interview", f"/api/people/{employee}/export"):
            response = await client.get(url)
            assert response.status_code == 403, (url, response.status_code)
            assert "Het team" not in response.text
    assert await audit_entries(sessions, action="interview.read", subject=employee) == []
    assert await audit_entries(sessions, action="person.exported", subject=employee) == []

    # The admin sees every token, who made it, and revokes HR's.
    listed = await admin.get("/admin/tokens")
    assert "HR export script" in listed.text and hr_email in listed.text

    revoked = await admin.post(
        f"/admin/tokens/{api_tokens.digest(hrs_own)}/revoke", data={"csrf_token": csrf_token(listed.text)}
    )
    assert revoked.status_code == 303
    assert (await token_client(strict, hrs_own).get("/api/session")).status_code == 401
    [entry] = await audit_entries(sessions, action="api_token.revoked", subject=hr_email)
    assert entry.actor == admin_email
    # Only admins reach that page.
    hr = another_client(strict)
    await sign_in(hr, hr_email)
    assert (await hr.get("/admin/tokens")).status_code == 403
    for client in (admin, program, hr):
        await client.aclose()


async def test_no_one_signed_in_makes_a_token_for_another_account(sessions):

    hr_email = await make_account(sessions, unique_email("hr"), ["hr"])
    async with sessions() as session:
        hr = await accounts.by_email(session, hr_email)
        with pytest.raises(api_tokens.NotTheOwner):
            await api_tokens.issue(
                session, hr, "as HR", 30, made_by=Auditor(unique_email("admin"), frozenset({"admin"}))
            )
        with (
            audit.acting_as(Auditor("someone-else@example.org", frozenset({"hr", "admin"}))),
            pytest.raises(api_tokens.NotTheOwner),
        ):
            await api_tokens.issue(session, hr, "as HR", 30)


async def test_a_token_made_on_the_command_line_names_its_maker_whenever_it_reads(strict, sessions, settings):
    registration = await interviewed_case(sessions)
    hr_email = await make_account(sessions, unique_email("hr"), ["hr"])
    env = {"OFFBOARDING_DATABASE_URL": settings.database_url, "OFFBOARDING_DATA_DIR": str(settings.data_dir)}
    created = await asyncio.to_thread(
        runner.invoke, cli_app, ["accounts", "token", "create", hr_email, "--name", "Bulk export"], env=env
    )
    assert created.exit_code == 0, created.output
    by_cli = created.stdout.strip()
    own = await api_token(sessions, hr_email, "own")

    [issued] = await audit_entries(
        sessions,
        action="api_token.issued",
        subject=hr_email,
        actor=f"command line ({getpass.getuser()}@{socket.gethostname()})",
    )
    assert issued.actor_role == "command_line"
    listed = json.loads(
        (
            await asyncio.to_thread(runner.invoke, cli_app, ["accounts", "token", "list", hr_email, "--json"], env=env)
        ).stdout
    )
    assert {row["name"]: row["made_by"] for row in listed} == {"Bulk export": issued.actor, "own": hr_email}

    assert (await token_client(strict, by_cli).get(f"/cases/{registration.case_id}/interview")).status_code == 200
    assert (await token_client(strict, own).get(f"/cases/{registration.case_id}/interview")).status_code == 200
    first, second = await audit_entries(sessions, action="interview.read", subject=registration.employee.id)
    assert first.actor == f"{hr_email} (API token {api_tokens.digest(by_cli)[:12]} made by {issued.actor})"
    assert second.actor == f"{hr_email} (API token {api_tokens.digest(own)[:12]})"
