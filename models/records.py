"""Inputs of the activities that write case records."""

from pydantic import BaseModel

from models.case import CaseStatus
from models.registration import Registration


class StoreCaseInput(BaseModel):
    case_id: str
    registration: Registration


class CaseStatusInput(BaseModel):
    case_id: str
    status: CaseStatus
