"""Who does something in a case. The web app fills this from the signed-in user or the employee's link."""

from enum import StrEnum

from pydantic import BaseModel

from models.text import Email


class Role(StrEnum):
    HR = "hr"
    MANAGER = "manager"
    ASSIGNEE = "assignee"
    CUSTODIAN = "custodian"
    EMPLOYEE = "employee"
    INTERVIEWER = "interviewer"
    SYSTEM = "system"


class Actor(BaseModel):
    email: Email
    role: Role
