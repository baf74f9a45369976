"""The working calendar of a case: its country's public holidays, read once so workflows stay deterministic."""

from datetime import date

from pydantic import BaseModel, Field


class WorkCalendar(BaseModel):
    country: str
    holidays: set[date] = Field(default_factory=set)
