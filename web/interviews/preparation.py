"""The interviewer's preparation page: the career as the registrations tell it, and where they saw the employee
excel, which the questionnaire's closing step shows again. The assigned interviewer's and HR's only. A time the
employee proposed that clashed with the interviewer's agenda waits here for their answer."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from cases import interviewer_preparation as preparation
from cases import service
from models.interview import AnswerProposedTime
from web import forms
from web.auth.guard import form_protected
from web.dependencies import SessionDep, TemporalDep
from web.interviews.pages import RECORDABLE, CaseId, Interviewer, _in_reach, conductor
from web.templating import Pages, PagesDep

router = APIRouter(include_in_schema=False)
NOTICES = ("saved", "time_accepted", "time_declined")


async def _render(request, pages: Pages, session, row, interview, *, notice: str = "", error: str = "", code=200):
    excelled = await preparation.read(session, row, "preparation") if interview.status in RECORDABLE else ""
    career = await preparation.career(session, row)
    await session.commit()
    context = {
        "case": row,
        "interview": interview,
        "career": career,
        "excelled": excelled,
        "open": interview.status in RECORDABLE,
        "notice": notice if notice in NOTICES else "",
        "error": error,
        "max_note": preparation.MAX_NOTE,
    }
    return pages.render(request, "interviews/preparation.html", context, status_code=code)


@router.get("/interviews/{case_id}/preparation", name="interview_preparation_page", response_class=HTMLResponse)
async def preparation_page(
    request: Request,
    case_id: CaseId,
    user: Interviewer,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    done: str = "",
):
    row, interview = await _in_reach(request, user, session, client, case_id)
    return await _render(request, pages, session, row, interview, notice=done)


@router.post("/interviews/{case_id}/preparation", dependencies=[Depends(form_protected)])
async def save_preparation(
    request: Request,
    case_id: CaseId,
    user: Interviewer,
    session: SessionDep,
    client: TemporalDep,
    excelled: Annotated[str, Form(max_length=preparation.MAX_NOTE)] = "",
):
    row, interview = await _in_reach(request, user, session, client, case_id)
    if interview.status in RECORDABLE:
        await preparation.save(session, row, user.email, excelled)
        await session.commit()
    target = request.url_for("interview_preparation_page", case_id=case_id).include_query_params(done="saved")
    return RedirectResponse(str(target), status_code=status.HTTP_303_SEE_OTHER)


@router.post(
    "/interviews/{case_id}/proposed-time", name="interview_proposed_time", dependencies=[Depends(form_protected)]
)
async def answer_proposed_time(
    request: Request,
    case_id: CaseId,
    user: Interviewer,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    answer: Annotated[str, Form(max_length=10)] = "",
):
    row, interview = await _in_reach(request, user, session, client, case_id)
    outcome = await forms.act(
        pages.gettext,
        lambda: AnswerProposedTime(actor=conductor(user, AnswerProposedTime), accept=answer == "accept"),
        lambda payload: service.act(client, case_id, payload),
    )
    if not outcome.ok:
        return await _render(request, pages, session, row, interview, error=outcome.error, code=409)
    done = "time_accepted" if answer == "accept" else "time_declined"
    target = request.url_for("interview_preparation_page", case_id=case_id).include_query_params(done=done)
    return RedirectResponse(str(target), status_code=status.HTTP_303_SEE_OTHER)
