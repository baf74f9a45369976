"""The periodic anonymised report and its management review: settings, figures, and what reviewers can do."""

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from models.actors import Actor
from models.organisation import Contact
from models.questionnaire import GroupKey
from models.recorded import is_recorded
from models.registration import Language
from models.text import Email, VisibleLines

# The organisation's fixed report periods; a report never covers a range someone picks (reports.periods).
ReportPeriod = Literal["quarter", "half_year", "year"]
ReviewText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), VisibleLines]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), VisibleLines]
# How far back a small organisation's report may pool periods that had too few respondents: a rolling year or two.
PoolWindow = Literal["year", "two_years"]
POOL_MONTHS: dict[str, int] = {"year": 12, "two_years": 24}
# An action a review agrees on is due within this many days; the review reminds its owner until then.
MAX_ACTION_DAYS_AHEAD = 3 * 366


GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), VisibleLines]


class DeclaredGroup(BaseModel):
    """A target group the organisation asks about (migration background, disability, part-time, ...): the employee
    says whether they belong to it only if they choose to, with their consent to its use in the reports."""

    key: GroupKey
    nl: GroupName
    en: GroupName


class ReportPolicy(BaseModel):
    """How often reports are made, how small a group may be shown, and who reviews them. HR edits it."""

    report_period: ReportPeriod = Field(
        "quarter",
        description="quarter, half_year or year: a small organisation takes a longer period rather than an empty report.",
    )
    report_min_group_size: int = Field(
        5,
        ge=3,
        le=50,
        description="Any figure resting on fewer respondents is suppressed. Below 3 no figure stays anonymous.",
    )
    report_day: int = Field(
        1,
        ge=1,
        le=28,
        description="The day of the month after each period on which its report is made, early in the morning.",
    )
    reviewers: list[Contact] = Field(
        default_factory=list, description="Board or management members who review and approve each report."
    )
    target_groups: list[DeclaredGroup] = Field(
        default_factory=list,
        max_length=10,
        description="The organisation's self-declared target groups, asked in the interview and broken down in reports.",
    )
    small_organisation_window: PoolWindow = Field(
        "year",
        description="year or two_years: a period with too few respondents for any figure is counted together with the "
        "earlier periods of this window that had too few as well.",
    )
    review_reminder_interval_days: int = Field(7, ge=1, le=60)
    review_reminder_count: int = Field(2, ge=0, le=10)
    action_reminder_days_before_due: int = Field(3, ge=0, le=60)

    @field_validator("reviewers", mode="before")
    @classmethod
    def _plain_addresses(cls, value: Any) -> Any:
        # HR may list reviewers as bare addresses; they then read the report in Dutch.
        if isinstance(value, list):
            return [{"email": item} if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _distinct_groups(self) -> "ReportPolicy":
        keys = [group.key for group in self.target_groups]
        if len(set(keys)) != len(keys):
            raise ValueError("each target group may be listed once")
        return self

    @model_validator(mode="after")
    def _distinct_reviewers(self) -> "ReportPolicy":
        addresses = [str(r.email).lower() for r in self.reviewers]
        if len(set(addresses)) != len(addresses):
            raise ValueError("each reviewer may be listed once")
        return self


class ReportStatus(StrEnum):
    COMPILED = "compiled"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"


# The figures. A value of None means suppressed: it rests on too few respondents, or would let one be derived.
class Cell(BaseModel):
    key: str
    count: int | None
    share: float | None = None


class CountTable(BaseModel):
    """The groups that may be shown. A suppressed group is left out, name and all; where the groups add up to
    the total, ``other`` holds the people of the groups left out together (never fewer than the minimum)."""

    total: int | None
    cells: list[Cell]
    other: int | None = Field(
        None, description="People in the groups not shown, together; None when every group shows."
    )


class RatingFigures(BaseModel):
    metric: str
    respondents: int | None
    mean: float | None
    distribution: list[Cell] = Field(
        default_factory=list, description="Ratings 1-5; all suppressed when any small cell would show."
    )


class RecommendFigures(BaseModel):
    respondents: int | None
    mean: float | None
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    nps: float | None = None


class GroupFigures(BaseModel):
    key: str
    respondents: int | None
    means: dict[str, float | None] = Field(default_factory=dict)


class Breakdown(BaseModel):
    """The groups that may be shown, without the names of those that may not; ``other`` counts the people left out."""

    dimension: str = Field(
        description="department, gender, age_band, tenure_band, or group:<key> for a self-declared target group"
    )
    name: dict[str, str] | None = Field(
        None, description="A self-declared group's name in each language, as the organisation called it then."
    )
    groups: list[GroupFigures]
    other: int | None = Field(
        None, description="Respondents in the groups not shown, together; None when every group shows."
    )


class CrossBreakdown(BaseModel):
    """One department's respondents per group of one target group: their number and means, for the pairs that may show."""

    department: str
    dimension: str = Field(description="gender, age_band, tenure_band, or group:<key> for a self-declared group")
    name: dict[str, str] | None = None
    groups: list[GroupFigures]


class GroupReasons(BaseModel):
    key: str
    reasons: CountTable = Field(
        description="The group's respondents by main reason for leaving, no_reason for those who named none."
    )


class ReasonBreakdown(BaseModel):
    """The main reasons for leaving per group of one target group, for the groups whose table may be shown."""

    dimension: str = Field(description="gender, age_band, tenure_band, or group:<key> for a self-declared group")
    name: dict[str, str] | None = None
    groups: list[GroupReasons]


class TrendPoint(BaseModel):
    label: str
    value: float | None
    base: int | None


class Trend(BaseModel):
    metric: str
    points: list[TrendPoint]
    delta: float | None = Field(
        None, description="Current minus previous period, only where both stand on enough respondents."
    )


class ActionState(StrEnum):
    DONE = "done"
    LATE = "late"
    OPEN = "open"


class EarlierAction(BaseModel):
    report_label: str
    text: str
    owner_email: str
    due_date: date
    state: ActionState
    completed_at: datetime | None = None


class TextSection(BaseModel):
    """Free text of one topic. No count of writers: set against the respondents, it would tell how many gave only advice."""

    topic: str
    suppressed: bool
    texts: list[str] = Field(default_factory=list)


class PooledFigures(BaseModel):
    """A small organisation's answer to a period with too few respondents: the answers of this period and of the
    earlier periods of the configured window that showed none either, counted together. Each period is pooled in at
    most one published pool, so no pool can be subtracted from another; and every period in it showed no figure on
    its respondents, so none can be subtracted from the pool."""

    labels: list[str] = Field(description="The periods counted together, oldest first; this report's own last.")
    period_start: date
    period_end: date
    respondents: int | None = Field(description="None: together still too few; then nothing below shows.")
    primary_reasons: CountTable | None = None
    secondary_reasons: CountTable | None = None
    ratings: list[RatingFigures] = Field(default_factory=list)
    recommend: RecommendFigures | None = None
    belonging: list[RatingFigures] = Field(default_factory=list)
    influences: CountTable | None = None


class ReportFigures(BaseModel):
    report_id: str
    label: str
    period_start: date
    period_end: date
    previous_label: str | None = Field(
        None, description="The report before this one, which the trends compare with; None for the first."
    )
    generated_at: datetime
    min_group_size: int
    departures_by_type: CountTable
    departures_by_department: CountTable
    interview_response: CountTable
    response_rate: float | None
    respondents: int | None
    primary_reasons: CountTable
    secondary_reasons: CountTable
    ratings: list[RatingFigures]
    recommend: RecommendFigures
    belonging: list[RatingFigures]
    influences: CountTable
    breakdowns: list[Breakdown]
    reasons_by_group: list[ReasonBreakdown] = Field(
        default_factory=list, description="Per target group, its groups' main reasons for leaving."
    )
    cross_breakdowns: list[CrossBreakdown] = Field(
        default_factory=list, description="Per department, its respondents by target group, where they may show."
    )
    trends: list[Trend]
    free_text: list[TextSection]
    earlier_actions: list[EarlierAction]
    pooled: PooledFigures | None = Field(
        None, description="Only when this period has too few respondents for any figure (see PooledFigures)."
    )


# Workflow and activity inputs.
class ReportInput(BaseModel):
    start: date
    end: date
    requested_by: str = Field("schedule", max_length=320)

    @model_validator(mode="after")
    def _ordered(self) -> "ReportInput":
        if self.end < self.start:
            raise ValueError("the report period ends before it starts")
        return self


class ScheduledReportInput(BaseModel):
    period: ReportPeriod
    timezone: str


class PlanReportInput(BaseModel):
    as_of: datetime = Field(description="When the schedule fired: the report is for the period ended before it.")
    timezone: str


class ReportSetup(BaseModel):
    policy: ReportPolicy
    organisation_name: str
    hr: Contact
    timezone: str
    public_url: str


class CompileReportInput(BaseModel):
    report_id: str
    run_id: str
    start: date
    end: date
    timezone: str
    min_group_size: int
    requested_by: str
    as_of: datetime = Field(description="The moment the figures describe; consent revoked before it no longer counts.")


class ReportSummary(BaseModel):
    """What the workflow needs of a compiled report; the figures themselves stay in the database."""

    report_id: str
    revision: int
    label: str
    departures: int | None
    respondents: int | None
    response_rate: float | None
    kept_status: ReportStatus | None = Field(
        None,
        description="Set when another run already made this report: its status. The report is kept as it is and this run ends.",
    )


class ReportStatusInput(BaseModel):
    report_id: str
    status: ReportStatus
    approved_by: str | None = None
    comment: str = Field(
        "", description="The approval's comment. Empty in the histories of reviews approved before it was stored."
    )


class ReportMailRequest(BaseModel):
    report_id: str
    purpose: str = Field(description="With report and recipient, the key that keeps the mail single.")
    template: str
    to: EmailStr
    language: Language
    context: dict[str, Any] = Field(default_factory=dict)
    attach_report: bool = False
    reply_to: EmailStr | None = Field(
        None, description="The mailbox that answers reach (HR's); the configured HR mailbox when None."
    )


class ReportOutcome(BaseModel):
    report_id: str
    status: ReportStatus


# The review.
class ReviewTiming(BaseModel):
    reminder_interval_days: int
    reminder_count: int
    action_reminder_days_before_due: int


class ReviewInput(BaseModel):
    report_id: str
    revision: int
    label: str
    reviewers: list[Contact]
    hr: Contact
    timezone: str
    timing: ReviewTiming
    mail_context: dict[str, Any] = Field(default_factory=dict)


class Finding(BaseModel):
    id: str
    text: str
    author_email: str
    at: datetime


class ReviewAction(BaseModel):
    id: str
    text: str
    owner_email: str
    owner_language: Language
    due_date: date
    created_by: str
    created_at: datetime
    done_at: datetime | None = None
    done_by: str | None = None
    changed_at: datetime | None = Field(None, description="When its owner or due date was last changed.")


class Approval(BaseModel):
    by: str
    at: datetime
    comment: str = ""


class ReviewView(BaseModel):
    report_id: str
    label: str
    reviewers: list[str]
    findings: list[Finding]
    actions: list[ReviewAction]
    approval: Approval | None
    reminders_sent: int


class AddFinding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    text: ReviewText


class AddAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    text: ReviewText
    owner_email: Email
    owner_language: Language = "nl"
    due_date: date

    @field_validator("due_date")
    @classmethod
    def _within_reach(cls, value: date, info: ValidationInfo) -> date:
        if not is_recorded(info) and value > date.today() + timedelta(days=MAX_ACTION_DAYS_AHEAD):
            raise ValueError(f"the due date ({value}) is more than three years ahead")
        return value


class SendBackReport(BaseModel):
    """A reviewer does not approve yet: HR is told by mail what they want looked at."""

    model_config = ConfigDict(extra="forbid")
    actor: Actor
    remark: ReviewText


class SetReviewers(BaseModel):
    """HR changed who reviews reports: a review still waiting for approval takes them."""

    model_config = ConfigDict(extra="forbid")
    actor: Actor
    reviewers: list[Contact] = Field(min_length=1)


class AnswerRemark(BaseModel):
    """HR tells the reviewers how the remark that sent the report back was taken up."""

    model_config = ConfigDict(extra="forbid")
    actor: Actor
    answer: ReviewText


class ApproveReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    comment: Note = ""


class CompleteAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor
    action_id: str
    note: Note = ""
    reviewer_of: str | None = Field(
        None,
        description="A later report whose reviewer completes this earlier action from its review page; "
        "reports.review checked that the actor reviews it. Never taken from a request.",
    )


class ChangeAction(BaseModel):
    """An open action given to another owner, or its due date moved, or both."""

    model_config = ConfigDict(extra="forbid")
    actor: Actor
    action_id: str
    owner_email: Email | None = None
    owner_language: Language = "nl"
    due_date: date | None = None
    reviewer_of: str | None = Field(
        None,
        description="A later report whose reviewer changes this earlier action from its review page; "
        "reports.review checked that the actor reviews it. Never taken from a request.",
    )

    @field_validator("due_date")
    @classmethod
    def _within_reach(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and not is_recorded(info) and value > date.today() + timedelta(days=MAX_ACTION_DAYS_AHEAD):
            raise ValueError(f"the due date ({value}) is more than three years ahead")
        return value

    @model_validator(mode="after")
    def _changes_something(self) -> "ChangeAction":
        if self.owner_email is None and self.due_date is None:
            raise ValueError("give a new owner or a new due date")
        return self


class StoreFindingInput(BaseModel):
    report_id: str
    revision: int
    finding: Finding


class StoreActionInput(BaseModel):
    report_id: str
    revision: int
    action: ReviewAction


class ReviewOutcome(BaseModel):
    approval: Approval | None
    actions_done: int
    actions_total: int
