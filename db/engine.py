"""Async engine and session factory for SQLite (embedded default) and PostgreSQL (production)."""

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# How long a task waits for the one connection of a queued SQLite engine before it fails: longer than an activity
# may take (workflows.activity_calls.DB_TIMEOUT), so that the activity's own timeout decides.
SQLITE_QUEUE_TIMEOUT = 60


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web app read while a worker writes; the busy timeout rides out short write locks.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the program loses nothing,
    # a power cut at worst the last commits, and the file stays whole (SQLite's advice for WAL).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(database_url: str, *, queue_on_sqlite: bool = False) -> AsyncEngine:
    """``queue_on_sqlite``: on SQLite, one connection for the process, which its users wait for in turn.

    SQLite writes one transaction at a time. A process that writes from many tasks at once (the worker's activities
    while a thousand cases open) otherwise leaves them to SQLite's busy handler, which sleeps in growing steps
    while the file is free, and fails at once a transaction that read before another wrote and then writes itself:
    activities timed out waiting for the pool or failed with "database is locked", and were retried. Waiting in
    turn for the one connection costs nothing of the kind. Only where no task holds a connection while it waits for
    another one (an activity opens one session at a time)."""
    # hide_parameters: an error's message (logged, shown in a traceback) never quotes a row's values: names, free text.
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": SQLITE_QUEUE_TIMEOUT} if queue_on_sqlite else {}
        engine = create_async_engine(url, hide_parameters=True, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # A database behind a broken network answers nothing at all: give up after 10 s (asyncpg waits 60) so callers hear 503 in time.
    return create_async_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, connect_args={"timeout": 10}, hide_parameters=True
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
