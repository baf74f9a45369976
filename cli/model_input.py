"""What a command reads into a model: flags, a JSON or YAML file, or both; and pydantic's complaints
turned back into the names the user typed (the flag, or the dotted field of the file)."""

import inspect
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

Location = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Flag:
    option: str
    path: tuple[str, ...]
    # Set for repeatable flags: each value becomes one list item with this key,
    item_key: str | None = None
    # or, when set, the item this reads from the value.
    item_parser: Callable[[str], dict[str, Any]] | None = None


# Model-level validators name fields inside their message, as dotted paths or snake_case names;
# plain words such as "employee" or "note" are left alone because prose uses them too.
FIELD_NAME = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b|\b[a-z]+(?:_[a-z]+)+\b")
ISO_MOMENT = "YYYY-MM-DDTHH:MM with a time zone, e.g. 2027-01-20T10:00+01:00 or 2027-01-20T09:00Z"


class InvalidInput(Exception):
    """Input the user has to fix; one line per problem, each naming the flag or file field."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def read_file(path: Path, expected: str) -> dict[str, Any]:
    """A mapping from a JSON (``.json``) or YAML (anything else) file; ``expected`` says what belongs at its top."""

    def invalid(reason: str) -> InvalidInput:
        return InvalidInput([f"--file {path}: {reason}"])

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise invalid("not UTF-8 text") from None
    except OSError as err:
        raise invalid(f"cannot read it: {err.strerror or err}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as err:
        raise invalid(f"not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}") from None
    except yaml.YAMLError as err:
        raise invalid(f"not valid YAML: {_yaml_reason(err)}") from None
    if data is None:
        raise invalid("the file is empty")
    if not isinstance(data, dict):
        raise invalid(f"expected {expected} at the top, found a {type(data).__name__}")
    return data


def from_flags(params: dict[str, Any], flags: dict[str, Flag]) -> tuple[dict[str, Any], dict[Flag, int]]:
    """The nested data the given flags describe (a flag left out is absent), and which flags were given."""
    data: dict[str, Any] = {}
    given: dict[Flag, int] = {}
    for name, flag in flags.items():
        value = params.get(name)
        if value is None or (flag.item_key and not value):
            continue
        if flag.item_key:
            value = [flag.item_parser(item) if flag.item_parser else {flag.item_key: item} for item in value]
        *parents, leaf = flag.path
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
        given[flag] = len(value) if flag.item_key else 1
    return data, given


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def validate(
    model: type[M],
    data: dict[str, Any],
    flags: dict[str, Flag],
    given: dict[Flag, int],
    *,
    using_file: bool = False,
    checks: dict[Location, str] | None = None,
) -> M:
    """The model from the data, or InvalidInput with one line per problem.

    ``checks`` are the command's own findings, by location: each replaces whatever pydantic says
    there, and is reported even where pydantic found nothing wrong."""
    checks = checks or {}
    pending = dict(checks)
    lines: list[str] = []
    result: M | None = None
    try:
        result = model.model_validate(data)
    except ValidationError as err:
        explain = Explainer(model, flags, given, using_file=using_file)
        for error in err.errors():
            loc = tuple(error["loc"])
            if loc not in checks:
                lines.append(explain(error))
            elif loc in pending:
                lines.append(pending.pop(loc))
    lines += pending.values()
    if lines or result is None:  # a failed validation always leaves a line
        raise InvalidInput(lines)
    return result


def parse_moment(option: str, value: str) -> tuple[datetime | None, str | None]:
    """An ISO 8601 date and time with a time zone, or the line that says what is wrong with it."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None, f"{option}: {value!r} is not a valid date and time; use {ISO_MOMENT}"
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None, f"{option}: {value!r} has no time zone; use {ISO_MOMENT}"
    return moment, None


class Explainer:
    """One pydantic error as one line: where (the flag as typed, else the dotted field) and what to do."""

    def __init__(
        self, model: type[BaseModel], flags: dict[str, Flag], given: dict[Flag, int], using_file: bool
    ) -> None:
        self.model = model
        self.flag_by_path: dict[Location, Flag] = {flag.path: flag for flag in flags.values()}
        self.given = given
        self.using_file = using_file

    def __call__(self, error: Mapping[str, Any]) -> str:
        loc: Location = tuple(error["loc"])
        if not loc:
            return self._model_level(error)
        return f"{self.label(loc)}: {self.message(loc, error)}"

    def label(self, loc: Location) -> str:
        for flag, count in self.given.items():
            if loc[: len(flag.path)] == flag.path:
                rest = loc[len(flag.path) :]
                if flag.item_key and count > 1 and rest and isinstance(rest[0], int):
                    return f"{flag.option} #{rest[0] + 1}"
                return flag.option
        named = self.flag_by_path.get(loc)
        if named and not self.using_file:
            return named.option
        return dotted(loc)

    def message(self, loc: Location, error: Mapping[str, Any]) -> str:
        kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
        if kind == "missing":
            return self._missing(loc)
        if kind in ("enum", "literal_error"):
            allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            return f"unknown value {value!r}; choose one of: {', '.join(allowed)}"
        if kind.startswith(("datetime", "timezone")):
            return f"'{value}' is not a valid date and time; use {ISO_MOMENT}"
        if kind.startswith("date"):
            return f"'{value}' is not a valid date; use YYYY-MM-DD"
        if kind.startswith("time_"):
            return f"'{value}' is not a valid time of day; use HH:MM"
        if kind in ("int_parsing", "int_from_float"):
            return f"'{value}' is not a whole number"
        if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
            bound = {
                "less_than_equal": "at most {le}",
                "greater_than_equal": "at least {ge}",
                "less_than": "less than {lt}",
                "greater_than": "more than {gt}",
            }
            return f"must be {bound[kind].format(**ctx)}, not {value}"
        if kind == "bool_parsing":
            return f"'{value}' is not true or false"
        if kind == "value_error" and "error" in ctx:
            return self._translate(str(ctx["error"]))
        if kind == "extra_forbidden":
            parent = model_at(self.model, loc[:-1])
            known = f"; expected one of: {', '.join(parent.model_fields)}" if parent else ""
            return f"unknown field{known}"
        if kind == "string_too_short" and ctx.get("min_length") == 1:
            return "must not be empty"
        if kind == "string_type" and isinstance(value, (int, float)):
            # YAML reads an unquoted 12345 as a number, not as text.
            return f"expected text, got the number {value}; put it in quotes"
        return error["msg"]

    def _missing(self, loc: Location) -> str:
        group = model_at(self.model, loc)
        if group is None:
            flag = self.flag_by_path.get(loc)
            if self.using_file and flag:
                return f"missing from the file (or give {flag.option})"
            return "missing from the file" if self.using_file else "required"
        required = [loc + (name,) for name, field in group.model_fields.items() if field.is_required()]
        options = _and([self.flag_by_path[path].option for path in required if path in self.flag_by_path])
        if self.using_file:
            return f"missing from the file; add {_and([dotted(path) for path in required])}" + (
                f" or give {options}" if options else ""
            )
        return f"missing; give {options}" if options else "required"

    def _model_level(self, error: Mapping[str, Any]) -> str:
        ctx = error.get("ctx") or {}
        text = str(ctx["error"]) if "error" in ctx else error["msg"]
        first = FIELD_NAME.match(text)
        if first and is_field(self.model, first.group()):
            loc = tuple(first.group().split("."))
            return f"{self.label(loc)}: {self._translate(text[first.end() :].strip())}"
        return self._translate(text)

    def _translate(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            return self.label(tuple(match.group().split("."))) if is_field(self.model, match.group()) else match.group()

        return FIELD_NAME.sub(replace, text)


def model_at(root: type[BaseModel], loc: Location) -> type[BaseModel] | None:
    """The nested model a location points at (``("manager",)`` of a Registration is a Person), or None for a plain value."""
    model: type[BaseModel] = root
    keyed = False
    for part in loc:
        if isinstance(part, int) or part == "[key]":
            continue
        if keyed:
            # The key of a dict of models (experiences.work_content): the model stays the values' model.
            keyed = False
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        found = next((c for c in (field.annotation, *get_args(field.annotation)) if _is_model(c)), None)
        if not found:
            return None
        keyed = get_origin(field.annotation) is dict
        model = found
    return None if keyed else model


def is_field(root: type[BaseModel], name: str) -> bool:
    *parents, leaf = name.split(".")
    parent = model_at(root, tuple(parents))
    return parent is not None and leaf in parent.model_fields


def dotted(loc: Location) -> str:
    text = ""
    for part in loc:
        if part == "[key]":
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _is_model(candidate: Any) -> bool:
    return inspect.isclass(candidate) and issubclass(candidate, BaseModel)


def _and(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _yaml_reason(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None)
    if problem and mark:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(err).split())
