"""The leaving employee's pages, opened by the personal link in their mail; no account needed.

``/invitation/<token>``: the invitation with the preparatory questions; accept a proposed time,
propose another (on site or online), decline, download the calendar invitation.
``/consent/<token>``: what they agreed to after the interview, and withdrawing it.

The link's address must still be one of that employee's addresses; how links are checked, used once and
taken in turns is in web/links.py. The pages speak the employee's language (``?lang=`` switches)."""

from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from activities.calendar_invites import to_ics
from cases import consent as consents
from cases import notices, service
from links import tokens, usage
from links.tokens import LinkClaims, LinkPurpose
from links.usage import Use
from models.actors import Actor, Role
from models.interview import AcceptSlot, AskOtherInterviewer, DeclineInterview, InterviewStatus, ProposeSlot
from models.questionnaire import ConsentChoice, ConsentScope
from models.report import DeclaredGroup
from models.tables import Case, UsedLink
from organisation import store
from questionnaires import preparation
from questionnaires import store as questionnaires
from questionnaires.default import INTERVIEWER_ONLY
from reports import settings_store
from web import forms, links
from web.auth.guard import deny, form_protected
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.interviews import questionnaire
from web.links import Token
from web.templating import Pages
from workflows import case_notices

router = APIRouter(include_in_schema=False)

NOTICES = ("accepted", "proposed", "pending", "declined", "revoked", "written", "other_interviewer")


async def _open(
    request: Request, session, purpose: LinkPurpose, token: str, claims: LinkClaims | None = None
) -> tuple[LinkClaims, Case]:
    """The link's claims and its case. The read ends here and its connection goes back to the pool: what comes
    next waits on the case's workflow, and a connection held through that wait is one nobody else can use."""
    claims = claims or links.verified(request, purpose, token)
    case = await session.get(Case, claims.case_id)
    await session.commit()
    addresses = {case.work_email.lower(), (case.private_email or "").lower()} if case else set()
    if case is None or claims.email.lower() not in addresses:
        deny(
            request,
            status.HTTP_404_NOT_FOUND,
            f"{purpose.value} link for case {claims.case_id} no longer matches its employee",
        )
    return claims, case


def _pages(request: Request, case: Case) -> Pages:
    return Pages.for_request(request, default=case.language)


def _used_up(request: Request, token: str, case: Case, used: UsedLink) -> HTMLResponse:
    """410 Gone: what the link was used for and when, and nothing else of the case."""
    page = "invitation_page" if used.purpose.startswith(LinkPurpose.INTERVIEW.value) else "consent_page"
    context = {"use": used.purpose, "used_at": used.used_at, "back_url": links.url(request, page, token)}
    return _pages(request, case).render(
        request, "interviews/links/used.html", context, status_code=status.HTTP_410_GONE
    )


async def _render_invitation(
    request,
    session,
    client,
    token: str,
    claims: LinkClaims,
    case: Case,
    *,
    error: str = "",
    notice: str = "",
    code: int = 200,
    used: UsedLink | None = None,
):
    pages = _pages(request, case)
    interview = await service.interview_view(client, case.id)
    organisation = await store.load(session, request.app.state.settings)
    context = {
        "case": case,
        "interview": interview,
        "policy": organisation.policy,
        "token": token,
        "error": error,
        "notice": notice if notice in NOTICES else "",
        "used": used,
        "action": lambda name: links.url(request, name, token),
        "today": date.today().isoformat(),
        "answered_in_writing": await preparation.has_record(session, case.id),
    }
    return pages.render(request, "interviews/links/invitation.html", context, status_code=code)


@router.get("/invitation/{token}", name="invitation_page", response_class=HTMLResponse)
async def invitation(request: Request, token: Token, session: SessionDep, client: TemporalDep, done: str = ""):
    claims, case = await _open(request, session, LinkPurpose.INTERVIEW, token)
    used = await links.used(session, claims)
    return await _render_invitation(request, session, client, token, claims, case, notice=done, used=used)


async def _answer(request, session, client, token: str, build, use: Use):
    """The employee's answer: one at a time per link, and only one per link reaches the case."""
    claims = links.verified(request, LinkPurpose.INTERVIEW, token)
    return await links.in_turn(
        request, claims, lambda: _answer_in_turn(request, session, client, token, claims, build, use)
    )


async def _answer_in_turn(request, session, client, token: str, claims: LinkClaims, build, use: Use):
    claims, case = await _open(request, session, LinkPurpose.INTERVIEW, token, claims)
    used = await links.used(session, claims)
    if used is not None:
        return _used_up(request, token, case, used)
    pages = _pages(request, case)
    employee = Actor(email=claims.email, role=Role.EMPLOYEE)
    outcome = await links.answer_once(request, client, claims, use, case.id, pages.gettext, lambda: build(employee))
    if isinstance(outcome, UsedLink):
        return _used_up(request, token, case, outcome)
    if not outcome.ok:
        return await _render_invitation(
            request, session, client, token, claims, case, error=outcome.error, code=status.HTTP_409_CONFLICT
        )
    # A proposed time that clashes with the interviewer's agenda waits for them: not agreed yet.
    done = "pending" if getattr(outcome.result, "pending_slot", None) else use.value.split(":")[1]
    return RedirectResponse(
        links.url(request, "invitation_page", token, done=done), status_code=status.HTTP_303_SEE_OTHER
    )


@router.post("/invitation/{token}/accept", name="invitation_accept", dependencies=[Depends(form_protected)])
async def accept(
    request: Request,
    token: Token,
    session: SessionDep,
    client: TemporalDep,
    start: Annotated[str, Form(max_length=40)] = "",
):
    return await _answer(
        request, session, client, token, lambda actor: AcceptSlot(actor=actor, start=start), Use.ACCEPTED
    )


@router.post("/invitation/{token}/propose", name="invitation_propose", dependencies=[Depends(form_protected)])
async def propose(
    request: Request,
    token: Token,
    session: SessionDep,
    settings: SettingsDep,
    client: TemporalDep,
    day: Annotated[str, Form(max_length=10)] = "",
    at: Annotated[str, Form(max_length=5)] = "",
    online: Annotated[str, Form(max_length=5)] = "",
):
    zone = ZoneInfo((await store.load(session, settings)).policy.timezone)

    def build(actor: Actor) -> ProposeSlot:
        try:
            start = datetime.combine(date.fromisoformat(day), time.fromisoformat(at), tzinfo=zone)
        except ValueError:
            start = None  # reported as a missing time by the model
        return ProposeSlot(actor=actor, start=start, online=bool(online))

    return await _answer(request, session, client, token, build, Use.PROPOSED)


@router.post("/invitation/{token}/decline", name="invitation_decline", dependencies=[Depends(form_protected)])
async def decline(
    request: Request,
    token: Token,
    session: SessionDep,
    client: TemporalDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
):
    return await _answer(
        request, session, client, token, lambda actor: DeclineInterview(actor=actor, reason=reason), Use.DECLINED
    )


@router.post(
    "/invitation/{token}/other-interviewer",
    name="invitation_other_interviewer",
    dependencies=[Depends(form_protected)],
)
async def ask_other_interviewer(
    request: Request,
    token: Token,
    session: SessionDep,
    client: TemporalDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
):
    """Not an answer to the invitation: the link stays good for one, and the case takes the request once."""
    claims = links.verified(request, LinkPurpose.INTERVIEW, token)
    return await links.in_turn(
        request, claims, lambda: _ask_other_in_turn(request, session, client, token, claims, reason)
    )


async def _ask_other_in_turn(request, session, client, token: str, claims: LinkClaims, reason: str):
    claims, case = await _open(request, session, LinkPurpose.INTERVIEW, token, claims)
    used = await links.used(session, claims)
    if used is not None:
        return _used_up(request, token, case, used)
    pages = _pages(request, case)
    employee = Actor(email=claims.email, role=Role.EMPLOYEE)
    outcome = await forms.act(
        pages.gettext,
        lambda: AskOtherInterviewer(actor=employee, reason=reason),
        lambda payload: service.act(client, case.id, payload),
    )
    if not outcome.ok:
        return await _render_invitation(
            request, session, client, token, claims, case, error=outcome.error, code=status.HTTP_409_CONFLICT
        )
    return RedirectResponse(
        links.url(request, "invitation_page", token, done="other_interviewer"), status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/invitation/{token}/interview.ics", name="invitation_ics")
async def calendar_file(request: Request, token: Token, session: SessionDep, client: TemporalDep):
    """The same calendar event as the last one mailed, so that a calendar program holding either keeps one."""
    _, case = await _open(request, session, LinkPurpose.INTERVIEW, token)
    pages = _pages(request, case)
    invite = await service.interview_calendar(client, case.id)
    if invite is None:
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case.id} has no agreed interview time to download")
    return Response(
        to_ics(invite, pages.language, pages.settings.organisation_country),
        media_type="text/calendar; charset=utf-8; method=REQUEST",
        headers={"Content-Disposition": 'attachment; filename="exit-interview.ics"', "Cache-Control": "no-store"},
    )


# Consent, after the interview.


async def _render_consent(request, session, token: str, case: Case, *, notice: str = ""):
    try:
        given = await consents.consent_of(session, case.id)
    except consents.NoInterviewRecord:
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case.id} has no interview record, so no consent")
    pages = _pages(request, case)
    context = {
        "case": case,
        "consent": given,
        "notice": notice if notice in NOTICES else "",
        "revoke_url": links.url(request, "consent_revoke", token),
    }
    return pages.render(request, "interviews/links/consent.html", context)


@router.get("/consent/{token}", name="consent_page", response_class=HTMLResponse)
async def consent_page(request: Request, token: Token, session: SessionDep, done: str = ""):
    _, case = await _open(request, session, LinkPurpose.CONSENT, token)
    return await _render_consent(request, session, token, case, notice=done)


@router.post("/consent/{token}/revoke", name="consent_revoke", dependencies=[Depends(form_protected)])
async def revoke(
    request: Request,
    token: Token,
    session: SessionDep,
    client: TemporalDep,
    confirmed: Annotated[str, Form(max_length=5)] = "",
):
    """First what withdrawing means, asked to confirm; only the confirmed form withdraws (and uses up the link)."""
    claims = links.verified(request, LinkPurpose.CONSENT, token)
    if confirmed != "yes":
        claims, case = await _open(request, session, LinkPurpose.CONSENT, token, claims)
        try:
            given = await consents.consent_of(session, case.id)
        except consents.NoInterviewRecord:
            deny(request, status.HTTP_404_NOT_FOUND, f"case {case.id} has no interview record, so no consent")
        if given.revoked_at is not None or await links.used(session, claims) is not None:
            return RedirectResponse(links.url(request, "consent_page", token), status_code=status.HTTP_303_SEE_OTHER)
        context = {
            "case": case,
            "consent": given,
            "revoke_url": links.url(request, "consent_revoke", token),
            "back_url": links.url(request, "consent_page", token),
        }
        return _pages(request, case).render(request, "interviews/links/consent_revoke.html", context)
    return await links.in_turn(request, claims, lambda: _revoke_in_turn(request, session, client, token, claims))


async def _revoke_in_turn(request: Request, session, client, token: str, claims: LinkClaims):
    claims, case = await _open(request, session, LinkPurpose.CONSENT, token, claims)
    used = await links.used(session, claims)
    if used is not None:
        return _used_up(request, token, case, used)
    try:
        # The use and the revocation commit together: of two submits at once, the second finds the row.
        async with request.app.state.sessions.begin() as writing:
            writing.add(usage.record(claims, Use.REVOKED))
            withdrawn = await consents.revoke(writing, case.id)
            organisation = await store.load(writing, request.app.state.settings)
    except consents.NoInterviewRecord:
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case.id} has no interview record, so no consent to revoke")
    except IntegrityError:
        used = await links.used(session, claims)
        if used is None:  # the conflict was not another submit's use of this link
            raise
        return _used_up(request, token, case, used)
    assert withdrawn.revoked_at is not None, "revoke sets the time it was withdrawn"
    mails = notices.consent_revoked(case, organisation, claims.email, withdrawn.revoked_at)
    await notices.send(client, request.app.state.settings.task_queue, case.id, case_notices.CONSENT_REVOKED, mails)
    return RedirectResponse(
        links.url(request, "consent_page", token, done="revoked"), status_code=status.HTTP_303_SEE_OTHER
    )


# The questionnaire through the link: notes beforehand while the interview is ahead, or, after a decline, the
# answers in writing instead of a conversation, closed by the same consent as an interview.

NOTING = (InterviewStatus.INVITED, InterviewStatus.SCHEDULED)


async def _declarable(session, written: bool) -> list[DeclaredGroup]:
    """The organisation's self-declared groups the employee may answer here: in writing, where the answers become
    their record, as in a conversation, each with its own consent. Notes beforehand are no record: none there."""
    return list((await settings_store.load(session)).target_groups) if written else []


def _group_of(name: str) -> str | None:
    for prefix in (questionnaire.DECLARED, questionnaire.DECLARED_CONSENT):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return None


async def _answers_of(request: Request, session, written: bool) -> tuple[questionnaires.Version, dict]:
    items = [(name, str(value)) for name, value in (await request.form()).multi_items()]
    given = next((value for name, value in items if name == questionnaire.VERSION), "")
    number = int(given) if given.isdigit() and len(given) < 9 else None
    version = await questionnaires.version(session, number) if number else await questionnaires.current(session)
    groups = {group.key for group in await _declarable(session, written)}
    kept = [
        (name, value)
        for name, value in items
        if name not in INTERVIEWER_ONLY and ((group := _group_of(name)) is None or group in groups)
    ]
    return version, questionnaire.answers_from_form(kept, version.template)


async def _questions_context(request, session, client, token: str, case: Case) -> dict:
    interview = await service.interview_view(client, case.id)
    status_now = interview.status if interview else None
    written = status_now == InterviewStatus.DECLINED and not await preparation.has_record(session, case.id)
    if status_now not in NOTING and not written:
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case.id} takes no answers through the link now")
    return {"case": case, "written": written, "action": lambda name: links.url(request, name, token)}


async def _render_questions(
    request,
    session,
    context: dict,
    answers: dict,
    version,
    *,
    errors=None,
    general=None,
    notice: str = "",
    code: int = 200,
):
    pages = _pages(request, context["case"])
    groups = await _declarable(session, context["written"])
    context = context | {
        "answers": answers,
        "template": version.template,
        "version": version.number,
        "q": questionnaire,
        "skip": INTERVIEWER_ONLY,
        "errors": errors or {},
        "general_errors": general or [],
        "notice": notice,
        "target_groups": groups,
        "question_labels": {
            **questionnaire.question_labels(version.template, pages.language),
            **{questionnaire.DECLARED + g.key: g.en if pages.language == "en" else g.nl for g in groups},
        },
    }
    await session.commit()
    return pages.render(request, "interviews/links/questions.html", context, status_code=code)


@router.get("/invitation/{token}/questions", name="invitation_questions", response_class=HTMLResponse)
async def questions_page(request: Request, token: Token, session: SessionDep, client: TemporalDep, done: str = ""):
    """The questionnaire for the employee: their notes so far, or an empty form."""
    _, case = await _open(request, session, LinkPurpose.INTERVIEW, token)
    context = await _questions_context(request, session, client, token, case)
    found = await preparation.find(session, case.id)
    version = await questionnaires.version(session, found.template_version) if found else None
    version = version or await questionnaires.current(session)
    return await _render_questions(
        request, session, context, found.answers if found else {}, version, notice="saved" if done == "saved" else ""
    )


@router.post("/invitation/{token}/questions", dependencies=[Depends(form_protected)])
async def save_questions(request: Request, token: Token, session: SessionDep, client: TemporalDep):
    """Keep the answers; in writing, checked and then on to the consent."""
    _, case = await _open(request, session, LinkPurpose.INTERVIEW, token)
    context = await _questions_context(request, session, client, token, case)
    version, answers = await _answers_of(request, session, context["written"])
    pages = _pages(request, case)
    record, errors, general = questionnaire.validate(answers, pages.gettext, version.template, version.number)
    # The same rule as in a conversation, said to the one who ticks the box.
    own_consent = pages.gettext(
        "Only with your consent to its use in the anonymous reports: tick that box, or leave the question unanswered."
    )
    errors = {name: own_consent if name.startswith(questionnaire.DECLARED) else e for name, e in errors.items()}
    if record is None:
        return await _render_questions(
            request,
            session,
            context,
            answers,
            version,
            errors=errors,
            general=general,
            code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    await preparation.save(session, case, version.number, answers)
    await session.commit()
    target = "invitation_written_consent" if context["written"] else "invitation_questions"
    params = {} if context["written"] else {"done": "saved"}
    return RedirectResponse(links.url(request, target, token, **params), status_code=status.HTTP_303_SEE_OTHER)


async def _written_record(request, session, client, token: str, case: Case):
    """The written answers as a record, when the employee declined a conversation and has no record yet."""
    context = await _questions_context(request, session, client, token, case)
    found = await preparation.find(session, case.id)
    if not context["written"] or found is None:
        return context, None
    version = await questionnaires.version(session, found.template_version)
    record, _, _ = questionnaire.validate(
        found.answers, _pages(request, case).gettext, version.template, version.number
    )
    return context, record


async def _render_written_consent(request, session, context: dict, record, *, error: str = "", code: int = 200):
    case = context["case"]
    version = (await store.load(session, request.app.state.settings)).policy.consent_text_version
    await session.commit()
    page = {"record": record, "text_version": version, "scopes": list(ConsentScope), "error": error}
    return _pages(request, case).render(
        request, "interviews/links/written_consent.html", context | page, status_code=code
    )


@router.get("/invitation/{token}/written/consent", name="invitation_written_consent", response_class=HTMLResponse)
async def written_consent_page(request: Request, token: Token, session: SessionDep, client: TemporalDep):
    _, case = await _open(request, session, LinkPurpose.INTERVIEW, token)
    context, record = await _written_record(request, session, client, token, case)
    if record is None:
        return RedirectResponse(
            links.url(request, "invitation_questions", token), status_code=status.HTTP_303_SEE_OTHER
        )
    return await _render_written_consent(request, session, context, record)


@router.post("/invitation/{token}/written/consent", dependencies=[Depends(form_protected)])
async def written_consent(
    request: Request,
    token: Token,
    session: SessionDep,
    client: TemporalDep,
    scope: Annotated[str, Form(max_length=40)] = "",
    share_with_manager: Annotated[str, Form(max_length=5)] = "",
    text_version: Annotated[str, Form(max_length=40)] = "",
):
    claims, case = await _open(request, session, LinkPurpose.INTERVIEW, token)
    context, record = await _written_record(request, session, client, token, case)
    if record is None:
        return RedirectResponse(links.url(request, "invitation_page", token), status_code=status.HTTP_303_SEE_OTHER)
    pages = _pages(request, case)
    current = (await store.load(session, request.app.state.settings)).policy.consent_text_version
    try:
        choice = ConsentChoice(scope=scope, share_with_manager=share_with_manager == "yes", text_version=text_version)
    except ValidationError:
        choice = None
    if choice is None or share_with_manager not in ("yes", "no"):
        error = pages.gettext("Answer both questions about your consent.")
        return await _render_written_consent(request, session, context, record, error=error, code=422)
    if choice.text_version != current:
        error = pages.gettext("The consent text has changed meanwhile: read it again and choose once more.")
        return await _render_written_consent(request, session, context, record, error=error, code=409)
    try:
        await preparation.record_written(session, case, record, choice, claims.email)
        await session.commit()
    except preparation.AlreadyRecorded:
        await session.rollback()
    else:
        organisation = await store.load(session, request.app.state.settings)
        await session.commit()
        mails = notices.written_answers(case, organisation, choice.share_with_manager)
        await notices.send(client, request.app.state.settings.task_queue, case.id, case_notices.WRITTEN_ANSWERS, mails)
    consent = tokens.sign(
        request.app.state.settings.signing_key(), LinkPurpose.CONSENT, case.id, claims.email, language=case.language
    )
    return RedirectResponse(
        links.url(request, "consent_page", consent, done="written"), status_code=status.HTTP_303_SEE_OTHER
    )
