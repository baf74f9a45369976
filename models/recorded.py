"""Input is checked once, where it comes in; what the product stored itself is read back as it was stored.

The rules on what people type (addresses in lower case, no invisible characters, dates a departure can have)
apply at every boundary: the API, the pages, the CLI, the CSV import and the events. Temporal's histories
and the database hold what passed those rules when it came in, or what an older version of the product
accepted: a running case must replay exactly what it recorded, and a template stored last year must still
load. Validation given the ``RECORDED`` context skips these rules; the data converter of every client,
worker and replayer reads each payload with it."""

import functools
from typing import Any

from pydantic import TypeAdapter, ValidationInfo
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import CompositePayloadConverter, DefaultPayloadConverter, JSONPlainPayloadConverter

RECORDED: dict[str, bool] = {"recorded": True}


def is_recorded(info: ValidationInfo | None) -> bool:
    """Whether this validation reads back stored data (see the module's docstring)."""
    context = info.context if info is not None else None
    return bool(isinstance(context, dict) and context.get("recorded"))


@functools.lru_cache(maxsize=1024)
def _adapter(hint: Any) -> TypeAdapter:
    return TypeAdapter(hint)


class RecordedJSONPayloadConverter(PydanticJSONPlainPayloadConverter):
    """Pydantic's JSON converter, reading payloads with the ``RECORDED`` context."""

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        hint = type_hint if type_hint is not None else Any
        try:
            adapter = _adapter(hint)
        except TypeError:  # a type hint that cannot be hashed
            adapter = TypeAdapter(hint)
        return adapter.validate_json(payload.data, context=RECORDED)


class RecordedPayloadConverter(CompositePayloadConverter):
    """Temporal's default converters, with JSON read and written by pydantic (as ``PydanticPayloadConverter``), read as recorded."""

    def __init__(self) -> None:
        super().__init__(
            *(
                RecordedJSONPayloadConverter() if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )
