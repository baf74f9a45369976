"""HR's and admins' page for the report settings: the period reported on, the day each report is made, the
smallest group a figure may rest on, and the reviewers, chosen from the accounts with the reviewer role.

The form goes through ``ReportPolicy`` (the same rules as everywhere: never below the floor of three) and
``reports.service.save_policy``, which also moves the schedule to the new period and day."""

from typing import Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from models.organisation import Contact
from models.report import ReportPolicy
from reports import review, service, settings_store
from web.auth.guard import form_protected
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.labels import Gettext
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


@router.get("/reports", name="report_settings_page", response_class=HTMLResponse)
async def report_settings(request: Request, user: Editor, pages: PagesDep, session: SessionDep, done: str = ""):
    policy = await settings_store.load(session)
    form = ReviewForm(values={name: str(getattr(policy, name)) for name in FIELDS})
    return await _render(request, pages, session, form, {str(r.email).lower() for r in policy.reviewers}, notice=done)


@router.post("/reports", name="report_settings_form", dependencies=[Depends(form_protected)])
async def save_report_settings(
    request: Request, user: Editor, pages: PagesDep, session: SessionDep, client: TemporalDep, settings: SettingsDep
):
    _ = pages.gettext
    submitted = await request.form()
    form = ReviewForm(values={name: str(submitted.get(name) or "").strip()[:20] for name in FIELDS})
    chosen = {str(value).strip().lower() for value in submitted.getlist("reviewers")[:200]}
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
                "reviewers": [
                    Contact(email=email, language=choices[email]["language"]) for email in sorted(chosen & set(choices))
                ],
            }
        )
    except ValidationError as err:
        for error in err.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            form.errors.setdefault(name if name in FIELDS else "reviewers", []).append(field_message(error, _))
        wanted = None
    for name in FIELDS:
        if not form.values[name]:
            form.errors.setdefault(name, []).append(_("Fill in this field."))
    if form.errors or wanted is None:
        return await _render(request, pages, session, form, chosen, code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    scheduled = await service.save_policy(client, session, settings, wanted)
    return redirect_to(request, "report_settings_page", done="saved" if scheduled else "saved_later")
