"""What the web app carries for whoever runs it: a request id and an access line per request, latency per route,
liveness and readiness, the metrics port, traces, and the refusal to start on a database of another release."""

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config import Settings
from db.engine import create_engine
from operations import health, http, logs, metrics, schema, tracing
from operations.asgi import HttpMiddleware

access = logging.getLogger("web.requests")
# An id a proxy in front may pass on; anything else is replaced by our own.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Requests that would only drown the latency of the real routes.
NOT_MEASURED = ["^/health", "^/static/"]


class RequestContext(HttpMiddleware):
    """Gives every request an id (``X-Request-ID``, also on the answer) for its log records, and logs one access
    line per request with the route template, never the raw path (the employee's link tokens are paths)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        rid_token, scope_token = logs.request_id.set(rid), logs.request_scope.set(scope)
        began, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            if not route.startswith(("/health", "/static")):
                access.info("%s %s %s in %.0f ms", scope["method"], route, status, (time.perf_counter() - began) * 1000)
            logs.request_id.reset(rid_token)
            logs.request_scope.reset(scope_token)


async def check_schema(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await schema.check_when_reachable(engine)
    finally:
        await engine.dispose()


def _health_routes(app: FastAPI) -> None:
    @app.get("/health/live", tags=["health"], summary="Liveness: the process answers")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/health/ready",
        tags=["health"],
        summary="Readiness: the database and Temporal answer",
        responses={503: {"description": "Not ready; names the part that is unreachable"}},
    )
    async def ready(request: Request) -> JSONResponse:
        status, body = health.answer(*await health.readiness(request.app.state.sessions, request.app.state.temporal))
        return JSONResponse(body, status_code=status)


def _metrics_app(app: FastAPI) -> ASGIApp:
    async def refresh() -> None:
        await metrics.refresh_read_model_gauges(app.state.sessions)

    return Starlette(routes=[Route("/metrics", metrics.endpoint(refresh))])


def install(app: FastAPI, settings: Settings) -> None:
    tracing.name_process("offboarding-web")
    _health_routes(app)
    Instrumentator(excluded_handlers=NOT_MEASURED).instrument(app)
    app.add_middleware(RequestContext)
    tracing.instrument_web(app, settings)
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[Any]:
        await check_schema(settings)
        async with AsyncExitStack() as stack:
            state = await stack.enter_async_context(started(app_))
            if settings.web_metrics_port:
                await stack.enter_async_context(
                    http.serving(
                        _metrics_app(app_), settings.metrics_host, settings.web_metrics_port, "web app metrics"
                    )
                )
            yield state
        tracing.flush()

    app.router.lifespan_context = lifespan
