"""What the fault tests share: real parts that can be killed, cut off and brought back.

A worker runs as its own ``python worker.py`` process, the mail server is a real aiosmtpd on a port of
its own, PostgreSQL is reached through a TCP proxy the test can cut, SQLite is made unavailable by a
connection holding its write lock, and the Temporal dev server can be stopped and started again on the
same port and file."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy import select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from config import Settings
from mailsink.server import MaildirHandler
from mailsink.store import CapturedMail, MailStore
from models.policy import Policy
from models.tables import SentMail
from organisation import store as organisation_store
from tests.support import BIN, eventually, free_port, registration_data
from tests.support.environment import SERVER_STARTUP, TEST_DATA_CONVERTER, organisation_env

ROOT = Path(__file__).resolve().parents[2]
UPDATES_ON = ["--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true"]


# --- the worker as a process -----------------------------------------------------------------------


class WorkerProcess:
    """``python worker.py`` with the test's settings; its output goes to ``log`` (shown when a wait fails)."""

    def __init__(self, settings: Settings, task_queue: str, address: str, log: Path) -> None:
        self.env = {
            # The test run's own variables too, among them the payload keys every process of the run shares.
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "OFFBOARDING_TEMPORAL_ADDRESS": address,
            "OFFBOARDING_TASK_QUEUE": task_queue,
            "OFFBOARDING_DATABASE_URL": settings.database_url,
            "OFFBOARDING_SMTP_HOST": settings.smtp_host,
            "OFFBOARDING_SMTP_PORT": str(settings.smtp_port),
            "OFFBOARDING_DATA_DIR": str(settings.data_dir),
            "OFFBOARDING_PUBLIC_URL": settings.public_url,
            **organisation_env(settings),
        }
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "worker.py")],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no goodbye to the server, activities in flight are simply gone."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def output(self, tail: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-tail:] if self.log.exists() else ""

    async def polling(self, timeout: float = 90) -> None:
        """Until the worker says its pollers run (it logs that line once they do)."""
        await self.wait_for(lambda: "polling task queue" in self.output(tail=10**7), timeout=timeout)

    async def wait_for(self, check, timeout: float):
        """``eventually``, but failing with the worker's output, and at once when the worker died."""

        async def alive_and_done():
            assert self.alive(), f"the worker exited with {self.proc.returncode}:\n{self.output()}"
            result = check()
            return await result if asyncio.iscoroutine(result) else result

        try:
            return await eventually(alive_and_done, timeout=timeout, interval=0.25)
        except AssertionError as err:
            raise AssertionError(f"{err}\nworker output:\n{self.output()}") from None


@asynccontextmanager
async def worker_process(settings: Settings, task_queue: str, address: str, log: Path) -> AsyncIterator[WorkerProcess]:
    worker = WorkerProcess(settings, task_queue, address, log).start()
    try:
        await worker.polling()
        yield worker
    finally:
        worker.kill()


# --- mail --------------------------------------------------------------------------------------------


class SmtpServer:
    """A real aiosmtpd server on a fixed port that can go away and come back on the same port."""

    def __init__(self, handler, port: int | None = None) -> None:
        self.handler = handler
        self.port = port or free_port()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> SmtpServer:
        if self._controller is None:
            self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class RefusingHandler(MaildirHandler):
    """A mail server that knows some addresses not at all (5xx on RCPT) and others only later (4xx a few times)."""

    def __init__(
        self,
        store: MailStore,
        unknown: set[str] = frozenset(),
        busy: dict[str, int] | None = None,
    ) -> None:
        super().__init__(store)
        self.unknown = {address.lower() for address in unknown}
        self.busy = {address.lower(): count for address, count in (busy or {}).items()}
        self.refused: Counter[str] = Counter()

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        key = address.lower()
        if key in self.unknown:
            self.refused[key] += 1
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if self.busy.get(key, 0) > 0:
            self.busy[key] -= 1
            self.refused[key] += 1
            return f"450 4.2.1 <{address}>: Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def case_mails(store: MailStore, case_id: str) -> list[CapturedMail]:
    try:
        return [mail for mail in store.all() if mail.case_id == case_id]
    except FileNotFoundError:  # a message is being moved from tmp/ to new/ right now
        return []


def mail_counts(store: MailStore, case_id: str) -> Counter[tuple[str, str]]:
    """How often each (purpose, recipient) of the case arrived."""
    return Counter((mail.purpose, mail.to) for mail in case_mails(store, case_id))


def twice(counts: Counter[tuple[str, str]]) -> dict[tuple[str, str], int]:
    return {key: count for key, count in counts.items() if count != 1}


async def sent_rows(sessions, case_id: str) -> dict[tuple[str, str], SentMail]:
    async with sessions() as session:
        rows = (await session.execute(select(SentMail).where(SentMail.case_id == case_id))).scalars().all()
    return {(row.purpose, row.recipient): row for row in rows}


async def assert_every_mail_once(store: MailStore, sessions, case_id: str) -> Counter[tuple[str, str]]:
    """Each mail of the case arrived exactly once, and the mail server got exactly what the database says went out."""
    counts = mail_counts(store, case_id)
    assert not twice(counts), f"mail that arrived more than once: {twice(counts)}"
    sent = {key for key, row in (await sent_rows(sessions, case_id)).items() if row.status == "sent"}
    assert set(counts) == sent, (
        f"mail server and sent_mails disagree: only received {set(counts) - sent}, only recorded {sent - set(counts)}"
    )
    return counts


# --- workflows ---------------------------------------------------------------------------------------


# One mail per activity, or the mails of one moment (the announcement, a moved last day) in one.
MAIL_ACTIVITIES = ("send_mail", "send_mails")


async def pending_attempts(
    client: Client, workflow_id: str, activities: tuple[str, ...] = MAIL_ACTIVITIES
) -> list[tuple[int, str]]:
    """(attempt, last failure) of each pending activity of ``activities`` of a workflow that is still running."""
    description = await client.get_workflow_handle(workflow_id).describe()
    assert description.status == WorkflowExecutionStatus.RUNNING, (
        f"{workflow_id} is {description.status.name}, not running"
    )
    found = []
    for pending in description.raw_description.pending_activities:
        if pending.activity_type.name not in activities:
            continue
        # Failure messages travel encrypted like every payload: read them with the client's converter.
        failure = (
            str(await client.data_converter.decode_failure(pending.last_failure))
            if pending.HasField("last_failure")
            else ""
        )
        found.append((pending.attempt, failure))
    return found


async def mail_settled(client: Client, case_id: str) -> bool:
    """No send of the case or its interview is pending any more (both may have ended)."""
    for workflow_id in (case_id, f"{case_id}-interview"):
        try:
            description = await client.get_workflow_handle(workflow_id).describe()
        except RPCError:
            continue  # the interview has not started (yet)
        if any(
            pending.activity_type.name in MAIL_ACTIVITIES for pending in description.raw_description.pending_activities
        ):
            return False
    return True


# --- the case over the API --------------------------------------------------------------------------------

HR = {"email": "hr@example.org", "role": "hr"}


def departure(**overrides) -> dict:
    """A registration that starts today and ends in about six weeks: no timer of the case fires during a test."""
    from tests.support.case_driver import last_day_in

    return registration_data(notice_date=date.today(), last_working_day=last_day_in(30), **overrides)


async def register(http: httpx.AsyncClient, data: dict) -> str:
    created = await http.post("/api/cases", json=data)
    assert created.status_code == 201, created.text
    return created.json()["case_id"]


async def case_view(http: httpx.AsyncClient, case_id: str) -> dict | None:
    response = await http.get(f"/api/cases/{case_id}")
    return response.json() if response.status_code == 200 else None


async def live(http: httpx.AsyncClient, case_id: str, check=lambda live: True, timeout: float = 60) -> dict:
    """The case as the API shows it, once its workflow answers and ``check(live)`` holds."""

    async def read():
        case = await case_view(http, case_id)
        return case if case and case["live"] and check(case["live"]) else None

    return await eventually(read, timeout=timeout, interval=0.25)


def task_of(live_view: dict, assignee: str) -> dict:
    return next(task for task in live_view["tasks"] if task["assignee_email"] == assignee and task["state"] == "open")


async def act(http: httpx.AsyncClient, case_id: str, path: str, body: dict, expected: int = 200) -> dict:
    response = await http.post(f"/api/cases/{case_id}/{path}", json={"actor": HR, **body})
    assert response.status_code == expected, f"{path}: {response.status_code} {response.text}"
    return response.json()


# Far beyond what an update takes on a loaded machine; an update that waits for something that is down never answers.
ANSWER_BOUND_SECONDS = 90


async def answered(action, what: str):
    """The result of ``action``, failing (instead of hanging) when it does not answer at all."""
    try:
        return await asyncio.wait_for(action, ANSWER_BOUND_SECONDS)
    except TimeoutError:
        raise AssertionError(f"{what} got no answer within {ANSWER_BOUND_SECONDS}s") from None


# --- the organisation's policy -------------------------------------------------------------------------


@asynccontextmanager
async def policy(sessions, settings: Settings, **changes) -> AsyncIterator[Policy]:
    """The organisation's policy with ``changes`` for cases registered inside the block; the old one afterwards.

    A case reads the policy once, when it starts: cases started inside keep the changed timings."""
    async with sessions.begin() as session:
        before = (await organisation_store.load(session, settings)).policy
        changed = Policy.model_validate({**before.model_dump(), **changes})
        await organisation_store.update_policy(session, settings, changed)
    try:
        yield changed
    finally:
        async with sessions.begin() as session:
            await organisation_store.update_policy(session, settings, before)


def midday_zone(now: datetime | None = None) -> ZoneInfo:
    """A fixed-offset zone in which it is now around noon: timers minutes away stay on today's date there."""
    now = now or datetime.now(UTC)
    offset = 12 - now.hour  # local hour = UTC hour + offset
    offset = max(-12, min(14, offset))
    # The Etc/GMT names count the other way round: Etc/GMT-3 is three hours ahead of UTC.
    name = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
    return ZoneInfo(name)


def local_clock(zone: ZoneInfo, seconds_from_now: float) -> tuple[datetime, time]:
    """The moment ``seconds_from_now`` ahead (whole seconds), and its wall-clock time in ``zone``."""
    at = (datetime.now(UTC) + timedelta(seconds=seconds_from_now)).replace(microsecond=0)
    return at, at.astimezone(zone).time()


# --- databases -----------------------------------------------------------------------------------------


class TcpProxy:
    """A TCP proxy in its own thread: ``cut`` refuses new connections and drops open ones, ``restore`` listens again."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._links: set[asyncio.StreamWriter] = set()

    def start(self) -> TcpProxy:
        self._thread.start()
        self.restore()
        return self

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def restore(self) -> None:
        self._call(self._listen())

    def cut(self) -> None:
        self._call(self._cut())

    def close(self) -> None:
        if self._thread.is_alive():
            self.cut()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._links |= {writer, up_writer}

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.transport.abort()
                self._links.discard(sink)

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))


class SqliteWriteLock:
    """Another program holding SQLite's write lock (a backup, a long migration): writers wait, then fail."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None

    def cut(self) -> None:
        self._connection = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
        self._connection.execute("BEGIN EXCLUSIVE")

    def restore(self) -> None:
        if self._connection is not None:
            self._connection.execute("ROLLBACK")
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        self.restore()


class DatabaseOutage:
    """The test database as the app reaches it (``url``), and a way to take it away and give it back.

    PostgreSQL: every connection goes through a TCP proxy; cut, the server seems down (refused, dropped).
    SQLite: another connection takes the write lock; reads still work (WAL), every write fails."""

    def __init__(self, database_url: str) -> None:
        url = sa.engine.make_url(database_url)
        self.backend = url.get_backend_name()
        if self.backend == "sqlite":
            self._control = SqliteWriteLock(url.database)
            self.url = database_url
        else:
            self._control = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
            self.url = url.set(host="127.0.0.1", port=self._control.port).render_as_string(hide_password=False)
        self.down = False

    @property
    def reads_fail(self) -> bool:
        return self.backend != "sqlite"

    def cut(self) -> None:
        self._control.cut()
        self.down = True

    def restore(self) -> None:
        self._control.restore()
        self.down = False

    def close(self) -> None:
        self._control.close()


# --- the Temporal dev server -------------------------------------------------------------------------------


class DevServer:
    """The real dev server on a fixed port, keeping its state in ``database``; ``stop`` and ``start`` again at will."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.port = free_port()
        self._env: WorkflowEnvironment | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> DevServer:
        try:
            self._env = await self._start_local()
        except RuntimeError:
            # Started again on its file, the server once never listened within the startup timeout in a loaded full
            # run (the SDK keeps no output of it); the restart is what the tests look at, so it gets one more try.
            self._env = await self._start_local()
        return self

    async def _start_local(self) -> WorkflowEnvironment:
        return await WorkflowEnvironment.start_local(
            data_converter=TEST_DATA_CONVERTER,
            port=self.port,
            dev_server_existing_path=str(BIN / "temporal"),
            dev_server_database_filename=str(self.database),
            dev_server_startup_timeout=SERVER_STARTUP,
            dev_server_extra_args=UPDATES_ON,
        )

    async def stop(self) -> None:
        if self._env is not None:
            env, self._env = self._env, None
            await env.shutdown()
        await eventually(lambda: not port_open(self.port), timeout=30)

    async def connect(self) -> Client:
        return await Client.connect(self.address, data_converter=TEST_DATA_CONVERTER)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
