"""Signing in: local accounts with argon2 passwords, server-side sessions in a cookie, CSRF tokens on every
form, the command that creates the first account, and who acts when the API is called with a session."""

import asyncio
import logging
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from cli.main import app as cli_app
from models.tables import Account, WebSession, utcnow
from tests.support import registration_data, serve
from tests.support.api import register as register_case
from tests.support.auth import (
    PASSWORD,
    another_client,
    api_token,
    csrf_token,
    make_account,
    sign_in,
    signed_in_as,
    token_client,
    unique_email,
)
from tests.support.privacy import audit_entries

runner = CliRunner()


def _cookie_header(response, name: str) -> str:
    return next(value for value in response.headers.get_list("set-cookie") if value.startswith(f"{name}="))


async def test_a_page_sends_someone_without_a_session_to_sign_in_and_back(http, sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])

    anonymous = await http.get("/cases", params={"status": "open"})
    form = await http.get(anonymous.headers["location"])
    signed = await http.post(
        "/login",
        data={
            "email": email.upper(),
            "password": PASSWORD,
            "next": "/cases?status=open",
            "csrf_token": csrf_token(form.text),
        },
    )

    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/cases%3Fstatus%3Dopen"
    assert form.status_code == 200 and 'name="next" value="/cases?status=open"' in form.text
    assert signed.status_code == 303 and signed.headers["location"] == "/cases?status=open"
    cookie = _cookie_header(signed, "offboarding_session")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    assert (await http.get("/cases")).status_code == 200


async def test_a_wrong_password_or_unknown_email_is_refused_alike_and_logged(http, sessions, caplog):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    form = await http.get("/login")
    token = csrf_token(form.text)

    english = {"Accept-Language": "en-GB,en;q=0.8"}
    with caplog.at_level(logging.WARNING, logger="web.access"):
        wrong = await http.post(
            "/login", data={"email": email, "password": "not the password", "csrf_token": token}, headers=english
        )
        unknown = await http.post(
            "/login", data={"email": "nobody@example.org", "password": PASSWORD, "csrf_token": token}, headers=english
        )

    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "That email address and password do not match an active account." in response.text
        assert "offboarding_session" not in response.headers.get("set-cookie", "")
    assert sum("sign-in failed" in record.getMessage() for record in caplog.records) == 2
    assert (await http.get("/cases")).status_code == 303


async def test_passwords_are_kept_as_argon2_hashes_only(sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    async with sessions() as session:
        account = (await session.execute(select(Account).where(Account.email == email))).scalar_one()
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash


async def test_signing_out_ends_the_session_on_the_server(http, sessions):
    await signed_in_as(http, sessions, ["hr"])
    key = http.cookies.get("offboarding_session")
    page = await http.get("/cases")

    out = await http.post("/logout", data={"csrf_token": csrf_token(page.text)})

    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert (await http.get("/cases")).status_code == 303
    # The old cookie, replayed, no longer opens anything.
    http.cookies.set("offboarding_session", key)
    assert (await http.get("/cases")).status_code == 303


async def test_an_expired_session_or_a_switched_off_account_signs_out(http, sessions):
    email = await signed_in_as(http, sessions, ["hr"])
    async with sessions() as session:
        account = (await session.execute(select(Account).where(Account.email == email))).scalar_one()
        await session.execute(
            update(WebSession)
            .where(WebSession.account_id == account.id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        await session.commit()
    assert (await http.get("/cases")).status_code == 303

    await sign_in(http, email)
    assert (await http.get("/cases")).status_code == 200
    async with sessions() as session:
        await session.execute(update(Account).where(Account.email == email).values(active=False))
        await session.commit()
    assert (await http.get("/cases")).status_code == 303
    form = await http.get("/login")
    refused = await http.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(form.text)}
    )
    assert refused.status_code == 401


async def test_the_session_cookie_is_secure_when_the_app_is_served_over_https(settings, time_skipping_env, sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    async with serve(
        settings.model_copy(update={"public_url": "https://offboarding.example.org"}), time_skipping_env.client
    ) as http:
        form = await http.get("/login")
        token = csrf_token(form.text)
        # The test client talks plain http, so it holds the Secure cookie back: hand it over as a browser on https would.
        signed = await http.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token},
            headers={"Cookie": f"__Host-offboarding_csrf={token}"},
        )
    # The __Host- prefix: browsers take these only over https, for the whole site, and from no other host.
    for cookie in (
        _cookie_header(form, "__Host-offboarding_csrf"),
        _cookie_header(signed, "__Host-offboarding_session"),
    ):
        assert (
            "Secure" in cookie
            and "HttpOnly" in cookie
            and "SameSite=lax" in cookie
            and "Path=/" in cookie
            and "Domain" not in cookie
        )


async def test_every_form_needs_its_csrf_token(http, sessions, caplog):
    await signed_in_as(http, sessions, ["hr"])
    del http.headers["X-CSRF-Token"]
    page = await http.get("/cases/new")
    token = csrf_token(page.text)

    with caplog.at_level(logging.WARNING, logger="web.access"):
        missing = await http.post("/cases/new", data={"employee.name": "X"})
        wrong = await http.post("/cases/new", data={"employee.name": "X", "csrf_token": token[:-2] + "xx"})
        logout = await http.post("/logout", data={})
    right = await http.post("/cases/new", data={"employee.name": "X", "csrf_token": token})

    assert missing.status_code == wrong.status_code == logout.status_code == 403
    assert "This form has expired" in missing.text
    assert right.status_code == 422  # past the token, on to the form's own checks
    assert sum("CSRF" in record.getMessage() for record in caplog.records) == 3
    assert (await http.get("/cases")).status_code == 200  # the refused sign-out did not sign out


async def test_the_sign_in_form_itself_is_protected_against_forged_posts(http, sessions):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    forged = await http.post("/login", data={"email": email, "password": PASSWORD})
    assert forged.status_code == 403
    assert "offboarding_session" not in forged.headers.get("set-cookie", "")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
async def test_signing_in_never_leads_to_another_site(http, sessions, target):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    form = await http.get("/login")
    signed = await http.post(
        "/login", data={"email": email, "password": PASSWORD, "next": target, "csrf_token": csrf_token(form.text)}
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/dashboard"


async def test_each_role_starts_on_its_own_page(http, sessions):
    for roles, home in (
        (["hr"], "/dashboard"),
        (["manager"], "/my/tasks"),
        (["custodian"], "/equipment"),
        (["interviewer"], "/interviews"),
        (["admin"], "/admin/accounts"),
        (["reviewer"], "/reports"),
    ):
        http.cookies.clear()
        email = await make_account(sessions, unique_email(roles[0]), roles)
        response = await sign_in(http, email)
        assert response.headers["location"] == home, roles
        assert (await http.get("/")).headers["location"] == home
        assert (await http.get(home)).status_code == 200, roles


async def test_the_api_with_a_session_acts_as_the_signed_in_person(http, sessions, worker, mail_store):
    case = await register_case(http, mail_store)
    task = next(t for t in (await case.live())["tasks"] if t["assignee_email"] == "bram.janssens@example.org")
    await signed_in_as(http, sessions, ["manager"], email="bram.janssens@example.org")
    token = http.headers.pop("X-CSRF-Token")

    without_token = await case.post(f"tasks/{task['id']}/complete", {"comment": "klaar"})
    http.headers["X-CSRF-Token"] = token
    naming_someone = await case.post(
        f"tasks/{task['id']}/complete", {"actor": {"email": "hr@example.org", "role": "hr"}}
    )
    withdraw = await case.post("withdraw", {"reason": "x"})
    done = await case.post(f"tasks/{task['id']}/complete", {"comment": "klaar"})
    reading = await http.get("/api/cases")

    assert without_token.status_code == 403
    assert naming_someone.status_code == 422 and ("body", "actor") in {
        tuple(e["loc"]) for e in naming_someone.json()["detail"]
    }
    assert withdraw.status_code == 403 and "bram" not in withdraw.text.lower().replace("you may not", "")
    assert done.status_code == 200, done.text
    assert done.json()["completed_by"] == "bram.janssens@example.org"
    assert reading.status_code == 403  # the case list is HR's


async def test_without_trust_in_the_body_the_api_needs_a_session(settings, time_skipping_env, sessions):
    async with serve(settings.model_copy(update={"api_trust_body_actor": False}), time_skipping_env.client) as http:
        listed = await http.get("/api/cases")
        acted = await http.post(
            "/api/cases/offboarding-x-2027-01-04/withdraw", json={"actor": {"email": "hr@example.org", "role": "hr"}}
        )
        registered = await http.post("/api/cases", json=registration_data())
        await signed_in_as(http, sessions, ["hr"])
        allowed = await http.get("/api/cases")
        session = await http.get("/api/session")

    assert listed.status_code == acted.status_code == registered.status_code == 401
    assert allowed.status_code == 200
    assert session.json()["roles"] == ["hr"] and session.json()["csrf_token"]


def test_the_first_account_is_made_on_the_command_line(settings, sessions):
    env = {"OFFBOARDING_DATABASE_URL": settings.database_url, "OFFBOARDING_DATA_DIR": str(settings.data_dir)}
    email = unique_email("admin")

    created = runner.invoke(
        cli_app,
        [
            "accounts",
            "add",
            "--email",
            email,
            "--name",
            "Hanna HR",
            "--role",
            "hr",
            "--role",
            "admin",
            "--language",
            "en",
            "--password-stdin",
        ],
        input="a long enough password\n",
        env=env,
    )
    again = runner.invoke(
        cli_app,
        [
            "accounts",
            "add",
            "--email",
            email,
            "--name",
            "Hanna",
            "--role",
            "hr",
            "--password",
            "a long enough password",
        ],
        env=env,
    )
    bad_role = runner.invoke(
        cli_app,
        [
            "accounts",
            "add",
            "--email",
            unique_email("x"),
            "--name",
            "X",
            "--role",
            "boss",
            "--password",
            "a long enough password",
        ],
        env=env,
    )
    short = runner.invoke(
        cli_app,
        ["accounts", "add", "--email", unique_email("x"), "--name", "X", "--role", "hr", "--password", "short"],
        env=env,
    )
    prompted = runner.invoke(
        cli_app,
        ["accounts", "add", "--email", unique_email("p"), "--name", "P", "--role", "manager"],
        input="another long password\nanother long password\n",
        env=env,
    )
    listed = runner.invoke(cli_app, ["accounts", "list", "--json"], env=env)
    disabled = runner.invoke(cli_app, ["accounts", "disable", email], env=env)

    assert created.exit_code == 0, created.output
    assert f"account {email} created with roles hr, admin" in created.stdout
    assert again.exit_code == 3 and "already an account" in again.stderr
    assert bad_role.exit_code == 2 and "--roles" in bad_role.stderr
    assert short.exit_code == 2 and "--password" in short.stderr
    assert prompted.exit_code == 0, prompted.output
    account = next(a for a in __import__("json").loads(listed.stdout) if a["email"] == email)
    assert account["roles"] == ["hr", "admin"] and account["language"] == "en" and account["password"] is True
    assert disabled.exit_code == 0
    assert asyncio.run(_stored(settings.database_url, email)) == (False, ["hr", "admin"])


async def _stored(database_url: str, email: str):
    """Read with an engine of its own: this test runs outside the session's event loop."""
    from db.engine import create_engine, create_sessionmaker

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            row = (await session.execute(select(Account).where(Account.email == email))).scalar_one()
            return row.active, row.roles
    finally:
        await engine.dispose()


class FakeProvider:
    """An OpenID Connect provider in-process: discovery, keys, and a token endpoint that checks PKCE."""

    ISSUER = "https://login.example.org/realms/staff"

    def __init__(self) -> None:
        from fastapi import FastAPI, Form
        from joserfc.jwk import RSAKey

        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.codes: dict[str, dict] = {}
        app = FastAPI()

        @app.get("/realms/staff/.well-known/openid-configuration")
        async def discovery():
            return {
                "issuer": self.ISSUER,
                "authorization_endpoint": f"{self.ISSUER}/auth",
                "token_endpoint": f"{self.ISSUER}/token",
                "jwks_uri": f"{self.ISSUER}/keys",
            }

        @app.get("/realms/staff/keys")
        async def keys():
            return {"keys": [self.key.as_dict(private=False)]}

        @app.post("/realms/staff/token")
        async def token(code: str = Form(""), code_verifier: str = Form(""), client_secret: str = Form("")):
            from authlib.oauth2.rfc7636 import create_s256_code_challenge
            from fastapi.responses import JSONResponse

            grant = self.codes.pop(code, None)
            if (
                grant is None
                or create_s256_code_challenge(code_verifier) != grant["challenge"]
                or client_secret != "s3cret"
            ):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return {"access_token": "x", "token_type": "Bearer", "id_token": self.id_token(grant)}

        self.transport = httpx.ASGITransport(app=app)

    def id_token(self, grant: dict) -> str:
        from joserfc import jwt

        claims = {
            "iss": self.ISSUER,
            "sub": grant["email"],
            "aud": "offboarding",
            "exp": int(time.time()) + 300,
            "iat": int(time.time()),
            "nonce": grant["nonce"],
            "email": grant["email"],
            "email_verified": True,
        }
        claims.update(grant.get("override", {}))
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)

    def authorize(self, location: str, email: str, **override) -> str:
        """What the provider does after the person signs in there: a code for the app's callback."""
        query = httpx.URL(location).params
        code = uuid.uuid4().hex
        self.codes[code] = {
            "challenge": query["code_challenge"],
            "nonce": query["nonce"],
            "email": email,
            "override": override,
        }
        return f"{query['redirect_uri']}?code={code}&state={query['state']}"


@pytest.fixture
async def oidc(settings, time_skipping_env):
    provider = FakeProvider()
    # Its token endpoint reads the secret from the form: client_secret_post.
    configured = settings.model_copy(
        update={
            "oidc_issuer": FakeProvider.ISSUER,
            "oidc_client_id": "offboarding",
            "oidc_client_secret": "s3cret",
            "oidc_token_auth_method": "client_secret_post",
        }
    )
    from web.app import create_app

    app = create_app(settings=configured, client=time_skipping_env.client)
    app.state.oidc_transport = provider.transport
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://offboarding.test") as http,
    ):
        yield http, provider


async def test_signing_in_through_the_organisations_oidc_provider(oidc, sessions, caplog):
    http, provider = oidc
    email = await make_account(sessions, unique_email("hr"), ["hr"], password=None)

    login = await http.get("/login")
    started = await http.get("/login/oidc", params={"next": "/cases?status=open"})
    back = await http.get(provider.authorize(started.headers["location"], email).replace("http://offboarding.test", ""))

    assert 'href="http://offboarding.test/login/oidc' in login.text
    assert started.status_code == 303 and started.headers["location"].startswith(f"{FakeProvider.ISSUER}/auth?")
    query = httpx.URL(started.headers["location"]).params
    assert (
        query["code_challenge_method"] == "S256"
        and query["redirect_uri"] == "http://offboarding.test/login/oidc/callback"
    )
    assert back.status_code == 303 and back.headers["location"] == "/cases?status=open", back.text
    assert (await http.get("/cases")).status_code == 200

    # No local account, a replayed code, someone else's nonce or a token for another app: no session.
    for other in (
        {"email": unique_email("stranger")},
        {"email": email, "override": {"aud": "another-app"}},
        {"email": email, "override": {"nonce": "forged"}},
    ):
        fresh = httpx.AsyncClient(transport=http._transport, base_url="http://offboarding.test")
        location = (await fresh.get("/login/oidc")).headers["location"]
        with caplog.at_level(logging.WARNING, logger="web.access"):
            refused = await fresh.get(
                provider.authorize(location, other["email"], **other.get("override", {})).replace(
                    "http://offboarding.test", ""
                )
            )
        assert refused.status_code == 403, other
        assert (await fresh.get("/cases")).status_code == 303
        await fresh.aclose()
    assert sum("OIDC sign-in refused" in r.getMessage() for r in caplog.records) == 3
    # A password sign-in is impossible for an account made for OIDC only.
    anonymous = httpx.AsyncClient(transport=http._transport, base_url="http://offboarding.test")
    form = await anonymous.get("/login")
    for password in ("", PASSWORD):
        assert (
            await anonymous.post(
                "/login", data={"email": email, "password": password, "csrf_token": csrf_token(form.text)}
            )
        ).status_code == 401
    await anonymous.aclose()


async def test_an_admin_adds_an_account_and_switches_it_off(http, sessions):
    from tests.support.auth import another_client, post_form

    await signed_in_as(http, sessions, ["admin"])
    email = unique_email("new-manager")

    created = await post_form(
        http,
        "/admin/accounts",
        "/admin/accounts",
        {
            "email": email,
            "name": "Nieuwe Manager",
            "roles": "manager",
            "language": "nl",
            "password": "a long enough password",
        },
    )
    duplicate = await post_form(
        http,
        "/admin/accounts",
        "/admin/accounts",
        {"email": email.upper(), "name": "X", "roles": "manager", "language": "nl"},
    )
    no_role = await post_form(
        http, "/admin/accounts", "/admin/accounts", {"email": unique_email("x"), "name": "X", "language": "nl"}
    )

    assert created.status_code == 303 and created.headers["location"].endswith("/admin/accounts?done=created")
    assert duplicate.status_code == 409 and no_role.status_code == 422
    newcomer = another_client(http)
    await sign_in(newcomer, email, "a long enough password")
    assert "<h1>Mijn taken</h1>" in (await newcomer.get("/my/tasks")).text

    async with sessions() as session:
        account = (await session.execute(select(Account).where(Account.email == email))).scalar_one()
    switched = await post_form(http, "/admin/accounts", f"/admin/accounts/{account.id}/active")
    assert switched.status_code == 303
    assert (await newcomer.get("/my/tasks")).status_code == 303  # its session ended with it
    await newcomer.aclose()


NEW_PASSWORD = "a brand new passphrase"


async def test_changing_ones_own_password_ends_every_other_session_and_says_so(http, sessions, caplog):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    here, laptop = another_client(http), another_client(http)
    await sign_in(here, email)
    await sign_in(laptop, email)
    program = token_client(http, await api_token(sessions, email, "export script"))

    page = await here.get("/account/password")
    wrong = await here.post(
        "/account/password",
        data={
            "current": "not it at all",
            "new": NEW_PASSWORD,
            "again": NEW_PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert wrong.status_code == 422 and "Your current password is not right." in wrong.text
    assert (await laptop.get("/cases")).status_code == 200  # nothing changed

    changed = await here.post(
        "/account/password",
        data={"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD, "csrf_token": csrf_token(page.text)},
        follow_redirects=True,
    )

    assert changed.status_code == 200
    assert "Your password is changed." in changed.text and "1 other sign-in of yours was ended" in changed.text
    assert "Your API tokens keep working" in changed.text
    assert (await here.get("/cases")).status_code == 200  # the session it was changed in stays
    assert (await laptop.get("/cases")).status_code == 303  # every other one has ended
    assert (await program.get("/api/session")).status_code == 200  # the owner's tokens stay, as the page says
    form = await laptop.get("/login")
    old = await laptop.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(form.text)})
    assert old.status_code == 401
    await sign_in(laptop, email, NEW_PASSWORD)
    [entry] = await audit_entries(sessions, action="account.password_set", subject=email)
    assert entry.actor == email and entry.detail == {"by": "owner", "sessions_ended": 1, "tokens_revoked": 0}
    for client in (here, laptop, program):
        await client.aclose()


async def test_a_password_reset_on_the_command_line_ends_every_session_and_revokes_every_token(
    http, sessions, settings
):
    email = await make_account(sessions, unique_email("hr"), ["hr"])
    first, second = another_client(http), another_client(http)
    await sign_in(first, email)
    await sign_in(second, email)
    program = token_client(http, await api_token(sessions, email, "export script"))
    env = {"OFFBOARDING_DATABASE_URL": settings.database_url, "OFFBOARDING_DATA_DIR": str(settings.data_dir)}

    reset = await asyncio.to_thread(
        runner.invoke, cli_app, ["accounts", "password", email, "--password-stdin"], input=f"{NEW_PASSWORD}\n", env=env
    )

    assert reset.exit_code == 0, reset.output
    assert f"password of {email} is set; 2 session(s) ended, 1 API token(s) revoked" in reset.stdout
    assert (await first.get("/cases")).status_code == 303 and (await second.get("/cases")).status_code == 303
    assert (await program.get("/api/session")).status_code == 401
    [entry] = await audit_entries(sessions, action="account.password_set", subject=email)
    assert entry.actor.startswith("command line (") and entry.detail == {
        "by": "reset",
        "sessions_ended": 2,
        "tokens_revoked": 1,
    }
    [revoked] = await audit_entries(sessions, action="api_token.revoked", subject=email)
    assert revoked.detail["name"] == "export script" and revoked.detail["reason"] == "password reset"
    await sign_in(first, email, NEW_PASSWORD)
    for client in (first, second, program):
        await client.aclose()
