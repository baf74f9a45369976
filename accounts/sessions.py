"""Server-side sessions: the browser holds a random key (web/auth/cookies.py); the database keeps its SHA-256,
the account it belongs to, its CSRF token and when it expires."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.roles import roles_of
from config import Settings
from models.accounts import SignedIn
from models.tables import Account, WebSession, utcnow
from organisation.mailboxes import mailboxes_of


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def start(session: AsyncSession, account: Account, settings: Settings) -> str:
    """A new session for the account; returns the key for the cookie. Expired sessions are cleared on the way."""
    now = utcnow()
    await session.execute(delete(WebSession).where(WebSession.expires_at < now))
    key = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=_digest(key),
            account_id=account.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_max_age_hours),
        )
    )
    return key


async def load(session: AsyncSession, key: str, now: datetime | None = None) -> SignedIn | None:
    """The signed-in person for a cookie key, or None when the session is unknown, expired or its account inactive."""
    if not key or len(key) > 200:
        return None
    row = (
        await session.execute(
            select(WebSession, Account)
            .join(Account, Account.id == WebSession.account_id)
            .where(WebSession.id == _digest(key))
        )
    ).one_or_none()
    if row is None:
        return None
    web_session, account = row
    if web_session.expires_at <= (now or utcnow()) or not account.active:
        return None
    return await signed_in_as(session, account, session_key=web_session.id, csrf_token=web_session.csrf_token)


async def signed_in_as(
    session: AsyncSession, account: Account, *, session_key: str, csrf_token: str, token_made_by: str | None = None
) -> SignedIn:
    """Who is signed in, whether by a browser session or an API token: the account with its roles and mailboxes."""
    roles = roles_of(account)
    return SignedIn(
        account_id=account.id,
        email=account.email,
        name=account.name,
        roles=roles,
        language="en" if account.language == "en" else "nl",
        mailboxes=await mailboxes_of(session, account.id, roles),
        session_key=session_key,
        csrf_token=csrf_token,
        token_made_by=token_made_by,
    )


async def end(session: AsyncSession, key: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.id == _digest(key)))


async def end_all(session: AsyncSession, account_id: int, *, keep: str | None = None) -> int:
    """End every session of the account (but the one whose id is ``keep``); the number ended."""
    query = delete(WebSession).where(WebSession.account_id == account_id)
    if keep is not None:
        query = query.where(WebSession.id != keep)
    # A DELETE answers a CursorResult, which counts its rows; execute() is typed for any statement.
    return cast(CursorResult, await session.execute(query)).rowcount or 0
