"""The start page: each signed-in person lands on the page of their first role; others sign in first, and then land
there too."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from models.accounts import AccountRole
from web.auth.guard import CurrentUser
from web.auth.router import home_of

router = APIRouter(include_in_schema=False)


@router.get("/", name="home")
async def home(request: Request, user: CurrentUser) -> RedirectResponse:
    if user is None:
        return RedirectResponse(request.app.url_path_for("login_page"))
    if user.has(AccountRole.HR):
        return RedirectResponse(request.app.url_path_for("dashboard_page"))
    return RedirectResponse(home_of(user.roles))
