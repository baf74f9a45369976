"""The interview questionnaire as a form: flat field names in (``experiences.work_content.rating``),
the shared ``InterviewRecord`` out, and each problem next to the question it concerns.

Drafts keep the answers exactly as the form holds them (name -> text, or list of texts for the
questions with several answers), so a half-filled form comes back as it was left."""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from models.questionnaire import DECLINABLE, ExperienceArea, Influence, InterviewRecord, LeavingReason
from web.labels import Gettext, Labels
from web.validation import check_message, worded

MULTI = ("secondary_reasons", "belonging.influences")
TEXTS = (
    "reasons_comment",
    "went_well",
    "should_improve",
    "most_important_advice",
    "belonging.comment",
    "remember_with_pleasure",
    "advice_summary",
)
SINGLE = (
    *(f"experiences.{area.value}.{part}" for area in ExperienceArea for part in ("rating", "comment")),
    "primary_reason",
    "recommend_score",
    "belonging.felt_safe",
    "belonging.felt_at_home",
    "belonging.felt_valued",
    "target_group.gender",
    "target_group.age_band",
    *TEXTS,
)
MAX_TEXT = 4000
# A self-declared target group (report settings): its answer, and the employee's consent to that answer's use.
DECLARED = "target_group.declared."
DECLARED_CONSENT = "target_group.consent."
_GROUP_FIELD = re.compile(r"^target_group\.(declared|consent)\.[a-z0-9_]{1,40}$")
# The form's value for "wil ik niet zeggen" at a rating or a choice; the record keeps it in ``prefer_not_to_say``.
PREFER_NOT = "prefer_not_to_say"


def answers_from_form(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Only the questionnaire's own fields, each text cut to the length a record allows."""
    answers: dict[str, Any] = {}
    for name, value in items:
        text = str(value)[:MAX_TEXT]
        if name in MULTI:
            answers.setdefault(name, [])
            if text and text not in answers[name]:
                answers[name].append(text)
        elif name in SINGLE:
            answers[name] = text
        elif _GROUP_FIELD.match(name):
            answers[name] = text[:20]
    return answers


def _number(value: Any) -> Any:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # the model names it as not a number


def record_data(answers: dict[str, Any]) -> dict[str, Any]:
    declined = [name for name in DECLINABLE if str(answers.get(name) or "").strip() == PREFER_NOT]
    get = lambda name: "" if name in declined else str(answers.get(name) or "").strip()  # noqa: E731
    number = lambda name: _number(get(name))  # noqa: E731
    primary = get("primary_reason") or None
    return {
        "experiences": {
            area.value: {
                "rating": number(f"experiences.{area.value}.rating"),
                "comment": get(f"experiences.{area.value}.comment"),
            }
            for area in ExperienceArea
        },
        "primary_reason": primary,
        "secondary_reasons": [reason for reason in answers.get("secondary_reasons", []) if reason != primary][:5],
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
        "prefer_not_to_say": declined,
    }


def _declared(answers: Mapping[str, Any]) -> dict[str, str]:
    """The self-declared groups answered on the form: key -> "yes" or "no" (any other value is no answer)."""
    return {
        name.removeprefix(DECLARED): str(value)
        for name, value in answers.items()
        if name.startswith(DECLARED) and str(value) in ("yes", "no")
    }


def validate(answers: dict[str, Any], gettext: Gettext) -> tuple[InterviewRecord | None, dict[str, str], list[str]]:
    """The record, or the problems: by field name, and those that concern the whole."""
    unconsented = {
        DECLARED + key: gettext(
            "Only with the employee's consent to its use in the anonymous reports: tick that box, or leave it unanswered."
        )
        for key in _declared(answers)
        if str(answers.get(DECLARED_CONSENT + key) or "") != "yes"
    }
    if unconsented:
        return None, unconsented, []
    try:
        return InterviewRecord.model_validate(record_data(answers)), {}, []
    except ValidationError as err:
        by_field: dict[str, str] = {}
        general: list[str] = []
        for error in err.errors():
            name = ".".join(str(part) for part in error["loc"] if not isinstance(part, int))
            message = _message(error, gettext)
            if name and (name in SINGLE or name in MULTI):
                by_field.setdefault(name, message)
            else:
                general.append(message)
        return None, by_field, general


def question_labels(_: Gettext, labels: Labels) -> dict[str, str]:
    """Each question by the words the form asks it with, so that an error summary names the question."""
    named = {
        "primary_reason": _("The reason that tipped the balance"),
        "secondary_reasons": _("Other reasons that played a part (at most five)"),
        "reasons_comment": _("In their words: why they are leaving"),
        "went_well": _("What went well?"),
        "should_improve": _("What should improve?"),
        "most_important_advice": _("If they could give us just one piece of advice, what would it be?"),
        "recommend_score": _("Would they recommend us as an employer?"),
        "belonging.felt_safe": _("Did they feel safe here?"),
        "belonging.felt_at_home": _("Did they feel at home?"),
        "belonging.felt_valued": _("Did they feel valued?"),
        "belonging.influences": _("Did anything specific shape their experience?"),
        "belonging.comment": _("In their words"),
        "remember_with_pleasure": _("What will they remember with pleasure?"),
        "advice_summary": _("Your summary of their advice"),
        "target_group.gender": _("Gender"),
        "target_group.age_band": _("Age"),
    }
    for area in ExperienceArea:
        named[f"experiences.{area.value}.rating"] = labels.area(area.value)
        named[f"experiences.{area.value}.comment"] = _("In their words: %(area)s") % {"area": labels.area(area.value)}
    return named


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


AREAS = list(ExperienceArea)
REASONS = list(LeavingReason)
INFLUENCES = list(Influence)
GENDERS = ("woman", "man", "non_binary")
AGE_BANDS = ("<25", "25-34", "35-44", "45-54", "55+")
