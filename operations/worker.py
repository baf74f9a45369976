"""What the worker process carries for whoever runs it: its logs, the Temporal runtime that exports the SDK's
metrics, the refusal to start on a database of another release, and its own small HTTP endpoint
(``worker_port``): ``/metrics``, ``/health/live`` and ``/health/ready``."""

import contextlib
import logging
import socket
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from config import Settings
from operations import health, http, logs, metrics, schema, tracing

log = logging.getLogger("worker")


def _free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WorkerOperations:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        logs.configure(settings)
        tracing.name_process("offboarding-worker")
        self.sdk_metrics_url: str | None = None
        self.runtime = self._runtime()

    def _runtime(self) -> Runtime:
        """The SDK's own metrics go to an exporter on a loopback port, served again on ``worker_port`` with ours;
        the SDK core's log lines go through Python's logging, in the process's format."""
        prometheus = None
        if self.settings.worker_port:
            address = f"127.0.0.1:{_free_loopback_port()}"
            prometheus = PrometheusConfig(bind_address=address, counters_total_suffix=True, durations_as_seconds=True)
            self.sdk_metrics_url = f"http://{address}/metrics"
        logging_config = LoggingConfig(
            filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
            forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
        )
        return Runtime(telemetry=TelemetryConfig(logging=logging_config, metrics=prometheus))

    async def check_schema(self, engine: AsyncEngine) -> None:
        """Exit with ``schema.EXIT_SCHEMA`` and say why when the database is not this release's."""
        try:
            await schema.check_when_reachable(engine)
        except schema.SchemaMismatch as err:
            log.error("cannot start: %s", err)
            await engine.dispose()
            raise SystemExit(schema.EXIT_SCHEMA) from None

    @contextlib.asynccontextmanager
    async def serving(self, client: Client, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
        """The worker's HTTP endpoint while the block runs, when ``worker_port`` is set."""
        if not self.settings.worker_port:
            yield
            return

        async def live(_: Request) -> JSONResponse:
            return JSONResponse({"status": "ok"})

        async def ready(_: Request) -> JSONResponse:
            status, body = health.answer(*await health.readiness(sessions, client))
            return JSONResponse(body, status_code=status)

        app = Starlette(
            routes=[
                Route("/metrics", metrics.endpoint(sdk_url=self.sdk_metrics_url)),
                Route("/health/live", live),
                Route("/health/ready", ready),
            ]
        )
        async with http.serving(
            app, self.settings.metrics_host, self.settings.worker_port, "worker metrics and health"
        ):
            yield
        tracing.flush()
