"""The human steps of a case over REST: tasks, equipment, the last working day and a withdrawal.

Each route runs one of the case workflow's updates. The case checks who acts and refuses with a reason
(409); a body it cannot even read is refused before it gets there (422, naming the field)."""

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response, status
from pydantic import BaseModel

from cases import access, service
from models.access import AccessView, RevokeAccessNow
from models.accounts import AccountRole
from models.case import CaseView
from models.handover import (
    AddTask,
    CompleteTask,
    ConfirmReturn,
    EquipmentLoan,
    FlagForSettlement,
    MoveLastDay,
    ReassignTask,
    ReopenReturn,
    ReopenTask,
    Task,
    Withdraw,
)
from web.acting import acting, perform
from web.cases.dependencies import CaseId
from web.cases.schemas import ActionAccepted, Problem, Responses
from web.dependencies import SessionDep, TemporalDep
from web.refusals import RefusalProblem

log = logging.getLogger("web.access")
router = APIRouter(prefix="/api/cases", tags=["case actions"])

TaskId = Annotated[str, Path(max_length=40, description="Task id (`t1`, `t2`, ...), as the case lists it.")]
ItemId = Annotated[str, Path(max_length=40, description="Equipment item id (`e1`, `e2`, ...), as the case lists it.")]

REFUSALS: Responses = {
    status.HTTP_404_NOT_FOUND: {"model": Problem, "description": "No such case."},
    status.HTTP_409_CONFLICT: {
        "model": RefusalProblem,
        "description": "The case refused (`code` says what kind of refusal): unknown task or item, not this person's to do, already done, case closed or withdrawn, ...",
    },
    status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Problem, "description": "The case cannot be reached right now."},
}

CompleteTaskInput = Annotated[CompleteTask, acting(CompleteTask, "CompleteTaskRequest", path=("task_id",))]
ReassignTaskInput = Annotated[ReassignTask, acting(ReassignTask, "ReassignTaskRequest", path=("task_id",))]
AddTaskInput = Annotated[AddTask, acting(AddTask, "AddTaskRequest")]
ConfirmReturnInput = Annotated[ConfirmReturn, acting(ConfirmReturn, "ConfirmReturnRequest", path=("item_id",))]
ReopenTaskInput = Annotated[ReopenTask, acting(ReopenTask, "ReopenTaskRequest", path=("task_id",))]
ReopenReturnInput = Annotated[ReopenReturn, acting(ReopenReturn, "ReopenReturnRequest", path=("item_id",))]
FlagForSettlementInput = Annotated[
    FlagForSettlement, acting(FlagForSettlement, "FlagForSettlementRequest", path=("item_id",))
]
MoveLastDayInput = Annotated[MoveLastDay, acting(MoveLastDay, "MoveLastDayRequest")]
WithdrawInput = Annotated[Withdraw, acting(Withdraw, "WithdrawRequest")]
RevokeAccessNowInput = Annotated[RevokeAccessNow, acting(RevokeAccessNow, "RevokeAccessNowRequest")]


def _no_case(case_id: str) -> str:
    return f"There is no case {case_id}."


async def _act(request: Request, session, client, case_id: str, payload: BaseModel):
    """Act, once the account is known to be involved in this part of the case: anyone else is told there is no such
    case, exactly as when there is none, so that nobody learns who is leaving (HR is involved in every case)."""
    user = getattr(request.state, "user", None)
    if (
        user is not None
        and not user.has(AccountRole.HR)
        and not await access.within_reach(session, case_id, payload, user.email, user.mailboxes)
    ):
        log.warning(
            "denied %s %s to %s: not involved in this part of case %s",
            request.method,
            request.url.path,
            user.email,
            case_id,
        )
        raise HTTPException(status.HTTP_404_NOT_FOUND, _no_case(case_id))
    return await perform(service.act(client, case_id, payload), _no_case(case_id))


@router.post(
    "/{case_id}/tasks/{task_id}/complete", response_model=Task, responses=REFUSALS, summary="Complete a handover task"
)
async def complete_task(
    case_id: CaseId,
    task_id: TaskId,
    payload: CompleteTaskInput,
    request: Request,
    session: SessionDep,
    client: TemporalDep,
) -> Task:
    """Tick a task off, with an optional comment. Its assignee, whoever works for the shared mailbox that owns it
    (HR's, IT/facilities'), or HR may."""
    return await _act(request, session, client, case_id, payload)


@router.post(
    "/{case_id}/tasks/{task_id}/reopen",
    response_model=Task,
    responses=REFUSALS,
    summary="Reopen a task ticked off too soon",
)
async def reopen_task(
    case_id: CaseId,
    task_id: TaskId,
    payload: ReopenTaskInput,
    request: Request,
    session: SessionDep,
    client: TemporalDep,
) -> Task:
    """Open a completed task again, with the reason (on the case's timeline and the audit log). Whoever may complete
    it may reopen it."""
    return await _act(request, session, client, case_id, payload)


@router.post(
    "/{case_id}/tasks/{task_id}/reassign",
    response_model=Task,
    responses=REFUSALS,
    summary="Hand a task to someone else",
)
async def reassign_task(
    case_id: CaseId,
    task_id: TaskId,
    payload: ReassignTaskInput,
    request: Request,
    session: SessionDep,
    client: TemporalDep,
) -> Task:
    """Give an open task to another person, who is told by mail. Its assignee (or its shared mailbox), HR, and the
    case's manager for the tasks of people (not those a shared mailbox owns) may."""
    return await _act(request, session, client, case_id, payload)


@router.post(
    "/{case_id}/tasks",
    status_code=status.HTTP_201_CREATED,
    response_model=Task,
    responses=REFUSALS,
    summary="Add a handover task",
)
async def add_task(
    case_id: CaseId, payload: AddTaskInput, request: Request, session: SessionDep, client: TemporalDep
) -> Task:
    """Add a task to the handover, due on a date or a number of working days before the last working day
    (give one of `due_date` and `due_working_days_before`; the latter moves with the last day).
    The assignee is told by mail. The case's manager or HR may."""
    return await _act(request, session, client, case_id, payload)


@router.post(
    "/{case_id}/equipment/{item_id}/return",
    response_model=EquipmentLoan,
    responses=REFUSALS,
    summary="Confirm that equipment came back",
)
async def confirm_return(
    case_id: CaseId,
    item_id: ItemId,
    payload: ConfirmReturnInput,
    request: Request,
    session: SessionDep,
    client: TemporalDep,
) -> EquipmentLoan:
    """Record how an item that was out came back (`outcome`: `returned` by default, `returned_damaged`, `lost`, or
    `kept` by agreement), with an optional note HR reads on the case. Its custodian (or whoever works for the
    custodian's shared mailbox) or HR may."""
    return await _act(request, session, client, case_id, payload)


@router.post(
    "/{case_id}/equipment/{item_id}/settlement",
    response_model=EquipmentLoan,
    responses=REFUSALS,
    summary="Mark an item for the final settlement",
)
async def flag_for_settlement(
    case_id: CaseId,
    item_id: ItemId,
    payload: FlagForSettlementInput,
    request: Request,
    session: SessionDep,
    client: TemporalDep,
) -> EquipmentLoan:
    """Mark an item (one not returned, or lost) to be settled in the final pay, with a note (`flagged: false` takes
    the mark off). HR may."""
    return await _act(request, session, client, case_id, payload)


@router.post(
    "/{case_id}/equipment/{item_id}/reopen",
    response_model=EquipmentLoan,
    responses=REFUSALS,
    summary="An item is not back after all",
)
async def reopen_return(
    case_id: CaseId,
    item_id: ItemId,
    payload: ReopenReturnInput,
    request: Request,
    session: SessionDep,
    client: TemporalDep,
) -> EquipmentLoan:
    """Undo a recorded return, with the reason (on the case's timeline and the audit log). Its custodian or HR may."""
    return await _act(request, session, client, case_id, payload)


@router.post(
    "/{case_id}/last-working-day", response_model=CaseView, responses=REFUSALS, summary="Move the last working day"
)
async def move_last_day(
    case_id: CaseId, payload: MoveLastDayInput, request: Request, session: SessionDep, client: TemporalDep
) -> CaseView:
    """Move the last working day. Due dates, reminders, the interview's timing and the closing follow it;
    the manager, HR and IT/facilities are told. HR may.

    Answers the case as it is after the move (its `interview` is left out: it follows a moment later; read the case for it)."""
    return await _act(request, session, client, case_id, payload)


@router.post(
    "/{case_id}/withdraw",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ActionAccepted,
    responses=REFUSALS,
    summary="Withdraw the departure",
)
async def withdraw(
    case_id: CaseId,
    payload: WithdrawInput,
    request: Request,
    response: Response,
    session: SessionDep,
    client: TemporalDep,
) -> ActionAccepted:
    """The resignation is withdrawn: the case stops its reminders and interview, tells the people involved and ends
    as `withdrawn`. HR may. Answers 202 at once; the case's status turns `withdrawn` when it has wound down."""
    await _act(request, session, client, case_id, payload)
    status_url = str(request.url_for("api_get_case", case_id=case_id))
    response.headers["Location"] = status_url
    return ActionAccepted(
        detail=f"The withdrawal of case {case_id} is recorded; the case is winding down.",
        case_id=case_id,
        status_url=status_url,
    )


@router.post(
    "/{case_id}/access/revoke-now",
    response_model=AccessView,
    responses=REFUSALS,
    summary="End the person's access at once",
)
async def revoke_access_now(
    case_id: CaseId, payload: RevokeAccessNowInput, request: Request, session: SessionDep, client: TemporalDep
) -> AccessView:
    """End the person's access now instead of at the end of the last working day (a dismissal with immediate
    effect): their account at the identity provider is switched off, or, without a SCIM endpoint, other systems and
    IT/facilities are told. HR may, once. Answers at once; the case's `access` shows the identity provider's answer
    a moment later."""
    return await _act(request, session, client, case_id, payload)
