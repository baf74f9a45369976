"""Reading one request as the CloudEvents HTTP protocol binding (1.0) lays it out, before anything is checked.

- Structured mode: ``Content-Type: application/cloudevents+json`` (parameters such as ``charset=utf-8``
  allowed); the body is the event, its attributes and ``data`` side by side.
- Binary mode: the attributes in ``ce-*`` headers (percent-encoded where the binding says so), the body is
  the event's data and ``Content-Type`` its ``datacontenttype``.
- Batched mode (``application/cloudevents-batch+json``) is not taken: each event comes in its own request,
  so that each gets its own answer.

What is read is kept whatever happens next: the attributes as they came, and the data when it is JSON
(else the first part of the body as text), so that HR sees what arrived even when it is refused."""

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from models.media_types import is_json, media_type

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
ATTRIBUTE_HEADER_PREFIX = "ce-"
# What is kept of a body that is not JSON: enough to see what was sent.
RAW_KEPT_CHARS = 10_000
# A CloudEvent carrying a registration is five levels deep; far deeper is no event and costs a stack to store.
MAX_DEPTH = 32
# Attributes that say what arrived, kept even of a batch that is not taken.
NAMING_ATTRIBUTES = ("specversion", "id", "source", "type", "subject", "time")


@dataclass
class Problem:
    status_code: int
    detail: str


@dataclass
class Arrival:
    """One request read as a CloudEvent: ``attributes`` as received (``data`` apart), or why it cannot be one."""

    mode: str | None
    attributes: dict[str, Any] = field(default_factory=dict)
    data: Any = None
    raw: str | None = None
    refusal: Problem | None = None
    batch: list[dict[str, Any]] | None = None

    def event(self) -> dict[str, Any]:
        """The event in its structured form, as the model reads it."""
        return {**self.attributes, "data": self.data} if self.data is not None else dict(self.attributes)

    def kept(self) -> Any:
        """What is stored of the request: the structured event, or what could be read of it."""
        if self.batch is not None:
            return {"batch": self.batch}
        kept: dict[str, Any] = dict(self.attributes)
        if self.raw is not None:
            kept["raw"] = self.raw
        elif self.data is not None:
            kept["data"] = self.data
        return kept


def read(body: bytes, headers: dict[str, str]) -> Arrival:
    """``headers`` with lower-case names."""
    content_type = headers.get("content-type")
    kind, params = media_type(content_type)
    charset = params.get("charset", "utf-8").lower()
    if kind in (STRUCTURED, BATCH) and charset not in ("utf-8", "utf8"):
        return Arrival(None, refusal=Problem(415, f"the charset of {kind} is UTF-8 (RFC 8259), not {charset}"))
    if kind == STRUCTURED:
        return _structured(body)
    if kind == BATCH:
        return _batch(body)
    if (
        any(name.startswith(ATTRIBUTE_HEADER_PREFIX) for name in headers)
        and f"{ATTRIBUTE_HEADER_PREFIX}specversion" in headers
    ):
        return _binary(body, headers, content_type)
    arrival = Arrival(None)
    _read_body(arrival, body)
    if isinstance(arrival.data, dict):
        # A structured event under the wrong Content-Type: its attributes still say what arrived.
        arrival.attributes = {name: value for name, value in arrival.data.items() if name != "data"}
        arrival.data = arrival.data.get("data")
    arrival.refusal = Problem(
        415,
        f"Content-Type must be {STRUCTURED} (a CloudEvent in structured mode), or the event's attributes must come in "
        f"ce-* headers (binary mode, ce-specversion among them); not {kind or 'absent'}",
    )
    return arrival


def _structured(body: bytes) -> Arrival:
    arrival = Arrival("structured")
    _read_body(arrival, body)
    if arrival.refusal is not None:
        return arrival
    event = arrival.data
    if not isinstance(event, dict):
        arrival.refusal = Problem(
            400, f"the body must be a JSON object (a CloudEvent), not a JSON {type(event).__name__}"
        )
        return arrival
    arrival.attributes = {name: value for name, value in event.items() if name not in ("data", "data_base64")}
    arrival.data = event.get("data")
    if "data_base64" in event:
        arrival.refusal = Problem(415, "data_base64: binary data is not understood here; send the data as JSON in data")
    return arrival


def _batch(body: bytes) -> Arrival:
    arrival = Arrival("batch")
    _read_body(arrival, body)
    events = arrival.data if isinstance(arrival.data, list) else []
    arrival.batch = [
        {name: event.get(name) for name in NAMING_ATTRIBUTES if name in event}
        for event in events
        if isinstance(event, dict)
    ]
    arrival.data = None
    arrival.raw = None
    arrival.refusal = Problem(
        415,
        f"batched mode ({BATCH}) is not taken: send each event in a request of its own, in structured or binary mode",
    )
    return arrival


def _binary(body: bytes, headers: dict[str, str], content_type: str | None) -> Arrival:
    attributes = {
        name.removeprefix(ATTRIBUTE_HEADER_PREFIX): unquote(value)
        for name, value in headers.items()
        if name.startswith(ATTRIBUTE_HEADER_PREFIX)
    }
    if content_type:
        attributes["datacontenttype"] = content_type
    arrival = Arrival("binary", attributes)
    if body.strip():
        if content_type and not is_json(content_type):
            arrival.raw = body.decode("utf-8", "replace")[:RAW_KEPT_CHARS]
            arrival.refusal = Problem(
                415,
                f"datacontenttype: only JSON data is understood (application/json), not {media_type(content_type)[0]}",
            )
            return arrival
        _read_body(arrival, body)
    return arrival


def _read_body(arrival: Arrival, body: bytes) -> None:
    too_deep = False
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        arrival.raw = body.decode("utf-8", "replace")[:RAW_KEPT_CHARS]
        arrival.refusal = Problem(400, "the body is not JSON")
        return
    except RecursionError:
        data, too_deep = None, True
    if too_deep or _depth(data) > MAX_DEPTH:
        # Kept as text: stored as JSON it would be recursed into again.
        arrival.raw = body.decode("utf-8", "replace")[:RAW_KEPT_CHARS]
        arrival.refusal = Problem(
            400, f"the body is JSON nested deeper than {MAX_DEPTH} levels; a CloudEvent is far flatter"
        )
        return
    arrival.data = data


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value``, counted without recursion (stops once past MAX_DEPTH)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                break
            pending.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
