"""What `offboarding register` reads: flags, a JSON or YAML file, or both, turned into a Registration;
and pydantic's complaints turned back into the names the user typed."""

import inspect
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from models.registration import Registration

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Flag:
    option: str
    path: tuple[str, ...]
    # Set for repeatable flags: each value becomes one list item with this key.
    item_key: str | None = None


# Keyed by the register command's parameter names.
FLAGS: dict[str, Flag] = {
    "employee_id": Flag("--employee-id", ("employee", "id")),
    "name": Flag("--name", ("employee", "name")),
    "work_email": Flag("--work-email", ("employee", "work_email")),
    "private_email": Flag("--private-email", ("employee", "private_email")),
    "language": Flag("--language", ("employee", "language")),
    "department": Flag("--department", ("employee", "department")),
    "job_title": Flag("--job-title", ("employee", "job_title")),
    "start_date": Flag("--start-date", ("employee", "start_date")),
    "manager_name": Flag("--manager-name", ("manager", "name")),
    "manager_email": Flag("--manager-email", ("manager", "email")),
    "manager_language": Flag("--manager-language", ("manager", "language")),
    "successor_name": Flag("--successor-name", ("successor", "name")),
    "successor_email": Flag("--successor-email", ("successor", "email")),
    "successor_language": Flag("--successor-language", ("successor", "language")),
    "departure_type": Flag("--type", ("departure", "type")),
    "notice_date": Flag("--notice-date", ("departure", "notice_date")),
    "last_day": Flag("--last-day", ("departure", "last_working_day")),
    "equipment": Flag("--equipment", ("equipment",), item_key="name"),
    "task": Flag("--task", ("extra_tasks",), item_key="title"),
    "team_announcement_date": Flag("--team-announcement-date", ("team_announcement_date",)),
    "team_email": Flag("--team-email", ("team_email",)),
    "note": Flag("--note", ("note",)),
}
FLAG_BY_PATH: dict[tuple[str, ...], Flag] = {flag.path: flag for flag in FLAGS.values()}

# Model-level validators name fields inside their message, as dotted paths or snake_case names;
# plain words such as "employee" or "note" are left alone because prose uses them too.
FIELD_NAME = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b|\b[a-z]+(?:_[a-z]+)+\b")


class InvalidInput(Exception):
    """Input the user has to fix; one line per problem, each naming the flag or file field."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def read_file(path: Path) -> dict[str, Any]:
    """The registration in a JSON (``.json``) or YAML (anything else) file, in the model's nested shape."""

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
        raise invalid(f"expected the registration's fields (employee, departure, manager, ...) at the top, found a {type(data).__name__}")
    return data


def build(params: dict[str, Any], file_data: dict[str, Any] | None = None) -> Registration:
    """Validate the file's data with the flags laid over it; flags win, a repeated flag replaces the file's list."""
    flag_data, given = _from_flags(params)
    data = _merge(file_data or {}, flag_data)
    try:
        return Registration.model_validate(data)
    except ValidationError as err:
        explain = _Explainer(given, using_file=file_data is not None)
        raise InvalidInput([explain(error) for error in err.errors()]) from None


def _from_flags(params: dict[str, Any]) -> tuple[dict[str, Any], dict[Flag, int]]:
    data: dict[str, Any] = {}
    given: dict[Flag, int] = {}
    for name, flag in FLAGS.items():
        value = params.get(name)
        if value is None or (flag.item_key and not value):
            continue
        if flag.item_key:
            value = [{flag.item_key: item} for item in value]
        *parents, leaf = flag.path
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
        given[flag] = len(value) if flag.item_key else 1
    return data, given


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class _Explainer:
    def __init__(self, given: dict[Flag, int], using_file: bool) -> None:
        self.given = given
        self.using_file = using_file

    def __call__(self, error: dict[str, Any]) -> str:
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
        flag = FLAG_BY_PATH.get(loc)
        if flag and not self.using_file:
            return flag.option
        return _dotted(loc)

    def message(self, loc: Location, error: dict[str, Any]) -> str:
        kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
        if kind == "missing":
            return self._missing(loc)
        if kind in ("enum", "literal_error"):
            allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            return f"unknown value {value!r}; choose one of: {', '.join(allowed)}"
        if kind.startswith("date"):
            return f"'{value}' is not a valid date; use YYYY-MM-DD"
        if kind == "value_error" and "error" in ctx:
            return self._translate(str(ctx["error"]))
        if kind == "extra_forbidden":
            parent = _model_at(loc[:-1])
            known = f"; expected one of: {', '.join(parent.model_fields)}" if parent else ""
            return f"unknown field{known}"
        if kind == "string_too_short" and ctx.get("min_length") == 1:
            return "must not be empty"
        if kind == "string_type" and isinstance(value, (int, float)):
            # YAML reads an unquoted 12345 as a number, not as text.
            return f"expected text, got the number {value}; put it in quotes"
        return error["msg"]

    def _missing(self, loc: Location) -> str:
        group = _model_at(loc)
        if group is None:
            flag = FLAG_BY_PATH.get(loc)
            if self.using_file and flag:
                return f"missing from the file (or give {flag.option})"
            return "missing from the file" if self.using_file else "required"
        required = [loc + (name,) for name, field in group.model_fields.items() if field.is_required()]
        options = _and([FLAG_BY_PATH[path].option for path in required if path in FLAG_BY_PATH])
        if self.using_file:
            return f"missing from the file; add {_and([_dotted(path) for path in required])} or give {options}"
        return f"missing; give {options}"

    def _model_level(self, error: dict[str, Any]) -> str:
        ctx = error.get("ctx") or {}
        text = str(ctx["error"]) if "error" in ctx else error["msg"]
        first = FIELD_NAME.match(text)
        if first and _is_field(first.group()):
            loc = tuple(first.group().split("."))
            return f"{self.label(loc)}: {self._translate(text[first.end() :].strip())}"
        return self._translate(text)

    def _translate(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            return self.label(tuple(match.group().split("."))) if _is_field(match.group()) else match.group()

        return FIELD_NAME.sub(replace, text)


def _model_at(loc: Location) -> type[BaseModel] | None:
    """The nested model a location points at (``("manager",)`` is a Person), or None for a plain value."""
    model: type[BaseModel] = Registration
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        found = field and next((c for c in (field.annotation, *get_args(field.annotation)) if _is_model(c)), None)
        if not found:
            return None
        model = found
    return model


def _is_model(candidate: Any) -> bool:
    return inspect.isclass(candidate) and issubclass(candidate, BaseModel)


def _is_field(dotted: str) -> bool:
    *parents, leaf = dotted.split(".")
    parent = _model_at(tuple(parents))
    return parent is not None and leaf in parent.model_fields


def _dotted(loc: Location) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


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
