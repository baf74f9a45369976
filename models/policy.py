"""Every timing of a case, stored per organisation. The defaults are those of DOMAIN.md."""

from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.config import JsonDict

from models.text import Visible

LOCAL_TIME: JsonDict = {
    "format": "partial-time",
    "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$",
    "examples": ["09:00"],
}


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field("Europe/Amsterdam", description="Time zone of working hours and interview slots.")
    # Wall-clock times without an offset: JSON Schema's "time" format would demand one (RFC 3339 full-time).
    working_hours_start: time = Field(time(9, 0), json_schema_extra=LOCAL_TIME)
    working_hours_end: time = Field(time(17, 0), json_schema_extra=LOCAL_TIME)

    interview_duration_minutes: int = Field(60, ge=15, le=240)
    interview_working_days_before_last_day: int = Field(
        5, ge=1, le=30, description="Aim: about one week before the last working day."
    )
    interview_cutoff_working_days_before_last_day: int = Field(
        1,
        ge=1,
        le=20,
        description="Never in the last working hours: slots end at least this many working days before the last day.",
    )
    short_notice_working_days: int = Field(
        5,
        ge=1,
        le=30,
        description="Below this many working days left, offer the earliest slot or an online conversation.",
    )
    short_notice_online_minutes: int = Field(
        30,
        ge=15,
        le=240,
        description="With one working day left, the length of the short online conversation offered the day before.",
    )
    invitation_reminder_count: int = Field(2, ge=0, le=6)
    invitation_reminder_interval_days: int = Field(3, ge=1, le=14)
    interview_reminder_hours_before: int = Field(24, ge=1, le=72)
    interview_record_days_after_last_day: int = Field(
        14,
        ge=0,
        le=60,
        description="How long after the last day an interview may still be recorded before the step runs out.",
    )
    interview_place: Annotated[str, Visible] = Field(
        "",
        max_length=200,
        description="Where interviews on site are held (a room, an address); the calendar invitation names it.",
    )
    interview_online_link: Annotated[str, Visible] = Field(
        "",
        max_length=500,
        pattern=r"^(https://\S+)?$",
        description="The link of online interviews (a video meeting room, https://…); the calendar invitation carries it.",
    )
    appreciation_token: Annotated[str, Visible] = Field(
        "", max_length=200, description="A small token of appreciation offered with the invitation, if any."
    )
    salutation: Literal["full_name", "first_name"] = Field(
        "full_name",
        description="How mails to the leaving employee greet them: by their full name or by their first name.",
    )
    consent_text_version: str = Field("2026-11", max_length=40)

    task_reminder_days_before_due: int = Field(2, ge=0, le=30)
    task_escalation_days_after_due: int = Field(1, ge=0, le=30)
    equipment_reminder_working_days_before: int = Field(3, ge=0, le=30)

    # Retention (privacy/retention.py runs it daily). Counted from the day a case closed or was withdrawn.
    interview_content_retention_months: int = Field(
        24,
        ge=1,
        le=120,
        description="Months after closing that the interview's free text is kept; then it is erased and only the ratings and reasons stay, anonymously.",
    )
    personal_data_retention_months: int = Field(
        24,
        ge=1,
        le=120,
        description="Months after closing that names, addresses, the employee number and the registration are kept; then the case is anonymised.",
    )
    event_log_retention_days: int = Field(
        90, ge=7, le=3650, description="Days that events received from the HR system (accepted or refused) are kept."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r}; use a name like Europe/Amsterdam or Europe/Brussels"
            ) from exc
        return value

    @field_validator("working_hours_start", "working_hours_end")
    @classmethod
    def _wall_clock(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("give the time without an offset (09:00): working hours follow the policy's timezone")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> "Policy":
        if self.working_hours_end <= self.working_hours_start:
            raise ValueError("working_hours_end must be after working_hours_start")
        if self.interview_cutoff_working_days_before_last_day > self.interview_working_days_before_last_day:
            raise ValueError(
                "interview_cutoff_working_days_before_last_day must not exceed interview_working_days_before_last_day"
            )
        if self.interview_content_retention_months > self.personal_data_retention_months:
            # Free text outliving the names would let the anecdotes in it name the person again.
            raise ValueError("interview_content_retention_months must not exceed personal_data_retention_months")
        return self
