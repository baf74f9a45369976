"""The keys that encrypt workflow payloads: parsed from ``OFFBOARDING_PAYLOAD_KEYS`` or kept in the data folder.

A key ring is written ``<id>:<base64 key>[,<id>:<base64 key>...]``. The first key encrypts; every key
decrypts, so a new key goes first and the old ones stay behind it until no running case needs them."""

import base64
import binascii
import re
import secrets

KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
KEY_SIZES = (16, 24, 32)  # AES-128, AES-192, AES-256


class InvalidKeyRing(ValueError):
    """The key ring setting cannot be read; the message says which entry and why."""


def parse_key_ring(text: str) -> list[tuple[str, bytes]]:
    """``[(key id, key bytes), ...]`` in the order given, the encrypting key first."""
    ring: list[tuple[str, bytes]] = []
    for number, entry in enumerate((part.strip() for part in text.split(",")), start=1):
        if not entry:
            continue
        key_id, separator, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not separator:
            raise InvalidKeyRing(f"entry {number} has no ':'; write each key as <id>:<base64 key>")
        if not KEY_ID.match(key_id):
            raise InvalidKeyRing(f"entry {number}: key id {key_id!r} must be 1-40 letters, digits, '.', '_' or '-'")
        key = _decode(encoded.strip(), number)
        if len(key) not in KEY_SIZES:
            raise InvalidKeyRing(
                f"entry {number} ({key_id}): the key is {len(key)} bytes; AES needs 16, 24 or 32 (32 recommended)"
            )
        if any(existing == key_id for existing, _ in ring):
            raise InvalidKeyRing(f"key id {key_id!r} is given twice")
        ring.append((key_id, key))
    return ring


def _decode(encoded: str, number: int) -> bytes:
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidKeyRing(f"entry {number}: the key is not base64") from None


def new_key_entry() -> str:
    """A fresh AES-256 key with a random id, in the ring's notation."""
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"local-{secrets.token_hex(4)}:{key}"
