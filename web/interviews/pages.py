"""The interviewer's pages: their interviews, the questionnaire (drafts saved as they type), and the
consent screen that ends the interview and submits the record.

Only the assigned interviewer (or HR) opens an interview; after it is submitted the record is HR's
alone, and these pages show only that it was recorded. The audit log has an entry each time a draft's
content is shown (the form, the consent screen) and when a draft is begun; the autosaves that follow
are part of that access. The submitted record is logged by the activity that stores it."""

import logging
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import delete, select

from cases import interviewer_preparation, queries, service
from models.accounts import AccountRole, SignedIn
from models.actors import Actor, Role
from models.audit import AuditAction, SubjectType
from models.interview import InterviewStatus, InterviewView, SubmitInterview
from models.questionnaire import ConsentChoice, ConsentScope
from models.tables import Case, InterviewDraft, utcnow
from organisation import store
from privacy import audit
from questionnaires import preparation
from questionnaires import store as questionnaires
from reports import settings_store
from web import forms as common
from web.acting import NotPermitted, actor_for
from web.auth.guard import deny, form_protected, signed_in
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.interviews import questionnaire
from web.templating import Pages, PagesDep

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

# A manager conducts an interview only where HR chose them as the fallback (004); their own are all they open.
Interviewer = Annotated[SignedIn, Depends(signed_in(AccountRole.INTERVIEWER, AccountRole.HR, AccountRole.MANAGER))]
CaseId = Annotated[str, Path(max_length=120)]
RECORDABLE = (InterviewStatus.INVITED, InterviewStatus.SCHEDULED)


def recordable(interview: InterviewView) -> bool:
    """From the agreed time on, as the interview says; the clock here decides too, should the interview's own
    wake-up at that time still be under way."""
    if interview.status not in RECORDABLE:
        return False
    return interview.recordable or (interview.record_from is not None and datetime.now(UTC) >= interview.record_from)


def _assigned(user: SignedIn, interview: InterviewView | None) -> bool:
    return bool(interview and interview.interviewer and str(interview.interviewer.email).lower() == user.email.lower())


async def _in_reach(request: Request, user: SignedIn, session, client, case_id: str) -> tuple[Case, InterviewView]:
    """The case and its interview when the signed-in person conducts it (or is HR); else 404, logged."""
    row = await session.get(Case, case_id)
    interview = await service.interview_view(client, case_id) if row is not None else None
    if interview is None or not (user.has(AccountRole.HR) or _assigned(user, interview)):
        deny(request, status.HTTP_404_NOT_FOUND, f"the interview of case {case_id} is not theirs", user)
    return row, interview


def conductor(user: SignedIn, update: type[BaseModel]) -> Actor:
    """HR or the interviewer; a manager here is the one HR chose as the fallback (``_in_reach`` let only them in)."""
    try:
        return actor_for(user, update)
    except NotPermitted:
        return Actor(email=user.email, role=Role.INTERVIEWER)


async def _draft(session, case_id: str) -> InterviewDraft | None:
    return (await session.execute(select(InterviewDraft).where(InterviewDraft.case_id == case_id))).scalar_one_or_none()


async def _log(session, action: AuditAction, row: Case, part: str) -> None:
    await audit.record(
        session,
        action,
        SubjectType.PERSON,
        row.employee_id or row.id,
        {"case_id": row.id, "part": part},
        roles=("interviewer", "hr"),
    )


async def _save_draft(session, row: Case, author: str, answers: dict) -> InterviewDraft:
    draft = await _draft(session, row.id)
    if draft is None:
        draft = InterviewDraft(case_id=row.id, author_email=author, answers=answers)
        session.add(draft)
        await _log(session, AuditAction.INTERVIEW_WRITTEN, row, "draft")
    else:
        draft.answers, draft.author_email, draft.updated_at = answers, author, utcnow()
    await session.flush()
    return draft


@router.get("/interviews", name="interviews_page", response_class=HTMLResponse)
async def interviews(
    request: Request,
    user: Interviewer,
    pages: PagesDep,
    session: SessionDep,
    done: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
):
    """The open interviews: an interviewer's own, or, for HR, all of them (with who conducts each), soonest first."""
    listed = await queries.interviews_for(
        session, None if user.has(AccountRole.HR) else user.email, offset=offset, limit=50
    )
    return pages.render(
        request, "interviews/list.html", {"interviews": listed, "notice": "recorded" if done == "recorded" else ""}
    )


async def _version_for(session, answers: dict) -> questionnaires.Version:
    """The questionnaire version a draft was begun with; a new one starts with the current version."""
    number = questionnaire.version_of(answers)
    return await questionnaires.version(session, number) if number else await questionnaires.current(session)


def _form_version(items: list[tuple[str, str]]) -> int | None:
    """The version the form on the page was built from (a new version may have been saved since it opened)."""
    given = next((value for name, value in items if name == questionnaire.VERSION), "")
    return int(given) if str(given).isdigit() and len(str(given)) < 9 else None


async def _answers_from(request: Request, session) -> dict:
    items = [(name, str(value)) for name, value in (await request.form()).multi_items()]
    number = _form_version(items)
    version = await questionnaires.version(session, number) if number else await questionnaires.current(session)
    answers = questionnaire.answers_from_form(items, version.template)
    answers[questionnaire.VERSION] = version.number
    return answers


async def _render_form(
    request,
    pages: Pages,
    row: Case,
    interview: InterviewView,
    answers: dict,
    *,
    session,
    errors=None,
    general=None,
    saved_at=None,
    code=200,
    excelled: str = "",
):
    version = await _version_for(session, answers)
    policy = await settings_store.load(session)
    notes = await preparation.notes_of(session, row.id) if recordable(interview) else {}
    if notes:
        await _log(session, AuditAction.INTERVIEW_READ, row, "employee_notes")
    await session.commit()
    context = {
        "case": row,
        "interview": interview,
        "target_groups": policy.target_groups,
        "recordable": recordable(interview),
        "answers": answers,
        "errors": errors or {},
        "general_errors": general or [],
        "saved_at": saved_at,
        "excelled": excelled,
        "q": questionnaire,
        "template": version.template,
        "version": version.number,
        "notes": notes,
        "question_labels": {
            **questionnaire.question_labels(version.template, pages.language),
            **{
                questionnaire.DECLARED + group.key: group.en if pages.language == "en" else group.nl
                for group in policy.target_groups
            },
        },
    }
    return pages.render(request, "interviews/record.html", context, status_code=code)


@router.get("/interviews/{case_id}", name="interview_record_page", response_class=HTMLResponse)
async def record_page(
    request: Request, case_id: CaseId, user: Interviewer, pages: PagesDep, session: SessionDep, client: TemporalDep
):
    row, interview = await _in_reach(request, user, session, client, case_id)
    draft = await _draft(session, case_id) if recordable(interview) else None
    if draft is not None:
        await _log(session, AuditAction.INTERVIEW_READ, row, "draft")
    excelled = await interviewer_preparation.read(session, row, "questionnaire") if recordable(interview) else ""
    await session.commit()
    return await _render_form(
        request,
        pages,
        row,
        interview,
        draft.answers if draft else {},
        session=session,
        saved_at=draft.updated_at if draft else None,
        excelled=excelled,
    )


@router.post("/interviews/{case_id}/draft", name="interview_draft", dependencies=[Depends(form_protected)])
async def save_draft(request: Request, case_id: CaseId, user: Interviewer, session: SessionDep, client: TemporalDep):
    """Autosave: the form as it is now, answered with the time it was kept."""
    row, interview = await _in_reach(request, user, session, client, case_id)
    if not recordable(interview):
        return JSONResponse(
            {"detail": f"the interview is {interview.status.value}"}, status_code=status.HTTP_409_CONFLICT
        )
    answers = await _answers_from(request, session)
    draft = await _save_draft(session, row, user.email, answers)
    await session.commit()
    return JSONResponse({"saved_at": draft.updated_at.isoformat()}, headers={"Cache-Control": "no-store"})


@router.post("/interviews/{case_id}", dependencies=[Depends(form_protected)])
async def continue_to_consent(
    request: Request, case_id: CaseId, user: Interviewer, pages: PagesDep, session: SessionDep, client: TemporalDep
):
    row, interview = await _in_reach(request, user, session, client, case_id)
    if not recordable(interview):
        return await _render_form(request, pages, row, interview, {}, session=session, code=status.HTTP_409_CONFLICT)
    answers = await _answers_from(request, session)
    draft = await _save_draft(session, row, user.email, answers)
    await session.commit()
    version = await _version_for(session, answers)
    record, errors, general = questionnaire.validate(answers, pages.gettext, version.template, version.number)
    if record is None:
        return await _render_form(
            request,
            pages,
            row,
            interview,
            answers,
            session=session,
            errors=errors,
            general=general,
            saved_at=draft.updated_at,
            code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    return RedirectResponse(
        str(request.url_for("interview_consent_page", case_id=case_id)), status_code=status.HTTP_303_SEE_OTHER
    )


async def _render_consent(
    request,
    pages: Pages,
    row: Case,
    interview: InterviewView,
    record,
    version: str,
    *,
    held_on: str = "",
    error: str = "",
    code: int = 200,
):
    context = {
        "case": row,
        "interview": interview,
        "record": record,
        "held_on": held_on,
        "text_version": version,
        "error": error,
        "scopes": list(ConsentScope),
    }
    return pages.render(request, "interviews/consent.html", context, status_code=code)


def _agreed_day(interview: InterviewView, zone: str) -> date | None:
    """The day of the agreed time, on the organisation's clock: the day it was held unless the interviewer says otherwise."""
    return interview.scheduled.start.astimezone(ZoneInfo(zone)).date() if interview.scheduled else None


def _day(text: str) -> date | None:
    """The day a form gives; None when left empty or no date."""
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _consent_form_error(pages: Pages, share_with_manager: str, held_on: str, day: date | None, required: bool) -> str:
    """What the consent form lacks, in the reader's language; empty when it is complete."""
    if held_on.strip() and day is None:
        return pages.gettext("Held on: give the day as a date, such as 2027-01-20.")
    if required and not held_on.strip():
        return pages.gettext("Held on: give the day the interview was held.")
    if share_with_manager not in ("yes", "no"):
        return pages.gettext("Ask the employee both questions and mark both answers.")
    return ""


async def _complete_draft(request, session, case_id: str, pages: Pages):
    draft = await _draft(session, case_id)
    answers = draft.answers if draft else {}
    version = await _version_for(session, answers)
    record, _, _ = questionnaire.validate(answers, pages.gettext, version.template, version.number)
    return record


@router.get("/interviews/{case_id}/consent", name="interview_consent_page", response_class=HTMLResponse)
async def consent_page(
    request: Request,
    case_id: CaseId,
    user: Interviewer,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    client: TemporalDep,
):
    row, interview = await _in_reach(request, user, session, client, case_id)
    record = await _complete_draft(request, session, case_id, pages) if recordable(interview) else None
    if record is None:
        return RedirectResponse(
            str(request.url_for("interview_record_page", case_id=case_id)), status_code=status.HTTP_303_SEE_OTHER
        )
    policy = (await store.load(session, settings)).policy
    await _log(session, AuditAction.INTERVIEW_READ, row, "consent_screen")
    await session.commit()
    agreed = _agreed_day(interview, policy.timezone)
    return await _render_consent(
        request,
        pages,
        row,
        interview,
        record,
        policy.consent_text_version,
        held_on=agreed.isoformat() if agreed else "",
    )


@router.post("/interviews/{case_id}/consent", dependencies=[Depends(form_protected)])
async def submit(
    request: Request,
    case_id: CaseId,
    user: Interviewer,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    client: TemporalDep,
    scope: Annotated[str, Form(max_length=40)] = "",
    share_with_manager: Annotated[str, Form(max_length=5)] = "",
    share_with_board: Annotated[str, Form(max_length=5)] = "no",
    text_version: Annotated[str, Form(max_length=40)] = "",
    held_on: Annotated[str, Form(max_length=40)] = "",
):
    row, interview = await _in_reach(request, user, session, client, case_id)
    record = await _complete_draft(request, session, case_id, pages)
    if record is None:
        return RedirectResponse(
            str(request.url_for("interview_record_page", case_id=case_id)), status_code=status.HTTP_303_SEE_OTHER
        )
    policy = (await store.load(session, settings)).policy
    version = policy.consent_text_version
    day = _day(held_on)
    missing = _consent_form_error(pages, share_with_manager, held_on, day, interview.held_on_required)
    if missing:
        return await _render_consent(
            request, pages, row, interview, record, version, held_on=held_on, error=missing, code=422
        )
    outcome = await common.act(
        pages.gettext,
        lambda: SubmitInterview(
            actor=conductor(user, SubmitInterview),
            record=record,
            consent=ConsentChoice(
                scope=scope,
                share_with_manager=share_with_manager == "yes",
                share_with_board=share_with_board == "yes",
                text_version=text_version or version,
            ),
            # Interviews begun before "held on" was asked are held when recorded: they get no such field.
            held_on=day if interview.held_on_asked else None,
        ),
        lambda payload: service.act(client, case_id, payload),
    )
    if not outcome.ok:
        return await _render_consent(
            request,
            pages,
            row,
            interview,
            record,
            version,
            held_on=held_on,
            error=outcome.error,
            code=status.HTTP_409_CONFLICT,
        )
    await session.execute(delete(InterviewDraft).where(InterviewDraft.case_id == case_id))
    await interviewer_preparation.discard(session, case_id)
    # The employee's notes served the conversation; what of them counts is in the record, with consent.
    await preparation.forget(session, case_id)
    await session.commit()
    log.info("interview of case %s recorded by %s", case_id, user.email)
    return RedirectResponse(
        str(request.url_for("interviews_page").include_query_params(done="recorded")),
        status_code=status.HTTP_303_SEE_OTHER,
    )
