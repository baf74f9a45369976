"""What the settings pages share: who may open them, and validation errors in words a person acts on."""

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request, status
from fastapi.responses import RedirectResponse

from models.accounts import AccountRole, SignedIn
from web.auth.guard import signed_in
from web.labels import Gettext
from web.validation import check_message, worded

# HR and admins keep the organisation's settings.
Editor = Annotated[SignedIn, Depends(signed_in(AccountRole.HR, AccountRole.ADMIN))]


def field_message(_: Gettext, error: Mapping[str, Any]) -> str:
    """One validation error in words a person acts on, in the page's language."""
    kind, ctx, msg = error["type"], error.get("ctx") or {}, str(error.get("msg", ""))
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("Fill in this field.")
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return _("Enter a whole number.")
    if kind == "greater_than_equal":
        return _("Enter a number of at least %(min)s.") % {"min": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("Enter a number of at most %(max)s.") % {"max": ctx.get("le")}
    if kind.startswith("time_"):
        return _("Enter a time as HH:MM.")
    if kind in ("enum", "literal_error"):
        return _("Choose one of the options.")
    if kind == "string_too_long":
        return _("Use at most %(max)s characters.") % {"max": ctx.get("max_length")}
    if kind == "too_short":
        return _("Add at least %(min)s.") % {"min": ctx.get("min_length")}
    if kind == "too_long":
        return _("Enter at most %(max)s.") % {"max": ctx.get("max_length")}
    if kind == "value_error" and "not a valid email address" in msg:
        return _("Enter an email address like name@example.org.")
    if kind == "bool_parsing":
        return _("Choose yes or no.")
    if (shared := worded(error, _)) is not None:
        return shared
    return check_message(msg, _)


def redirect_to(request: Request, name: str, **query: str) -> RedirectResponse:
    return RedirectResponse(str(request.url_for(name).include_query_params(**query)), status_code=status.HTTP_303_SEE_OTHER)
