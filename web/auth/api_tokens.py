"""Bearer tokens for programs that use the API on an account's behalf.

A token is shown once, when it is made; the database keeps only its SHA-256 (``api_tokens.id``), the
account, a name saying what it is for, and when it expires, was last used or was revoked. A request
with ``Authorization: Bearer <token>`` acts as that account with the account's roles, for as long as the
token is neither expired nor revoked and the account is active."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import SignedIn
from models.audit import AuditAction, SubjectType
from organisation.mailboxes import mailboxes_of
from models.tables import Account, ApiToken, utcnow
from privacy import audit
from web.auth.accounts import roles_of

PREFIX = "obt_"  # recognisable in a leaked config file or a secret scanner's findings
MAX_DAYS = 3650
DEFAULT_DAYS = 365
# Writing last_used_at on every call would turn each read into a write; once a minute says enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class UnknownToken(Exception):
    """No token starts with that id."""


class AmbiguousToken(Exception):
    """More than one token starts with that id."""


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


async def issue(session: AsyncSession, account: Account, name: str, expires_in_days: int | None = DEFAULT_DAYS) -> Issued:
    """A new token for ``account``; ``expires_in_days`` None: it never expires (revoke it when it is no longer needed)."""
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
    )
    session.add(row)
    await session.flush()
    detail = {"token": row.id[:12], "name": name, "expires_at": row.expires_at.isoformat() if row.expires_at else None}
    await audit.record(session, AuditAction.API_TOKEN_ISSUED, SubjectType.ACCOUNT, account.email, detail, roles=("admin",))
    return Issued(token=token, row=row)


async def listing(session: AsyncSession, account_id: int | None = None) -> list[tuple[ApiToken, Account]]:
    """Tokens with their accounts, newest first (one account's when ``account_id`` is given)."""
    query = select(ApiToken, Account).join(Account, Account.id == ApiToken.account_id).order_by(ApiToken.created_at.desc(), ApiToken.id)
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


async def revoke(session: AsyncSession, token_id: str) -> ApiToken:
    """Revoke at once; revoking a revoked token changes nothing."""
    row = await find(session, token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        account = await session.get(Account, row.account_id)
        await audit.record(session, AuditAction.API_TOKEN_REVOKED, SubjectType.ACCOUNT, account.email, {"token": row.id[:12], "name": row.name}, roles=("admin",))
    return row


async def load(session: AsyncSession, token: str, now: datetime | None = None) -> SignedIn | None:
    """The account a bearer token acts as, or None when the token is unknown, expired or revoked, or its account
    switched off. Notes when the token was used (committing that on its own)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = (
        await session.execute(select(ApiToken, Account).join(Account, Account.id == ApiToken.account_id).where(ApiToken.id == digest(token)))
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
    return SignedIn(
        account_id=account.id,
        email=account.email,
        name=account.name,
        roles=roles_of(account),
        language="en" if account.language == "en" else "nl",
        mailboxes=await mailboxes_of(session, account.id, roles_of(account)),
        session_key=f"token:{api_token.id}",
        csrf_token="",
    )
