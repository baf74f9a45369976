"""CSRF tokens for every form that POSTs.

A signed-in person's token lives with their session. Someone without a session (the sign-in form,
an employee's link) gets a random token in a cookie of its own, and the form must carry the same
value (double submit); that cookie is HttpOnly, SameSite=Lax, and Secure with the ``__Host-`` prefix
over https, like the session's. Forms send it as the hidden field ``csrf_token``; scripts as the header
``X-CSRF-Token``. A program calling with a bearer token needs none: a browser never adds an
``Authorization`` header of its own accord, so no other site can make it send one."""

import hmac
import logging
import secrets

from fastapi import HTTPException, Request, status
from starlette.responses import Response

from web.auth.cookies import cookie_name, secure_cookies
from web.auth.identity import current_user

FIELD = "csrf_token"
HEADER = "x-csrf-token"
COOKIE = "offboarding_csrf"

log = logging.getLogger("web.access")


def _cookie(request: Request) -> str:
    return cookie_name(request.app.state.settings, COOKIE)


def _anonymous_token(request: Request) -> str:
    existing = request.cookies.get(_cookie(request), "")
    if 20 <= len(existing) <= 100:
        return existing
    if not getattr(request.state, "new_csrf_cookie", None):
        request.state.new_csrf_cookie = secrets.token_urlsafe(32)
    return request.state.new_csrf_cookie


def token_for(request: Request) -> str:
    """The token a form on this page must send back."""
    user = getattr(request.state, "user", None)
    return user.csrf_token if user is not None else _anonymous_token(request)


def remember_cookie(request: Request, response: Response) -> None:
    """Set the anonymous token's cookie when this request made one up."""
    token = getattr(request.state, "new_csrf_cookie", None)
    if token and getattr(request.state, "user", None) is None:
        settings = request.app.state.settings
        response.set_cookie(
            cookie_name(settings, COOKIE),
            token,
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure_cookies(settings),
        )


def clear_cookie(request: Request, response: Response) -> None:
    """Forget the anonymous token (once signed in, the session's token counts)."""
    settings = request.app.state.settings
    response.delete_cookie(
        cookie_name(settings, COOKIE), path="/", httponly=True, samesite="lax", secure=secure_cookies(settings)
    )


async def submitted_tokens(request: Request) -> list[str]:
    """The header's token and the form field's, whichever were sent."""
    tokens = [request.headers.get(HEADER, "")]
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        tokens.append(str((await request.form()).get(FIELD) or ""))
    return [token for token in tokens if token]


async def check(request: Request) -> None:
    """Refuse (403) a POST whose token is missing or not this session's (or this browser's)."""
    user = await current_user(request)
    if user is not None and getattr(request.state, "via_token", False):
        return
    expected = user.csrf_token if user is not None else request.cookies.get(_cookie(request), "")
    given = await submitted_tokens(request)
    if not expected or not any(hmac.compare_digest(expected.encode(), token.encode()) for token in given):
        log.warning(
            "denied %s %s to %s: missing or wrong CSRF token",
            request.method,
            request.url.path,
            user.email if user else "anonymous",
        )
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This form has expired. Go back, reload the page and try again.")
