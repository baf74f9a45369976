"""Who is asking, and whether they may: the dependencies every page and API route relies on.

Pages send someone without a session to the sign-in page; the API answers 401. A signed-in person
without the role a page needs gets 403; something that is not theirs to see, 404. Every refusal is
logged (logger ``web.access``) and answered without any of the data asked for."""

import logging
from typing import Annotated, NoReturn
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, status

from models.accounts import AccountRole, SignedIn
from web.auth import csrf, sessions

log = logging.getLogger("web.access")

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class SignInRequired(Exception):
    """A page needs a signed-in person; the handler sends the browser to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


async def current_user(request: Request) -> SignedIn | None:
    """The signed-in person, read once per request from the session cookie."""
    if hasattr(request.state, "user"):
        return request.state.user
    user = None
    key = request.cookies.get(sessions.COOKIE)
    if key:
        async with request.app.state.sessions() as session:
            user = await sessions.load(session, key)
    request.state.user = user
    return user


def deny(request: Request, status_code: int, reason: str, user: SignedIn | None = None) -> NoReturn:
    """Log the refusal and answer it with no data: 403 (not your role) or 404 (not yours, or not there)."""
    who = user.email if user else getattr(getattr(request.state, "user", None), "email", "anonymous")
    log.warning("denied %s %s to %s: %s", request.method, request.url.path, who, reason)
    detail = "You may not open this page." if status_code == status.HTTP_403_FORBIDDEN else "Not Found"
    raise HTTPException(status_code, detail)


def _next_url(request: Request) -> str:
    path = request.url.path
    return path + (f"?{request.url.query}" if request.url.query else "")


def signed_in(*roles: AccountRole):
    """Dependency for pages: the signed-in person, holding one of ``roles`` (any role when none is given)."""

    async def dependency(request: Request) -> SignedIn:
        user = await current_user(request)
        if user is None:
            raise SignInRequired(_next_url(request))
        if roles and not user.has(*roles):
            deny(request, status.HTTP_403_FORBIDDEN, f"needs one of the roles {', '.join(roles)}", user)
        return user

    return dependency


async def form_protected(request: Request) -> None:
    """Dependency for every POST that a form sends: the CSRF token must match."""
    if request.method in UNSAFE_METHODS:
        await csrf.check(request)


def api_access(*roles: AccountRole, reads_only: bool = False):
    """Dependency for API routers: a session holding one of ``roles`` (cookie-authenticated writes also need the
    ``X-CSRF-Token`` header), or no session at all while ``api_trust_body_actor`` keeps the API open as before.

    ``reads_only``: only GET and HEAD are checked here; the router's actions decide for themselves (web.acting)."""

    async def dependency(request: Request) -> None:
        if reads_only and request.method not in ("GET", "HEAD"):
            return
        user = await current_user(request)
        if user is None:
            if request.app.state.settings.api_trust_body_actor:
                return
            log.warning("denied %s %s to anonymous: the API needs a session", request.method, request.url.path)
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Sign in first.", headers={"WWW-Authenticate": "Cookie"})
        if not user.has(*roles):
            deny(request, status.HTTP_403_FORBIDDEN, f"API needs one of the roles {', '.join(roles)}", user)
        if request.method in UNSAFE_METHODS:
            await csrf.check(request)

    return dependency


CurrentUser = Annotated[SignedIn | None, Depends(current_user)]


def sign_in_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='/')}"
