"""Signed, expiring, single-purpose links for people outside the system (the leaving employee, outside assignees)."""

from dataclasses import dataclass
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class LinkPurpose(StrEnum):
    INTERVIEW = "interview"
    CONSENT = "consent"


class LinkError(Exception):
    """The link is forged, meant for something else, or expired."""


@dataclass(frozen=True)
class LinkClaims:
    case_id: str
    email: str
    purpose: LinkPurpose


def _serializer(secret: str, purpose: LinkPurpose) -> URLSafeTimedSerializer:
    # The purpose is the salt: a token for one purpose never verifies for another.
    return URLSafeTimedSerializer(secret, salt=f"offboarding-link-{purpose.value}")


def sign(secret: str, purpose: LinkPurpose, case_id: str, email: str) -> str:
    return _serializer(secret, purpose).dumps({"c": case_id, "e": email})


def verify(secret: str, purpose: LinkPurpose, token: str, max_age_seconds: int) -> LinkClaims:
    try:
        data = _serializer(secret, purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise LinkError("this link has expired") from exc
    except BadSignature as exc:
        raise LinkError("this link is not valid") from exc
    return LinkClaims(case_id=data["c"], email=data["e"], purpose=purpose)
