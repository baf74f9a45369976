"""The secrets that sign webhooks and inbound events, as settings give them: ``whsec_<base64 key>`` in the notation of
Standard Webhooks (https://www.standardwebhooks.com), or any other text, which signs with its UTF-8 bytes."""

import base64
import binascii

SECRET_PREFIX = "whsec_"
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
