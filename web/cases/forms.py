"""The registration form: flat form fields in, the shared ``Registration`` model out, and each
validation error back next to the field it concerns.

Field names are the dotted paths of the model (``employee.work_email``), so a pydantic error
location names its form field directly."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from i18n.labels import Gettext
from models.field_errors import locate
from models.registration import Registration
from web.validation import check_message, worded

# One entry per line of a textarea; the value is the item's field the line fills.
LINE_FIELDS = {"extra_tasks": "title"}
# The equipment comes in rows of these fields (``equipment.0.name``); a row with nothing typed is left out.
ITEM_FIELDS = ("name", "kind", "asset_tag", "custodian_email")
TYPED_ITEM_FIELDS = ("name", "asset_tag", "custodian_email")
EMPTY_ROWS = 3
MAX_ROWS = 100
# Left out entirely when none of these is filled in (a language alone says nothing).
OPTIONAL_GROUPS = {"successor": ("name", "email")}
DEFAULTS = {
    "employee.language": "nl",
    "manager.language": "nl",
    "successor.language": "nl",
    "departure.type": "resignation",
}


def field_labels(_: Gettext) -> dict[str, str]:
    return {
        "employee.id": _("Employee number"),
        "employee.name": _("Name"),
        "employee.work_email": _("Work email"),
        "employee.private_email": _("Private email"),
        "employee.language": _("Language"),
        "employee.department": _("Department"),
        "employee.job_title": _("Job title"),
        "employee.start_date": _("Start date"),
        "departure.type": _("Type of departure"),
        "departure.notice_date": _("Notice date"),
        "departure.last_working_day": _("Last working day"),
        "manager.name": _("Manager's name"),
        "manager.email": _("Manager's email"),
        "manager.language": _("Manager's language"),
        "successor.name": _("Successor's name"),
        "successor.email": _("Successor's email"),
        "successor.language": _("Successor's language"),
        "equipment": _("Equipment to return"),
        "extra_tasks": _("Extra handover tasks"),
        "team_announcement_date": _("Team announcement date"),
        "team_email": _("Team email address"),
        "note": _("Note for HR"),
    }


def item_labels(_: Gettext) -> dict[str, str]:
    return {"name": _("Item"), "kind": _("Kind"), "asset_tag": _("Asset tag"), "custodian_email": _("Returned to")}


@dataclass
class RegistrationForm:
    gettext: Gettext
    values: dict[str, str] = field(default_factory=lambda: dict(DEFAULTS))
    errors: dict[str, list[str]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)
    item_rows: int = EMPTY_ROWS

    def __post_init__(self) -> None:
        self.labels = field_labels(self.gettext)
        self.item_labels = item_labels(self.gettext)
        for row in range(self.item_rows):
            for key, label in self.item_labels.items():
                # The error summary names the row: "Item 2 - Returned to".
                self.labels[f"equipment.{row}.{key}"] = self.gettext("Item %(number)s - %(field)s") % {
                    "number": row + 1,
                    "field": label,
                }

    @classmethod
    def submitted(cls, form: Mapping[str, Any], gettext: Gettext, *, more_rows: bool = False) -> "RegistrationForm":
        """The form as sent; ``more_rows`` adds an empty row for one more item (the page's "Add a row" button)."""
        values = {name: str(form.get(name) or "") for name in field_labels(gettext)}
        sent_rows = [row for row in range(MAX_ROWS) if any(f"equipment.{row}.{key}" in form for key in ITEM_FIELDS)]
        rows = (sent_rows[-1] + 1) if sent_rows else 0
        for row in range(rows):
            for key in ITEM_FIELDS:
                values[f"equipment.{row}.{key}"] = str(form.get(f"equipment.{row}.{key}") or "")
        rows = max(EMPTY_ROWS, rows + 1 if more_rows else rows)
        return cls(gettext, values=values, item_rows=min(rows, MAX_ROWS))

    def item_field(self, row: int, key: str) -> str:
        return f"equipment.{row}.{key}"

    def validate(self) -> Registration | None:
        try:
            return Registration.model_validate(self._data())
        except ValidationError as exc:
            for error in exc.errors():
                self._add_error(locate(error))
            return None

    def _items(self) -> list[dict[str, Any]]:
        """The rows with something typed, in order; ``self._rows`` keeps which row each came from for the errors."""
        self._rows: list[int] = []
        items = []
        for row in range(self.item_rows):
            values = {key: self.values.get(f"equipment.{row}.{key}", "").strip() for key in ITEM_FIELDS}
            if not any(values[key] for key in TYPED_ITEM_FIELDS):
                continue
            self._rows.append(row)
            items.append({key: value for key, value in values.items() if value or key == "name"})
        return items

    def _data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"employee": {}, "departure": {}, "manager": {}, "equipment": self._items()}
        for name, raw in self.values.items():
            if name.startswith("equipment."):
                continue
            if name in LINE_FIELDS:
                lines = [line.strip() for line in raw.splitlines() if line.strip()]
                data[name] = [{LINE_FIELDS[name]: line} for line in lines]
                continue
            value = raw.strip()
            if not value:
                continue
            group, _, key = name.rpartition(".")
            (data.setdefault(group, {}) if group else data)[key] = value
        for group, meaningful in OPTIONAL_GROUPS.items():
            if not any(key in data.get(group, {}) for key in meaningful):
                data.pop(group, None)
        return data

    def _add_error(self, error: Mapping[str, Any]) -> None:
        loc = tuple(error.get("loc", ()))
        name = self._field_for(loc)
        message = self._message(error, name)
        line = next((part for part in loc if isinstance(part, int)), None)
        if name in LINE_FIELDS and line is not None:
            message = self.gettext("Line %(number)s: %(message)s") % {"number": line + 1, "message": message}
        if name is None:
            self.general_errors.append(message)
        else:
            self.errors.setdefault(name, []).append(message)

    def _field_for(self, loc: tuple) -> str | None:
        if len(loc) >= 2 and loc[0] == "equipment" and isinstance(loc[1], int) and loc[1] < len(self._rows):
            key = loc[2] if len(loc) > 2 and loc[2] in ITEM_FIELDS else "name"
            return f"equipment.{self._rows[loc[1]]}.{key}"
        path = [str(part) for part in loc if not isinstance(part, int)]
        for length in range(len(path), 0, -1):
            name = ".".join(path[:length])
            if name in self.labels:
                return name
        return None

    def _message(self, error: Mapping[str, Any], name: str | None) -> str:
        _ = self.gettext
        kind, ctx, msg = error["type"], error.get("ctx") or {}, error.get("msg", "")
        if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
            return _("Fill in this field.")
        if (shared := worded(error, _)) is not None:
            return shared
        if kind.startswith("date_"):
            return _("Enter a date as YYYY-MM-DD.")
        if kind in ("enum", "literal_error"):
            return _("Choose one of the options.")
        if kind == "string_too_long":
            return _("Use at most %(max)s characters.") % {"max": ctx.get("max_length")}
        if kind == "too_long":
            return _("Enter at most %(max)s lines.") % {"max": ctx.get("max_length")}
        if kind == "string_pattern_mismatch":
            return _("Use only letters, digits, dots, dashes and underscores.")
        if kind == "value_error" and "not a valid email address" in msg:
            return _("Enter an email address like name@example.org.")
        return check_message(msg, _)
