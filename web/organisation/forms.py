"""What the settings pages share: who may open them, and where they send their reader after a change."""

from typing import Annotated

from fastapi import Depends, Request, status
from fastapi.responses import RedirectResponse

from models.accounts import AccountRole, SignedIn
from web.auth.guard import signed_in

# HR and admins keep the organisation's settings.
Editor = Annotated[SignedIn, Depends(signed_in(AccountRole.HR, AccountRole.ADMIN))]


def redirect_to(request: Request, name: str, **query: str) -> RedirectResponse:
    return RedirectResponse(
        str(request.url_for(name).include_query_params(**query)), status_code=status.HTTP_303_SEE_OTHER
    )
