"""Pydantic's complaints as (field path, message) pairs a person can act on, shared by events and CSV import."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from models.field_errors import locate


@dataclass(frozen=True)
class FieldProblem:
    path: tuple[str | int, ...]
    message: str
    type: str

    @property
    def field(self) -> str:
        return dotted(self.path)


def dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def problems(err: ValidationError, model: type[BaseModel]) -> list[FieldProblem]:
    """One problem per error; a check across fields is put at the field its message names (``manager.email``)."""
    found = []
    for details in err.errors(include_url=False):
        error = locate(details, (), model)
        path = tuple(error["loc"])
        found.append(FieldProblem(path=path, message=_message(error, path), type=error["type"]))
    return found


def _message(error: Mapping[str, Any], path: tuple[str | int, ...]) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "missing":
        return "required"
    if kind in ("enum", "literal_error"):
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"unknown value {value!r}; choose one of: {', '.join(allowed)}"
    if kind.startswith("date") and not kind.startswith("datetime"):
        return f"{value!r} is not a valid date; use YYYY-MM-DD"
    if kind == "value_error" and "error" in ctx:
        text = str(ctx["error"])
        # A check across fields names its field first; the location already says it.
        prefix = dotted(path)
        return text[len(prefix) :].strip() if prefix and text.startswith(prefix + " ") else text
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be empty"
    return error["msg"]
