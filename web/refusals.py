"""A refused action, as the API answers it and as the pages say it.

The workflow refuses with a code and parameters (models/refusals.py). The API answers ``409`` with the English
sentence as ``detail`` and the code and parameters beside it; the pages look the sentence up in the reader's
catalogue and fill in the parameters, a case's or an interview's status in words of that language too."""

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from cases.service import ActionRejected
from i18n.labels import Gettext
from models.refusals import MESSAGES


class RefusalProblem(BaseModel):
    """A refused action: why in English, and the refusal's stable code with its parameters."""

    detail: str = Field(description="Why, in English.")
    code: str | None = Field(
        None,
        description="What kind of refusal (`task_already_done`, `hr_only`, ...); stable, for clients that act on it.",
    )
    params: dict[str, str] = Field(
        default_factory=dict, description="The values the sentence names (a task id, a status, an address, ...)."
    )


class Refused(HTTPException):
    """The ``409`` of an action the case, the interview or the review refused."""

    def __init__(self, err: ActionRejected) -> None:
        super().__init__(status.HTTP_409_CONFLICT, str(err))
        self.code = err.code or None
        self.params = err.params

    def response(self) -> JSONResponse:
        return JSONResponse(
            status_code=self.status_code,
            content=RefusalProblem(detail=self.detail, code=self.code, params=self.params).model_dump(),
        )


def _status_words(_: Gettext) -> dict[str, dict[str, str]]:
    """A status as it reads inside a sentence ("the case is closed"), per parameter that carries one."""
    return {
        "case_status": {"open": _("open"), "closed": _("closed"), "withdrawn": _("withdrawn")},
        "access_state": {
            "scheduled": _("being ended"),
            "deactivated": _("ended"),
            "published": _("handed to IT/facilities"),
            "escalated": _("handed to HR and IT/facilities"),
            "cancelled": _("kept: the departure was withdrawn"),
        },
        "interview_status": {
            "awaiting_hr": _("waiting for HR's confirmation"),
            "invited": _("waiting for the employee's answer"),
            "scheduled": _("scheduled"),
            "held": _("held"),
            "declined": _("declined"),
            "skipped": _("skipped"),
            "no_response": _("without an answer"),
            "not_held": _("not held"),
            "cancelled": _("cancelled"),
        },
    }


def reason(gettext: Gettext, err: ActionRejected) -> str:
    """Why the action was refused, in the language of ``gettext``; the English sentence for a refusal this catalogue
    does not know."""
    message = MESSAGES.get(err.code)
    if message is None:
        return str(err)
    words = _status_words(gettext)
    params = {name: words.get(name, {}).get(value, value) for name, value in err.params.items()}
    try:
        return gettext(message) % params
    except (KeyError, ValueError, TypeError):
        return str(err)
