"""Signed CloudEvents as an HR system sends them to POST /api/events."""

import base64
import json
import time
from datetime import UTC, datetime

import standardwebhooks

from tests.support import unique

SECRET = "whsec_" + base64.b64encode(b"s3cret-shared-with-the-hr-system").decode()
CLOUDEVENTS = "application/cloudevents+json"
SOURCE = "urn:example:hr-system"


def cloud_event(event_type: str, data, *, event_id: str | None = None, source: str = SOURCE) -> dict:
    return {
        "specversion": "1.0",
        "id": event_id or unique("evt-"),
        "source": source,
        "type": event_type,
        "time": "2027-01-04T09:00:00Z",
        "datacontenttype": "application/json",
        "data": data,
    }


async def send(
    http,
    event: dict | None = None,
    *,
    body: bytes | None = None,
    secret: str = SECRET,
    at: float | None = None,
    content_type: str = CLOUDEVENTS,
    headers: dict | None = None,
):
    body = body if body is not None else json.dumps(event).encode()
    signed = signed_headers(secret, body, now=at) if headers is None else headers
    return await http.post("/api/events", content=body, headers={**signed, "Content-Type": content_type})


def signed_headers(secret: str, body: bytes, now: float | None = None, message_id: str | None = None) -> dict[str, str]:
    """Standard Webhooks headers, made by the reference library."""
    message_id = message_id or unique("msg-")
    at = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    signature = standardwebhooks.Webhook(secret).sign(message_id, at, body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
