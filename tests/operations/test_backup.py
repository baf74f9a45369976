"""Backup, restore and upgrade.

The embedded installation round trip: a data folder with an account, a case and its running workflow on the
real Temporal dev server is backed up with `offboarding backup`, restored with `offboarding restore` into
another folder, and there the dev server finds the workflow again and a worker reads its encrypted state with
the restored key. Both commands refuse while `make run` holds the folder. PostgreSQL: the README's pg_dump and
pg_restore commands (Debian's postgresql-client) against the local server carry the data and the audit log's
guards along. An earlier release's database is brought up to date by `offboarding migrate`; one of a newer
release is refused by restore."""

import asyncio
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from accounts import store as accounts
from cases import service
from config import Settings
from db import migrate
from db.engine import create_engine, create_sessionmaker
from models.accounts import NewAccount
from models.registration import Registration
from models.tables import Account, Case
from operations import data_lock, schema
from privacy.codec import data_converter
from tests.support import BIN, eventually, registration_data
from tests.support.environment import SERVER_STARTUP
from worker import build_worker

# Each test makes a database of the run's kind of its own: the PostgreSQL run runs them too.
pytestmark = pytest.mark.database

OFFBOARDING = str(BIN / "offboarding")
POSTGRES = os.environ.get("OFFBOARDING_TEST_DATABASE_URL") or "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def embedded(data_dir: Path, smtp_port: int) -> Settings:
    """An installation as `make run` has it: everything in the data folder, the payload key too."""
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        database_url="",
        payload_keys="",
        smtp_port=smtp_port,
        hr_email="hr@example.org",
    )


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "OFFBOARDING_DATA_DIR": str(data_dir),
        "OFFBOARDING_DATABASE_URL": "",
        "OFFBOARDING_PAYLOAD_KEYS": "",
    }
    return subprocess.run([OFFBOARDING, *args], env=env, capture_output=True, text=True, timeout=120)


async def dev_server(settings: Settings) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        data_converter=data_converter(settings),
        dev_server_existing_path=str(BIN / "temporal"),
        dev_server_database_filename=str(settings.data_dir / "temporal.db"),
        dev_server_startup_timeout=SERVER_STARTUP,
        dev_server_extra_args=["--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true"],
    )


# The installed command as processes of its own.
@pytest.mark.slow
async def test_a_backup_restores_cases_accounts_and_running_workflows(tmp_path, smtp_port, task_queue):
    original, backup_dir, restored = tmp_path / "data", tmp_path / "backup", tmp_path / "restored"
    before = embedded(original, smtp_port)
    await asyncio.to_thread(migrate.upgrade, before.database_url)
    before.signing_key()
    (original / "mailbox" / "new").mkdir(parents=True)
    (original / "mailbox" / "new" / "1.eml").write_text("Subject: kept\n\nhello\n")
    engine = create_engine(before.database_url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        await accounts.create(
            session,
            NewAccount(
                email="hanna@example.org", name="Hanna de Haan", roles=["hr", "admin"], password="een lang wachtwoord"
            ),
        )
        await session.commit()
    env = await dev_server(before)
    try:
        async with build_worker(env.client, before, sessions, task_queue=task_queue):
            registration = Registration.model_validate(registration_data())
            case_id = (await service.register(env.client, registration, task_queue)).case_id
            await eventually(lambda: _has_case(sessions, case_id), timeout=30)
            await eventually(lambda: _planned(env.client, case_id), timeout=30)
    finally:
        await env.shutdown()
        await engine.dispose()

    # While `make run` holds the folder, neither command touches it.
    held = data_lock.hold(original)
    refused = cli(original, "backup", str(backup_dir))
    held.close()
    assert refused.returncode == 5 and "Stop it (Ctrl-C)" in refused.stderr, refused.stderr
    assert not backup_dir.exists()

    made = cli(original, "backup", str(backup_dir))
    assert made.returncode == 0, made.stderr
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert {"offboarding.db", "temporal.db", "payload_key", "secret_key", "mailbox/new/1.eml"} <= set(manifest["files"])
    assert manifest["schema_revision"] in schema.known_revisions()[1]
    assert (backup_dir / "payload_key").stat().st_mode & 0o077 == 0

    done = cli(restored, "restore", str(backup_dir))
    assert done.returncode == 0, done.stderr
    again = cli(restored, "restore", str(backup_dir))
    assert again.returncode == 5 and "--replace" in again.stderr
    assert cli(restored, "restore", "--replace", str(backup_dir)).returncode == 0
    assert (restored / "payload_key").read_text() == (original / "payload_key").read_text()
    assert (restored / "mailbox" / "new" / "1.eml").read_text().startswith("Subject: kept")

    after = embedded(restored, smtp_port)
    engine = create_engine(after.database_url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        assert (await accounts.by_email(session, "hanna@example.org")).roles == ["hr", "admin"]
        assert (await session.get(Case, case_id)).employee_id == registration.employee.id
    env = await dev_server(after)
    try:
        described = await env.client.get_workflow_handle(case_id).describe()
        assert described.status == WorkflowExecutionStatus.RUNNING
        async with build_worker(env.client, after, sessions, task_queue=task_queue):
            view = await service.view(env.client, case_id)  # the encrypted history opens with the restored key
        assert view.employee_name == registration.employee.name and view.tasks
    finally:
        await env.shutdown()
        await engine.dispose()


async def _planned(client, case_id: str) -> bool:
    view = await service.view(client, case_id)
    return view is not None and bool(view.tasks)


async def _has_case(sessions, case_id: str) -> bool:
    async with sessions() as session:
        return await session.get(Case, case_id) is not None


def test_a_backup_of_a_newer_release_is_not_restored(tmp_path, smtp_port):
    folder = tmp_path / "backup"
    folder.mkdir()
    database = folder / "offboarding.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{database}")
    import sqlite3

    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_next'")
    sqlite3.connect(folder / "temporal.db").close()
    from operations.backup import _sha256

    files = {name: _sha256(folder / name) for name in ("offboarding.db", "temporal.db")}
    (folder / "manifest.json").write_text(
        json.dumps(
            {"format": 1, "made_at": "2030-01-01T00:00:00+00:00", "schema_revision": "9999_next", "files": files}
        )
    )
    refused = cli(tmp_path / "data", "restore", str(folder))
    assert refused.returncode == 5
    assert "9999_next, which this release does not know" in refused.stderr
    assert not (tmp_path / "data" / "offboarding.db").exists()


async def test_the_database_of_the_previous_release_is_migrated_then_accepted(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'previous.db'}"
    _, heads = schema.known_revisions()
    previous = migrate.alembic_config(url)
    from alembic.script import ScriptDirectory

    before_head = ScriptDirectory.from_config(previous).get_revision(next(iter(heads))).down_revision
    await asyncio.to_thread(migrate.upgrade, url, before_head)
    engine = create_engine(url)
    try:
        with pytest.raises(schema.SchemaMismatch, match="behind this release"):
            await schema.check(engine)
    finally:
        await engine.dispose()
    done = subprocess.run(
        [OFFBOARDING, "migrate"],
        env={**os.environ, "OFFBOARDING_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    engine = create_engine(url)
    try:
        await schema.check(engine)
    finally:
        await engine.dispose()


# --- PostgreSQL ---------------------------------------------------------------------------------


def _libpq(url: sa.engine.URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def postgres_databases():
    """Two new databases on the local PostgreSQL server (the original and the restored), dropped afterwards."""
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump/pg_restore are not installed (apt-get install postgresql-client)")
    server = sa.engine.make_url(POSTGRES)
    names = [f"offboarding_backup_{uuid.uuid4().hex[:8]}", f"offboarding_restored_{uuid.uuid4().hex[:8]}"]
    from tests.support.environment import on_server as _on_server

    try:
        for name in names:
            asyncio.run(_on_server(server, f'CREATE DATABASE "{name}"'))
    except OSError:
        pytest.skip(f"no PostgreSQL server at {server.render_as_string(hide_password=True)}")
    yield [server.set(database=name) for name in names]
    for name in names:
        asyncio.run(_on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_postgresql_is_backed_up_and_restored_with_pg_dump_and_pg_restore(postgres_databases, tmp_path):
    original, restored = postgres_databases
    migrate.upgrade(original.render_as_string(hide_password=False))

    async def seed():
        engine = create_engine(original.render_as_string(hide_password=False))
        async with create_sessionmaker(engine)() as session:
            await accounts.create(
                session,
                NewAccount(
                    email="hanna@example.org", name="Hanna de Haan", roles=["hr"], password="een lang wachtwoord"
                ),
            )
            await session.commit()
        await engine.dispose()

    asyncio.run(seed())
    dump = tmp_path / "offboarding.dump"
    # The README's commands.
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", _libpq(original)], check=True, timeout=120)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(restored)}", str(dump)],
        check=True,
        timeout=120,
    )

    async def check():
        engine = create_engine(restored.render_as_string(hide_password=False))
        try:
            await schema.check(engine)
            async with create_sessionmaker(engine)() as session:
                account = (
                    await session.execute(select(Account).where(Account.email == "hanna@example.org"))
                ).scalar_one()
                assert account.roles == ["hr"]
                with pytest.raises(sa.exc.DBAPIError):  # the audit log's guard came along
                    await session.execute(sa.text("DELETE FROM audit_log"))
        finally:
            await engine.dispose()

    asyncio.run(check())
