"""Signed, expiring, single-purpose links for people outside the system: the leaving employee, and whoever is
handed a task without having an account.

A token names the case and the address it was mailed to (for a task, also the task and the language of the
mail), and carries a random nonce, so no two links are alike and none can be guessed from another. It is signed with the purpose as salt: a token for one
purpose never verifies for another. ``links.usage`` makes each link do its one thing only once."""

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

NONCE_BYTES = 16


class LinkPurpose(StrEnum):
    INTERVIEW = "interview"
    CONSENT = "consent"
    TASK = "task"


class LinkError(Exception):
    """The link is forged, meant for something else, or expired."""


@dataclass(frozen=True)
class LinkClaims:
    case_id: str
    email: str
    purpose: LinkPurpose
    # SHA-256 of the signed part of the token: what ``used_links`` records, never the token itself.
    fingerprint: str
    # What in the case the link is about (a task's id), and the language its mail was written in.
    ref: str = ""
    language: str = ""


def _serializer(secret: str, purpose: LinkPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"offboarding-link-{purpose.value}")


def sign(secret: str, purpose: LinkPurpose, case_id: str, email: str, *, ref: str = "", language: str = "") -> str:
    claims = {"c": case_id, "e": email, "n": secrets.token_urlsafe(NONCE_BYTES)}
    if ref:
        claims["r"] = ref
    if language:
        claims["l"] = language
    return _serializer(secret, purpose).dumps(claims)


def fingerprint(token: str) -> str:
    # The signature's base64 has spare bits, so one link can be spelled several ways that all verify;
    # the payload and timestamp before the last "." are covered by the signature byte for byte.
    signed_part = token.rsplit(".", 1)[0]
    return hashlib.sha256(signed_part.encode()).hexdigest()


def verify(secret: str, purpose: LinkPurpose, token: str, max_age_seconds: int) -> LinkClaims:
    """The claims of a genuine, unexpired token for ``purpose``; LinkError otherwise.

    Tokens signed before links carried a nonce still verify until they expire; they are single-use all the same."""
    try:
        data = _serializer(secret, purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise LinkError("this link has expired") from exc
    except BadSignature as exc:
        raise LinkError("this link is not valid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("c"), str) or not isinstance(data.get("e"), str):
        raise LinkError("this link does not name a case and an address")
    ref, language = data.get("r", ""), data.get("l", "")
    if not isinstance(ref, str) or not isinstance(language, str):
        raise LinkError("this link is not valid")
    return LinkClaims(
        case_id=data["c"], email=data["e"], purpose=purpose, fingerprint=fingerprint(token), ref=ref, language=language
    )
