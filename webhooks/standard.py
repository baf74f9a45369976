"""Standard Webhooks signatures (https://www.standardwebhooks.com), the scheme that receivers' own libraries verify.

A message carries three headers: ``webhook-id`` (the event's id, the same on every retry), ``webhook-timestamp``
(Unix seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">``; several
signatures may stand space-separated (during a change of secret), one matching is enough.

The secret is ``whsec_<base64 key>``, as the specification writes it; the key is the decoded bytes. A secret
without that prefix (one set before this scheme was used) signs with its UTF-8 bytes: a receiver hands those
bytes to its library (``Webhook(secret.encode())``)."""

import base64
import hashlib
import hmac
import time

from config.webhook_secrets import secret_key
from webhooks.signing import SignatureInvalid, recent

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
VERSION = "v1"


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
