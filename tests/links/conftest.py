"""A case with its invitation sent, HR signed in, and the leaving employee's browser: shared by the link tests."""

import pytest

from tests.support.api import invited, register
from tests.support.auth import another_client, signed_in_as


@pytest.fixture
async def hr(http, sessions):
    client = another_client(http)
    await signed_in_as(client, sessions, ["hr"])
    yield client
    await client.aclose()


@pytest.fixture
async def employee(http):
    client = another_client(http)
    yield client
    await client.aclose()


@pytest.fixture
async def case(hr, worker, mail_store):
    case = await register(hr, mail_store)
    await invited(case)
    return case
