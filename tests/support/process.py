"""The worker and the web app as processes of their own (``python worker.py``, ``python -m web.serve``), for the
tests that need them so: the browser tests and the operations tests."""

import os
import sys
from collections.abc import Iterable
from pathlib import Path

import httpx

from launcher.processes import Process, free_port, wait_until
from tests.support.environment import organisation_env

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {"worker": [sys.executable, str(ROOT / "worker.py")], "web": [sys.executable, "-m", "web.serve"]}


def start(name: str, env: dict[str, str], log: Path) -> Process:
    """The worker or the web app, run in the folder of its log: not the repository, so no stray .env file applies."""
    return Process(name, COMMANDS[name], env=env, cwd=log.parent, log=log, stop_timeout=15)


async def wait_answering(*urls: str, alive: Iterable[Process] = (), interval: float = 0.3) -> None:
    """Until each URL answers 200; a process that exits meanwhile fails at once, with its output."""

    async def answering() -> bool:
        try:
            async with httpx.AsyncClient() as client:
                answers = [await client.get(url) for url in urls]
            return all(answer.status_code == 200 for answer in answers)
        except httpx.HTTPError:
            return False

    await wait_until(answering, 60, interval=interval, alive=alive)


class Parts:
    """The worker and the web app, each a process of its own, with their output kept for a failing test."""

    def __init__(
        self, settings, task_queue: str, temporal_address: str, workdir: Path, env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.env = {
            **os.environ,
            "OFFBOARDING_TEMPORAL_ADDRESS": temporal_address,
            "OFFBOARDING_TASK_QUEUE": task_queue,
            "OFFBOARDING_DATABASE_URL": settings.database_url,
            "OFFBOARDING_DATA_DIR": str(settings.data_dir),
            "OFFBOARDING_SMTP_PORT": str(settings.smtp_port),
            "OFFBOARDING_PUBLIC_URL": self.url,
            "OFFBOARDING_WEB_PORT": str(self.port),
            **organisation_env(settings),
            **(env or {}),
        }
        self.processes: dict[str, Process] = {}

    def start(self, name: str) -> Process:
        self.processes[name] = start(name, self.env, self.workdir / f"{name}.log")
        return self.processes[name]

    async def wait_answering(self, *urls: str) -> None:
        await wait_answering(*urls, alive=self.processes.values())

    def tail(self, name: str, lines: int = 60) -> str:
        return self.processes[name].tail(lines) if name in self.processes else ""

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()
