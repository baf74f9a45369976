"""Where a validation error belongs.

Checks across fields (the model validators of ``Registration``) raise without a location; their
message starts with the path of the field they concern (``manager.email must not be ...``). That
path is read back here, and kept only when it really names a field of the model, so that the API
and the form can point at that field like any other."""

import re
from collections.abc import Callable, Sequence
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from models.registration import ANNOUNCEMENT_TOO_LATE, NOTICE_DATE_OUT_OF_RANGE, Registration
from models.text import INVISIBLE_CHARACTER

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


def locate(error: dict[str, Any], prefix: Sequence[str | int] = (), model: type[BaseModel] = Registration) -> dict[str, Any]:
    """The error, with the field its message names as location when it came without one."""
    if tuple(error.get("loc", ())) != tuple(prefix):
        return error
    match = _LEADING_PATH.match(error.get("msg", ""))
    if not match or not is_field(path := match.group(1).split("."), model):
        return error
    return {**error, "loc": (*prefix, *path)}


def worded(error: dict[str, Any], gettext: Callable[[str], str]) -> str | None:
    """The page's sentence, in the reader's language, for the input rules every form shares; None for others."""
    _, ctx = gettext, error.get("ctx") or {}
    if error["type"] == INVISIBLE_CHARACTER:
        return _("Remove the invisible character %(character)s: it can change how the text reads.") % {"character": ctx.get("character", "")}
    if error["type"] == NOTICE_DATE_OUT_OF_RANGE:
        return _("The notice date must lie within two years of today (%(today)s).") % {"today": ctx.get("today", "")}
    if error["type"] == ANNOUNCEMENT_TOO_LATE:
        return _("The team announcement can be at most %(days)s days after the last working day.") % {"days": ctx.get("days", "")}
    return None


def invalid_body(err: ValidationError) -> RequestValidationError:
    """A model validated inside a route, answered like a body FastAPI validated itself: 422, located under ``body``."""
    return RequestValidationError([{**error, "loc": ("body", *error["loc"])} for error in err.errors(include_url=False)])
