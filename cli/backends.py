"""Reaching Temporal and the database from a one-shot command, failing with a reason a person can act on."""

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.service import RPCError

from cases.client import connect
from cases.service import CaseUnavailable
from cli.runtime import command_runtime
from config import Settings
from db.engine import create_engine, create_sessionmaker

T = TypeVar("T")

# A host that drops packets instead of refusing them would otherwise keep the command hanging.
CONNECT_TIMEOUT_SECONDS = 15


class Unavailable(Exception):
    """Temporal or the database could not be reached or refused the work."""


async def with_temporal(settings: Settings, work: Callable[[Client], Awaitable[T]]) -> T:
    where = f"Temporal at {settings.temporal_address} (namespace {settings.temporal_namespace})"
    try:
        client = await asyncio.wait_for(connect(settings, command_runtime()), CONNECT_TIMEOUT_SECONDS)
    except TimeoutError:
        raise Unavailable(f"cannot reach {where}: no answer within {CONNECT_TIMEOUT_SECONDS} seconds") from None
    except RuntimeError as err:
        # The SDK's core reports connection failures as RuntimeError with a nested transport error.
        raise Unavailable(f"cannot reach {where}: {_connect_reason(err)}") from None
    try:
        return await work(client)
    except RPCError as err:
        raise Unavailable(f"{where} failed the request: {err.message}") from None
    except CaseUnavailable as err:
        raise Unavailable(f"{where} failed the request: {getattr(err.__cause__, 'message', err)}") from None


async def with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await work(session)
    except (SQLAlchemyError, OSError) as err:
        raise Unavailable(database_problem(settings.database_url, err)) from None
    finally:
        await engine.dispose()


def database_problem(database_url: str, err: Exception) -> str:
    cause = err.orig if isinstance(err, DBAPIError) and err.orig is not None else err
    message = str(cause).strip()
    # The asyncpg adapter prefixes its messages with the exception class.
    reason = re.sub(r"^<class '[^']+'>: ", "", message.splitlines()[0]) if message else type(cause).__name__
    text = f"database {safe_url(database_url)}: {reason}"
    if "no such table" in reason or "does not exist" in reason:
        text += " (run `offboarding migrate` first)"
    return text


def safe_url(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


def _connect_reason(err: RuntimeError) -> str:
    detail = re.search(r'(?:message|error): "([^"]+)"', str(err))
    return detail.group(1) if detail else str(err)
