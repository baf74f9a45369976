"""Accounts, for admins: who may sign in, with which roles and language; switching an account off ends its sessions."""

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from accounts import store as accounts
from models.accounts import AccountRole, NewAccount, SignedIn
from models.tables import Account
from web.auth.guard import deny, form_protected, signed_in
from web.dependencies import SessionDep
from web.templating import Pages, PagesDep
from web.validation import Gettext, field_message

router = APIRouter(prefix="/admin", include_in_schema=False)
log = logging.getLogger("web.access")

Admin = Annotated[SignedIn, Depends(signed_in(AccountRole.ADMIN))]


def account_problems(err: ValidationError, _: Gettext) -> list[str]:
    """Each problem with the form's own label for its field, in the page's language."""
    labels = {
        "email": _("Email address"),
        "name": _("Name"),
        "roles": _("Roles"),
        "language": _("Language"),
        "password": _("Password"),
    }
    return [
        f"{labels.get(str(error['loc'][0]) if error['loc'] else '', _('Account'))}: {field_message(error, _)}"
        for error in err.errors()
    ]


async def _render(
    request: Request, pages: Pages, session, *, values=None, errors=None, notice: str = "", code: int = 200
):
    context = {
        "accounts": await accounts.all_accounts(session),
        "roles": list(AccountRole),
        "values": values or {"language": "nl", "roles": []},
        "errors": errors or [],
        "notice": notice if notice in ("created", "changed") else "",
    }
    return pages.render(request, "accounts/accounts.html", context, status_code=code)


@router.get("/accounts", name="accounts_page", response_class=HTMLResponse)
async def accounts_page(request: Request, user: Admin, pages: PagesDep, session: SessionDep, done: str = ""):
    return await _render(request, pages, session, notice=done)


@router.post("/accounts", dependencies=[Depends(form_protected)])
async def create_account(request: Request, user: Admin, pages: PagesDep, session: SessionDep):
    form = await request.form()
    values = {
        "email": str(form.get("email") or "")[:320],
        "name": str(form.get("name") or "")[:200],
        "language": str(form.get("language") or "nl")[:2],
        "roles": [str(role) for role in form.getlist("roles")][:10],
    }
    password = str(form.get("password") or "")[:256]
    try:
        new = NewAccount.model_validate({**values, "password": password or None})
    except ValidationError as err:
        problems = account_problems(err, pages.gettext)
        return await _render(
            request, pages, session, values=values, errors=problems, code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    try:
        await accounts.create(session, new)
    except accounts.AccountExists:
        message = pages.gettext("There is already an account for %(email)s.") % {"email": new.email}
        return await _render(request, pages, session, values=values, errors=[message], code=status.HTTP_409_CONFLICT)
    await session.commit()
    log.info("account %s created by %s with roles %s", new.email, user.email, ",".join(new.roles))
    return RedirectResponse(
        str(request.url_for("accounts_page").include_query_params(done="created")),
        status_code=status.HTTP_303_SEE_OTHER,
    )


@router.post("/accounts/{account_id}/active", name="account_active_form", dependencies=[Depends(form_protected)])
async def set_active(request: Request, account_id: Annotated[int, Path(ge=1)], user: Admin, session: SessionDep):
    account = await session.get(Account, account_id)
    if account is None:
        deny(request, status.HTTP_404_NOT_FOUND, f"no account {account_id}", user)
    if account.id == user.account_id:
        deny(request, status.HTTP_403_FORBIDDEN, "an admin cannot switch off their own account", user)
    await accounts.set_active(session, account, not account.active)
    await session.commit()
    log.info("account %s %s by %s", account.email, "activated" if account.active else "deactivated", user.email)
    return RedirectResponse(
        str(request.url_for("accounts_page").include_query_params(done="changed")),
        status_code=status.HTTP_303_SEE_OTHER,
    )
