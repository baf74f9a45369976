"""What the interview tests share: a case registered over the API, and people signed in to the web app."""

import pytest

from tests.api_support import register
from tests.auth_support import another_client, make_account, sign_in


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
