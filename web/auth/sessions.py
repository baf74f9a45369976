"""Server-side sessions: a random key in an HttpOnly, SameSite=Lax cookie; the database keeps its SHA-256,
the account it belongs to, its CSRF token and when it expires.

Served over https (``public_url``), the cookie is Secure and named with the ``__Host-`` prefix, which
browsers only accept from a secure origin, for the whole site (Path=/) and without a Domain: no other
host of the organisation, nor a page over plain http, can set or overwrite it. Lax rather than Strict,
so that a link in a mail (to a case, a task) opens the page signed in.

A browser that signed in also keeps a known-device cookie: signed, naming the account's address and a
random device id, lasting ``KNOWN_DEVICE_DAYS``, with the same flags. It opens nothing by itself; it lets
the rate limits tell the owner's browser from someone guessing (web.ratelimit)."""

import hashlib
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from config import Settings
from models.accounts import SignedIn
from organisation.mailboxes import mailboxes_of
from models.tables import Account, WebSession, utcnow
from web.auth.accounts import roles_of

COOKIE = "offboarding_session"
DEVICE_COOKIE = "offboarding_device"
KNOWN_DEVICE_DAYS = 180


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def secure_cookies(settings: Settings) -> bool:
    return settings.public_url.lower().startswith("https://")


def cookie_name(settings: Settings, name: str = COOKIE) -> str:
    """``name``, with the ``__Host-`` prefix when the app is served over https."""
    return f"__Host-{name}" if secure_cookies(settings) else name


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
            select(WebSession, Account).join(Account, Account.id == WebSession.account_id).where(WebSession.id == _digest(key))
        )
    ).one_or_none()
    if row is None:
        return None
    web_session, account = row
    if web_session.expires_at <= (now or utcnow()) or not account.active:
        return None
    return SignedIn(
        account_id=account.id,
        email=account.email,
        name=account.name,
        roles=roles_of(account),
        language="en" if account.language == "en" else "nl",
        mailboxes=await mailboxes_of(session, account.id, roles_of(account)),
        session_key=web_session.id,
        csrf_token=web_session.csrf_token,
    )


async def end(session: AsyncSession, key: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.id == _digest(key)))


async def end_all(session: AsyncSession, account_id: int, *, keep: str | None = None) -> int:
    """End every session of the account (but the one whose id is ``keep``); the number ended."""
    query = delete(WebSession).where(WebSession.account_id == account_id)
    if keep is not None:
        query = query.where(WebSession.id != keep)
    return (await session.execute(query)).rowcount or 0


def set_cookie(response: Response, key: str, settings: Settings) -> None:
    response.set_cookie(
        cookie_name(settings),
        key,
        max_age=settings.session_max_age_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
    )


def clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(cookie_name(settings), path="/", httponly=True, samesite="lax", secure=secure_cookies(settings))


def _devices(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.signing_key(), salt="offboarding-known-device")


def _device_claims(request, settings: Settings) -> dict | None:
    value = request.cookies.get(cookie_name(settings, DEVICE_COOKIE), "")
    if not value or len(value) > 500:
        return None
    try:
        claims = _devices(settings).loads(value, max_age=KNOWN_DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("e"), str) or not isinstance(claims.get("d"), str):
        return None
    return claims


def known_device(request, settings: Settings, email: str) -> str | None:
    """The device id when this browser signed in to the account of ``email`` before; None otherwise."""
    claims = _device_claims(request, settings)
    if claims is None or claims["e"] != email.strip().lower():
        return None
    return claims["d"]


def remember_device(request, response: Response, settings: Settings, email: str) -> None:
    """After a sign-in: this browser is known to the account (its device id kept when it already was)."""
    email = email.strip().lower()
    device = known_device(request, settings, email) or secrets.token_urlsafe(16)
    response.set_cookie(
        cookie_name(settings, DEVICE_COOKIE),
        _devices(settings).dumps({"e": email, "d": device}),
        max_age=KNOWN_DEVICE_DAYS * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
    )
