"""Before the web app's server starts: logging in the settings' format, and the database checked to be this
release's (a mismatch ends the start with ``schema.EXIT_SCHEMA`` and the reason, before a port is taken)."""

import asyncio
import logging

from config import Settings
from operations import logs, schema
from operations.web import check_schema

log = logging.getLogger("web")


def prepare(settings: Settings) -> None:
    logs.configure(settings)
    try:
        asyncio.run(check_schema(settings))
    except schema.SchemaMismatch as err:
        log.error("cannot start: %s", err)
        raise SystemExit(schema.EXIT_SCHEMA) from None
