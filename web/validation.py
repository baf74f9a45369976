"""The sentences a page shows for a validation error, and the 422 answer for a model validated inside a route.

Where an error belongs (a check across fields named in its message) is read by ``models.field_errors``."""

import re
from collections.abc import Callable, Mapping
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from models.registration import ANNOUNCEMENT_TOO_LATE, NOTICE_DATE_OUT_OF_RANGE
from models.text import INVISIBLE_CHARACTER
from web.i18n import N_


def worded(error: Mapping[str, Any], gettext: Callable[[str], str]) -> str | None:
    """The page's sentence, in the reader's language, for the input rules every form shares; None for others."""
    _, ctx = gettext, error.get("ctx") or {}
    if error["type"] == INVISIBLE_CHARACTER:
        return _("Remove the invisible character %(character)s: it can change how the text reads.") % {
            "character": ctx.get("character", "")
        }
    if error["type"] == NOTICE_DATE_OUT_OF_RANGE:
        return _("The notice date must lie within two years of today (%(today)s).") % {"today": ctx.get("today", "")}
    if error["type"] == ANNOUNCEMENT_TOO_LATE:
        return _("The team announcement can be at most %(days)s days after the last working day.") % {
            "days": ctx.get("days", "")
        }
    return None


def invalid_body(err: ValidationError) -> RequestValidationError:
    """A model validated inside a route, answered like a body FastAPI validated itself: 422, located under ``body``."""
    return RequestValidationError(
        [{**error, "loc": ("body", *error["loc"])} for error in err.errors(include_url=False)]
    )


Gettext = Callable[[str], str]


# The checks across fields, as the models word them for the API (in English), and the sentence a page shows
# in its reader's language. A page never shows the model's own words: an unknown check reads as UNKNOWN_CHECK.
CHECKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern), sentence)
    for pattern, sentence in (
        (
            r"the last working day \((?P<last_day>[^)]*)\) is before the notice date \((?P<notice>[^)]*)\)",
            N_("The last working day (%(last_day)s) is before the notice date (%(notice)s)."),
        ),
        (
            r"the last working day \((?P<last_day>[^)]*)\) is more than two years after the notice date \((?P<notice>[^)]*)\)",
            N_("The last working day (%(last_day)s) is more than two years after the notice date (%(notice)s)."),
        ),
        (
            r"employee\.start_date must be before departure\.last_working_day",
            N_("The start date must be before the last working day."),
        ),
        (
            r"team_email is needed when a team announcement date is given",
            N_("Give the team's email address when you choose a team announcement date."),
        ),
        (
            r"team_announcement_date must not be before the notice date",
            N_("The team announcement date must not be before the notice date."),
        ),
        (
            r"manager\.email must not be the leaving employee's own address",
            N_("The manager's address must not be the leaving employee's own address."),
        ),
        (r"experiences missing for: .*", N_("Rate each of the five areas of experience.")),
        (
            r"the primary reason must not be repeated among the secondary reasons",
            N_("The primary reason must not be repeated among the secondary reasons."),
        ),
        (r"secondary reasons must be distinct", N_("Give each secondary reason once.")),
    )
]
UNKNOWN_CHECK = N_("This value is not accepted; check it and try again.")


def check_message(message: str, gettext: Gettext) -> str:
    """A check's message (``Value error, ...``) as a sentence in the page's language."""
    text = message.removeprefix("Value error, ").strip()
    for pattern, sentence in CHECKS:
        if found := pattern.fullmatch(text):
            return gettext(sentence) % found.groupdict()
    return gettext(UNKNOWN_CHECK)


def field_message(error: Mapping[str, Any], gettext: Gettext) -> str:
    """One validation error of any form, in words a person acts on, in the page's language."""
    _ = gettext
    kind, ctx, msg = error["type"], error.get("ctx") or {}, str(error.get("msg", ""))
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("Fill in this field.")
    if kind == "string_too_short":
        return _("Use at least %(min)s characters.") % {"min": ctx.get("min_length")}
    if kind == "string_too_long":
        return _("Use at most %(max)s characters.") % {"max": ctx.get("max_length")}
    if kind == "too_short":
        return _("Add at least %(min)s.") % {"min": ctx.get("min_length")}
    if kind == "too_long":
        return _("Enter at most %(max)s.") % {"max": ctx.get("max_length")}
    if kind in ("enum", "literal_error"):
        return _("Choose one of the options.")
    if kind.startswith("date_"):
        return _("Enter a date as YYYY-MM-DD.")
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return _("Enter a whole number.")
    if kind == "greater_than_equal":
        return _("Enter a number of at least %(min)s.") % {"min": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("Enter a number of at most %(max)s.") % {"max": ctx.get("le")}
    if kind.startswith("time_"):
        return _("Enter a time as HH:MM.")
    if kind == "bool_parsing":
        return _("Choose yes or no.")
    if kind == "value_error" and "not a valid email address" in msg:
        return _("Enter an email address like name@example.org.")
    if kind == "string_pattern_mismatch":
        return _("Use only letters, digits, dots, dashes and underscores.")
    if kind == "extra_forbidden":
        return _("This field is not part of the form.")
    if (shared := worded(dict(error), gettext)) is not None:
        return shared
    return check_message(msg, gettext)
