"""Telling "the database cannot be reached right now" apart from every other error.

A database that is down, restarting, unreachable over the network or locked by another program shows up
as a connection refused or dropped (raised by the driver, sometimes unwrapped), a pool that cannot hand
out a connection, or an operational error. Such errors pass: the web app answers 503 and activities retry.
A mistake in a query is none of these and stays an error."""

from types import TracebackType

from sqlalchemy import exc as sa_exc

# Where a connection is made or used: an OSError raised in one of these comes from the database link.
DRIVER_MODULES = ("sqlalchemy.", "asyncpg.", "aiosqlite.", "sqlite3.")
# What a driver calls to reach the server; an error raised there on a driver's behalf is the link's.
NETWORK_MODULES = ("asyncio.", "socket", "ssl", "selectors")


def is_unavailable(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError))
    if isinstance(error, sa_exc.TimeoutError):  # no connection free in the pool in time
        return True
    if isinstance(error, OSError):  # ConnectionRefusedError, TimeoutError, ...: only when the driver raised it
        return _raised_in_driver(error.__traceback__)
    return False


def _raised_in_driver(trace: TracebackType | None) -> bool:
    """Raised in a driver, or in the network code under it; not in code of ours that a transaction merely re-raised."""
    modules = []
    while trace is not None:
        modules.append(trace.tb_frame.f_globals.get("__name__", ""))
        trace = trace.tb_next
    deepest_driver = max((i for i, module in enumerate(modules) if module.startswith(DRIVER_MODULES)), default=None)
    return deepest_driver is not None and all(
        module.startswith(NETWORK_MODULES) for module in modules[deepest_driver + 1 :]
    )
