"""The organisation a case belongs to: who is told, in which language, and where holidays count."""

from typing import Literal

from pydantic import BaseModel, EmailStr

from models.registration import Language


class Contact(BaseModel):
    email: EmailStr
    language: Language = "nl"


class Organisation(BaseModel):
    name: str
    country: Literal["NL", "BE"] = "NL"
    hr: Contact
    facilities: Contact
    public_url: str
