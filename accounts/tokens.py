"""Bearer tokens for programs that use the API on an account's behalf.

A token is shown once, when it is made; the database keeps only its SHA-256 (``api_tokens.id``), the
account, a name saying what it is for, who made it, and when it expires, was last used or was revoked. A
request with ``Authorization: Bearer <token>`` acts as that account with the account's roles, for as long
as the token is neither expired nor revoked and the account is active.

A token is made by its own account, never by anyone else signed in: an admin lists and revokes every
token but makes tokens for their own account only, so no admin acts under another person's name. The
command line's operator, who holds the database and its keys anyway, may make one for any account; the
audit log then names that operator as its maker, for the making and for every read with the token."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import sessions
from db.rows import stored
from models.accounts import SignedIn
from models.audit import AuditAction, SubjectType
from models.tables import Account, ApiToken, utcnow
from privacy import audit
from privacy.audit import Auditor

PREFIX = "obt_"  # recognisable in a leaked config file or a secret scanner's findings
MAX_DAYS = 3650
DEFAULT_DAYS = 365
# Writing last_used_at on every call would turn each read into a write; once a minute says enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class UnknownToken(Exception):
    """No token starts with that id."""


class AmbiguousToken(Exception):
    """More than one token starts with that id."""


class NotTheOwner(Exception):
    """Someone signed in asked for a token of another account."""


COMMAND_LINE = "command_line"


@dataclass(frozen=True)
class Issued:
    token: str  # the secret itself: shown once, never stored
    row: ApiToken


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def state(row: ApiToken, now: datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def may_make(maker: Auditor, account: Account) -> bool:
    """The account itself, or the command line's operator."""
    return maker.who.lower() == account.email.lower() or COMMAND_LINE in maker.roles


async def issue(
    session: AsyncSession,
    account: Account,
    name: str,
    expires_in_days: int | None = DEFAULT_DAYS,
    *,
    made_by: Auditor | None = None,
) -> Issued:
    """A new token for ``account``, made by ``made_by`` (who acts, by default); ``expires_in_days`` None: it never
    expires (revoke it when it is no longer needed). NotTheOwner when the maker may not make it (``may_make``)."""
    maker = made_by or await audit.current_actor()
    if not may_make(maker, account):
        raise NotTheOwner(f"{maker.who} may not make a token for {account.email}")
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("give the token a name of 1 to 200 characters, saying which program uses it")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise ValueError(f"a token lasts 1 to {MAX_DAYS} days")
    token = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        id=digest(token),
        account_id=account.id,
        name=name,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days is not None else None,
        created_by=maker.who[:320],
    )
    session.add(row)
    await session.flush()
    detail = {"token": row.id[:12], "name": name, "expires_at": row.expires_at.isoformat() if row.expires_at else None}
    await audit.record(
        session,
        AuditAction.API_TOKEN_ISSUED,
        SubjectType.ACCOUNT,
        account.email,
        detail,
        roles=(COMMAND_LINE,),
        by=maker,
    )
    return Issued(token=token, row=row)


async def listing(session: AsyncSession, account_id: int | None = None) -> list[tuple[ApiToken, Account]]:
    """Tokens with their accounts, newest first (one account's when ``account_id`` is given)."""
    query = (
        select(ApiToken, Account)
        .join(Account, Account.id == ApiToken.account_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    )
    if account_id is not None:
        query = query.where(ApiToken.account_id == account_id)
    return [(token, account) for token, account in (await session.execute(query)).all()]


async def find(session: AsyncSession, token_id: str) -> ApiToken:
    """The token whose id is ``token_id`` or starts with it (at least 8 hex digits, as the lists show them)."""
    token_id = token_id.strip().lower()
    if len(token_id) < 8 or any(c not in "0123456789abcdef" for c in token_id):
        raise UnknownToken(token_id)
    rows = list((await session.execute(select(ApiToken).where(ApiToken.id.startswith(token_id)).limit(2))).scalars())
    if not rows:
        raise UnknownToken(token_id)
    if len(rows) > 1:
        raise AmbiguousToken(token_id)
    return rows[0]


async def revoke(session: AsyncSession, token_id: str, *, account_id: int | None = None) -> ApiToken:
    """Revoke at once; revoking a revoked token changes nothing. ``account_id``: only a token of that account
    (UnknownToken for any other)."""
    row = await find(session, token_id)
    if account_id is not None and row.account_id != account_id:
        raise UnknownToken(token_id)
    if row.revoked_at is None:
        account = await stored(session, Account, row.account_id)
        await _revoke(session, row, account, {})
    return row


async def revoke_all(session: AsyncSession, account: Account, reason: str) -> list[ApiToken]:
    """Revoke every token of the account still active, each on the audit log with ``reason``."""
    now = utcnow()
    rows = (
        await session.execute(select(ApiToken).where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None)))
    ).scalars()
    revoked = [row for row in rows if state(row, now) == "active"]
    for row in revoked:
        await _revoke(session, row, account, {"reason": reason})
    return revoked


async def _revoke(session: AsyncSession, row: ApiToken, account: Account, detail: dict) -> None:
    row.revoked_at = utcnow()
    await audit.record(
        session,
        AuditAction.API_TOKEN_REVOKED,
        SubjectType.ACCOUNT,
        account.email,
        {"token": row.id[:12], "name": row.name, **detail},
        roles=("admin",),
    )


def acting_name(user: SignedIn) -> str:
    """How the audit log names someone acting with a token: the account, the token and, when it was not the
    account itself, who made it."""
    token = user.session_key.removeprefix("token:")[:12]
    if user.token_made_by is not None and user.token_made_by.lower() == user.email.lower():
        return f"{user.email} (API token {token})"
    return f"{user.email} (API token {token} made by {user.token_made_by or 'someone not recorded'})"


async def load(session: AsyncSession, token: str, now: datetime | None = None) -> SignedIn | None:
    """The account a bearer token acts as, or None when the token is unknown, expired or revoked, or its account
    switched off. Notes when the token was used (committing that on its own)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = (
        await session.execute(
            select(ApiToken, Account)
            .join(Account, Account.id == ApiToken.account_id)
            .where(ApiToken.id == digest(token))
        )
    ).one_or_none()
    if row is None:
        return None
    api_token, account = row
    now = now or utcnow()
    if state(api_token, now) != "active" or not account.active:
        return None
    if api_token.last_used_at is None or api_token.last_used_at < now - LAST_USED_PRECISION:
        api_token.last_used_at = now
        await session.commit()
    return await sessions.signed_in_as(
        session, account, session_key=f"token:{api_token.id}", csrf_token="", token_made_by=api_token.created_by
    )
