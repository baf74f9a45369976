"""The semi-structured exit interview of DOMAIN.md, so answers compare across interviews."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from models.text import VisibleLines

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), VisibleLines]
Rating = Annotated[int, Field(ge=1, le=5)]


class ExperienceArea(StrEnum):
    """The five A's."""

    WORK_CONTENT = "work_content"
    WORKING_CONDITIONS = "working_conditions"
    WORKING_RELATIONS = "working_relations"
    TERMS_OF_EMPLOYMENT = "terms_of_employment"
    WORK_ORGANISATION = "work_organisation"


class LeavingReason(StrEnum):
    CAREER_OPPORTUNITY = "career_opportunity"
    PAY_AND_BENEFITS = "pay_and_benefits"
    WORK_CONTENT = "work_content"
    WORKLOAD = "workload"
    WORK_LIFE_BALANCE = "work_life_balance"
    MANAGER = "manager"
    COLLEAGUES_AND_CULTURE = "colleagues_and_culture"
    LEARNING_AND_DEVELOPMENT = "learning_and_development"
    ORGANISATION_CHANGE = "organisation_change"
    JOB_SECURITY = "job_security"
    COMMUTE = "commute"
    RELOCATION = "relocation"
    STUDIES = "studies"
    HEALTH = "health"
    PERSONAL_CIRCUMSTANCES = "personal_circumstances"
    RETIREMENT = "retirement"
    END_OF_CONTRACT = "end_of_contract"
    DISMISSAL = "dismissal"
    OTHER = "other"


class Influence(StrEnum):
    GENDER_BIAS = "gender_bias"
    SENSE_OF_BELONGING = "sense_of_belonging"
    PROFESSIONAL_SELF_CONFIDENCE = "professional_self_confidence"
    WORK_LIFE_BALANCE = "work_life_balance"


# Every answer is optional (001: "we hoeven niet alle vragen te bespreken"): a question not discussed has none.
class Experience(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Rating | None = None
    comment: Text = ""


class Belonging(BaseModel):
    model_config = ConfigDict(extra="forbid")

    felt_safe: Rating | None = None
    felt_at_home: Rating | None = None
    felt_valued: Rating | None = None
    influences: list[Influence] = Field(default_factory=list)
    comment: Text = ""


GroupKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]


class TargetGroup(BaseModel):
    """Only what the employee chose to give; used for report breakdowns, never shown individually."""

    model_config = ConfigDict(extra="forbid")

    gender: Literal["woman", "man", "non_binary"] | None = None
    age_band: Literal["<25", "25-34", "35-44", "45-54", "55+"] | None = None
    declared: dict[GroupKey, Literal["yes", "no"]] = Field(
        default_factory=dict,
        max_length=10,
        description="The organisation's self-declared groups (report settings) the employee answered, each only with "
        "their consent to its use in the anonymous reports: group key -> yes or no. Unanswered groups are absent.",
    )


# The questions asking for a rating or a choice, by their place in the record, where "prefer not to say" is an answer.
DECLINABLE = (
    *(f"experiences.{area.value}.rating" for area in ExperienceArea),
    "primary_reason",
    "recommend_score",
    "belonging.felt_safe",
    "belonging.felt_at_home",
    "belonging.felt_valued",
    "target_group.gender",
    "target_group.age_band",
)
Declinable = Literal[DECLINABLE]  # type: ignore[valid-type]
# The organisation's own questions (models.interview_template), by their key: no dots, so never a standard one.
OwnKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,79}$")]
OwnAnswer = Annotated[int, Field(ge=0, le=10)] | Text | list[Annotated[str, StringConstraints(max_length=40)]]


def _value_at(record: "InterviewRecord", question: str) -> object:
    if question not in DECLINABLE:
        return record.answers.get(question)
    value: object = record
    for key in question.split("."):
        value = value.get(ExperienceArea(key)) if isinstance(value, dict) else getattr(value, key, None)
    return value


class InterviewRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    experiences: dict[ExperienceArea, Experience] = Field(default_factory=dict)
    primary_reason: LeavingReason | None = None
    secondary_reasons: list[LeavingReason] = Field(default_factory=list, max_length=5)
    reasons_comment: Text = ""
    went_well: Text = ""
    should_improve: Text = ""
    most_important_advice: Text = ""
    recommend_score: int | None = Field(None, ge=0, le=10)
    belonging: Belonging = Field(default_factory=Belonging)
    remember_with_pleasure: Text = ""
    advice_summary: Text = Field("", description="The interviewer's summary of the advice, checked with the employee.")
    target_group: TargetGroup = Field(default_factory=TargetGroup)
    answers: dict[OwnKey, OwnAnswer] = Field(
        default_factory=dict, max_length=200, description="The answers to the organisation's own questions, by key."
    )
    prefer_not_to_say: list[Declinable | OwnKey] = Field(
        default_factory=list,
        description='The questions the employee chose not to answer ("wil ik niet zeggen"); each holds no answer.',
    )
    template_version: int | None = Field(
        None, ge=1, description="The questionnaire version it was held with; none: the one before versions existed."
    )

    @model_validator(mode="after")
    def _coherent(self) -> "InterviewRecord":
        answered = [question for question in self.prefer_not_to_say if _value_at(self, question) is not None]
        if answered:
            raise ValueError(f'an answer and "prefer not to say" at once for: {", ".join(answered)}')
        if self.primary_reason is not None and self.primary_reason in self.secondary_reasons:
            raise ValueError("the primary reason must not be repeated among the secondary reasons")
        if len(set(self.secondary_reasons)) != len(self.secondary_reasons):
            raise ValueError("secondary reasons must be distinct")
        return self


class ConsentScope(StrEnum):
    """What may go beyond HR, anonymised."""

    NOTHING = "nothing"
    ADVICE_ONLY = "advice_only"
    ADVICE_AND_EXPERIENCES = "advice_and_experiences"


class ConsentChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: ConsentScope
    share_with_manager: bool
    # 001 §3.1: a short record of the interview for the board; only what the scope shares, and only if they agree.
    share_with_board: bool = False
    text_version: str = Field(min_length=1, max_length=40)


class Consent(ConsentChoice):
    given_at: datetime
    revoked_at: datetime | None = None


# The answers the reports count, by the interview_records column that holds a copy, and where each sits in the record.
REPORTED_ANSWERS: dict[str, tuple[str, ...]] = {
    "primary_reason": ("primary_reason",),
    "secondary_reasons": ("secondary_reasons",),
    **{f"rating_{area.value}": ("experiences", area.value, "rating") for area in ExperienceArea},
    "felt_safe": ("belonging", "felt_safe"),
    "felt_at_home": ("belonging", "felt_at_home"),
    "felt_valued": ("belonging", "felt_valued"),
    "influences": ("belonging", "influences"),
    "recommend_score": ("recommend_score",),
    "gender": ("target_group", "gender"),
    "age_band": ("target_group", "age_band"),
}


def reported_answers(record: dict) -> dict[str, object]:
    """The ``REPORTED_ANSWERS`` of a stored record (``InterviewRecord`` as JSON); None for each one it lacks."""
    answers = {}
    for column, path in REPORTED_ANSWERS.items():
        value: object = record
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        # A list counts each value once per respondent, in a stable order.
        answers[column] = sorted(set(value)) if isinstance(value, list) else value
    return answers
