"""The cases REST API."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from cases import queries, service
from cases.queries import MAX_PAGE, CaseFilter, CaseSort
from models.case import CaseStatus
from models.interview import InterviewStatus
from models.registration import DepartureType, Registration
from models.tables import Case
from planning import notice
from web.cases.dependencies import CaseDetailDep
from web.cases.schemas import CaseConflict, CaseCreated, CaseDetail, CaseSummary, Problem, Progress
from web.dependencies import SessionDep, SettingsDep, TemporalDep

router = APIRouter(prefix="/api/cases", tags=["cases"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseCreated,
    responses={status.HTTP_409_CONFLICT: {"model": CaseConflict, "description": "This departure already has a case."}},
    summary="Register a departure",
)
async def register_case(
    registration: Registration, request: Request, response: Response, client: TemporalDep, settings: SettingsDep
):
    """Start the case for a departure. One employee and notice date make one case: registering it again answers 409.

    `warnings` names what HR should check, such as a last working day earlier than the statutory notice period allows;
    the case starts all the same."""
    result = await service.register(client, registration, settings.task_queue)
    status_url = str(request.url_for("api_get_case", case_id=result.case_id))
    if not result.created:
        conflict = CaseConflict(
            detail=f"This departure is already registered as case {result.case_id}.",
            case_id=result.case_id,
            status_url=status_url,
        )
        return JSONResponse(
            conflict.model_dump(), status_code=status.HTTP_409_CONFLICT, headers={"Location": status_url}
        )
    response.headers["Location"] = status_url
    return CaseCreated(
        case_id=result.case_id,
        status_url=status_url,
        warnings=notice.check(registration, settings.organisation_country),
    )


@router.get(
    "/{case_id}",
    name="api_get_case",
    response_model=CaseDetail,
    responses={
        status.HTTP_404_NOT_FOUND: {"model": Problem, "description": "No such case."},
        status.HTTP_503_SERVICE_UNAVAILABLE: {
            "model": Problem,
            "description": "The case exists but cannot be read right now.",
        },
    },
    summary="One case: stored record and live progress",
)
async def get_case(case: CaseDetailDep) -> CaseDetail:
    return case


PAGING_HEADERS = {
    "X-Total-Count": {"description": "How many cases match the filters in all.", "schema": {"type": "integer"}},
    "Link": {
        "description": "RFC 8288 links to the `next` and `prev` pages, where there are any.",
        "schema": {"type": "string"},
    },
}


@router.get("", response_model=list[CaseSummary], summary="List cases", responses={200: {"headers": PAGING_HEADERS}})
async def list_cases(
    request: Request,
    response: Response,
    session: SessionDep,
    case_status: Annotated[CaseStatus | None, Query(alias="status", description="Only cases with this status.")] = None,
    department: Annotated[str | None, Query(max_length=200, description="Only cases of this department.")] = None,
    due_before: Annotated[
        date | None, Query(description="Only cases whose last working day is on or before this date.")
    ] = None,
    q: Annotated[str, Query(max_length=200, description="Part of the employee's name or number.")] = "",
    departure_type: Annotated[DepartureType | None, Query(description="Only this kind of departure.")] = None,
    interview_status: Annotated[
        InterviewStatus | None, Query(description="Only cases whose interview is in this state.")
    ] = None,
    overdue: Annotated[bool, Query(description="Only open cases with a task past its due date.")] = False,
    sort: Annotated[CaseSort, Query(description="Order of the list.")] = CaseSort.LAST_DAY,
    descending: Annotated[bool, Query(description="Largest first.")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Cases per page.")] = 50,
    offset: Annotated[int, Query(ge=0, description="How many matching cases to pass over.")] = 0,
) -> list[CaseSummary]:
    """Cases from the database, a page at a time: the whole count is in `X-Total-Count`, the next and previous pages
    in the `Link` header."""
    wanted = CaseFilter(
        search=q,
        status=case_status.value if case_status else None,
        department=department,
        departure_type=departure_type.value if departure_type else None,
        interview_status=interview_status.value if interview_status else None,
        overdue_on=date.today() if overdue else None,
        last_day_until=due_before,
        sort=sort,
        descending=descending,
    )
    page = await queries.list_cases(session, wanted, offset=offset, limit=limit)
    response.headers["X-Total-Count"] = str(page.total)
    links = [
        f'<{request.url.include_query_params(offset=at, limit=page.limit)}>; rel="{rel}"'
        for rel, at in (("next", page.next_offset), ("prev", page.previous_offset))
        if at is not None
    ]
    if links:
        response.headers["Link"] = ", ".join(links)
    today = date.today()
    return [summary(request, case, today) for case in page.items]


def summary(request: Request, case: Case, today: date) -> CaseSummary:
    return CaseSummary(
        case_id=case.id,
        employee_id=case.employee_id,
        employee_name=case.employee_name,
        department=case.department,
        departure_type=case.departure_type,
        last_working_day=case.last_working_day,
        status=case.status,
        status_url=str(request.url_for("api_get_case", case_id=case.id)),
        progress=Progress(
            tasks_done=case.tasks_done,
            tasks_total=case.tasks_total,
            items_returned=case.items_returned,
            items_total=case.items_total,
            interview_status=case.interview_status,
            next_due_date=case.next_due_date,
            overdue=case.status == CaseStatus.OPEN.value
            and case.next_due_date is not None
            and case.next_due_date < today,
        ),
    )
