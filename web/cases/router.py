"""The cases REST API."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from cases import service
from models.case import CaseStatus
from models.registration import Registration
from planning import notice
from web.cases.dependencies import CaseDetailDep
from web.cases.schemas import CaseConflict, CaseCreated, CaseDetail, CaseSummary, Problem
from web.dependencies import SessionDep, SettingsDep, TemporalDep

router = APIRouter(prefix="/api/cases", tags=["cases"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseCreated,
    responses={status.HTTP_409_CONFLICT: {"model": CaseConflict, "description": "This departure already has a case."}},
    summary="Register a departure",
)
async def register_case(registration: Registration, request: Request, response: Response, client: TemporalDep, settings: SettingsDep):
    """Start the case for a departure. One employee and notice date make one case: registering it again answers 409.

    `warnings` names what HR should check, such as a last working day earlier than the statutory notice period allows;
    the case starts all the same."""
    result = await service.register(client, registration, settings.task_queue)
    status_url = str(request.url_for("api_get_case", case_id=result.case_id))
    if not result.created:
        conflict = CaseConflict(
            detail=f"This departure is already registered as case {result.case_id}.", case_id=result.case_id, status_url=status_url
        )
        return JSONResponse(conflict.model_dump(), status_code=status.HTTP_409_CONFLICT, headers={"Location": status_url})
    response.headers["Location"] = status_url
    return CaseCreated(case_id=result.case_id, status_url=status_url, warnings=notice.check(registration, settings.organisation_country))


@router.get(
    "/{case_id}",
    name="api_get_case",
    response_model=CaseDetail,
    responses={
        status.HTTP_404_NOT_FOUND: {"model": Problem, "description": "No such case."},
        status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Problem, "description": "The case exists but cannot be read right now."},
    },
    summary="One case: stored record and live progress",
)
async def get_case(case: CaseDetailDep) -> CaseDetail:
    return case


@router.get("", response_model=list[CaseSummary], summary="List cases")
async def list_cases(
    request: Request,
    session: SessionDep,
    case_status: Annotated[CaseStatus | None, Query(alias="status", description="Only cases with this status.")] = None,
    department: Annotated[str | None, Query(max_length=200, description="Only cases of this department.")] = None,
    due_before: Annotated[date | None, Query(description="Only cases whose last working day is on or before this date.")] = None,
) -> list[CaseSummary]:
    cases = await service.list_cases(session, status=case_status.value if case_status else None, department=department, due_before=due_before)
    return [
        CaseSummary(
            case_id=case.id,
            employee_id=case.employee_id,
            employee_name=case.employee_name,
            department=case.department,
            departure_type=case.departure_type,
            last_working_day=case.last_working_day,
            status=case.status,
            status_url=str(request.url_for("api_get_case", case_id=case.id)),
        )
        for case in cases
    ]
