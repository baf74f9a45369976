"""What the interview tests share: a case registered over the API, people signed in to the web app, and the
organisation's own target groups."""

import pytest

from models.report import DeclaredGroup, ReportPolicy
from reports import settings_store
from tests.support.api import register
from tests.support.auth import another_client, make_account, sign_in


@pytest.fixture
async def case(http, worker, mail_store):
    """A case registered over the API (no session: the API still trusts the body's actor), with a successor."""
    return await register(http, mail_store)


@pytest.fixture
async def browser(http):
    """``open_as(email, roles, sessions, language)``: a client of the web app signed in as a new account."""
    made = []

    async def open_as(email: str, roles: list[str], sessions, language: str = "en"):
        client = another_client(http)
        made.append(client)
        await make_account(sessions, email, roles, language=language)
        await sign_in(client, email)
        return client

    yield open_as
    for client in made:
        await client.aclose()


@pytest.fixture
def people(browser, sessions):
    """``open_as(email, roles, language)``: as ``browser``, on the run's database."""

    async def open_as(email: str, roles: list[str], language: str = "en"):
        return await browser(email, roles, sessions, language)

    return open_as


@pytest.fixture
async def organisation_groups(sessions):
    """The organisation asks about two self-declared groups of its own (report settings) while the test runs."""
    async with sessions.begin() as session:
        await settings_store.update(
            session,
            ReportPolicy(
                target_groups=[
                    DeclaredGroup(key="migratieachtergrond", nl="Migratieachtergrond", en="Migration background"),
                    DeclaredGroup(key="deeltijd", nl="Deeltijd", en="Part-time"),
                ]
            ),
        )
    yield
    async with sessions.begin() as session:
        await settings_store.update(session, ReportPolicy())
