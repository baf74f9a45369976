"""The reports in the web app: the list HR and reviewers find in the navigation."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from models.accounts import AccountRole, SignedIn
from reports import review, service, settings_store
from web.auth.guard import signed_in
from web.dependencies import SessionDep
from web.templating import PagesDep

router = APIRouter(include_in_schema=False)

Reader = Annotated[SignedIn, Depends(signed_in(AccountRole.REVIEWER, AccountRole.HR))]


@router.get("/reports", name="reports_page", response_class=HTMLResponse)
async def reports(request: Request, user: Reader, pages: PagesDep, session: SessionDep):
    listed = await service.list_reports(session)
    context = {
        "reports": listed,
        "statuses": await review.statuses(session, listed),
        "policy": await settings_store.load(session),
    }
    return pages.render(request, "reports/list.html", context)


@router.get("/reviews", name="reviews_page")
async def reviews(request: Request, user: Reader) -> RedirectResponse:
    # The reviewers' start page before the reports had their own place: kept for links in earlier mail and bookmarks.
    return RedirectResponse(str(request.url_for("reports_page")), status_code=status.HTTP_301_MOVED_PERMANENTLY)
