"""Whether this code may run on the database it is given: its schema revision must be one this release knows.

A database migrated by a newer release carries a revision this code has never heard of: its tables may hold
columns and meanings the code would misread or overwrite, so the worker and the web app refuse to start
(exit code ``EXIT_SCHEMA``) with a message saying what to do. A database behind this release is refused
too, naming the command that brings it up to date (``make run`` does so by itself)."""

import logging

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.migrate import alembic_config
from db.unavailable import is_unavailable

log = logging.getLogger("operations.schema")

EXIT_SCHEMA = 3


class SchemaMismatch(Exception):
    """The database's schema is not the one this code was written for; the message says what to do."""


def known_revisions() -> tuple[set[str], set[str]]:
    """Every revision this code's migrations know, and the newest (the heads)."""
    script = ScriptDirectory.from_config(alembic_config(""))
    return {revision.revision for revision in script.walk_revisions()}, set(script.get_heads())


async def database_revisions(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        has_table = await connection.run_sync(lambda sync: sync.dialect.has_table(sync, "alembic_version"))
        if not has_table:
            return set()
        return set((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())


async def check(engine: AsyncEngine) -> None:
    """Return when the database is at this code's newest revision; else raise SchemaMismatch."""
    shown = make_url(str(engine.url)).render_as_string(hide_password=True)
    found = await database_revisions(engine)
    known, heads = known_revisions()
    unknown = found - known
    if unknown:
        raise SchemaMismatch(
            f"the database {shown} is at schema revision {', '.join(sorted(unknown))}, which this release does not know: "
            "a newer release has migrated it. Run that release (or newer), or restore a backup made before the upgrade; "
            "this one would misread the data."
        )
    if found != heads:
        at = ", ".join(sorted(found)) or "no schema at all"
        raise SchemaMismatch(
            f"the database {shown} is at {at}, behind this release ({', '.join(sorted(heads))}): "
            "run `offboarding migrate` (or `alembic upgrade head`; `make run` migrates by itself), then start again."
        )


async def check_when_reachable(engine: AsyncEngine) -> None:
    """``check``, unless the database cannot be reached now: then the process starts (unready) and works once
    the database is back, as it would had the database gone away after the start."""
    try:
        await check(engine)
    except SchemaMismatch:
        raise
    except Exception as err:
        if not is_unavailable(err):
            raise
        log.warning(
            "the database cannot be reached to check its schema revision; starting without the check: %s",
            type(err).__name__,
        )
