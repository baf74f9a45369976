"""Liveness and readiness, the same for the web app and the worker.

Alive: the process answers at all. Ready: it can do its work now, which needs both the database and the
Temporal server; readiness names the part that cannot be reached, so an orchestrator's message (or a person
reading ``/health/ready``) says where to look."""

import asyncio
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

CHECK_TIMEOUT_SECONDS = 3.0


async def _database(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await session.execute(text("SELECT 1"))


async def _temporal(client: Client) -> None:
    if not await client.service_client.check_health(timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS)):
        raise RuntimeError("the health check answered 'not serving'")


async def _state(check) -> str:
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"unreachable: no answer within {CHECK_TIMEOUT_SECONDS:.0f}s"
    except Exception as err:  # noqa: BLE001 - whatever went wrong, the part is not usable now
        return f"unreachable: {type(err).__name__}"
    return "ok"


async def readiness(sessions: async_sessionmaker[AsyncSession], client: Client) -> tuple[bool, dict[str, str]]:
    """Whether the process is ready, and each part's state (``ok`` or why not), both checked at once."""
    database, temporal = await asyncio.gather(_state(_database(sessions)), _state(_temporal(client)))
    parts = {"database": database, "temporal": temporal}
    return all(state == "ok" for state in parts.values()), parts


def answer(ready: bool, parts: dict[str, str]) -> tuple[int, dict]:
    """The HTTP status and body of a readiness answer: 503 naming what is down."""
    body = {"status": "ready" if ready else "not ready", **parts}
    return (200 if ready else 503), body
