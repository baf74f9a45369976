"""Every timing of a case, stored per organisation. The defaults are those of DOMAIN.md."""

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field("Europe/Amsterdam", description="Time zone of working hours and interview slots.")
    working_hours_start: time = time(9, 0)
    working_hours_end: time = time(17, 0)

    interview_duration_minutes: int = Field(60, ge=15, le=240)
    interview_working_days_before_last_day: int = Field(5, ge=1, le=30, description="Aim: about one week before the last working day.")
    interview_cutoff_working_days_before_last_day: int = Field(
        1, ge=1, le=20, description="Never in the last working hours: slots end at least this many working days before the last day."
    )
    short_notice_working_days: int = Field(5, ge=1, le=30, description="Below this many working days left, offer the earliest slot or an online conversation.")
    invitation_reminder_count: int = Field(2, ge=0, le=6)
    invitation_reminder_interval_days: int = Field(3, ge=1, le=14)
    interview_reminder_hours_before: int = Field(24, ge=1, le=72)
    interview_record_days_after_last_day: int = Field(
        14, ge=0, le=60, description="How long after the last day an interview may still be recorded before the step runs out."
    )
    appreciation_token: str = Field("", max_length=200, description="A small token of appreciation offered with the invitation, if any.")
    consent_text_version: str = Field("2026-11", max_length=40)

    task_reminder_days_before_due: int = Field(2, ge=0, le=30)
    task_escalation_days_after_due: int = Field(1, ge=0, le=30)
    equipment_reminder_working_days_before: int = Field(3, ge=0, le=30)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use a name like Europe/Amsterdam or Europe/Brussels") from exc
        return value

    @model_validator(mode="after")
    def _coherent(self) -> "Policy":
        if self.working_hours_end <= self.working_hours_start:
            raise ValueError("working_hours_end must be after working_hours_start")
        if self.interview_cutoff_working_days_before_last_day > self.interview_working_days_before_last_day:
            raise ValueError("interview_cutoff_working_days_before_last_day must not exceed interview_working_days_before_last_day")
        return self
