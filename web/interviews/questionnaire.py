"""The interview questionnaire as a form, built from the organisation's questionnaire version
(``models.interview_template``): flat field names in (the question keys, ``experiences.work_content.rating``),
the shared ``InterviewRecord`` out, and each problem next to the question it concerns.

Drafts keep the answers exactly as the form holds them (key -> text, or list of texts for the questions with
several answers), with the version they were begun with, so a half-filled form comes back as it was left."""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from i18n.labels import Gettext, Labels
from models.interview_template import RANGES, STANDARD, AnswerKind, InterviewTemplate, Question
from models.questionnaire import ExperienceArea, InterviewRecord
from questionnaires.default import DEFAULT
from web.validation import check_message, worded

MAX_TEXT = 4000
MAX_SECONDARY = 5
# A self-declared target group (report settings): its answer, and the employee's consent to that answer's use.
DECLARED = "target_group.declared."
DECLARED_CONSENT = "target_group.consent."
_GROUP_FIELD = re.compile(r"^target_group\.(declared|consent)\.[a-z0-9_]{1,40}$")
# The form's value for "wil ik niet zeggen" at a rating or a choice; the record keeps it in ``prefer_not_to_say``.
PREFER_NOT = "prefer_not_to_say"
STANDARD_KEYS = tuple(STANDARD)
# Where a draft keeps the questionnaire version it was begun with (no question key starts with "_").
VERSION = "_version"


def answers_from_form(items: Iterable[tuple[str, Any]], template: InterviewTemplate = DEFAULT) -> dict[str, Any]:
    """Only the questionnaire's own fields, each text cut to the length a record allows."""
    kinds = {question.key: question.kind for question in template.questions()}
    answers: dict[str, Any] = {}
    for name, value in items:
        text = str(value)[:MAX_TEXT]
        if kinds.get(name) == AnswerKind.CHOICES:
            answers.setdefault(name, [])
            if text and text not in answers[name]:
                answers[name].append(text)
        elif name in kinds:
            answers[name] = text
        elif _GROUP_FIELD.match(name):
            answers[name] = text[:20]
    return answers


def version_of(answers: Mapping[str, Any]) -> int | None:
    version = answers.get(VERSION)
    return version if isinstance(version, int) else None


def _number(value: Any) -> Any:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # the model names it as not a number


def record_data(
    answers: Mapping[str, Any], template: InterviewTemplate = DEFAULT, version: int | None = None
) -> dict[str, Any]:
    declined = [
        question.key
        for question in template.questions()
        if question.declinable and str(answers.get(question.key) or "").strip() == PREFER_NOT
    ]

    def get(name: str) -> str:
        return "" if name in declined else str(answers.get(name) or "").strip()

    def number(name: str) -> Any:
        return _number(get(name))

    primary = get("primary_reason") or None
    own: dict[str, Any] = {}
    for question in template.questions():
        if question.key in STANDARD or question.key in declined:
            continue
        if question.kind == AnswerKind.CHOICES:
            chosen = list(answers.get(question.key) or [])
            if chosen:
                own[question.key] = chosen
        elif question.kind in RANGES:
            if (value := number(question.key)) is not None:
                own[question.key] = value
        elif value := get(question.key):
            own[question.key] = value
    return {
        "experiences": {
            area.value: {
                "rating": number(f"experiences.{area.value}.rating"),
                "comment": get(f"experiences.{area.value}.comment"),
            }
            for area in ExperienceArea
        },
        "primary_reason": primary,
        "secondary_reasons": [r for r in answers.get("secondary_reasons", []) if r != primary][:MAX_SECONDARY],
        "reasons_comment": get("reasons_comment"),
        "went_well": get("went_well"),
        "should_improve": get("should_improve"),
        "most_important_advice": get("most_important_advice"),
        "recommend_score": number("recommend_score"),
        "belonging": {
            "felt_safe": number("belonging.felt_safe"),
            "felt_at_home": number("belonging.felt_at_home"),
            "felt_valued": number("belonging.felt_valued"),
            "influences": list(answers.get("belonging.influences", [])),
            "comment": get("belonging.comment"),
        },
        "remember_with_pleasure": get("remember_with_pleasure"),
        "advice_summary": get("advice_summary"),
        "target_group": {
            "gender": get("target_group.gender") or None,
            "age_band": get("target_group.age_band") or None,
            # Kept only with the employee's consent to its use; ``validate`` refuses an answer without it.
            "declared": {
                key: answer
                for key, answer in _declared(answers).items()
                if str(answers.get(DECLARED_CONSENT + key) or "") == "yes"
            },
        },
        "answers": own,
        "prefer_not_to_say": declined,
        "template_version": version,
    }


def _declared(answers: Mapping[str, Any]) -> dict[str, str]:
    """The self-declared groups answered on the form: key -> "yes" or "no" (any other value is no answer)."""
    return {
        name.removeprefix(DECLARED): str(value)
        for name, value in answers.items()
        if name.startswith(DECLARED) and str(value) in ("yes", "no")
    }


def _own_problem(question: Question, value: Any, _: Gettext) -> str | None:
    """What the record's model cannot know of an own question: its options and its scale."""
    if question.key in STANDARD or value in (None, "", [], PREFER_NOT):
        return None
    allowed = question.option_values()
    if question.kind == AnswerKind.CHOICES and any(choice not in allowed for choice in value):
        return _("Choose one of the options.")
    if question.kind == AnswerKind.CHOICE and value not in allowed:
        return _("Choose one of the options.")
    if question.kind in RANGES:
        low, high = RANGES[question.kind]
        number = _number(value)
        if not isinstance(number, int):
            return _("Choose a number.")
        if not low <= number <= high:
            return _("Choose a number in the scale.")
    return None


def validate(
    answers: Mapping[str, Any],
    gettext: Gettext,
    template: InterviewTemplate = DEFAULT,
    version: int | None = None,
) -> tuple[InterviewRecord | None, dict[str, str], list[str]]:
    """The record, or the problems: by question key, and those that concern the whole."""
    by_field: dict[str, str] = {}
    for question in template.questions():
        if (problem := _own_problem(question, answers.get(question.key), gettext)) is not None:
            by_field[question.key] = problem
    # A group's answer only with the employee's consent to its use; ``record_data`` leaves out one without it.
    for key in _declared(answers):
        if str(answers.get(DECLARED_CONSENT + key) or "") != "yes":
            by_field[DECLARED + key] = gettext(
                "Only with the employee's consent to its use in the anonymous reports: tick that box, or leave it "
                "unanswered."
            )
    general: list[str] = []
    try:
        record = InterviewRecord.model_validate(record_data(answers, template, version))
    except ValidationError as err:
        record = None
        for error in err.errors():
            parts = [str(part) for part in error["loc"] if not isinstance(part, int)]
            name = parts[1] if parts[:1] == ["answers"] and len(parts) > 1 else ".".join(parts)
            message = _message(error, gettext)
            if name and template.question(name) is not None:
                by_field.setdefault(name, message)
            else:
                general.append(message)
    if by_field or general:
        return None, by_field, general
    return record, {}, []


def question_labels(template: InterviewTemplate, language: str) -> dict[str, str]:
    """Each question by the words the form asks it with, so that an error summary names the question."""
    return {question.key: question.label.in_language(language) for question in template.questions()}


def option_labels(question: Question, labels: Labels, language: str) -> list[tuple[str, str]]:
    """(value, words) of a choice question: the reports' taxonomies in the page's words, the own ones as written."""
    if question.key in ("primary_reason", "secondary_reasons"):
        return [(value, labels.reason(value)) for value in question.option_values()]
    if question.key == "belonging.influences":
        return [(value, labels.influence(value)) for value in question.option_values()]
    if question.key == "target_group.gender":
        return [(value, labels.genders.get(value, value)) for value in question.option_values()]
    if question.key in STANDARD:
        return [(value, value) for value in question.option_values()]
    return [(option.value, option.label.in_language(language)) for option in question.options]


def _message(error: Mapping[str, Any], _: Gettext) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("missing", "int_type", "none_required") or (kind == "int_parsing" and error.get("input") in (None, "")):
        return _("Answer this question.")
    if kind == "int_parsing":
        return _("Choose a number.")
    if kind in ("greater_than_equal", "less_than_equal"):
        return _("Choose a number in the scale.")
    if kind in ("enum", "literal_error"):
        return _("Choose one of the options.")
    if kind == "string_too_long":
        return _("Use at most %(max)s characters.") % {"max": ctx.get("max_length")}
    if (shared := worded(error, _)) is not None:
        return shared
    return check_message(str(error.get("msg", "")), _)
