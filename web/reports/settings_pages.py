"""HR's and admins' page for the report settings: the period reported on, the day each report is made, the
smallest group a figure may rest on, and the reviewers, chosen from the accounts with the reviewer role.

The form goes through ``ReportPolicy`` (the same rules as everywhere: never below the floor of three) and
``reports.service.save_policy``, which also moves the schedule to the new period and day; reviewers chosen anew
take over the reviews still waiting for approval too (``reports.review.reviewers_chosen``)."""

import re
import unicodedata
from typing import Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from i18n.labels import Gettext
from models.actors import Actor, Role
from models.organisation import Contact
from models.report import DeclaredGroup, ReportPolicy
from reports import review, service, settings_store
from web.auth.guard import form_protected
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.organisation.forms import Editor, redirect_to
from web.reports.review_pages import ReviewForm
from web.templating import Pages, PagesDep
from web.validation import field_message

router = APIRouter(prefix="/settings", include_in_schema=False)
FIELDS = ("report_period", "report_day", "report_min_group_size", "small_organisation_window")
NOTICES = ("saved", "saved_later")


def labels_of(_: Gettext) -> dict[str, str]:
    return {
        "report_period": _("Period of each report"),
        "report_day": _("Day of the month the report is made"),
        "report_min_group_size": _("Smallest group a figure may rest on"),
        "small_organisation_window": _("Longer period for a period with too few respondents"),
        "target_groups": _("Self-declared target groups"),
        "reviewers": _("Reviewers"),
    }


async def _choices(session, policy: ReportPolicy) -> dict[str, Any]:
    """The reviewer accounts, and the reviewers already set that have no such account (so saving keeps them)."""
    accounts = {a.email.lower(): a for a in await review.reviewer_choices(session)}
    choices = {email: {"name": f"{a.name} ({a.email})", "language": a.language} for email, a in accounts.items()}
    for reviewer in policy.reviewers:
        choices.setdefault(str(reviewer.email).lower(), {"name": str(reviewer.email), "language": reviewer.language})
    return choices


async def _render(
    request: Request, pages: Pages, session, form: ReviewForm, chosen: set[str], *, notice: str = "", code: int = 200
):
    policy = await settings_store.load(session)
    form.labels = labels_of(pages.gettext)
    context = {
        "form": form,
        "reviewers": await _choices(session, policy),
        "chosen": chosen,
        "notice": notice if notice in NOTICES else "",
    }
    return pages.render(request, "reports/settings.html", context, status_code=code)


def groups_text(groups: list[DeclaredGroup]) -> str:
    return "\n".join(f"{group.nl} | {group.en}" for group in groups)


def groups_from_text(text: str, kept: list[DeclaredGroup]) -> list[dict[str, str]]:
    """One group a line, "Dutch name | English name" (the English may be left out). A group keeps its key while its
    Dutch name stays, so that reports before and after a new English name break it down as the same group."""
    keys = {group.nl.casefold(): group.key for group in kept}
    groups: list[dict[str, str]] = []
    for line in text.splitlines():
        dutch, _, english = (part.strip() for part in line.partition("|"))
        key = keys.get(dutch.casefold()) or _key_of(dutch)
        if dutch and key not in {group["key"] for group in groups}:
            groups.append({"key": key, "nl": dutch, "en": english or dutch})
    return groups


def _key_of(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:40] or "group"


@router.get("/reports", name="report_settings_page", response_class=HTMLResponse)
async def report_settings(request: Request, user: Editor, pages: PagesDep, session: SessionDep, done: str = ""):
    policy = await settings_store.load(session)
    form = ReviewForm(values={name: str(getattr(policy, name)) for name in FIELDS})
    form.values["target_groups"] = groups_text(policy.target_groups)
    return await _render(request, pages, session, form, {str(r.email).lower() for r in policy.reviewers}, notice=done)


@router.post("/reports", name="report_settings_form", dependencies=[Depends(form_protected)])
async def save_report_settings(
    request: Request, user: Editor, pages: PagesDep, session: SessionDep, client: TemporalDep, settings: SettingsDep
):
    _ = pages.gettext
    submitted = await request.form()
    form = ReviewForm(values={name: str(submitted.get(name) or "").strip()[:20] for name in FIELDS})
    chosen = {str(value).strip().lower() for value in submitted.getlist("reviewers")[:200]}
    form.values["target_groups"] = str(submitted.get("target_groups") or "")[:4000]
    current = await settings_store.load(session)
    choices = await _choices(session, current)
    if chosen - set(choices):
        form.errors["reviewers"] = [_("Choose one of the accounts.")]
    values = {name: value for name, value in form.values.items() if value}
    try:
        wanted = ReportPolicy.model_validate(
            {
                **current.model_dump(),
                **values,
                "target_groups": groups_from_text(form.values["target_groups"], current.target_groups),
                "reviewers": [
                    Contact(email=email, language=choices[email]["language"]) for email in sorted(chosen & set(choices))
                ],
            }
        )
    except ValidationError as err:
        for error in err.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            if name not in (*FIELDS, "target_groups"):
                name = "reviewers"
            form.errors.setdefault(name, []).append(field_message(error, _))
        wanted = None
    for name in FIELDS:
        if not form.values[name]:
            form.errors.setdefault(name, []).append(_("Fill in this field."))
    if form.errors or wanted is None:
        return await _render(request, pages, session, form, chosen, code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    scheduled = await service.save_policy(client, session, settings, wanted)
    if {str(r.email).lower() for r in wanted.reviewers} != {str(r.email).lower() for r in current.reviewers}:
        # Whoever may edit these settings chooses the reviewers for HR.
        await review.reviewers_chosen(client, session, Actor(email=user.email, role=Role.HR), wanted.reviewers)
    return redirect_to(request, "report_settings_page", done="saved" if scheduled else "saved_later")
