"""What every answer of the web app carries, and what it refuses before reading: security headers, a bound on
request bodies, the rate limits' counters and the self-hosted API docs. ``install(app)`` wires them in.

Headers (every answer: pages, API, errors, static files, redirects):

- ``Content-Security-Policy``: scripts, styles, images and connections from this site only, no plugins,
  no ``<base>``, forms post only here, and no framing (``frame-ancestors 'none'``). No page has an inline
  script or style, Swagger UI at ``/docs`` included (served from the app's own copy). One document differs:
  a report as HTML (``/reports/<id>``) is a self-contained file, also saved and printed on its own, with its
  stylesheet inline and nothing else (no script, no form, no fetch).
- ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, ``Cross-Origin-Opener-Policy`` and
  ``Cross-Origin-Resource-Policy: same-origin``, a ``Permissions-Policy`` switching off what no page uses.
- ``Referrer-Policy: no-referrer``: the employee's links carry their token in the address, which must
  not travel to another site in a Referer header.
- ``Strict-Transport-Security`` when ``public_url`` is https.
- ``Cache-Control: no-store`` on everything but the static files: pages and API answers carry personal data.

Bodies: larger than ``max_body_bytes`` (``max_import_body_bytes`` for the CSV import) is refused with 413,
at once when ``Content-Length`` says so, else as soon as the bytes received pass the bound."""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config import Settings
from web.ratelimit import LinkRateLimit, RateLimits

SWAGGER_ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
DOCS_PATH = "/docs"
DOCS_ASSETS = "/docs/assets"
IMPORT_PREFIX = "/api/imports/"
STATIC_PREFIXES = ("/static/", DOCS_ASSETS + "/")

_COMMON = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(**changes: str) -> str:
    directives = {**_COMMON, **{name.replace("_", "-"): value for name, value in changes.items()}}
    return "; ".join(f"{name} {value}" for name, value in directives.items())


PAGE_POLICY = _policy()
REPORT_POLICY = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)


def content_security_policy(path: str) -> str:
    # The report document itself (/reports/<id>); its review page (/reports/<id>/review) is a page with forms.
    document = path.removeprefix("/reports/")
    if document != path and "/" not in document and not path.endswith((".pdf", ".csv")):
        return REPORT_POLICY
    return PAGE_POLICY


class SecurityHeaders:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = {
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Permissions-Policy": PERMISSIONS_POLICY,
            "Cross-Origin-Opener-Policy": "same-origin",
            "Cross-Origin-Resource-Policy": "same-origin",
        }
        if settings.public_url.lower().startswith("https://"):
            self.headers["Strict-Transport-Security"] = "max-age=31536000"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
                headers["Content-Security-Policy"] = content_security_policy(path)
                if not path.startswith(STATIC_PREFIXES):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            status.HTTP_413_CONTENT_TOO_LARGE, f"The request is too large: at most {limit} bytes are accepted here."
        )


class BodyLimit:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def limit_for(self, path: str) -> int:
        return self.settings.max_import_body_bytes if path.startswith(IMPORT_PREFIX) else self.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = next((value for name, value in scope.get("headers", ()) if name == b"content-length"), b"")
        if declared.isdigit() and int(declared) > limit:
            await _answer(scope, receive, send, BodyTooLarge(limit))
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised where the app reads the body: its error handler answers 413 as for any HTTP error.
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)


async def _answer(scope: Scope, receive: Receive, send: Send, exc: StarletteHTTPException) -> None:
    """Answer ``exc`` the way the app answers any HTTP error (a page, or JSON for the API)."""
    request = Request(scope, receive)
    handler = request.app.exception_handlers[StarletteHTTPException]
    response = await handler(request, exc)
    await response(scope, receive, send)


SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} · API</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{init}"></script>
</body>
</html>
"""


def _install_docs(app: FastAPI) -> None:
    """Swagger UI from the copy installed with the app (fastapi-offline's), started by web/static/docs.js:
    no CDN, so nothing is fetched from elsewhere and the page needs no inline script."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=SWAGGER_ASSETS), name="docs_assets")

    @app.get(DOCS_PATH, include_in_schema=False, name="swagger_ui_html")
    async def swagger_ui(request: Request) -> HTMLResponse:
        from html import escape

        root = request.scope.get("root_path", "")
        page = SWAGGER_PAGE.format(
            title=escape(app.title),
            assets=escape(root + DOCS_ASSETS),
            openapi=escape(root + (app.openapi_url or "/openapi.json")),
            init=escape(str(request.app.url_path_for("static", path="docs.js"))),
        )
        return HTMLResponse(page)


def install(app: FastAPI) -> None:
    """Call after the routes are in place (the docs are mounted here; the static files before)."""
    settings: Settings = app.state.settings
    app.state.rate_limits = RateLimits(settings)
    _install_docs(app)
    # The last added runs first: headers on every answer, then the body bound, then the link limit.
    app.add_middleware(LinkRateLimit)
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(SecurityHeaders, settings=settings)
