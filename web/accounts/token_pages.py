"""API tokens, for admins: make one for an account (shown once, on the answer to the form), see every token's
state and when it was last used, revoke one."""

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from models.accounts import AccountRole, SignedIn
from models.tables import utcnow
from web.auth import accounts, api_tokens
from web.auth.guard import deny, form_protected, signed_in
from web.dependencies import SessionDep
from web.templating import Pages, PagesDep

router = APIRouter(prefix="/admin/tokens", include_in_schema=False)
log = logging.getLogger("web.access")

Admin = Annotated[SignedIn, Depends(signed_in(AccountRole.ADMIN))]
TokenId = Annotated[str, Path(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")]


async def _render(request: Request, pages: Pages, session, *, issued=None, values=None, errors=None, notice: str = "", code: int = 200):
    now = utcnow()
    rows = [(token, account, api_tokens.state(token, now)) for token, account in await api_tokens.listing(session)]
    context = {
        "tokens": rows,
        "accounts": [account for account in await accounts.all_accounts(session) if account.active],
        "issued": issued,
        "values": values or {"expires_days": api_tokens.DEFAULT_DAYS},
        "errors": errors or [],
        "notice": notice if notice == "revoked" else "",
        "max_days": api_tokens.MAX_DAYS,
    }
    return pages.render(request, "accounts/tokens.html", context, status_code=code)


@router.get("", name="api_tokens_page", response_class=HTMLResponse)
async def tokens_page(request: Request, user: Admin, pages: PagesDep, session: SessionDep, done: str = ""):
    return await _render(request, pages, session, notice=done)


@router.post("", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def create_token(
    request: Request,
    user: Admin,
    pages: PagesDep,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    name: Annotated[str, Form(max_length=500)] = "",
    expires_days: Annotated[str, Form(max_length=10)] = "",
):
    values = {"email": email, "name": name, "expires_days": expires_days}
    errors = []
    account = await accounts.by_email(session, email) if email else None
    if account is None or not account.active:
        errors.append(pages.gettext("Choose an active account."))
    days = int(expires_days) if expires_days.strip().isdigit() else None
    if days is None or not 1 <= days <= api_tokens.MAX_DAYS:
        errors.append(pages.gettext("A token lasts 1 to %(max)d days.") % {"max": api_tokens.MAX_DAYS})
    if not name.strip() or len(name.strip()) > 200:
        errors.append(pages.gettext("Give the token a name that says which program uses it (at most 200 characters)."))
    if errors:
        return await _render(request, pages, session, values=values, errors=errors, code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    issued = await api_tokens.issue(session, account, name, days)
    await session.commit()
    log.info("API token %s (%s) for %s made by %s", issued.row.id[:12], issued.row.name, account.email, user.email)
    # The one time the token is shown: on this answer, never in an address or a log.
    return await _render(request, pages, session, issued={"token": issued.token, "email": account.email, "name": issued.row.name}, code=status.HTTP_201_CREATED)


@router.post("/{token_id}/revoke", name="api_token_revoke", dependencies=[Depends(form_protected)])
async def revoke_token(request: Request, token_id: TokenId, user: Admin, session: SessionDep):
    try:
        row = await api_tokens.revoke(session, token_id)
    except api_tokens.UnknownToken:
        deny(request, status.HTTP_404_NOT_FOUND, f"no API token {token_id[:12]}", user)
    await session.commit()
    log.info("API token %s (%s) revoked by %s", row.id[:12], row.name, user.email)
    return RedirectResponse(str(request.url_for("api_tokens_page").include_query_params(done="revoked")), status_code=status.HTTP_303_SEE_OTHER)
