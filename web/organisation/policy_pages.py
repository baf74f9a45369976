"""HR's and admins' page for the organisation's contacts (the HR and IT/facilities mailboxes) and its policy (every
timing of a case, retention).

The forms go through the same models and store as the API (``organisation.store``, ``PolicyUpdate``), so a rule
lives in one place; each error comes back next to the field it concerns. A change applies to cases registered
afterwards: a running case keeps the policy and the contacts it started with."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from enum import Enum
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from i18n.labels import Gettext
from models.field_errors import locate
from models.organisation import Contacts
from models.policy import Policy
from organisation import store
from web.auth.guard import form_protected
from web.dependencies import SessionDep, SettingsDep
from web.organisation.forms import Editor
from web.organisation.schemas import PolicyUpdate
from web.templating import Pages, PagesDep
from web.validation import field_message

router = APIRouter(prefix="/settings", include_in_schema=False)


def policy_labels(_: Gettext) -> dict[str, tuple[str, str]]:
    """Each policy field's label and hint. A field missing here still shows, named after the field, with its description."""
    return {
        "timezone": (
            _("Time zone"),
            _("Of working hours and interview times, for example Europe/Amsterdam or Europe/Brussels."),
        ),
        "working_hours_start": (_("Working hours start"), ""),
        "working_hours_end": (_("Working hours end"), ""),
        "interview_duration_minutes": (_("Length of the interview, in minutes"), ""),
        "interview_working_days_before_last_day": (
            _("Aim for the interview this many working days before the last working day"),
            _("About one week: 5."),
        ),
        "interview_cutoff_working_days_before_last_day": (
            _("Interviews on site end this many working days before the last working day"),
            _(
                "Never in the last working hours. Online conversations may be later; on the last working day only before its second half."
            ),
        ),
        "short_notice_working_days": (
            _("Short notice: fewer working days left than this"),
            _("Then the earliest time and an online conversation are offered."),
        ),
        "short_notice_online_minutes": (
            _("Length of the short online conversation, in minutes"),
            _(
                "With one working day left, offered on the working day before the last, so that the conversation need not wait for the last day."
            ),
        ),
        "invitation_reminder_count": (_("Reminders of an unanswered invitation"), _("0: no reminders.")),
        "invitation_reminder_interval_days": (_("Days between those reminders"), ""),
        "interview_reminder_hours_before": (_("Remind both sides this many hours before the interview"), ""),
        "interview_record_days_after_last_day": (
            _("Days after the last working day an interview may still be recorded"),
            _("After that the interview step runs out."),
        ),
        "interview_place": (
            _("Where interviews on site are held"),
            _("A room or an address; the calendar invitation names it. Empty: the organisation's name."),
        ),
        "interview_online_link": (
            _("Link of online interviews"),
            _(
                "A video meeting room (https://…); the calendar invitation carries it. Empty: the interviewer sends one."
            ),
        ),
        "appreciation_token": (
            _("Token of appreciation"),
            _("Offered in the invitation, if any; leave empty for none."),
        ),
        "salutation": (
            _("Greeting in mails to the leaving employee"),
            _("Applies to every mail sent from now on, also in cases already running."),
        ),
        "consent_text_version": (
            _("Version of the consent text"),
            _("Recorded with every consent. Change it when the consent text changes."),
        ),
        "task_reminder_days_before_due": (
            _("Remind of a task this many days before it is due"),
            _("0: on the day itself."),
        ),
        "task_escalation_days_after_due": (_("Tell HR of an overdue task this many days after it was due"), ""),
        "equipment_reminder_working_days_before": (
            _("Remind the employee of equipment this many working days before the last day"),
            "",
        ),
        "interview_content_retention_months": (
            _("Keep the interview's free text for this many months"),
            _(
                "Counted from the day the case closed. Then the free text is erased; the ratings and reasons stay, anonymously."
            ),
        ),
        "personal_data_retention_months": (
            _("Keep personal data for this many months"),
            _(
                "Counted from the day the case closed. Then names, addresses, the employee number and the registration are erased and the case is anonymised."
            ),
        ),
        "event_log_retention_days": (
            _("Keep events from the HR system for this many days"),
            _("Accepted and refused events alike."),
        ),
    }


def policy_options(_: Gettext) -> dict[str, dict[str, str]]:
    """The words for the choices of a policy field where its values are not words."""
    return {"salutation": {"full_name": _("Full name: Dear Anouk de Vries"), "first_name": _("First name: Dear Anouk")}}


def policy_sections(_: Gettext) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (_("Working hours"), ("timezone", "working_hours_start", "working_hours_end")),
        (
            _("Exit interview"),
            (
                "interview_duration_minutes",
                "interview_working_days_before_last_day",
                "interview_cutoff_working_days_before_last_day",
                "short_notice_working_days",
                "short_notice_online_minutes",
                "interview_record_days_after_last_day",
                "interview_place",
                "interview_online_link",
                "appreciation_token",
                "salutation",
                "consent_text_version",
            ),
        ),
        (
            _("Reminders"),
            ("invitation_reminder_count", "invitation_reminder_interval_days", "interview_reminder_hours_before"),
        ),
        (
            _("Tasks and equipment"),
            (
                "task_reminder_days_before_due",
                "task_escalation_days_after_due",
                "equipment_reminder_working_days_before",
            ),
        ),
        (
            _("Retention"),
            ("interview_content_retention_months", "personal_data_retention_months", "event_log_retention_days"),
        ),
    ]


def _readable(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _bare(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``None``, and whether ``None`` is allowed."""
    if get_origin(annotation) in (Union, UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        return (args[0] if len(args) == 1 else annotation), len(args) < len(get_args(annotation))
    return annotation, False


FieldKind = Literal["number", "time", "text", "checkbox", "select"]


@dataclass
class PolicyField:
    """How one policy field is asked for on the page, read from the model's type and constraints."""

    name: str
    label: str
    hint: str
    kind: FieldKind
    optional: bool = False
    required: bool = True
    attrs: dict[str, Any] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, name: str, info: FieldInfo, label: str, hint: str) -> "PolicyField":
        annotation, optional = _bare(info.annotation)
        attrs: dict[str, Any] = {}
        options: dict[str, str] = {}
        kind: FieldKind
        for constraint in info.metadata:
            for key, attr in (("ge", "min"), ("le", "max"), ("max_length", "maxlength")):
                if getattr(constraint, key, None) is not None:
                    attrs[attr] = getattr(constraint, key)
        if annotation is bool:
            kind = "checkbox"
        elif annotation in (int, float):
            kind = "number"
            attrs.setdefault("step", 1 if annotation is int else "any")
            attrs["inputmode"] = "numeric" if annotation is int else "decimal"
        elif annotation is time:
            kind = "time"
        elif get_origin(annotation) is Literal:
            kind, options = "select", {str(value): _readable(str(value)) for value in get_args(annotation)}
        elif isinstance(annotation, type) and issubclass(annotation, Enum):
            kind, options = "select", {str(member.value): _readable(str(member.value)) for member in annotation}
        else:
            kind = "text"
        # Marked as needed unless empty means something (no value, or an empty text by default).
        required = not optional and kind != "checkbox" and not (kind == "text" and not info.default)
        return cls(
            name=name,
            label=label,
            hint=hint,
            kind=kind,
            optional=optional,
            required=required,
            attrs=attrs,
            options=options,
        )


def policy_fields(_: Gettext) -> list[tuple[str, list[PolicyField]]]:
    """The policy's fields in sections; a field no section names comes under "Other settings", as the model orders them."""
    labels, options = policy_labels(_), policy_options(_)
    placed: set[str] = set()
    sections: list[tuple[str, list[str]]] = []
    for title, names in policy_sections(_):
        present = [name for name in names if name in Policy.model_fields]
        placed.update(present)
        sections.append((title, present))
    rest = [name for name in Policy.model_fields if name not in placed]
    if rest:
        sections.append((_("Other settings"), rest))
    result = []
    for title, section in sections:
        fields = []
        for name in section:
            info = Policy.model_fields[name]
            label, hint = labels.get(name, (_readable(name), info.description or ""))
            item = PolicyField.of(name, info, label, hint)
            item.options = {value: options.get(name, {}).get(value, text) for value, text in item.options.items()}
            fields.append(item)
        if fields:
            result.append((title, fields))
    return result


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


# Checks across fields (Policy's model validator) say which field in English; here in the page's language.
_FIELD_NAME = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _cross_field_message(_: Gettext, name: str, msg: str, labels: Mapping[str, str]) -> str:
    known = {
        "working_hours_end": _("Working hours must end after they start."),
        "interview_cutoff_working_days_before_last_day": _(
            "Must not be more than the working days before the last working day that the interview aims for."
        ),
        "interview_content_retention_months": _(
            "Must not be longer than personal data is kept: the free text could name the person again."
        ),
    }
    msg = msg.removeprefix("Value error, ")
    if name in known and msg.startswith(name + " "):
        return known[name]
    text = _FIELD_NAME.sub(lambda match: labels.get(match.group(0), match.group(0)), msg)
    return text[:1].upper() + text[1:]


@dataclass
class PolicyForm:
    gettext: Gettext
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sections = policy_fields(self.gettext)
        self.fields = {item.name: item for _, fields in self.sections for item in fields}
        self.labels = {name: item.label for name, item in self.fields.items()}

    @classmethod
    def of(cls, gettext: Gettext, policy: Policy) -> "PolicyForm":
        return cls(gettext, values={name: _shown(getattr(policy, name)) for name in Policy.model_fields})

    @classmethod
    def submitted(cls, gettext: Gettext, form: Mapping[str, Any]) -> "PolicyForm":
        return cls(gettext, values={name: str(form.get(name) or "")[:500] for name in Policy.model_fields})

    def validate(self) -> Policy | None:
        _ = self.gettext
        data: dict[str, Any] = {}
        for name, item in self.fields.items():
            raw = self.values.get(name, "")
            if item.kind == "checkbox":
                data[name] = bool(raw)
            elif item.kind == "text" or raw.strip():
                data[name] = raw.strip()
            elif item.optional:
                data[name] = None
            else:
                self.errors.setdefault(name, []).append(_("Fill in this field."))
        if self.errors:
            return None
        try:
            # The API's own check of a whole policy (unknown fields and time zones refused), then the model itself.
            return Policy.model_validate(PolicyUpdate.model_validate(data).model_dump())
        except ValidationError as err:
            for details in err.errors():
                error = locate(details, (), Policy)
                loc = tuple(error.get("loc", ()))
                name = str(loc[0]) if loc else ""
                if name in self.fields:
                    message = field_message(error, _)
                    if error["type"] == "value_error" and name == "timezone":
                        message = _("Unknown time zone; use a name such as Europe/Amsterdam or Europe/Brussels.")
                    elif error["type"] == "value_error":
                        message = _cross_field_message(_, name, str(error.get("msg", "")), self.labels)
                    self.errors.setdefault(name, []).append(message)
                else:
                    self.general_errors.append(_cross_field_message(_, "", str(error.get("msg", "")), self.labels))
            return None


@dataclass
class ContactsForm:
    gettext: Gettext
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)

    NAMES = ("hr.email", "hr.language", "facilities.email", "facilities.language")

    def __post_init__(self) -> None:
        _ = self.gettext
        self.labels = {
            "hr.email": _("HR mailbox"),
            "hr.language": _("Language of mails to HR"),
            "facilities.email": _("IT/facilities mailbox"),
            "facilities.language": _("Language of mails to IT/facilities"),
        }

    @classmethod
    def of(cls, gettext: Gettext, contacts: Contacts) -> "ContactsForm":
        return cls(
            gettext,
            values={
                "hr.email": str(contacts.hr.email),
                "hr.language": contacts.hr.language,
                "facilities.email": str(contacts.facilities.email),
                "facilities.language": contacts.facilities.language,
            },
        )

    @classmethod
    def submitted(cls, gettext: Gettext, form: Mapping[str, Any]) -> "ContactsForm":
        return cls(gettext, values={name: str(form.get(name) or "").strip()[:320] for name in cls.NAMES})

    def validate(self) -> Contacts | None:
        data: dict[str, dict[str, str]] = {"hr": {}, "facilities": {}}
        for name in self.NAMES:
            group, _, key = name.partition(".")
            if self.values.get(name):
                data[group][key] = self.values[name]
        try:
            return Contacts.model_validate(data)
        except ValidationError as err:
            for error in err.errors():
                name = ".".join(str(part) for part in error["loc"])
                target = self.errors.setdefault(name, []) if name in self.labels else self.general_errors
                target.append(field_message(error, self.gettext))
            return None


async def _policy_page(
    request: Request,
    pages: Pages,
    session: AsyncSession,
    settings: Settings,
    *,
    policy: PolicyForm | None = None,
    contacts: ContactsForm | None = None,
    notice: str = "",
    code: int = 200,
):
    organisation = await store.load(session, settings)
    await session.commit()  # on first use the organisation is stored from the settings
    context = {
        "organisation": organisation,
        "policy_form": policy or PolicyForm.of(pages.gettext, organisation.policy),
        "contacts_form": contacts
        or ContactsForm.of(pages.gettext, Contacts(hr=organisation.hr, facilities=organisation.facilities)),
        "notice": notice if notice in ("policy", "contacts") else "",
    }
    return pages.render(request, "organisation/policy.html", context, status_code=code)


@router.get("/policy", name="policy_page", response_class=HTMLResponse)
async def policy_page(
    request: Request, user: Editor, pages: PagesDep, session: SessionDep, settings: SettingsDep, done: str = ""
):
    return await _policy_page(request, pages, session, settings, notice=done)


@router.post("/policy", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def save_policy(request: Request, user: Editor, pages: PagesDep, session: SessionDep, settings: SettingsDep):
    form = PolicyForm.submitted(pages.gettext, await request.form())
    policy = form.validate()
    if policy is None:
        return await _policy_page(
            request, pages, session, settings, policy=form, code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    await store.update_policy(session, settings, policy)
    await session.commit()
    return RedirectResponse(
        str(request.url_for("policy_page").include_query_params(done="policy")) + "#policy",
        status_code=status.HTTP_303_SEE_OTHER,
    )


@router.post(
    "/policy/contacts", name="contacts_form", response_class=HTMLResponse, dependencies=[Depends(form_protected)]
)
async def save_contacts(request: Request, user: Editor, pages: PagesDep, session: SessionDep, settings: SettingsDep):
    form = ContactsForm.submitted(pages.gettext, await request.form())
    contacts = form.validate()
    if contacts is None:
        return await _policy_page(
            request, pages, session, settings, contacts=form, code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    await store.update_contacts(session, settings, contacts)
    await session.commit()
    return RedirectResponse(
        str(request.url_for("policy_page").include_query_params(done="contacts")) + "#contacts",
        status_code=status.HTTP_303_SEE_OTHER,
    )
