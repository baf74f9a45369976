"""Helpers the tests share: free ports, binaries shipped in the virtualenv, sample registrations."""

import asyncio
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from cases.errors import CaseUnavailable
from launcher.processes import NotReady, free_port, wait_until  # noqa: F401 (free_port: the tests take it from here)

BIN = Path(sys.executable).parent


def start_listening(command: list[str], port: int, name: str, timeout: float = 20) -> subprocess.Popen:
    """A server a test runs as a process of its own (a SCIM server, a CalDAV server), once it listens on ``port``."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with closing(socket.socket()) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited at start")
        time.sleep(0.05)
    proc.terminate()
    raise RuntimeError(f"{name} did not listen in time")


def unique(prefix: str = "E") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def registration_data(
    *,
    employee_id: str | None = None,
    language: str = "nl",
    manager_language: str = "en",
    departure_type: str = "resignation",
    notice_date: date = date(2027, 1, 4),
    last_working_day: date = date(2027, 1, 29),
    **extra: Any,
) -> dict[str, Any]:
    employee_id = employee_id or unique()
    return {
        "employee": {
            "id": employee_id,
            "name": "Anouk de Vries",
            "work_email": f"{employee_id.lower()}@example.org",
            "private_email": "anouk@example.net",
            "language": language,
            "department": "Finance",
            "job_title": "Controller",
            "start_date": "2019-03-01",
        },
        "departure": {
            "type": departure_type,
            "notice_date": notice_date.isoformat(),
            "last_working_day": last_working_day.isoformat(),
        },
        "manager": {"name": "Bram Janssens", "email": "bram.janssens@example.org", "language": manager_language},
        "equipment": [{"name": "Laptop"}, {"name": "Badge"}],
        **extra,
    }


async def eventually(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy; fail with the last value after ``timeout`` seconds. A case
    that cannot answer right now (CaseUnavailable: its query outlasted its few seconds on a busy machine) counts as
    not yet, as it does for a person who reloads the page."""

    async def answer() -> Any:
        try:
            result = check()
            return await result if asyncio.iscoroutine(result) else result
        except CaseUnavailable as err:
            return UnavailableNow(err)

    try:
        return await wait_until(answer, timeout, interval=interval)
    except NotReady as err:
        raise AssertionError(f"condition not met within {timeout}s (last value: {err.last!r})") from None


class UnavailableNow:
    """A check's answer while its case could not answer: not yet."""

    def __init__(self, error: CaseUnavailable) -> None:
        self.error = error

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"the case could not answer ({self.error!r})"


@asynccontextmanager
async def serve(settings, client) -> AsyncIterator[httpx.AsyncClient]:
    """The web app in-process, lifespan included, behind an async HTTP client."""
    from web.app import create_app

    app = create_app(settings=settings, client=client)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://offboarding.test") as http,
    ):
        yield http


SAMPLE_RECORD: dict[str, Any] = {
    "experiences": {
        area: {"rating": rating, "comment": "ok"}
        for area, rating in [
            ("work_content", 4),
            ("working_conditions", 3),
            ("working_relations", 5),
            ("terms_of_employment", 2),
            ("work_organisation", 3),
        ]
    },
    "primary_reason": "career_opportunity",
    "secondary_reasons": ["pay_and_benefits"],
    "most_important_advice": "Give people a career path.",
    "recommend_score": 8,
    "belonging": {"felt_safe": 4, "felt_at_home": 4, "felt_valued": 3, "influences": ["work_life_balance"]},
    "advice_summary": "Career paths.",
}


def scheduled_activities(history) -> list[str]:
    """The activity types a workflow's history scheduled, in order."""
    return [
        event.activity_task_scheduled_event_attributes.activity_type.name
        for event in history.events
        if event.HasField("activity_task_scheduled_event_attributes")
    ]
