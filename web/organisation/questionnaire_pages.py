"""HR's and admins' page for the organisation's exit interview questionnaire (004: "maak een standaard
interviewsjabloon passend bij jouw bedrijf"; 001: "pik de vragen uit").

Sections and their questions, each with its kind of answer, its wording and help in Dutch and English. A save
keeps a new version (``questionnaires.store``): interviews already begun or held keep theirs. A save that drops a
question the reports count first says which report figures it leaves empty, and goes ahead when confirmed."""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from i18n.labels import Gettext, Labels
from models.interview_template import (
    STANDARD,
    AnswerKind,
    InterviewTemplate,
    Option,
    Question,
    Section,
    Wording,
    emptied_figures,
)
from questionnaires import store
from web.auth.guard import form_protected
from web.dependencies import SessionDep
from web.organisation.forms import Editor, redirect_to
from web.templating import Pages, PagesDep
from web.validation import field_message

router = APIRouter(prefix="/settings", include_in_schema=False)

# Empty rows under the sections and questions, for new ones.
SPARE_SECTIONS = 1
SPARE_QUESTIONS = 3
MAX_SECTIONS = 40
MAX_QUESTIONS = 300
MAX_TEXT = 500
SECTION_FIELDS = ("title_nl", "title_en")
QUESTION_FIELDS = ("section", "key", "kind", "label_nl", "label_en", "help_nl", "help_en", "options")


def kinds(_: Gettext) -> dict[str, str]:
    return {
        AnswerKind.RATING.value: _("Rating from 1 to 5"),
        AnswerKind.SCALE.value: _("Scale from 0 to 10"),
        AnswerKind.CHOICE.value: _("One choice"),
        AnswerKind.CHOICES.value: _("Several choices"),
        AnswerKind.TEXT.value: _("Free text"),
    }


def figure_labels(_: Gettext, labels: Labels) -> dict[str, str]:
    """The report figures a standard question feeds, in the reader's words."""
    named = {
        "primary_reasons": _("Primary reasons for leaving"),
        "secondary_reasons": _("Other reasons for leaving"),
        "recommend": _("Recommend score"),
        "influences": _("What shaped the experience"),
        "belonging:felt_safe": _("Belonging: felt safe"),
        "belonging:felt_at_home": _("Belonging: felt at home"),
        "belonging:felt_valued": _("Belonging: felt valued"),
        "breakdown:gender": _("Breakdown by gender"),
        "breakdown:age_band": _("Breakdown by age"),
        "text:advice": _("Remarks: advice"),
        "text:went_well": _("Remarks: what went well"),
        "text:should_improve": _("Remarks: what should improve"),
        "text:reasons": _("Remarks: reasons for leaving"),
        "text:experiences": _("Remarks: experiences"),
        "text:belonging": _("Remarks: belonging"),
        "text:remember": _("Remarks: what people remember with pleasure"),
    }
    for area in labels.areas:
        named[f"rating:{area}"] = _("Rating: %(area)s") % {"area": labels.area(area)}
    return named


class FieldLabels(dict):
    """Labels by field name; every row (``questions.3.label_nl``) shares the label of its column."""

    def __missing__(self, name: str) -> str:
        prefix, _, column = name.rpartition(".")
        group = prefix.split(".")[0]
        return self[f"{group}.*.{column}"]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")


def _own_key(label_en: str, taken: set[str]) -> str:
    """A key for a new own question, from its English wording: lower case, no dots, not taken yet."""
    words, base = _slug(label_en).split("_"), ""
    for word in words:  # whole words, up to 40 characters
        if len(base) + len(word) + 1 > 40:
            break
        base = f"{base}_{word}" if base else word
    base = base.lstrip("0123456789_") or "question"
    key, number = base, 2
    while key in taken or key in STANDARD:
        key, number = f"{base}_{number}", number + 1
    return key


def _options(text: str) -> list[Option]:
    """One option per line, "Nederlands | English"; its value from the English words."""
    options: list[Option] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        nl, _, en = line.partition("|")
        nl, en = nl.strip(), (en.strip() or nl.strip())
        value, taken = _slug(en)[:36] or "option", {option.value for option in options}
        unique, number = value, 2
        while unique in taken:
            unique, number = f"{value}_{number}", number + 1
        options.append(Option(value=unique, label=Wording(nl=nl[:MAX_TEXT], en=en[:MAX_TEXT])))
    return options


@dataclass
class QuestionnaireForm:
    """The questionnaire as flat fields (``sections.0.title_nl``, ``questions.4.kind``), ``InterviewTemplate`` out,
    each error by the field it concerns."""

    gettext: Gettext
    values: dict[str, str] = field(default_factory=dict)
    sections: int = SPARE_SECTIONS
    questions: int = SPARE_QUESTIONS
    errors: dict[str, list[str]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        _ = self.gettext
        self.labels = FieldLabels(
            {
                "sections.*.title_nl": _("Title in Dutch"),
                "sections.*.title_en": _("Title in English"),
                "questions.*.section": _("Section"),
                "questions.*.key": _("Key"),
                "questions.*.kind": _("Kind of answer"),
                "questions.*.label_nl": _("Question in Dutch"),
                "questions.*.label_en": _("Question in English"),
                "questions.*.help_nl": _("Help in Dutch"),
                "questions.*.help_en": _("Help in English"),
                "questions.*.options": _("Options"),
            }
        )

    @classmethod
    def of(cls, gettext: Gettext, template: InterviewTemplate) -> "QuestionnaireForm":
        values: dict[str, str] = {}
        row = 0
        for index, section in enumerate(template.sections):
            values[f"sections.{index}.title_nl"] = section.title.nl
            values[f"sections.{index}.title_en"] = section.title.en
            for question in section.questions:
                values.update(
                    {
                        f"questions.{row}.section": str(index),
                        f"questions.{row}.key": question.key,
                        f"questions.{row}.kind": question.kind.value,
                        f"questions.{row}.label_nl": question.label.nl,
                        f"questions.{row}.label_en": question.label.en,
                        f"questions.{row}.help_nl": question.help.nl,
                        f"questions.{row}.help_en": question.help.en,
                        f"questions.{row}.options": "\n".join(
                            f"{option.label.nl} | {option.label.en}" for option in question.options
                        ),
                    }
                )
                row += 1
        return cls(
            gettext,
            values=values,
            sections=len(template.sections) + SPARE_SECTIONS,
            questions=row + SPARE_QUESTIONS,
        )

    @classmethod
    def submitted(cls, gettext: Gettext, form: Mapping[str, Any]) -> "QuestionnaireForm":
        def count(name: str, spare: int, most: int) -> int:
            text = str(form.get(name) or "")
            return min(max(int(text), spare), most + spare) if text.isdigit() and len(text) < 6 else spare

        sections = count("sections", SPARE_SECTIONS, MAX_SECTIONS)
        questions = count("questions", SPARE_QUESTIONS, MAX_QUESTIONS)
        values: dict[str, str] = {}
        kept_sections: dict[str, str] = {}  # the submitted section number -> its row now
        for row in range(sections):
            title = {column: str(form.get(f"sections.{row}.{column}") or "")[:MAX_TEXT] for column in SECTION_FIELDS}
            if not any(value.strip() for value in title.values()):
                continue
            kept_sections[str(row)] = str(len(kept_sections))
            values.update({f"sections.{len(kept_sections) - 1}.{column}": v for column, v in title.items()})
            # A row marked for removal stays on the page until it is saved, so that a warning can still undo it.
            if form.get(f"sections.{row}.remove"):
                values[f"sections.{len(kept_sections) - 1}.remove"] = "1"
        kept = 0
        for row in range(questions):
            question = {
                column: str(form.get(f"questions.{row}.{column}") or "")[
                    : MAX_TEXT * 8 if column == "options" else MAX_TEXT
                ]
                for column in QUESTION_FIELDS
            }
            words = ("key", "label_nl", "label_en", "help_nl", "help_en", "options")
            if not any(question[c].strip() for c in words) or question["section"] not in kept_sections:
                continue
            question["section"] = kept_sections[question["section"]]
            values.update({f"questions.{kept}.{column}": value for column, value in question.items()})
            if form.get(f"questions.{row}.remove"):
                values[f"questions.{kept}.remove"] = "1"
            kept += 1
        return cls(
            gettext, values=values, sections=len(kept_sections) + SPARE_SECTIONS, questions=kept + SPARE_QUESTIONS
        )

    def move(self, instruction: str) -> None:
        """Move a section, or a question within its section, one place up or down (``questions.3.up``)."""
        group, _, rest = instruction.partition(".")
        number, _, direction = rest.partition(".")
        if not number.isdigit() or direction not in ("up", "down") or group not in ("sections", "questions"):
            return
        row, step = int(number), -1 if direction == "up" else 1
        if group == "sections":
            other = row + step
            if f"sections.{row}.title_nl" in self.values and f"sections.{other}.title_nl" in self.values:
                self._swap("sections", (*SECTION_FIELDS, "remove"), row, other)
                for question in range(self.questions):
                    name = f"questions.{question}.section"
                    if self.values.get(name) in (str(row), str(other)):
                        self.values[name] = str(other if self.values[name] == str(row) else row)
            return
        section = self.values.get(f"questions.{row}.section")
        other = row + step
        while 0 <= other < self.questions and self.values.get(f"questions.{other}.section") != section:
            other += step
        if section is not None and 0 <= other < self.questions and f"questions.{other}.kind" in self.values:
            self._swap("questions", (*QUESTION_FIELDS, "remove"), row, other)

    def _swap(self, group: str, columns: tuple[str, ...], one: int, other: int) -> None:
        for column in columns:
            first, second = f"{group}.{one}.{column}", f"{group}.{other}.{column}"
            a, b = self.values.pop(first, None), self.values.pop(second, None)
            if b is not None:
                self.values[first] = b
            if a is not None:
                self.values[second] = a

    def section_rows(self) -> range:
        return range(self.sections)

    def question_rows(self) -> range:
        return range(self.questions)

    def section_choices(self) -> dict[str, str]:
        return {
            str(row): f"{row + 1}. {self.values[f'sections.{row}.title_nl'] or self.values[f'sections.{row}.title_en']}"
            for row in range(self.sections)
            if f"sections.{row}.title_nl" in self.values
        }

    def _error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def validate(self) -> InterviewTemplate | None:
        _ = self.gettext
        sections: list[Section | None] = []
        for row in range(self.sections):
            if f"sections.{row}.title_nl" not in self.values:
                continue
            if self.values.get(f"sections.{row}.remove"):
                sections.append(None)  # its questions go with it
                continue
            nl, en = (self.values[f"sections.{row}.{column}"].strip() for column in SECTION_FIELDS)
            for column, text in (("title_nl", nl), ("title_en", en)):
                if not text:
                    self._error(f"sections.{row}.{column}", _("Give the section a title in both languages."))
            sections.append(Section(title=Wording(nl=nl, en=en)) if nl and en else None)
        if not any(sections):
            self.general_errors.append(_("Keep at least one section."))
        taken = {
            self.values[f"questions.{r}.key"].strip()
            for r in range(self.questions)
            if f"questions.{r}.key" in self.values
        }
        seen: dict[str, int] = {}
        for row in range(self.questions):
            if f"questions.{row}.kind" not in self.values or self.values.get(f"questions.{row}.remove"):
                continue
            question = self._question(row, taken, seen)
            section = self.values[f"questions.{row}.section"]
            target = sections[int(section)] if section.isdigit() and int(section) < len(sections) else None
            if question is not None and target is not None:
                target.questions.append(question)
        if self.errors or self.general_errors:
            return None
        try:
            return InterviewTemplate(sections=[section for section in sections if section is not None])
        except ValidationError as err:
            self.general_errors.extend(field_message(error, self.gettext) for error in err.errors())
            return None

    def _question(self, row: int, taken: set[str], seen: dict[str, int]) -> Question | None:
        _ = self.gettext
        value = {column: self.values[f"questions.{row}.{column}"].strip() for column in QUESTION_FIELDS}
        name = f"questions.{row}."
        problems = len(self.errors)
        if value["kind"] not in {kind.value for kind in AnswerKind}:
            self._error(name + "kind", _("Choose the kind of answer."))
        for column in ("label_nl", "label_en"):
            if not value[column]:
                self._error(name + column, _("Write the question in both languages."))
        key = value["key"] or _own_key(value["label_en"] or value["label_nl"], taken | set(seen))
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,59}", key) and key not in STANDARD:
            self._error(
                name + "key",
                _(
                    "Use lower-case letters, digits and _ only, starting with a letter; or one of the keys the reports count."
                ),
            )
        elif key in seen:
            self._error(name + "key", _("Question %(number)s has this key already.") % {"number": seen[key] + 1})
        seen.setdefault(key, row)
        standard = STANDARD.get(key)
        if standard is not None and value["kind"] and value["kind"] != standard.kind.value:
            self._error(
                name + "kind",
                _("The reports count this question as: %(kind)s.") % {"kind": kinds(_)[standard.kind.value]},
            )
        options = _options(value["options"]) if standard is None else []
        if standard is None and value["kind"] in (AnswerKind.CHOICE, AnswerKind.CHOICES) and len(options) < 2:
            self._error(name + "options", _("Give at least two options, one per line."))
        if len(self.errors) > problems:
            return None
        self.values[name + "key"] = key
        try:
            return Question(
                key=key,
                kind=AnswerKind(value["kind"]),
                label=Wording(nl=value["label_nl"], en=value["label_en"]),
                help=Wording(nl=value["help_nl"], en=value["help_en"]),
                options=options,
            )
        except ValidationError as err:
            for error in err.errors():
                self._error(name + "label_nl", field_message(error, self.gettext))
            return None


async def _page(
    request: Request,
    pages: Pages,
    session,
    form: QuestionnaireForm,
    *,
    emptied: list[str] | None = None,
    notice: str = "",
    code: int = 200,
):
    current = await store.current(session)
    history = await store.history(session)
    await session.commit()
    context = {
        "form": form,
        "kinds": kinds(pages.gettext),
        "standard_keys": sorted(STANDARD),
        "current": current,
        "history": history,
        "emptied": [figure_labels(pages.gettext, Labels(pages.gettext)).get(f, f) for f in emptied or []],
        "notice": notice,
    }
    return pages.render(request, "organisation/questionnaire.html", context, status_code=code)


@router.get("/questionnaire", name="questionnaire_page", response_class=HTMLResponse)
async def questionnaire_page(request: Request, user: Editor, pages: PagesDep, session: SessionDep, done: str = ""):
    current = await store.current(session)
    form = QuestionnaireForm.of(pages.gettext, current.template)
    return await _page(request, pages, session, form, notice="saved" if done == "saved" else "")


@router.post("/questionnaire", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def save_questionnaire(request: Request, user: Editor, pages: PagesDep, session: SessionDep):
    submitted = await request.form()
    form = QuestionnaireForm.submitted(pages.gettext, submitted)
    if submitted.get("more"):
        form.questions += SPARE_QUESTIONS
        form.sections += SPARE_SECTIONS
        return await _page(request, pages, session, form)
    if submitted.get("move"):
        form.move(str(submitted.get("move"))[:40])
        return await _page(request, pages, session, form)
    template = form.validate()
    if template is None:
        return await _page(request, pages, session, form, code=422)
    current = await store.current(session)
    emptied = emptied_figures(current.template, template)
    if emptied and not submitted.get("confirm"):
        return await _page(request, pages, session, form, emptied=emptied, code=409)
    await store.save(session, template, user.email)
    await session.commit()
    return redirect_to(request, "questionnaire_page", done="saved")
