"""Who is asking: the bearer token in ``Authorization: Bearer <token>`` (programs; accounts.tokens), else the session
cookie (people). A request that brings a token is judged by the token alone: a wrong, expired or revoked one is not
made good by a cookie sent along. Read once per request and kept on it."""

import logging

from fastapi import Request

from accounts import sessions
from accounts import tokens as api_tokens
from models.accounts import SignedIn
from web.auth import cookies

log = logging.getLogger("web.access")


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header; None without one (other schemes are not ours)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def current_user(request: Request) -> SignedIn | None:
    """The account behind the request (its bearer token, else its session cookie), read once per request."""
    if hasattr(request.state, "user"):
        return request.state.user
    user = None
    token = bearer_token(request)
    if token is not None:
        async with request.app.state.sessions() as session:
            user = await api_tokens.load(session, token)
        request.state.via_token = user is not None
        request.state.token_refused = user is None
        if user is None:
            log.warning(
                "refused a bearer token on %s %s: unknown, expired or revoked", request.method, request.url.path
            )
    else:
        key = request.cookies.get(cookies.cookie_name(request.app.state.settings))
        if key:
            async with request.app.state.sessions() as session:
                user = await sessions.load(session, key)
    request.state.user = user
    return user
