"""HR's and admins' pages for the checklist templates: which tasks a case gets, by country, department and role.

The form goes through the same models and store as the API (``organisation.checklists``), so a rule lives in one
place; each error comes back next to the field it concerns. A change applies to cases registered afterwards: a
running case keeps the tasks it started with."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import annotated_types
from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import CompoundSelect, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from i18n.labels import Gettext
from models.accounts import SignedIn
from models.handover import AssigneeRole, ChecklistTemplate, ChecklistTemplateIn
from models.tables import Case, ChecklistTemplateRow
from organisation import checklists
from web.auth.guard import deny, form_protected
from web.dependencies import SessionDep
from web.organisation.forms import Editor, redirect_to
from web.templating import Pages, PagesDep
from web.validation import field_message

router = APIRouter(prefix="/settings", include_in_schema=False)

TemplateId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # beyond the database integer there is no template

# Empty rows under a template's items, for new ones; "More rows" adds this many again.
SPARE_ROWS = 3
MAX_ITEMS = next(
    m.max_length for m in ChecklistTemplateIn.model_fields["items"].metadata if isinstance(m, annotated_types.MaxLen)
)
ITEM_FIELDS = ("title", "title_en", "assignee", "due_working_days_before")


class ItemLabels(dict):
    """Labels by field name; every item row (``items.3.title``) shares the label of its column."""

    def __missing__(self, name: str) -> str:
        prefix, _, column = name.rpartition(".")
        if prefix.startswith("items.") and column in ITEM_FIELDS:
            return self["items.*." + column]
        raise KeyError(name)


@dataclass
class TemplateForm:
    """The template form: flat fields in (``items.0.title``), ``ChecklistTemplateIn`` out, errors by field."""

    gettext: Gettext
    values: dict[str, str] = field(default_factory=dict)
    rows: int = SPARE_ROWS
    errors: dict[str, list[str]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        _ = self.gettext
        self.labels = ItemLabels(
            {
                "name": _("Name of the template"),
                "department": _("Department"),
                "job_title": _("Job title"),
                "country": _("Country"),
                "items": _("Items"),
                "items.*.title": _("Task"),
                "items.*.title_en": _("Task in English"),
                "items.*.assignee": _("Who does it"),
                "items.*.due_working_days_before": _("Due, in working days before the last working day"),
            }
        )

    @classmethod
    def of(cls, gettext: Gettext, template: ChecklistTemplate) -> "TemplateForm":
        values = {
            "name": template.name,
            "department": template.department or "",
            "job_title": template.job_title or "",
            "country": template.country or "",
        }
        for row, item in enumerate(template.items):
            values.update(
                {
                    f"items.{row}.title": item.title,
                    f"items.{row}.title_en": item.title_en or "",
                    f"items.{row}.assignee": item.assignee.value,
                    f"items.{row}.due_working_days_before": str(item.due_working_days_before),
                }
            )
        return cls(gettext, values=values, rows=len(template.items) + SPARE_ROWS)

    @classmethod
    def submitted(cls, gettext: Gettext, form: Mapping[str, Any]) -> "TemplateForm":
        try:
            rows = min(max(int(str(form.get("rows") or SPARE_ROWS)), 1), MAX_ITEMS + SPARE_ROWS)
        except ValueError:
            rows = SPARE_ROWS
        values = {name: str(form.get(name) or "")[:300] for name in ("name", "department", "job_title", "country")}
        kept = 0
        for row in range(rows):
            if form.get(f"items.{row}.remove"):
                continue
            item = {column: str(form.get(f"items.{row}.{column}") or "")[:300] for column in ITEM_FIELDS}
            if not item["title"].strip() and not item["due_working_days_before"].strip():
                continue  # an empty row
            values.update({f"items.{kept}.{column}": value for column, value in item.items()})
            kept += 1
        return cls(gettext, values=values, rows=kept + SPARE_ROWS)

    def item_rows(self) -> range:
        return range(self.rows)

    def validate(self) -> ChecklistTemplateIn | None:
        data: dict[str, Any] = {"name": self.values.get("name", ""), "items": []}
        for key in ("department", "job_title", "country"):
            # Empty: the template applies to every department (or every job title, or in every country).
            data[key] = self.values.get(key, "").strip() or None
        for row in range(self.rows):
            if f"items.{row}.title" in self.values:
                item = {column: self.values[f"items.{row}.{column}"].strip() for column in ITEM_FIELDS}
                data["items"].append({column: value for column, value in item.items() if value})
        try:
            return ChecklistTemplateIn.model_validate(data)
        except ValidationError as err:
            for error in err.errors():
                self._add(error)
            return None

    def _add(self, error: Mapping[str, Any]) -> None:
        message = field_message(error, self.gettext)
        if error["type"] == "too_short" and tuple(error["loc"]) == ("items",):
            message = self.gettext("Give the template at least one item.")
        name = ".".join(str(part) for part in error["loc"])
        if name in self.labels or name.startswith("items."):
            self.errors.setdefault(name if name != "items" else "items.0.title", []).append(message)
        else:
            self.general_errors.append(message)


async def _suggestions(session: AsyncSession) -> dict[str, list[str]]:
    """Departments and job titles already in use, offered while typing."""
    found: dict[str, list[str]] = {}
    for name, case_column, template_column in (
        ("departments", Case.department, ChecklistTemplateRow.department),
        ("job_titles", Case.job_title, ChecklistTemplateRow.job_title),
    ):
        query: CompoundSelect[Any] = union(
            select(case_column.label("value")),
            select(template_column.label("value")).where(template_column.is_not(None)),
        )
        values = (await session.execute(select(query.subquery().c.value).order_by("value").limit(300))).scalars()
        found[name] = [value for value in values if value]
    return found


def _countries(_: Gettext) -> dict[str, str]:
    return {"": _("Every country"), "NL": _("The Netherlands"), "BE": _("Belgium")}


def _assignees(_: Gettext) -> dict[str, str]:
    return {
        AssigneeRole.MANAGER.value: _("Manager"),
        AssigneeRole.SUCCESSOR.value: _("Successor"),
        AssigneeRole.HR.value: _("HR"),
        AssigneeRole.FACILITIES.value: _("IT/facilities"),
        AssigneeRole.EMPLOYEE.value: _("Leaving employee"),
    }


async def _template_page(
    request: Request,
    pages: Pages,
    session: AsyncSession,
    form: TemplateForm,
    template_id: int | None = None,
    code: int = 200,
):
    context = {
        "form": form,
        "template_id": template_id,
        "assignees": _assignees(pages.gettext),
        "countries": _countries(pages.gettext),
        "suggestions": await _suggestions(session),
        "max_items": MAX_ITEMS,
    }
    return pages.render(request, "organisation/checklist_form.html", context, status_code=code)


async def _template_or_404(
    request: Request, session: AsyncSession, template_id: int, user: SignedIn
) -> ChecklistTemplate:
    template = await checklists.get(session, template_id)
    if template is None:
        deny(request, status.HTTP_404_NOT_FOUND, f"no checklist template {template_id}", user)
    return template


@router.get("/checklists", name="checklists_page", response_class=HTMLResponse)
async def checklists_page(request: Request, user: Editor, pages: PagesDep, session: SessionDep, done: str = ""):
    context = {
        "templates": await checklists.all_templates(session),
        "notice": done if done in ("created", "saved", "deleted") else "",
    }
    return pages.render(request, "organisation/checklists.html", context)


@router.get("/checklists/new", name="checklist_new_page", response_class=HTMLResponse)
async def new_template(request: Request, user: Editor, pages: PagesDep, session: SessionDep):
    return await _template_page(request, pages, session, TemplateForm(pages.gettext))


@router.post("/checklists/new", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def create_template(request: Request, user: Editor, pages: PagesDep, session: SessionDep):
    submitted = await request.form()
    form = TemplateForm.submitted(pages.gettext, submitted)
    if submitted.get("more"):
        form.rows += SPARE_ROWS
        return await _template_page(request, pages, session, form)
    template = form.validate()
    if template is None:
        return await _template_page(request, pages, session, form, code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    await checklists.create(session, template)
    await session.commit()
    return redirect_to(request, "checklists_page", done="created")


@router.get("/checklists/{template_id}", name="checklist_edit_page", response_class=HTMLResponse)
async def edit_template(request: Request, template_id: TemplateId, user: Editor, pages: PagesDep, session: SessionDep):
    template = await _template_or_404(request, session, template_id, user)
    return await _template_page(request, pages, session, TemplateForm.of(pages.gettext, template), template_id)


@router.post("/checklists/{template_id}", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def save_template(request: Request, template_id: TemplateId, user: Editor, pages: PagesDep, session: SessionDep):
    await _template_or_404(request, session, template_id, user)
    submitted = await request.form()
    form = TemplateForm.submitted(pages.gettext, submitted)
    if submitted.get("more"):
        form.rows += SPARE_ROWS
        return await _template_page(request, pages, session, form, template_id)
    template = form.validate()
    if template is None:
        return await _template_page(
            request, pages, session, form, template_id, code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    if await checklists.replace(session, template_id, template) is None:
        deny(request, status.HTTP_404_NOT_FOUND, f"no checklist template {template_id}", user)
    await session.commit()
    return redirect_to(request, "checklists_page", done="saved")


@router.get("/checklists/{template_id}/delete", name="checklist_delete_page", response_class=HTMLResponse)
async def confirm_delete(request: Request, template_id: TemplateId, user: Editor, pages: PagesDep, session: SessionDep):
    template = await _template_or_404(request, session, template_id, user)
    return pages.render(
        request, "organisation/checklist_delete.html", {"template": template, "assignees": _assignees(pages.gettext)}
    )


@router.post("/checklists/{template_id}/delete", dependencies=[Depends(form_protected)])
async def delete_template(request: Request, template_id: TemplateId, user: Editor, session: SessionDep):
    if not await checklists.delete(session, template_id):
        deny(request, status.HTTP_404_NOT_FOUND, f"no checklist template {template_id}", user)
    await session.commit()
    return redirect_to(request, "checklists_page", done="deleted")


# The organisation's contacts and policy.
