"""Signing in and out, changing one's own password, and the session as API clients see it."""

import logging
import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import func, select

from accounts import sessions
from accounts import store as accounts
from accounts.roles import roles_of
from db.rows import stored
from models.accounts import AccountRole, SignedIn
from models.tables import Account, utcnow
from web import ratelimit
from web.auth import cookies, csrf
from web.auth.guard import CurrentUser, deny, form_protected, signed_in
from web.dependencies import SessionDep, SettingsDep
from web.templating import PagesDep

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/session", tags=["session"])
log = logging.getLogger("web.access")

# Where each role starts; someone with several roles starts at the first of theirs in this order.
HOMES = (
    (AccountRole.HR, "/dashboard"),
    (AccountRole.MANAGER, "/my/tasks"),
    (AccountRole.INTERVIEWER, "/interviews"),
    (AccountRole.CUSTODIAN, "/equipment"),
    (AccountRole.REVIEWER, "/reports"),
    (AccountRole.ADMIN, "/admin/accounts"),
)


def home_of(roles) -> str:
    return next((path for role, path in HOMES if role in roles), "/my/tasks")


# The pages that need a role, so that signing in does not lead someone to a page their roles cannot open
# (the case list and the dashboard are HR's).
ROLE_PAGES = (
    ("/cases", (AccountRole.HR,)),
    ("/dashboard", (AccountRole.HR,)),
    ("/admin", (AccountRole.ADMIN,)),
    ("/equipment", (AccountRole.CUSTODIAN, AccountRole.HR)),
    ("/interviews", (AccountRole.INTERVIEWER, AccountRole.HR)),
    ("/reports", (AccountRole.REVIEWER, AccountRole.HR)),
    ("/reviews", (AccountRole.REVIEWER, AccountRole.HR)),
    ("/mailbox", (AccountRole.HR,)),
)


def next_for(next_url: str, roles) -> str:
    """Where to go after signing in: the page asked for when the roles open it, else the role's own start page."""
    path = next_url.split("?", 1)[0]
    for prefix, allowed in ROLE_PAGES:
        if (path == prefix or path.startswith(prefix + "/")) and not set(allowed) & set(roles):
            return home_of(roles)
    return next_url or home_of(roles)


def safe_next(value: str | None) -> str:
    """Only a path on this site: never another host (``//evil``, ``/\\evil``, ``https://...``)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or "\n" in value or "\r" in value:
        return ""
    return value


@router.get("/login", name="login_page", response_class=HTMLResponse)
async def login_page(request: Request, pages: PagesDep, user: CurrentUser, session: SessionDep, next: str = ""):
    if user is not None:
        return RedirectResponse(next_for(safe_next(next), user.roles), status_code=status.HTTP_303_SEE_OTHER)
    # A fresh installation: say how the first account is made.
    first_run = (await session.execute(select(func.count()).select_from(Account))).scalar_one() == 0
    context = {
        "next": safe_next(next),
        "email": "",
        "failed": False,
        "limited": 0,
        "oidc": _oidc_enabled(request),
        "first_run": first_run,
    }
    return pages.render(request, "auth/login.html", context)


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def login(
    request: Request,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
):
    limits = ratelimit.limits_of(request)
    address = ratelimit.client_address(request)
    device = cookies.known_device(request, settings, email)
    known = " (a browser known to the account)" if device else ""
    wait = await limits.sign_in_attempt(address, email, device)
    if wait is not None:
        log.warning(
            "sign-in refused for %r from %s%s: too many attempts, %ss to wait", email[:320], address, known, wait
        )
        minutes = math.ceil(wait / 60)
        context = {
            "next": safe_next(next),
            "email": email,
            "failed": False,
            "limited": minutes,
            "oidc": _oidc_enabled(request),
            "first_run": False,
        }
        response = pages.render(request, "auth/login.html", context, status_code=status.HTTP_429_TOO_MANY_REQUESTS)
        response.headers["Retry-After"] = str(wait)
        return response
    account = await accounts.authenticate(session, email, password) if email and password else None
    if account is None:
        await session.rollback()
        await limits.sign_in_failed(address, email, device)
        log.warning("sign-in failed for %r from %s%s", email[:320], address, known)
        context = {
            "next": safe_next(next),
            "email": email,
            "failed": True,
            "limited": 0,
            "oidc": _oidc_enabled(request),
            "first_run": False,
        }
        return pages.render(request, "auth/login.html", context, status_code=status.HTTP_401_UNAUTHORIZED)
    await limits.signed_in(address, email, device)
    return await finish_sign_in(request, session, settings, account, safe_next(next))


async def finish_sign_in(request: Request, session, settings, account, next_url: str) -> RedirectResponse:
    """A fresh session (never one the browser brought along) and the way on."""
    old = request.cookies.get(cookies.cookie_name(settings))
    if old:
        await sessions.end(session, old)
    key = await sessions.start(session, account, settings)
    account.last_sign_in_at = utcnow()
    await session.commit()
    log.info("signed in: %s", account.email)
    response = RedirectResponse(next_for(next_url, roles_of(account)), status_code=status.HTTP_303_SEE_OTHER)
    cookies.set_cookie(response, key, settings)
    cookies.remember_device(request, response, settings, account.email)
    csrf.clear_cookie(request, response)
    return response


@router.post("/logout", name="logout", dependencies=[Depends(form_protected)])
async def logout(request: Request, session: SessionDep, settings: SettingsDep):
    key = request.cookies.get(cookies.cookie_name(settings))
    if key:
        await sessions.end(session, key)
        await session.commit()
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    cookies.clear_cookie(response, settings)
    return response


Person = Annotated[SignedIn, Depends(signed_in())]
PASSWORD_NOTICES = ("changed",)


async def _render_password(
    request: Request,
    pages,
    session,
    user: SignedIn,
    *,
    errors=None,
    limited: int = 0,
    notice: str = "",
    ended: int = 0,
    code: int = 200,
):
    account = await session.get(Account, user.account_id)
    context = {
        "has_password": account.password_hash is not None,
        "errors": errors or [],
        "limited": limited,
        "notice": notice if notice in PASSWORD_NOTICES else "",
        "ended": ended,
    }
    return pages.render(request, "accounts/password.html", context, status_code=code)


@router.get("/account/password", name="password_page", response_class=HTMLResponse)
async def password_page(
    request: Request, user: Person, pages: PagesDep, session: SessionDep, done: str = "", ended: int = 0
):
    return await _render_password(request, pages, session, user, notice=done, ended=max(0, ended))


@router.post("/account/password", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def change_password(
    request: Request,
    user: Person,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    current: Annotated[str, Form(max_length=256)] = "",
    new: Annotated[str, Form(max_length=256)] = "",
    again: Annotated[str, Form(max_length=256)] = "",
):
    """The owner's own change: the other sessions end, this one and the API tokens stay (accounts.store)."""
    if getattr(request.state, "via_token", False):
        deny(request, status.HTTP_403_FORBIDDEN, "a password is changed signed in, not with a token", user)
    account = await stored(session, Account, user.account_id)  # signed in: the account is there
    _ = pages.gettext
    errors = []
    if account.password_hash is None:
        errors.append(_("This account signs in with the organisation account and has no password here."))
    elif len(new) < 10:
        errors.append(_("Choose a new password of at least 10 characters."))
    elif new != again:
        errors.append(_("The new password and its repetition differ."))
    if errors:
        return await _render_password(
            request, pages, session, user, errors=errors, code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    # Whoever holds a session may not guess its password faster than anyone signing in.
    limits = ratelimit.limits_of(request)
    address = ratelimit.client_address(request)
    device = cookies.known_device(request, settings, user.email)
    wait = await limits.sign_in_attempt(address, user.email, device)
    if wait is not None:
        response = await _render_password(
            request, pages, session, user, limited=math.ceil(wait / 60), code=status.HTTP_429_TOO_MANY_REQUESTS
        )
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        result = await accounts.change_own_password(session, account, current, new, session_id=user.session_key)
    except accounts.WrongPassword:
        await session.rollback()
        await limits.sign_in_failed(address, user.email, device)
        log.warning("password change for %s refused: wrong current password, from %s", user.email, address)
        errors = [_("Your current password is not right.")]
        return await _render_password(
            request, pages, session, user, errors=errors, code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    await session.commit()
    await limits.signed_in(address, user.email, device)
    log.info("password changed by its owner %s; %d other session(s) ended", user.email, result.sessions_ended)
    url = request.url_for("password_page").include_query_params(done="changed", ended=result.sessions_ended)
    return RedirectResponse(str(url), status_code=status.HTTP_303_SEE_OTHER)


def _oidc_enabled(request: Request) -> bool:
    settings = request.app.state.settings
    return bool(settings.oidc_issuer and settings.oidc_client_id)


class SessionInfo(BaseModel):
    email: str
    name: str
    roles: list[AccountRole]
    language: str
    csrf_token: str


@api_router.get("", response_model=SessionInfo, summary="Who is signed in")
async def session_info(user=Depends(signed_in())) -> SessionInfo:
    """The signed-in person, with the CSRF token that API calls changing something must send as `X-CSRF-Token`
    when they authenticate with the session cookie."""
    return SessionInfo(
        email=user.email, name=user.name, roles=sorted(user.roles), language=user.language, csrf_token=user.csrf_token
    )
