"""The first-run page: while no account exists, whoever holds the setup code makes the first admin/HR account.

The code is what keeps someone else on the network from claiming the installation: ``make run`` prints it,
the data folder keeps it (or ``OFFBOARDING_SETUP_CODE`` sets it). Attempts are limited per client address
(``setup_limit_per_address``). Once any account exists the page answers 404 and the code opens nothing."""

import logging
import math
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from limits import parse_many
from pydantic import ValidationError

from accounts import first_run
from models.accounts import NewAccount
from web import ratelimit
from web.auth.guard import form_protected
from web.auth.router import finish_sign_in
from web.dependencies import SessionDep, SettingsDep
from web.templating import Pages, PagesDep

router = APIRouter(include_in_schema=False)
log = logging.getLogger("web.access")


async def _set_up_already(session) -> None:
    if not await first_run.needs_setup(session):
        await session.rollback()
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")


def _render(request: Request, pages: Pages, *, values=None, errors=None, limited: int = 0, code: int = 200):
    context = {"values": values or {"language": pages.language}, "errors": errors or {}, "limited": limited}
    return pages.render(request, "auth/setup.html", context, status_code=code)


@router.get("/setup", name="setup_page", response_class=HTMLResponse)
async def setup_page(request: Request, pages: PagesDep, session: SessionDep):
    await _set_up_already(session)
    return _render(request, pages)


async def _wait(request: Request, settings) -> int | None:
    """Count this attempt for the client address; the seconds to wait when the limit is reached."""
    items = parse_many(settings.setup_limit_per_address) if settings.setup_limit_per_address else []
    limits = ratelimit.limits_of(request)
    address = ratelimit.client_address(request)
    for item in items:
        if not await limits.limiter.test(item, "setup", address):
            stats = await limits.limiter.get_window_stats(item, "setup", address)
            return max(1, math.ceil(stats.reset_time - time.time()))
    for item in items:
        await limits.limiter.hit(item, "setup", address)
    return None


@router.post("/setup", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def set_up(
    request: Request,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    language: Annotated[str, Form(max_length=2)] = "nl",
    password: Annotated[str, Form(max_length=256)] = "",
    again: Annotated[str, Form(max_length=256)] = "",
):
    await _set_up_already(session)
    values = {"name": name, "email": email, "language": language}
    address = ratelimit.client_address(request)
    wait = await _wait(request, settings)
    if wait is not None:
        log.warning("setup code refused from %s: too many attempts, %ss to wait", address, wait)
        response = _render(
            request, pages, values=values, limited=math.ceil(wait / 60), code=status.HTTP_429_TOO_MANY_REQUESTS
        )
        response.headers["Retry-After"] = str(wait)
        return response
    _ = pages.gettext
    if not first_run.code_matches(code, settings.first_run_code()):
        log.warning("setup code refused from %s: not the installation's code", address)
        errors = {
            "code": _(
                "That is not the setup code. make run printed it when it started; it is also in the file setup_code in the data folder."
            )
        }
        return _render(request, pages, values=values, errors=errors, code=status.HTTP_403_FORBIDDEN)
    errors = _account_errors(pages, values, password, again)
    if errors:
        return _render(request, pages, values=values, errors=errors, code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    new = NewAccount(email=email, name=name, language=language, roles=first_run.FIRST_ROLES, password=password)
    try:
        account = await first_run.create_first_account(session, new)
    except first_run.AlreadySetUp:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found") from None
    log.info("first account %s made on the setup page from %s", account.email, address)
    return await finish_sign_in(request, session, settings, account, "")


def _account_errors(pages: Pages, values: dict, password: str, again: str) -> dict[str, str]:
    """The fields' problems, each named by its field, in the reader's language."""
    _ = pages.gettext
    errors: dict[str, str] = {}
    if not values["name"].strip():
        errors["name"] = _("Enter your name.")
    try:
        NewAccount.model_validate({"email": values["email"], "name": "x", "roles": first_run.FIRST_ROLES})
    except ValidationError:
        errors["email"] = _("Enter an email address like name@example.org.")
    if values["language"] not in ("nl", "en"):
        errors["language"] = _("Choose Dutch or English.")
    if len(password) < 10:
        errors["password"] = _("Choose a password of at least 10 characters.")
    elif password != again:
        errors["again"] = _("The password and its repetition differ.")
    return errors
