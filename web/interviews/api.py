"""The exit interview of a case: reading it, and each step its people take.

Every step runs one of the interview workflow's updates; it checks who acts (HR, the leaving employee,
the interviewer) and refuses with a reason (409)."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from temporalio.client import Client

from cases import service
from models import interview as steps
from models.interview import InterviewView
from web.acting import acting, perform
from web.cases.dependencies import CaseId
from web.cases.schemas import Problem, Responses
from web.dependencies import TemporalDep
from web.refusals import RefusalProblem

router = APIRouter(prefix="/api/cases/{case_id}/interview", tags=["exit interview"])

UNREADABLE: Responses = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Problem, "description": "The interview cannot be reached right now."}
}
REFUSALS: Responses = {
    status.HTTP_404_NOT_FOUND: {"model": Problem, "description": "No such case, or it has no exit interview (yet)."},
    status.HTTP_409_CONFLICT: {
        "model": RefusalProblem,
        "description": "The interview refused (`code` says what kind of refusal): not this person's to do, not in a state that allows it, a time that cannot be used, ...",
    },
    **UNREADABLE,
}

ConfirmInput = Annotated[steps.ConfirmInterview, acting(steps.ConfirmInterview, "ConfirmInterviewRequest")]
AssignInput = Annotated[steps.AssignInterviewer, acting(steps.AssignInterviewer, "AssignInterviewerRequest")]
AcceptInput = Annotated[steps.AcceptSlot, acting(steps.AcceptSlot, "AcceptSlotRequest")]
ProposeInput = Annotated[steps.ProposeSlot, acting(steps.ProposeSlot, "ProposeSlotRequest")]
ScheduleInput = Annotated[steps.ScheduleInterview, acting(steps.ScheduleInterview, "ScheduleInterviewRequest")]
AskOtherInput = Annotated[steps.AskOtherInterviewer, acting(steps.AskOtherInterviewer, "AskOtherInterviewerRequest")]
AnswerTimeInput = Annotated[steps.AnswerProposedTime, acting(steps.AnswerProposedTime, "AnswerProposedTimeRequest")]
DeclineInput = Annotated[steps.DeclineInterview, acting(steps.DeclineInterview, "DeclineInterviewRequest")]
ResendInput = Annotated[steps.ResendInvitation, acting(steps.ResendInvitation, "ResendInvitationRequest")]
SubmitInput = Annotated[steps.SubmitInterview, acting(steps.SubmitInterview, "SubmitInterviewRequest")]


async def _missing(client: Client, case_id: str) -> str:
    case = await service.view(client, case_id)
    return f"There is no case {case_id}." if case is None else f"Case {case_id} has no exit interview yet."


async def _act(client: Client, case_id: str, payload) -> InterviewView:
    return await perform(service.act(client, case_id, payload), lambda: _missing(client, case_id))


@router.get(
    "",
    response_model=InterviewView,
    responses={status.HTTP_404_NOT_FOUND: REFUSALS[status.HTTP_404_NOT_FOUND], **UNREADABLE},
    summary="The exit interview of a case",
)
async def get_interview(case_id: CaseId, client: TemporalDep) -> InterviewView:
    """Its status, the proposed times, the agreed time, the interviewer, and how many invitations and reminders went out.
    Never the record itself."""
    interview = await service.interview_view(client, case_id)
    if interview is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, await _missing(client, case_id))
    return interview


@router.post("/confirm", response_model=InterviewView, responses=REFUSALS, summary="Confirm or skip the interview (HR)")
async def confirm(case_id: CaseId, payload: ConfirmInput, client: TemporalDep) -> InterviewView:
    """After a dismissal or the end of a fixed-term contract the interview waits for HR: `proceed: true` invites the
    employee; `proceed: false` skips the interview and needs a `reason`."""
    return await _act(client, case_id, payload)


@router.post("/assign", response_model=InterviewView, responses=REFUSALS, summary="Assign the interviewer (HR)")
async def assign_interviewer(case_id: CaseId, payload: AssignInput, client: TemporalDep) -> InterviewView:
    """Choose who conducts the interview: someone without a reporting line to the employee. The direct manager only as
    the fallback, with HR's `manager_reason` (on the timeline and the audit log). When a time is already agreed, the
    interviewer is told."""
    return await _act(client, case_id, payload)


@router.post(
    "/ask-other-interviewer",
    response_model=InterviewView,
    responses=REFUSALS,
    summary="Ask for another interviewer (employee)",
)
async def ask_other_interviewer(case_id: CaseId, payload: AskOtherInput, client: TemporalDep) -> InterviewView:
    """The employee would rather talk to someone else: HR is told and may assign another interviewer. Once per
    interviewer; the invitation stands meanwhile."""
    return await _act(client, case_id, payload)


@router.post("/accept", response_model=InterviewView, responses=REFUSALS, summary="Accept a proposed time (employee)")
async def accept_slot(case_id: CaseId, payload: AcceptInput, client: TemporalDep) -> InterviewView:
    """Take one of the proposed times (`start` as the interview lists it). The employee gets a confirmation with a
    calendar invitation; the interviewer is told."""
    return await _act(client, case_id, payload)


@router.post("/propose", response_model=InterviewView, responses=REFUSALS, summary="Propose another time (employee)")
async def propose_slot(case_id: CaseId, payload: ProposeInput, client: TemporalDep) -> InterviewView:
    """Propose a time of one's own, within working hours and before the cut-off (online may be later). It is agreed at
    once, unless the interviewer has another interview then or (with CalDAV configured) is busy in their calendar: then
    it waits for the interviewer (`pending_slot`)."""
    return await _act(client, case_id, payload)


@router.post(
    "/answer-proposed-time",
    response_model=InterviewView,
    responses=REFUSALS,
    summary="Take or turn down a proposed time that waits for the interviewer (interviewer, HR)",
)
async def answer_proposed_time(case_id: CaseId, payload: AnswerTimeInput, client: TemporalDep) -> InterviewView:
    """A time the employee proposed that clashed with the interviewer's other interviews or calendar waits for them:
    `accept: true` agrees it after all; `accept: false` sends the employee the invitation again, asking for another."""
    return await _act(client, case_id, payload)


@router.post("/schedule", response_model=InterviewView, responses=REFUSALS, summary="Schedule the interview (HR)")
async def schedule(case_id: CaseId, payload: ScheduleInput, client: TemporalDep) -> InterviewView:
    """Set the time on the employee's behalf, for instance after agreeing it by phone."""
    return await _act(client, case_id, payload)


@router.post("/decline", response_model=InterviewView, responses=REFUSALS, summary="Decline the interview (employee)")
async def decline(case_id: CaseId, payload: DeclineInput, client: TemporalDep) -> InterviewView:
    """Taking part is voluntary: a decline is recorded, with an optional reason, HR is told and no reminder follows."""
    return await _act(client, case_id, payload)


@router.post("/resend", response_model=InterviewView, responses=REFUSALS, summary="Send the invitation again (HR)")
async def resend_invitation(case_id: CaseId, payload: ResendInput, client: TemporalDep) -> InterviewView:
    """Send an unanswered invitation again, with freshly proposed times."""
    return await _act(client, case_id, payload)


@router.post(
    "/record",
    response_model=InterviewView,
    responses=REFUSALS,
    summary="Record the interview and the employee's consent",
)
async def submit(case_id: CaseId, payload: SubmitInput, client: TemporalDep) -> InterviewView:
    """The interviewer (or HR) records the questionnaire and the consent that closes it: what may go beyond HR, anonymised,
    and whether the main points may go to the manager, on the current consent text version. The employee is thanked.
    From the agreed time on (`record_from`); before it `409` (`record_before_agreed_time`). It was held on the agreed
    day unless `held_on` gives another: not in the future, not before the invitation. An interview with no time agreed in
    the product (`held_on_required`, arranged elsewhere) is recorded with `held_on`; without it, `409`
    (`record_without_agreed_time`)."""
    return await _act(client, case_id, payload)
