"""The OpenAPI document as a generated client needs it: where the API is (``servers``), how each call
authenticates and what it answers when it does not (401, 403), and how events are signed.

FastAPI writes the operations from the routes; what the routes cannot say (the guards are dependencies
shared by whole routers, ``POST /api/events`` reads its headers itself) is added here, once, when the
document is first asked for."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from config import Settings
from web.auth.cookies import cookie_name
from webhooks import signing, standard

TOKEN_SCHEME = "Token"
SESSION_SCHEME = "Session"
# Signed with the events secret instead of an account.
UNGUARDED = {("post", "/api/events")}
# Any account may ask who it is: a role cannot be missing there.
ANY_ACCOUNT = {("get", "/api/session")}

PROBLEM = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
UNAUTHORIZED = {
    "description": "No session and no API token, or a token that is unknown, expired or revoked.",
    "headers": {
        "WWW-Authenticate": {
            "description": 'How to authenticate (RFC 6750): `Bearer realm="offboarding"`, with `error="invalid_token"` for a token that is not good.',
            "schema": {"type": "string"},
        }
    },
    "content": {"application/json": {"schema": PROBLEM}},
}
FORBIDDEN = {
    "description": "The account lacks the role this call needs.",
    "content": {"application/json": {"schema": PROBLEM}},
}


def _header(
    name: str, description: str, *, required: bool = False, deprecated: bool = False, example: str | None = None
) -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }
    if deprecated:
        parameter["deprecated"] = True
    if example is not None:
        parameter["example"] = example
    return parameter


EVENT_HEADERS = [
    _header(
        standard.ID_HEADER, "Standard Webhooks: a unique id of this message.", required=True, example="msg_2Lx7f0Qh"
    ),
    _header(
        standard.TIMESTAMP_HEADER,
        "Standard Webhooks: when the message was signed, in Unix seconds.",
        required=True,
        example="1799999999",
    ),
    _header(
        standard.SIGNATURE_HEADER,
        'Standard Webhooks: `v1,<base64 of HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with the '
        "base64-decoded part of the `whsec_` secret; several may stand space-separated.",
        required=True,
        example="v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    ),
    _header(signing.TIMESTAMP_HEADER, "The earlier scheme, taken until version 0.3.0: Unix seconds.", deprecated=True),
    _header(
        signing.SIGNATURE_HEADER,
        'The earlier scheme: `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`.',
        deprecated=True,
    ),
    *(
        _header(f"ce-{name}", f"Binary mode: the CloudEvents `{name}` attribute{note}.")
        for name, note in (
            ("specversion", " (`1.0`); its presence selects binary mode"),
            ("id", ""),
            ("source", ""),
            ("type", ""),
            ("subject", ": the employee number"),
            ("time", ""),
        )
    ),
]


def install(app: FastAPI, settings: Settings) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                servers=_servers(settings),
            )
            app.openapi_schema = complete(schema, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the generated schema


def _servers(settings: Settings) -> list[dict[str, str]]:
    return [
        {"url": settings.public_url.rstrip("/") or "/", "description": "This installation (OFFBOARDING_PUBLIC_URL)."}
    ]


def complete(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes.setdefault(
        TOKEN_SCHEME, {"type": "http", "scheme": "bearer", "description": "An API token; the call acts as its account."}
    )
    schemes[SESSION_SCHEME] = {
        "type": "apiKey",
        "in": "cookie",
        "name": cookie_name(settings),
        "description": "A browser's session after signing in; calls that change something also send `X-CSRF-Token` (from `GET /api/session`).",
    }
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if (method, path) in UNGUARDED:
                continue
            operation["security"] = [{TOKEN_SCHEME: []}, {SESSION_SCHEME: []}]
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", UNAUTHORIZED)
            if (method, path) not in ANY_ACCOUNT:
                responses.setdefault("403", FORBIDDEN)
    events = schema.get("paths", {}).get("/api/events", {}).get("post")
    if events is not None:
        _describe_event_signing(events)
    return schema


def _describe_event_signing(operation: dict[str, Any]) -> None:
    operation["security"] = []
    known = {(parameter["in"], parameter["name"].lower()) for parameter in operation.get("parameters", [])}
    operation.setdefault("parameters", []).extend(
        header for header in EVENT_HEADERS if ("header", header["name"].lower()) not in known
    )
    content = operation.setdefault("requestBody", {"required": True}).setdefault("content", {})
    content.setdefault(
        "application/json",
        {"schema": {"description": "Binary mode: the event's data (its attributes in the ce-* headers)."}},
    )
