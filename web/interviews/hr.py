"""HR's actions on the exit interview from the case page (its confirmation or skip, its interviewer, sending the
invitation again, scheduling on the employee's behalf) and the one page that shows an interview record.

Only HR: the record is confidential and nobody else sees it individually."""

import asyncio
from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path, Request, status
from fastapi.responses import HTMLResponse, Response

from accounts import store as accounts
from cases import personnel_record, service
from models.accounts import AccountRole, SignedIn
from models.interview import AssignInterviewer, ConfirmInterview, ResendInvitation, ScheduleInterview
from models.registration import Person
from models.tables import Case
from organisation import store
from questionnaires import store as questionnaires
from reports.labels import value_label
from reports.render import html_to_pdf
from web.acting import actor_for
from web.auth.guard import deny, form_protected, signed_in
from web.cases.pages import act_from_case_page, render_case
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.interviews import questionnaire
from web.templating import TEMPLATE_DIR, PagesDep

# The record's print styles, beside its template: the pages allow no style element (Content-Security-Policy).
RECORD_STYLESHEET = (TEMPLATE_DIR / "interviews" / "personnel_record.css").read_text()

router = APIRouter(prefix="/cases", include_in_schema=False)

HR = Annotated[SignedIn, Depends(signed_in(AccountRole.HR))]
CaseId = Annotated[str, Path(max_length=120)]
Reason = Annotated[str, Form(max_length=2000)]


@router.post("/{case_id}/interview/confirm", name="interview_confirm_form", dependencies=[Depends(form_protected)])
async def confirm(
    request: Request,
    case_id: CaseId,
    user: HR,
    pages: PagesDep,
    client: TemporalDep,
    session: SessionDep,
    proceed: Annotated[str, Form(max_length=5)] = "",
    reason: Reason = "",
):
    go = proceed == "yes"
    return await act_from_case_page(
        request,
        pages,
        client,
        session,
        case_id,
        lambda: ConfirmInterview(actor=actor_for(user, ConfirmInterview), proceed=go, reason=reason),
        "confirmed" if go else "skipped",
    )


@router.post("/{case_id}/interview/assign", name="interview_assign_form", dependencies=[Depends(form_protected)])
async def assign(
    request: Request,
    case_id: CaseId,
    user: HR,
    pages: PagesDep,
    client: TemporalDep,
    session: SessionDep,
    interviewer: Annotated[str, Form(max_length=320)] = "",
):
    account = await accounts.by_email(session, interviewer) if interviewer else None
    if account is None or not account.active or AccountRole.INTERVIEWER.value not in account.roles:
        return await render_case(
            request, pages, client, session, case_id, error=pages.gettext("Choose one of the interviewers.")
        )
    person = Person(name=account.name, email=account.email, language=account.language)
    return await act_from_case_page(
        request,
        pages,
        client,
        session,
        case_id,
        lambda: AssignInterviewer(actor=actor_for(user, AssignInterviewer), interviewer=person),
        "assigned",
    )


@router.post(
    "/{case_id}/interview/assign-manager", name="interview_assign_manager_form", dependencies=[Depends(form_protected)]
)
async def assign_manager(
    request: Request,
    case_id: CaseId,
    user: HR,
    pages: PagesDep,
    client: TemporalDep,
    session: SessionDep,
    reason: Reason = "",
):
    """004's fallback: the direct manager holds the interview, chosen explicitly and with a reason."""
    row = await session.get(Case, case_id)
    if row is None:
        deny(request, status.HTTP_404_NOT_FOUND, f"no case {case_id}", user)
    if not reason.strip():
        return await render_case(
            request,
            pages,
            client,
            session,
            case_id,
            error=pages.gettext("Say why no one without a reporting line can hold the interview."),
        )
    account = await accounts.by_email(session, row.manager_email)
    person = Person(
        name=row.manager_name, email=row.manager_email, language=account.language if account else row.language
    )
    return await act_from_case_page(
        request,
        pages,
        client,
        session,
        case_id,
        lambda: AssignInterviewer(actor=actor_for(user, AssignInterviewer), interviewer=person, manager_reason=reason),
        "assigned",
    )


@router.post("/{case_id}/interview/resend", name="interview_resend_form", dependencies=[Depends(form_protected)])
async def resend(
    request: Request, case_id: CaseId, user: HR, pages: PagesDep, client: TemporalDep, session: SessionDep
):
    return await act_from_case_page(
        request,
        pages,
        client,
        session,
        case_id,
        lambda: ResendInvitation(actor=actor_for(user, ResendInvitation)),
        "resent",
    )


@router.post("/{case_id}/interview/schedule", name="interview_schedule_form", dependencies=[Depends(form_protected)])
async def schedule(
    request: Request,
    case_id: CaseId,
    user: HR,
    pages: PagesDep,
    client: TemporalDep,
    session: SessionDep,
    settings: SettingsDep,
    day: Annotated[str, Form(max_length=10)] = "",
    at: Annotated[str, Form(max_length=5)] = "",
    online: Annotated[str, Form(max_length=5)] = "",
):
    zone = ZoneInfo((await store.load(session, settings)).policy.timezone)

    def build() -> ScheduleInterview:
        try:
            start = datetime.combine(date.fromisoformat(day), time.fromisoformat(at), tzinfo=zone)
        except ValueError:
            start = None
        return ScheduleInterview(actor=actor_for(user, ScheduleInterview), start=start, online=bool(online))

    return await act_from_case_page(
        request,
        pages,
        client,
        session,
        case_id,
        build,
        "scheduled",
    )


@router.get("/{case_id}/interview", name="interview_record_hr_page", response_class=HTMLResponse)
async def interview_record(request: Request, case_id: CaseId, user: HR, pages: PagesDep, session: SessionDep):
    """The individual interview record and its consent: HR only."""
    found = await service.interview_record(session, case_id)  # on the audit log
    if found is None:
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case_id} has no interview record", user)
    row, record = found
    # Read with the questions it was held with: a later version may word them otherwise, or no longer ask them.
    version = await questionnaires.version(session, record.record.get("template_version"))
    context = {
        "case": row,
        "row": record,
        "record": record.record,
        "template": version.template,
        "version": version.number if record.record.get("template_version") else None,
        "q": questionnaire,
    }
    return pages.render(request, "cases/interview.html", context)


@router.get("/{case_id}/interview/record.pdf", name="interview_personnel_record")
async def personnel_record_pdf(
    request: Request, case_id: CaseId, user: HR, pages: PagesDep, session: SessionDep, settings: SettingsDep
):
    """The short record for the personnel file: who, when, held by whom, and only what the consent shares."""
    found = await personnel_record.for_case(session, case_id, user.email)
    if found is None:
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case_id} has no interview record", user)
    organisation = await store.load(session, settings)
    await session.commit()
    language = pages.language if pages.language in ("nl", "en") else "nl"
    html = pages.html(
        "interviews/personnel_record.html",
        {
            "found": found,
            "organisation_name": organisation.name,
            "topic": lambda key: value_label("topic", key, language, pages.settings.organisation_country),
        },
    )
    pdf = await asyncio.to_thread(html_to_pdf, html, RECORD_STYLESHEET)
    filename = f"exit-interview-{found.case.employee_id or found.case.id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
