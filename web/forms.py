"""What the pages' forms share: turning a form into a case's input, acting on it, and the page's answer."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, status
from pydantic import BaseModel, ValidationError

from cases import service
from i18n.labels import Gettext
from web import refusals
from web.validation import field_message


@dataclass
class Outcome:
    result: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def validation_message(err: ValidationError, gettext: Gettext) -> str:
    return "; ".join(field_message(e, gettext) for e in err.errors())


async def act(
    gettext: Gettext,
    build: Callable[[], BaseModel],
    run: Callable[[BaseModel], Awaitable[Any]],
) -> Outcome:
    """Build the update's input (a form value it cannot take is an error to show) and run it; the case's refusal
    becomes the error the page shows, in the page's language."""
    _ = gettext
    try:
        payload = build()
    except ValidationError as err:
        return Outcome(
            error=_("Please check what you entered: %(problem)s") % {"problem": validation_message(err, gettext)}
        )
    try:
        return Outcome(result=await run(payload))
    except service.CaseNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found") from None
    except service.ActionRejected as err:
        return Outcome(error=_("The case did not accept this: %(reason)s") % {"reason": refusals.reason(gettext, err)})
    except service.CaseDidNotAnswer:
        return Outcome(
            error=_("The case did not answer in time. It may still happen: look again in a moment before trying again.")
        )
    except service.CaseUnavailable:
        return Outcome(error=_("The case cannot be reached right now; try again in a moment."))
