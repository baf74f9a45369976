"""The web app's cookies: the session's, the known device's, and their flags.

Served over https (``public_url``), every cookie is Secure and named with the ``__Host-`` prefix, which browsers
only accept from a secure origin, for the whole site (Path=/) and without a Domain: no other host of the
organisation, nor a page over plain http, can set or overwrite it. Lax rather than Strict, so that a link in a mail
(to a case, a task) opens the page signed in.

A browser that signed in also keeps a known-device cookie: signed, naming the account's address and a random
device id, lasting ``KNOWN_DEVICE_DAYS``, with the same flags. It opens nothing by itself; it lets the rate limits
tell the owner's browser from someone guessing (web.ratelimit)."""

import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from config import Settings

COOKIE = "offboarding_session"
DEVICE_COOKIE = "offboarding_device"
KNOWN_DEVICE_DAYS = 180


def secure_cookies(settings: Settings) -> bool:
    return settings.public_url.lower().startswith("https://")


def cookie_name(settings: Settings, name: str = COOKIE) -> str:
    """``name``, with the ``__Host-`` prefix when the app is served over https."""
    return f"__Host-{name}" if secure_cookies(settings) else name


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
    response.delete_cookie(
        cookie_name(settings), path="/", httponly=True, samesite="lax", secure=secure_cookies(settings)
    )


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
