"""Standard Webhooks signatures (https://www.standardwebhooks.com), the scheme that receivers' own libraries verify.

A message carries three headers: ``webhook-id`` (the event's id, the same on every retry), ``webhook-timestamp``
(Unix seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">``; several
signatures may stand space-separated (during a change of secret), one matching is enough.

The secret is ``whsec_<base64 key>``, as the specification writes it; the key is the decoded bytes. A secret
without that prefix (one set before this scheme was used) signs with its UTF-8 bytes: a receiver hands those
bytes to its library (``Webhook(secret.encode())``)."""

import base64
import binascii
import hashlib
import hmac
import time

from webhooks.signing import SignatureInvalid, recent

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"
VERSION = "v1"
# The specification's bounds for a key: shorter is guessable, longer buys nothing with HMAC-SHA256.
MIN_KEY_BYTES = 24
MAX_KEY_BYTES = 64


def secret_key(secret: str) -> bytes:
    """The HMAC key of a secret: the base64 after ``whsec_``, or the UTF-8 bytes of any other secret."""
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode()
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"a {SECRET_PREFIX} secret must be followed by base64 (A-Z, a-z, 0-9, +, /)") from None
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise ValueError(
            f"the key of a {SECRET_PREFIX} secret must be {MIN_KEY_BYTES} to {MAX_KEY_BYTES} bytes, not {len(key)}"
        )
    return key


def signature(key: bytes, message_id: str, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return f"{VERSION},{base64.b64encode(digest).decode()}"


def signed_headers(secret: str, message_id: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret_key(secret), message_id, timestamp, body),
    }


def verify(
    secret: str,
    body: bytes,
    message_id: str | None,
    timestamp: str | None,
    signed: str | None,
    max_age_seconds: int,
    now: float | None = None,
) -> None:
    """Return when one of the signatures in ``signed`` is the ``v1`` signature of this message at a recent
    ``timestamp``; raise SignatureInvalid, saying what is wrong, otherwise."""
    if not message_id:
        raise SignatureInvalid(f"the {ID_HEADER} header is missing")
    if not timestamp:
        raise SignatureInvalid(f"the {TIMESTAMP_HEADER} header is missing")
    if not signed:
        raise SignatureInvalid(f"the {SIGNATURE_HEADER} header is missing")
    text = recent(TIMESTAMP_HEADER, timestamp, max_age_seconds, now)
    expected = signature(secret_key(secret), message_id, text, body).encode()
    offered = [part for part in signed.split(" ") if part]
    if not any(part.startswith(f"{VERSION},") for part in offered):
        raise SignatureInvalid(f"{SIGNATURE_HEADER} must hold {VERSION},<base64 signature>")
    if not any(hmac.compare_digest(expected, part.encode()) for part in offered):
        raise SignatureInvalid("the signature does not match the id, timestamp and body")
