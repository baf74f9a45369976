"""API tokens. Everyone signed in makes, sees and revokes their own at /account/tokens (a new token is shown
once, on the answer to the form). Admins see every account's tokens at /admin/tokens, who made each and when it
was last used, and revoke any; they make tokens for their own account only, like everyone else, so that no
admin acts under another person's name. Making a token needs a session: a token cannot make another."""

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from accounts import tokens as api_tokens
from db.rows import stored
from models.accounts import AccountRole, SignedIn
from models.tables import Account, utcnow
from web.auth.guard import deny, form_protected, signed_in
from web.dependencies import SessionDep
from web.templating import Pages, PagesDep

router = APIRouter(include_in_schema=False)
log = logging.getLogger("web.access")

Admin = Annotated[SignedIn, Depends(signed_in(AccountRole.ADMIN))]
Anyone = Annotated[SignedIn, Depends(signed_in())]
TokenId = Annotated[str, Path(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")]


def _in_person(request: Request, user: SignedIn) -> None:
    """Refuse (403) a request made with an API token: a leaked token must not make itself a successor."""
    if getattr(request.state, "via_token", False):
        deny(request, status.HTTP_403_FORBIDDEN, "tokens are made signed in, not with a token", user)


async def _rows(session, account_id: int | None = None):
    now = utcnow()
    return [
        (token, account, api_tokens.state(token, now))
        for token, account in await api_tokens.listing(session, account_id)
    ]


async def _render_own(
    request: Request,
    pages: Pages,
    session,
    user: SignedIn,
    *,
    issued=None,
    values=None,
    errors=None,
    notice: str = "",
    code: int = 200,
):
    context = {
        "tokens": await _rows(session, user.account_id),
        "issued": issued,
        "values": values or {"expires_days": api_tokens.DEFAULT_DAYS},
        "errors": errors or [],
        "notice": notice if notice == "revoked" else "",
        "max_days": api_tokens.MAX_DAYS,
    }
    return pages.render(request, "accounts/own_tokens.html", context, status_code=code)


@router.get("/account/tokens", name="own_tokens_page", response_class=HTMLResponse)
async def own_tokens_page(request: Request, user: Anyone, pages: PagesDep, session: SessionDep, done: str = ""):
    return await _render_own(request, pages, session, user, notice=done)


@router.post("/account/tokens", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def create_own_token(
    request: Request,
    user: Anyone,
    pages: PagesDep,
    session: SessionDep,
    name: Annotated[str, Form(max_length=500)] = "",
    expires_days: Annotated[str, Form(max_length=10)] = "",
):
    _in_person(request, user)
    values = {"name": name, "expires_days": expires_days}
    errors = []
    days = int(expires_days) if expires_days.strip().isdigit() else None
    if days is None or not 1 <= days <= api_tokens.MAX_DAYS:
        errors.append(pages.gettext("A token lasts 1 to %(max)d days.") % {"max": api_tokens.MAX_DAYS})
    if not name.strip() or len(name.strip()) > 200:
        errors.append(pages.gettext("Give the token a name that says which program uses it (at most 200 characters)."))
    if errors:
        return await _render_own(
            request, pages, session, user, values=values, errors=errors, code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    account = await stored(session, Account, user.account_id)  # signed in: the account is there
    issued = await api_tokens.issue(session, account, name, days)
    await session.commit()
    log.info("API token %s (%s) made by %s for their own account", issued.row.id[:12], issued.row.name, user.email)
    # The one time the token is shown: on this answer, never in an address or a log.
    shown = {"token": issued.token, "email": account.email, "name": issued.row.name}
    return await _render_own(request, pages, session, user, issued=shown, code=status.HTTP_201_CREATED)


@router.post("/account/tokens/{token_id}/revoke", name="own_token_revoke", dependencies=[Depends(form_protected)])
async def revoke_own_token(request: Request, token_id: TokenId, user: Anyone, session: SessionDep):
    try:
        row = await api_tokens.revoke(session, token_id, account_id=user.account_id)
    except api_tokens.UnknownToken:
        deny(request, status.HTTP_404_NOT_FOUND, f"no API token {token_id[:12]} of this account", user)
    await session.commit()
    log.info("API token %s (%s) revoked by its account %s", row.id[:12], row.name, user.email)
    return RedirectResponse(
        str(request.url_for("own_tokens_page").include_query_params(done="revoked")),
        status_code=status.HTTP_303_SEE_OTHER,
    )


@router.get("/admin/tokens", name="api_tokens_page", response_class=HTMLResponse)
async def tokens_page(request: Request, user: Admin, pages: PagesDep, session: SessionDep, done: str = ""):
    context = {"tokens": await _rows(session), "notice": done if done == "revoked" else ""}
    return pages.render(request, "accounts/tokens.html", context)


@router.post("/admin/tokens/{token_id}/revoke", name="api_token_revoke", dependencies=[Depends(form_protected)])
async def revoke_token(request: Request, token_id: TokenId, user: Admin, session: SessionDep):
    try:
        row = await api_tokens.revoke(session, token_id)
    except api_tokens.UnknownToken:
        deny(request, status.HTTP_404_NOT_FOUND, f"no API token {token_id[:12]}", user)
    await session.commit()
    log.info("API token %s (%s) revoked by %s", row.id[:12], row.name, user.email)
    return RedirectResponse(
        str(request.url_for("api_tokens_page").include_query_params(done="revoked")),
        status_code=status.HTTP_303_SEE_OTHER,
    )
