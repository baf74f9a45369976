"""Who is asking, and whether they may: the dependencies every page and API route relies on.

Who is asking: the bearer token in ``Authorization: Bearer <token>`` (programs; accounts.tokens), else
the session cookie (people). A request that brings a token is judged by the token alone: a wrong, expired
or revoked one is not made good by a cookie sent along.

Pages send someone without a session to the sign-in page; the API answers 401 (``WWW-Authenticate:
Bearer``). A signed-in person without the role a page needs gets 403; something that is not theirs to
see, 404. Every refusal is logged (logger ``web.access``) and answered without any of the data asked for."""

import logging
from typing import Annotated, NoReturn
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from models.accounts import AccountRole, SignedIn
from web.auth import csrf
from web.auth.identity import bearer_token, current_user  # noqa: F401  (who is asking: where the guards are)

log = logging.getLogger("web.access")

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Only so that OpenAPI (and the Authorize button at /docs) shows how to authenticate; current_user reads the header.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="Token",
    description="An API token (`offboarding accounts token create`, or an admin at /admin/tokens). The call acts as the token's account.",
)


class SignInRequired(Exception):
    """A page needs a signed-in person; the handler sends the browser to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def authenticate_header(request: Request) -> str:
    """What a 401 asks for (RFC 6750): a bearer token, and why the one given was not good."""
    if getattr(request.state, "token_refused", False):
        return 'Bearer realm="offboarding", error="invalid_token", error_description="The token is unknown, expired or revoked."'
    return 'Bearer realm="offboarding"'


def unauthorized(request: Request, reason: str) -> HTTPException:
    log.warning("denied %s %s to anonymous: %s", request.method, request.url.path, reason)
    detail = (
        "The token is unknown, expired or revoked."
        if getattr(request.state, "token_refused", False)
        else "Sign in first, or send an API token (Authorization: Bearer)."
    )
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": authenticate_header(request)}
    )


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
    """Dependency for API routers: an account (bearer token or session) holding one of ``roles`` (any account when
    none are given); cookie-authenticated writes also need the ``X-CSRF-Token`` header. Nobody at all only while
    ``api_trust_body_actor`` keeps the API open.

    ``reads_only``: the roles are checked for GET and HEAD only; the router's actions decide who may (web.acting),
    but they too need an account."""

    async def dependency(
        request: Request, _token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)]
    ) -> None:
        user = await current_user(request)
        if user is None:
            if request.app.state.settings.api_trust_body_actor and not getattr(request.state, "token_refused", False):
                return
            raise unauthorized(request, "the API needs a session or a valid token")
        if reads_only and request.method not in ("GET", "HEAD"):
            return
        if roles and not user.has(*roles):
            deny(request, status.HTTP_403_FORBIDDEN, f"API needs one of the roles {', '.join(roles)}", user)
        if request.method in UNSAFE_METHODS:
            await csrf.check(request)

    return dependency


CurrentUser = Annotated[SignedIn | None, Depends(current_user)]


def sign_in_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='/')}"
