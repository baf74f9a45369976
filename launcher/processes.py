"""Child processes, as the launcher, the benchmarks and the tests run them: a free port to give one, a child that
dies with its parent, a child whose output goes to a log file, and waiting until something is up."""

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

STOP_TIMEOUT = 10.0

_libc = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no libc to talk to
        _libc = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def die_with(parent_pid: int) -> Callable[[], None] | None:
    """Runs in a child before exec: should the parent be killed outright (SIGKILL, a crash), the kernel sends the
    child SIGTERM, so no server is left holding a port."""
    if _libc is None:
        return None

    def preexec() -> None:
        _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


class Process:
    """A child process in a session of its own, with its output in a log file."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str],
        cwd: Path,
        log: Path,
        stop_timeout: float = STOP_TIMEOUT,
    ) -> None:
        self.name, self.argv, self.log, self.stop_timeout = name, argv, log, stop_timeout
        self._log_file = open(log, "wb")  # noqa: SIM115 (the child writes to it until stop() closes it)
        self.proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=die_with(os.getpid()),
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def poll(self) -> int | None:
        return self.proc.poll()

    def check_alive(self) -> None:
        code = self.proc.poll()
        if code is not None:
            raise RuntimeError(f"{self.name} exited with code {code}; its output:\n{self.output()[-4000:]}")

    def stop(self) -> None:
        """SIGTERM, then after ``stop_timeout`` seconds SIGKILL to whatever is left in its process group."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(self.stop_timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # whatever it left in its process group
        self.proc.wait()
        self._log_file.close()


class NotReady(TimeoutError):
    """``wait_until`` ran out of time; ``last`` is what the check answered last."""

    def __init__(self, timeout: float, last: Any) -> None:
        super().__init__(f"not ready after {timeout:.0f}s (last answer: {last!r})")
        self.timeout, self.last = timeout, last


async def wait_until(
    check: Callable[[], Any], timeout: float, *, interval: float = 0.1, alive: Iterable[Process] = ()
) -> Any:
    """Poll ``check`` (plain or async) until it answers something true, and return that; NotReady after ``timeout``
    seconds; RuntimeError at once when one of the ``alive`` processes has exited."""
    deadline = time.monotonic() + timeout
    while True:
        for process in alive:
            process.check_alive()
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise NotReady(timeout, result)
        await asyncio.sleep(interval)
