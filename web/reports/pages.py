"""The reviewers' start page: the periodic anonymised reports waiting for their review."""

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from models.accounts import AccountRole, SignedIn
from web.auth.guard import signed_in
from web.dependencies import SessionDep
from web.templating import PagesDep

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

Reviewer = Annotated[SignedIn, Depends(signed_in(AccountRole.REVIEWER, AccountRole.HR))]


@router.get("/reviews", name="reviews_page", response_class=HTMLResponse)
async def reviews(request: Request, user: Reviewer, pages: PagesDep, session: SessionDep):
    try:
        from reports import service as report_service

        reports = await report_service.list_reports(session)
    except Exception:  # the reports module is optional for these pages; without it the list is empty
        log.warning("reports could not be listed", exc_info=True)
        await session.rollback()
        reports = []
    return pages.render(request, "reports/list.html", {"reports": reports})
