"""The privacy API: the audit log (admins), and the export and erasure of one person's data (HR)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from fastapi.responses import JSONResponse

from models.accounts import AccountRole, SignedIn
from models.audit import AuditPage
from models.registration import Identifier
from models.retention import ErasureOutcome
from privacy import audit
from privacy.erasure import ErasureUnderway, NothingToErase, PersonStillActive, erase_person
from privacy.export import NothingHeld, PersonExport, export_person
from web.cases.schemas import Problem, Responses
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.privacy.access import account_with

router = APIRouter(prefix="/api", tags=["privacy"])

Admin = Annotated[SignedIn, Depends(account_with(AccountRole.ADMIN))]
HR = Annotated[SignedIn, Depends(account_with(AccountRole.HR))]
EmployeeId = Annotated[Identifier, Path(description="The employee number the departure was registered with.")]
NOT_HELD: Responses = {
    status.HTTP_404_NOT_FOUND: {"model": Problem, "description": "Nothing is held about this employee number."}
}


@router.get("/audit", response_model=AuditPage, summary="The audit log (admins)")
async def audit_log(
    user: Admin,
    session: SessionDep,
    actor: Annotated[
        str, Query(max_length=320, description="Part of who acted (an address, `command line`, `system`).")
    ] = "",
    action: Annotated[
        str, Query(max_length=64, description="An action (`interview.read`), or a prefix ending in a dot (`account.`).")
    ] = "",
    subject: Annotated[
        str,
        Query(
            max_length=320, description="Exactly this subject: an employee number, an account's address, a template id."
        ),
    ] = "",
    since: Annotated[datetime | None, Query(description="From this moment (with its offset).")] = None,
    until: Annotated[datetime | None, Query(description="Before this moment (with its offset).")] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=audit.MAX_PER_PAGE)] = 50,
) -> AuditPage:
    """Who read interview content or exported a person's data, and every change to accounts, checklist templates,
    the policy, and erasures: newest first. The log cannot be changed or shortened, not even in the database."""
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"{name}: give the time with its offset, e.g. 2027-01-04T00:00:00+01:00",
            )
    return await audit.search(
        session,
        actor=actor.strip(),
        action=action.strip(),
        subject=subject.strip(),
        since=since,
        until=until,
        page=page,
        per_page=per_page,
    )


@router.get(
    "/people/{employee_id}/export",
    response_model=PersonExport,
    responses=NOT_HELD,
    summary="Everything held about one person (HR)",
)
async def export(employee_id: EmployeeId, user: HR, session: SessionDep, client: TemporalDep) -> PersonExport:
    """The right of access: the cases with their registration, tasks and equipment, the mails sent to the person, the
    interview record and consent, drafts, received events and the audit log's entries about them. The export is on
    the audit log itself."""
    try:
        return await export_person(session, employee_id, client)
    except NothingHeld:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Nothing is held about employee {employee_id}.") from None


@router.post(
    "/people/{employee_id}/erase",
    response_model=ErasureOutcome,
    responses={
        **NOT_HELD,
        status.HTTP_409_CONFLICT: {"model": Problem, "description": "A case of this person is still running."},
        status.HTTP_202_ACCEPTED: {
            "model": Problem,
            "description": "Started, but not finished within a minute; it completes on its own.",
        },
    },
    summary="Erase one person's data now (HR)",
)
async def erase(
    employee_id: EmployeeId, user: HR, session: SessionDep, client: TemporalDep, settings: SettingsDep
) -> ErasureOutcome | JSONResponse:
    """Does at once what retention does after its period, for every case of this person: names, addresses, the
    employee number, the registration, mails, links, events, the interview's free text and the Temporal histories go;
    the anonymous figures the reports count stay. Refused while one of their cases still runs."""
    try:
        return await erase_person(client, session, employee_id, settings.task_queue)
    except NothingToErase:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Nothing is held about employee {employee_id}.") from None
    except PersonStillActive as err:
        raise HTTPException(status.HTTP_409_CONFLICT, str(err)) from None
    except ErasureUnderway as err:
        return JSONResponse({"detail": str(err)}, status_code=status.HTTP_202_ACCEPTED)
