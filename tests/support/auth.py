"""Accounts and signing in, for tests of the web app (in-process over httpx, or in a browser)."""

import re
import uuid

import httpx

from accounts import store as accounts
from accounts import tokens as api_tokens
from models.accounts import NewAccount

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.org"


async def make_account(
    sessions,
    email: str,
    roles: list[str],
    *,
    name: str = "",
    language: str = "en",
    password: str | None = PASSWORD,
) -> str:
    """The account (created unless it exists), its email returned."""
    async with sessions() as session:
        if await accounts.by_email(session, email) is None:
            await accounts.create(
                session,
                NewAccount(
                    email=email,
                    name=name or email.split("@")[0].title(),
                    roles=roles,
                    language=language,
                    password=password,
                ),
            )
            await session.commit()
    return email


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


async def sign_in(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the form; afterwards every request of ``http`` carries the session's CSRF token as a header."""
    http.headers.pop("X-CSRF-Token", None)
    form = await http.get("/login")
    response = await http.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_token(form.text),
        },
    )
    assert response.status_code == 303, response.text
    session = await http.get("/api/session")
    assert session.status_code == 200, session.text
    http.headers["X-CSRF-Token"] = session.json()["csrf_token"]
    return response


async def signed_in_as(
    http: httpx.AsyncClient,
    sessions,
    roles: list[str],
    *,
    email: str | None = None,
    language: str = "en",
) -> str:
    email = await make_account(sessions, email or unique_email("-".join(roles)), roles, language=language)
    await sign_in(http, email)
    return email


def another_client(http: httpx.AsyncClient) -> httpx.AsyncClient:
    """A second browser on the same in-process app: its own cookies, so another person can sign in."""
    return httpx.AsyncClient(transport=http._transport, base_url=str(http.base_url))


def client_from(http: httpx.AsyncClient, address: str) -> httpx.AsyncClient:
    """Another browser on the same in-process app, connecting from ``address``."""
    transport = httpx.ASGITransport(app=http._transport.app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url=str(http.base_url))


async def sign_out(http: httpx.AsyncClient) -> None:
    """Sign out as the page's button does; the browser keeps its other cookies."""
    token = (await http.get("/api/session")).json()["csrf_token"]
    response = await http.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303, response.text
    http.headers.pop("X-CSRF-Token", None)


_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)


def forms_without_token(html: str) -> list[str]:
    """The POST forms of a page that would be refused for lack of a CSRF token."""
    return [form[:200] for form in _FORM.findall(html) if 'name="csrf_token"' not in form]


async def post_form(client: httpx.AsyncClient, page_url: str, action: str, data: dict | None = None) -> httpx.Response:
    """Open the page, then send one of its forms (with the page's CSRF token) as a browser would."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text
    assert not forms_without_token(page.text), forms_without_token(page.text)
    return await client.post(action, data={**(data or {}), "csrf_token": csrf_token(page.text)})


async def api_token(sessions, email: str, name: str = "integration", days: int | None = 30) -> str:
    """A new API token for the account of ``email`` (which must exist)."""
    from privacy.audit import Auditor

    async with sessions() as session:
        account = await accounts.by_email(session, email)
        issued = await api_tokens.issue(
            session,
            account,
            name,
            days,
            made_by=Auditor(account.email, frozenset(account.roles)),
        )
        await session.commit()
    return issued.token


def token_client(http: httpx.AsyncClient, token: str) -> httpx.AsyncClient:
    """A program on the same in-process app, sending ``token`` as its bearer token and no cookies."""
    return httpx.AsyncClient(
        transport=http._transport,
        base_url=str(http.base_url),
        headers={"Authorization": f"Bearer {token}"},
    )


def form_data(employee_id: str, **overrides: str) -> dict[str, str]:
    data = {
        "employee.name": "Anouk de Vries",
        "employee.id": employee_id,
        "employee.work_email": f"{employee_id.lower()}@example.org",
        "employee.private_email": "anouk@example.net",
        "employee.language": "nl",
        "employee.department": "Finance",
        "employee.job_title": "Controller",
        "employee.start_date": "2019-03-01",
        "departure.type": "resignation",
        "departure.notice_date": "2027-01-04",
        "departure.last_working_day": "2027-01-29",
        "manager.name": "Bram Janssens",
        "manager.email": "bram.janssens@example.org",
        "manager.language": "en",
        "successor.name": "Chris Peeters",
        "successor.email": "chris.peeters@example.org",
        "successor.language": "nl",
        "equipment.0.name": "Laptop",
        "equipment.0.kind": "laptop",
        "equipment.0.asset_tag": "NL-0412",
        "equipment.0.custodian_email": "",
        "equipment.1.name": "",
        "equipment.1.kind": "other",
        "equipment.1.asset_tag": "",
        "equipment.1.custodian_email": "",
        "equipment.2.name": "  Badge  ",
        "equipment.2.kind": "badge",
        "equipment.2.asset_tag": "",
        "equipment.2.custodian_email": "",
        "extra_tasks": "Hand over the month-end closing file\r\n",
        "team_announcement_date": "",
        "team_email": "",
        "note": "",
    }
    return {**data, **overrides}
