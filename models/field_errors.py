"""Where a validation error belongs.

Checks across fields (the model validators of ``Registration``) raise without a location; their
message starts with the path of the field they concern (``manager.email must not be ...``). That
path is read back here, and kept only when it really names a field of the model, so that the API
and the form can point at that field like any other."""

import re
from collections.abc import Mapping, Sequence
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from models.registration import Registration

_LEADING_PATH = re.compile(r"^(?:Value error, )?([a-z_]+(?:\.[a-z_]+)*)\b")


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, UnionType, list):
        for arg in get_args(annotation):
            if found := _nested_model(arg):
                return found
    return None


def is_field(path: Sequence[str], model: type[BaseModel] = Registration) -> bool:
    current: type[BaseModel] | None = model
    for name in path:
        if current is None or name not in current.model_fields:
            return False
        current = _nested_model(current.model_fields[name].annotation)
    return bool(path)


def locate(
    error: Mapping[str, Any], prefix: Sequence[str | int] = (), model: type[BaseModel] = Registration
) -> Mapping[str, Any]:
    """The error, with the field its message names as location when it came without one."""
    if tuple(error.get("loc", ())) != tuple(prefix):
        return error
    match = _LEADING_PATH.match(error.get("msg", ""))
    if not match or not is_field(path := match.group(1).split("."), model):
        return error
    return {**error, "loc": (*prefix, *path)}
