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
from sqlalchemy.exc import IntegrityError

from activities.calendar_invites import to_ics
from cases import consent as consents
from cases import service
from links import usage
from links.tokens import LinkClaims, LinkPurpose
from links.usage import Use
from models.actors import Actor, Role
from models.interview import AcceptSlot, AskOtherInterviewer, DeclineInterview, ProposeSlot
from models.tables import Case, UsedLink
from organisation import store
from web import forms, links
from web.auth.guard import deny, form_protected
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.links import Token
from web.templating import Pages

router = APIRouter(include_in_schema=False)

NOTICES = ("accepted", "proposed", "pending", "declined", "revoked", "other_interviewer")


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
    invite = await service.interview_calendar(client, case.id)
    if invite is None:
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case.id} has no agreed interview time to download")
    return Response(
        to_ics(invite),
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
async def revoke(request: Request, token: Token, session: SessionDep):
    claims = links.verified(request, LinkPurpose.CONSENT, token)
    return await links.in_turn(request, claims, lambda: _revoke_in_turn(request, session, token, claims))


async def _revoke_in_turn(request: Request, session, token: str, claims: LinkClaims):
    claims, case = await _open(request, session, LinkPurpose.CONSENT, token, claims)
    used = await links.used(session, claims)
    if used is not None:
        return _used_up(request, token, case, used)
    try:
        # The use and the revocation commit together: of two submits at once, the second finds the row.
        async with request.app.state.sessions.begin() as writing:
            writing.add(usage.record(claims, Use.REVOKED))
            await consents.revoke(writing, case.id)
    except consents.NoInterviewRecord:
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case.id} has no interview record, so no consent to revoke")
    except IntegrityError:
        used = await links.used(session, claims)
        if used is None:  # the conflict was not another submit's use of this link
            raise
        return _used_up(request, token, case, used)
    return RedirectResponse(
        links.url(request, "consent_page", token, done="revoked"), status_code=status.HTTP_303_SEE_OTHER
    )
