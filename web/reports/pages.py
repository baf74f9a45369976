"""The reports in the web app: the list HR and reviewers find in the navigation."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from models.accounts import AccountRole, SignedIn
from reports import review, service, settings_store, svg, trends
from reports.labels import value_label
from reports.render import Formatter
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


@router.get("/trends", name="trends_page", response_class=HTMLResponse)
async def trends_page(
    request: Request, user: Reader, pages: PagesDep, session: SessionDep, group: str = "", department: str = ""
):
    """Trends over the published periods, for everyone, a department, a target group, or a target group within a
    department, as the reports named them."""
    view = await trends.trends(session, group[:300], department[:300])
    language = pages.language if pages.language in ("nl", "en") else "nl"
    country = pages.settings.organisation_country
    formatter = Formatter(language, country)
    context = {
        "trends": view,
        "f": formatter,
        "value_label": lambda kind, key: value_label(kind, key, language, country),
        "chart": lambda row, title: _chart(formatter, view.labels, row, title),
    }
    return pages.render(request, "reports/trends.html", context)


def _chart(f: Formatter, labels: list[str], row: trends.Row, title: str):
    """A small trend line of one row, on the scale of what it measures."""
    known = [value for value in row.values if value is not None]
    low, high, fmt = {
        "count": (0, max(known, default=1) or 1, f.count),
        "rate": (0, 1, f.pct),
        "mean": (1, 5, f.num),
        "score": (-100, 100, f.count) if row.key == "nps" else (0, 10, f.num),
    }[row.kind]
    return svg.line(
        list(zip(labels, row.values, strict=True)), low=low, high=high, title=title, fmt=fmt, width=220, height=80
    )
