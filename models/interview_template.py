"""The organisation's own exit interview questionnaire (004: "maak een standaard interviewsjabloon passend bij
jouw bedrijf"): sections of questions, each with its kind of answer and its wording in Dutch and English.

A question's key is how its answers are found again. The keys in ``STANDARD`` are the ones the reports count
(the five A's, the reasons for leaving, the recommend score, belonging, the target groups) and the free texts
that reports quote: their answers sit at a fixed place in the record, so reports compare across versions. Any
other key is the organisation's own question; its answers are kept with the record under that key and stay
with HR."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from models.questionnaire import ExperienceArea, Influence, LeavingReason


class AnswerKind(StrEnum):
    RATING = "rating"  # 1 to 5
    SCALE = "scale"  # 0 to 10
    CHOICE = "choice"  # one of the options
    CHOICES = "choices"  # any of the options
    TEXT = "text"


# Kinds that take "wil ik niet zeggen" as an answer; a text left empty already says nothing.
DECLINABLE_KINDS = (AnswerKind.RATING, AnswerKind.SCALE, AnswerKind.CHOICE)
RANGES = {AnswerKind.RATING: (1, 5), AnswerKind.SCALE: (0, 10)}

Key = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+){0,2}$", max_length=80)
]
Words = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class Wording(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nl: Words = ""
    en: Words = ""

    def in_language(self, language: str) -> str:
        return (self.en or self.nl) if language == "en" else (self.nl or self.en)


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_<>+-]{1,40}$")]
    label: Wording


class StandardQuestion(BaseModel):
    """A question whose answer the reports read: its kind and options are fixed, its wording is the organisation's."""

    kind: AnswerKind
    options: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()


def _standard() -> dict[str, StandardQuestion]:
    rating = AnswerKind.RATING
    standard: dict[str, StandardQuestion] = {}
    for area in ExperienceArea:
        standard[f"experiences.{area.value}.rating"] = StandardQuestion(kind=rating, figures=(f"rating:{area.value}",))
        standard[f"experiences.{area.value}.comment"] = StandardQuestion(
            kind=AnswerKind.TEXT, figures=("text:experiences",)
        )
    reasons = tuple(reason.value for reason in LeavingReason)
    standard |= {
        "primary_reason": StandardQuestion(kind=AnswerKind.CHOICE, options=reasons, figures=("primary_reasons",)),
        "secondary_reasons": StandardQuestion(kind=AnswerKind.CHOICES, options=reasons, figures=("secondary_reasons",)),
        "reasons_comment": StandardQuestion(kind=AnswerKind.TEXT, figures=("text:reasons",)),
        "went_well": StandardQuestion(kind=AnswerKind.TEXT, figures=("text:went_well",)),
        "should_improve": StandardQuestion(kind=AnswerKind.TEXT, figures=("text:should_improve",)),
        "most_important_advice": StandardQuestion(kind=AnswerKind.TEXT, figures=("text:advice",)),
        "recommend_score": StandardQuestion(kind=AnswerKind.SCALE, figures=("recommend",)),
        "belonging.felt_safe": StandardQuestion(kind=rating, figures=("belonging:felt_safe",)),
        "belonging.felt_at_home": StandardQuestion(kind=rating, figures=("belonging:felt_at_home",)),
        "belonging.felt_valued": StandardQuestion(kind=rating, figures=("belonging:felt_valued",)),
        "belonging.influences": StandardQuestion(
            kind=AnswerKind.CHOICES, options=tuple(i.value for i in Influence), figures=("influences",)
        ),
        "belonging.comment": StandardQuestion(kind=AnswerKind.TEXT, figures=("text:belonging",)),
        "remember_with_pleasure": StandardQuestion(kind=AnswerKind.TEXT, figures=("text:remember",)),
        "advice_summary": StandardQuestion(kind=AnswerKind.TEXT, figures=("text:advice",)),
        "target_group.gender": StandardQuestion(
            kind=AnswerKind.CHOICE, options=("woman", "man", "non_binary"), figures=("breakdown:gender",)
        ),
        "target_group.age_band": StandardQuestion(
            kind=AnswerKind.CHOICE, options=("<25", "25-34", "35-44", "45-54", "55+"), figures=("breakdown:age_band",)
        ),
    }
    return standard


STANDARD = _standard()


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Key
    kind: AnswerKind
    label: Wording
    help: Wording = Field(default_factory=Wording)
    # The organisation's own choices; a standard question takes its options from ``STANDARD``.
    options: list[Option] = Field(default_factory=list, max_length=40)

    @field_validator("label")
    @classmethod
    def _worded(cls, label: Wording) -> Wording:
        if not label.nl or not label.en:
            raise ValueError("a question needs its wording in Dutch and in English")
        return label

    @model_validator(mode="after")
    def _fits(self) -> "Question":
        standard = STANDARD.get(self.key)
        if standard is not None:
            if self.kind != standard.kind:
                raise ValueError(f"the question {self.key} is counted in reports as {standard.kind.value}")
            self.options = []
        elif "." in self.key:
            raise ValueError(f"{self.key} is not a key the reports know; an own question's key has no dots")
        elif self.kind in (AnswerKind.CHOICE, AnswerKind.CHOICES):
            if len(self.options) < 2:
                raise ValueError(f"the question {self.key} needs at least two options")
            if len({option.value for option in self.options}) != len(self.options):
                raise ValueError(f"the options of {self.key} must differ")
        else:
            self.options = []
        return self

    def option_values(self) -> tuple[str, ...]:
        standard = STANDARD.get(self.key)
        return standard.options if standard is not None else tuple(option.value for option in self.options)

    @property
    def declinable(self) -> bool:
        return self.kind in DECLINABLE_KINDS


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Wording
    questions: list[Question] = Field(default_factory=list, max_length=100)

    @field_validator("title")
    @classmethod
    def _titled(cls, title: Wording) -> Wording:
        if not title.nl or not title.en:
            raise ValueError("a section needs its title in Dutch and in English")
        return title


class InterviewTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sections: list[Section] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _distinct_keys(self) -> "InterviewTemplate":
        keys = [question.key for question in self.questions()]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"each question needs a key of its own: {', '.join(repeated)}")
        return self

    def questions(self) -> list[Question]:
        return [question for section in self.sections for question in section.questions]

    def question(self, key: str) -> Question | None:
        return next((question for question in self.questions() if question.key == key), None)

    def keys(self) -> set[str]:
        return {question.key for question in self.questions()}


def emptied_figures(before: InterviewTemplate | None, after: InterviewTemplate) -> list[str]:
    """The report figures that interviews held with ``after`` leave empty where ``before`` filled them: a standard
    question dropped, and no other standard question left that feeds the same figure."""
    previous = before.keys() if before is not None else set(STANDARD)
    kept = {figure for key in after.keys() if key in STANDARD for figure in STANDARD[key].figures}
    lost = {figure for key in previous - after.keys() if key in STANDARD for figure in STANDARD[key].figures}
    return sorted(lost - kept)
