"""Names and e-mail addresses out of free text before it leaves HR.

Three nets: e-mail addresses by pattern; the leaving employee's and manager's names known from
the case, in any capitalisation; and every capitalised first name or surname that appears among
the people in the cases table, which catches colleagues named in passing. The first two run once,
when the interview is stored (``shareable_texts``); the third in every report (``KnownNames``), so
that it also catches people whose cases came later."""

import re
from collections.abc import Callable, Iterable
from typing import Any

from models.questionnaire import ExperienceArea

REDACTED = "[…]"
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Dutch and Flemish surname particles: never a name on their own, but part of the name they precede.
PARTICLES = {
    "van",
    "de",
    "der",
    "den",
    "ter",
    "ten",
    "te",
    "het",
    "'t",
    "in",
    "op",
    "la",
    "le",
    "du",
    "da",
    "di",
    "von",
    "vd",
    "v.d.",
}
PARTICLE_RUN = r"(?:(?:" + "|".join(re.escape(p) for p in sorted(PARTICLES, key=len, reverse=True)) + r")\s+)*"
MIN_PART = 2


def name_parts(full_name: str) -> set[str]:
    return {
        part
        for part in re.split(r"[\s,]+", full_name.strip())
        if len(part) >= MIN_PART and part.lower() not in PARTICLES
    }


# A word with the particles before it: each candidate name is looked up in a set, so the cost of a text does
# not grow with the number of people in the cases table. Particles are matched in any capitalisation.
CANDIDATE = re.compile(
    rf"(?<![\w-])(?:{PARTICLE_RUN})(?P<word>[^\W_][\w-]*(?:'[^\W_][\w-]*)*)", re.IGNORECASE | re.UNICODE
)
ADJACENT = re.compile(rf"(?:{re.escape(REDACTED)}\s*)+(?={re.escape(REDACTED)})")


# The record's free-text answers: where each sits, by the name the reports give it.
FREE_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "most_important_advice": ("most_important_advice",),
    "advice_summary": ("advice_summary",),
    "went_well": ("went_well",),
    "should_improve": ("should_improve",),
    "reasons_comment": ("reasons_comment",),
    "remember_with_pleasure": ("remember_with_pleasure",),
    "belonging_comment": ("belonging", "comment"),
    **{f"{area.value}_comment": ("experiences", area.value, "comment") for area in ExperienceArea},
}


def _redact(text: str, is_name: Callable[[str], bool]) -> str:
    def replace(match: re.Match[str]) -> str:
        word = match["word"]
        if is_name(word):
            return REDACTED
        # "Roos's": the name before an apostrophe ending the word.
        stem, apostrophe, rest = word.partition("'")
        if apostrophe and is_name(stem):
            return REDACTED + apostrophe + rest
        return match[0]

    # Adjacent redactions ("[…] […]") say no more than one.
    return ADJACENT.sub("", CANDIDATE.sub(replace, text)).strip()


def without_own_names(text: str, case_names: Iterable[str]) -> str:
    """``text`` without e-mail addresses and without the case's own names, in any capitalisation."""
    own = set()
    for name in case_names:
        own |= {part.casefold() for part in name_parts(name)}
    return _redact(EMAIL.sub(REDACTED, text), lambda word: word.casefold() in own)


def _answer(record: dict, path: tuple[str, ...]) -> str:
    value: Any = record
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value.strip() if isinstance(value, str) else ""


def shareable_texts(record: dict, case_names: Iterable[str]) -> dict[str, str]:
    """Every free-text answer of ``record`` that is not empty, as it may leave HR (``without_own_names``)."""
    names = list(case_names)
    texts = {
        field: without_own_names(answer, names)
        for field, path in FREE_TEXT_FIELDS.items()
        if (answer := _answer(record, path))
    }
    return {field: text for field, text in texts.items() if text}


class KnownNames:
    """The third net, for texts already without their case's own names: every capitalised first name or surname
    of the people in the cases table. Built once per report."""

    def __init__(self, known_names: Iterable[str]) -> None:
        parts = set()
        for name in known_names:
            parts |= name_parts(name)
        # Only capitalised forms: "Roos" the colleague, not "roos" the flower.
        self._known = {p[0].upper() + p[1:] for p in parts}

    def scrub(self, text: str) -> str:
        return _redact(text, self._known.__contains__)
