"""The interviewer's preparation page: the career as the registrations tell it, and where they saw the employee
excel, which the questionnaire's closing step shows again. The assigned interviewer's and HR's only."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from cases import preparation
from web.auth.guard import form_protected
from web.dependencies import SessionDep, TemporalDep
from web.interviews.pages import RECORDABLE, CaseId, Interviewer, _in_reach
from web.templating import PagesDep

router = APIRouter(include_in_schema=False)


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
    excelled = await preparation.read(session, row, "preparation") if interview.status in RECORDABLE else ""
    career = await preparation.career(session, row)
    await session.commit()
    context = {
        "case": row,
        "interview": interview,
        "career": career,
        "excelled": excelled,
        "open": interview.status in RECORDABLE,
        "saved": done == "saved",
        "max_note": preparation.MAX_NOTE,
    }
    return pages.render(request, "interviews/preparation.html", context)


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
