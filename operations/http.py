"""A small HTTP server inside a process that has its own work (the worker; the web app's metrics port), run by
uvicorn on the process's event loop. Signals stay the process's own: the main server or the worker decides
when to stop, and stops this one with it."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import uvicorn
from starlette.types import ASGIApp

log = logging.getLogger("operations.http")


class _Embedded(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):
        yield


@contextlib.asynccontextmanager
async def serving(app: ASGIApp, host: str, port: int, what: str) -> AsyncIterator[None]:
    """Serve ``app`` on host:port while the block runs; a port that cannot be bound stops the start."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="off")
    server = _Embedded(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it
            raise SystemExit(f"the {what} could not listen on {host}:{port}")
        await asyncio.sleep(0.02)
    log.info("%s on http://%s:%s", what, host, port)
    try:
        yield
    finally:
        server.should_exit = True
        await task
