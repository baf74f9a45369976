"""The signing scheme for events in both directions.

The sender computes ``HMAC-SHA256(secret, "<timestamp>.<raw body>")`` and sends it hex-encoded as
``X-Offboarding-Signature: sha256=<hex>``, with the Unix time in seconds as ``X-Offboarding-Timestamp``.
The receiver recomputes it over the body exactly as received, compares in constant time, and refuses a
timestamp further than the allowed age in the past or the future, so a captured request cannot be
replayed later."""

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Offboarding-Timestamp"
SIGNATURE_HEADER = "X-Offboarding-Signature"
SCHEME = "sha256="


class SignatureInvalid(Exception):
    """The request is not signed with the shared secret, or not recently; the message says which."""


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SCHEME}{digest}"


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def recent(header: str, timestamp: str, max_age_seconds: int, now: float | None = None) -> str:
    """The timestamp as signed, when it is a Unix time within ``max_age_seconds`` of now; SignatureInvalid naming ``header`` otherwise."""
    text = timestamp.strip()
    if not text.isdigit() or len(text) > 12:
        raise SignatureInvalid(f"{header} must be a Unix time in seconds")
    current = time.time() if now is None else now
    if abs(current - int(text)) > max_age_seconds:
        raise SignatureInvalid(
            f"{header} is more than {max_age_seconds} seconds away from now; sign each request when sending it"
        )
    return text


def verify(
    secret: str, body: bytes, timestamp: str | None, signed: str | None, max_age_seconds: int, now: float | None = None
) -> None:
    """Return when ``signed`` is the signature of ``body`` at a recent ``timestamp``; raise SignatureInvalid otherwise."""
    if not timestamp:
        raise SignatureInvalid(f"the {TIMESTAMP_HEADER} header is missing")
    if not signed:
        raise SignatureInvalid(f"the {SIGNATURE_HEADER} header is missing")
    text = recent(TIMESTAMP_HEADER, timestamp, max_age_seconds, now)
    if not signed.strip().startswith(SCHEME):
        raise SignatureInvalid(f"{SIGNATURE_HEADER} must read {SCHEME}<hex digest>")
    expected = signature(secret, text, body)
    if not hmac.compare_digest(expected.encode(), signed.strip().lower().encode()):
        raise SignatureInvalid("the signature does not match the body and timestamp")
