"""The leaving employee's pages, opened by the personal link in their mail; no account needed.

``/invitation/<token>``: the invitation with the preparatory questions; accept a proposed time,
propose another (on site or online), decline, download the calendar invitation.
``/consent/<token>``: what they agreed to after the interview, and withdrawing it.

A link opens exactly one thing for one person: it is signed, expires (``link_max_age_days``), serves
only its own purpose, and names the case and the address it was sent to, which must still be one of
that employee's addresses. Anything else is answered 404 with no data, and logged. A link does its one
thing once (``links.usage``): an answer through a used link is answered 410 Gone, saying what it was
used for and when. Answers through one link take turns (``links.turns``), and no request holds a database
connection while it waits on the case, so a burst through one link slows that link only. The pages
speak the employee's language (``?lang=`` switches)."""

import logging
from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError

from activities.calendar_invites import to_ics
from cases import consent as consents
from cases import service
from links import tokens, usage
from links.tokens import LinkClaims, LinkPurpose
from links.turns import RETRY_AFTER_SECONDS, LinkBusy
from links.usage import LinkUsedUp, Use
from models.actors import Actor, Role
from models.interview import AcceptSlot, DeclineInterview, ProposeSlot
from models.mail import CalendarInvite
from models.tables import Case, UsedLink
from organisation import store
from web import i18n
from web.auth.guard import deny, form_protected
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web import forms as common
from web.ratelimit import too_many
from web.templating import Pages

router = APIRouter(include_in_schema=False)
log = logging.getLogger("web.access")

Token = Annotated[str, Path(max_length=1000)]
NOTICES = ("accepted", "proposed", "declined", "revoked")


def _claims(request: Request, purpose: LinkPurpose, token: str) -> LinkClaims:
    settings = request.app.state.settings
    try:
        return tokens.verify(settings.signing_key(), purpose, token, settings.link_max_age_days * 86400)
    except tokens.LinkError as err:
        deny(request, status.HTTP_404_NOT_FOUND, f"{purpose.value} link refused: {err}")


async def _open(request: Request, session, purpose: LinkPurpose, token: str, claims: LinkClaims | None = None) -> tuple[LinkClaims, Case]:
    """The link's claims and its case. The read ends here and its connection goes back to the pool: what comes
    next waits on the case's workflow, and a connection held through that wait is one nobody else can use."""
    claims = claims or _claims(request, purpose, token)
    case = await session.get(Case, claims.case_id)
    await session.commit()
    addresses = {case.work_email.lower(), (case.private_email or "").lower()} if case else set()
    if case is None or claims.email.lower() not in addresses:
        deny(request, status.HTTP_404_NOT_FOUND, f"{purpose.value} link for case {claims.case_id} no longer matches its employee")
    return claims, case


async def _used(session, claims: LinkClaims) -> UsedLink | None:
    """What the link was used for, if it was; the connection goes back to the pool afterwards, as in ``_open``."""
    used = await usage.find(session, claims)
    await session.commit()
    return used


def _busy(request: Request, claims: LinkClaims) -> Response:
    """429 for a request beyond the few waiting for their turn with the link (links.turns)."""
    log.warning("link %s busy: %s %s refused while another answer through it is under way", claims.fingerprint[:12], request.method, request.url.path.split("/")[1])
    return too_many(request, RETRY_AFTER_SECONDS)


def _pages(request: Request, case: Case) -> Pages:
    return Pages.for_request(request, default=case.language)


def _url(request: Request, name: str, token: str, **params: str):
    url = request.url_for(name, token=token)
    lang = request.query_params.get("lang", "")
    if lang in i18n.LANGUAGES:
        params = {"lang": lang, **params}
    return str(url.include_query_params(**params)) if params else str(url)


def _used_up(request: Request, token: str, case: Case, used: UsedLink) -> HTMLResponse:
    """410 Gone: what the link was used for and when, and nothing else of the case."""
    page = "invitation_page" if used.purpose.startswith(LinkPurpose.INTERVIEW.value) else "consent_page"
    context = {"use": used.purpose, "used_at": used.used_at, "back_url": _url(request, page, token)}
    return _pages(request, case).render(request, "interviews/links/used.html", context, status_code=status.HTTP_410_GONE)


async def _render_invitation(
    request, session, client, token: str, claims: LinkClaims, case: Case, *, error: str = "", notice: str = "", code: int = 200, used: UsedLink | None = None
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
        "action": lambda name: _url(request, name, token),
        "today": date.today().isoformat(),
    }
    return pages.render(request, "interviews/links/invitation.html", context, status_code=code)


@router.get("/invitation/{token}", name="invitation_page", response_class=HTMLResponse)
async def invitation(request: Request, token: Token, session: SessionDep, client: TemporalDep, done: str = ""):
    claims, case = await _open(request, session, LinkPurpose.INTERVIEW, token)
    used = await _used(session, claims)
    return await _render_invitation(request, session, client, token, claims, case, notice=done, used=used)


async def _answer(request, session, client, token: str, build, use: Use):
    """The employee's answer: one at a time per link, and the link's use is recorded first, so only one answer
    per link reaches the case."""
    claims = _claims(request, LinkPurpose.INTERVIEW, token)
    try:
        async with request.app.state.link_turns.turn(claims.fingerprint):
            return await _answer_in_turn(request, session, client, token, claims, build, use)
    except LinkBusy:
        return _busy(request, claims)


async def _answer_in_turn(request, session, client, token: str, claims: LinkClaims, build, use: Use):
    claims, case = await _open(request, session, LinkPurpose.INTERVIEW, token, claims)
    used = await _used(session, claims)
    if used is not None:
        return _used_up(request, token, case, used)
    pages = _pages(request, case)
    employee = Actor(email=claims.email, role=Role.EMPLOYEE)
    sessions = request.app.state.sessions
    claimed = undecided = False

    async def run(payload):
        nonlocal claimed, undecided
        await usage.claim(sessions, claims, use)
        claimed = True
        try:
            return await service.act(client, case.id, payload)
        except service.CaseDidNotAnswer:
            # The answer may still reach the case: keep the link used, a later mail brings a fresh one.
            undecided = True
            raise

    try:
        outcome = await common.act(pages.gettext, lambda: build(employee), run)
    except LinkUsedUp as err:
        return _used_up(request, token, case, err.record)
    except BaseException:
        if claimed:
            await usage.release(sessions, claims)
        raise
    if not outcome.ok:
        if claimed and not undecided:
            await usage.release(sessions, claims)
        return await _render_invitation(request, session, client, token, claims, case, error=outcome.error, code=status.HTTP_409_CONFLICT)
    return RedirectResponse(_url(request, "invitation_page", token, done=use.value.split(":")[1]), status_code=status.HTTP_303_SEE_OTHER)


@router.post("/invitation/{token}/accept", name="invitation_accept", dependencies=[Depends(form_protected)])
async def accept(request: Request, token: Token, session: SessionDep, client: TemporalDep, start: Annotated[str, Form(max_length=40)] = ""):
    return await _answer(request, session, client, token, lambda actor: AcceptSlot(actor=actor, start=start), Use.ACCEPTED)


@router.post("/invitation/{token}/propose", name="invitation_propose", dependencies=[Depends(form_protected)])
async def propose(
    request: Request, token: Token, session: SessionDep, settings: SettingsDep, client: TemporalDep,
    day: Annotated[str, Form(max_length=10)] = "", at: Annotated[str, Form(max_length=5)] = "", online: Annotated[str, Form(max_length=5)] = "",
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
async def decline(request: Request, token: Token, session: SessionDep, client: TemporalDep, reason: Annotated[str, Form(max_length=2000)] = ""):
    return await _answer(request, session, client, token, lambda actor: DeclineInterview(actor=actor, reason=reason), Use.DECLINED)


@router.get("/invitation/{token}/interview.ics", name="invitation_ics")
async def calendar_file(request: Request, token: Token, session: SessionDep, settings: SettingsDep, client: TemporalDep):
    claims, case = await _open(request, session, LinkPurpose.INTERVIEW, token)
    interview = await service.interview_view(client, case.id)
    if interview is None or interview.scheduled is None or interview.status != "scheduled":
        deny(request, status.HTTP_404_NOT_FOUND, f"case {case.id} has no agreed interview time to download")
    organisation = await store.load(session, settings)
    slot = interview.scheduled
    invite = CalendarInvite(
        uid=f"{case.id}-interview@offboarding",
        start=slot.start,
        end=slot.end,
        summary="Exitgesprek" if case.language == "nl" else "Exit interview",
        description=organisation.name,
        location="Online" if slot.online else organisation.name,
        organizer_email=organisation.hr.email,
        attendee_email=claims.email,
    )
    return Response(
        to_ics(invite),
        media_type="text/calendar; charset=utf-8",
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
        "revoke_url": _url(request, "consent_revoke", token),
    }
    return pages.render(request, "interviews/links/consent.html", context)


@router.get("/consent/{token}", name="consent_page", response_class=HTMLResponse)
async def consent_page(request: Request, token: Token, session: SessionDep, done: str = ""):
    _, case = await _open(request, session, LinkPurpose.CONSENT, token)
    return await _render_consent(request, session, token, case, notice=done)


@router.post("/consent/{token}/revoke", name="consent_revoke", dependencies=[Depends(form_protected)])
async def revoke(request: Request, token: Token, session: SessionDep):
    claims = _claims(request, LinkPurpose.CONSENT, token)
    try:
        async with request.app.state.link_turns.turn(claims.fingerprint):
            return await _revoke_in_turn(request, session, token, claims)
    except LinkBusy:
        return _busy(request, claims)


async def _revoke_in_turn(request: Request, session, token: str, claims: LinkClaims):
    claims, case = await _open(request, session, LinkPurpose.CONSENT, token, claims)
    used = await _used(session, claims)
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
        return _used_up(request, token, case, await _used(session, claims))
    return RedirectResponse(_url(request, "consent_page", token, done="revoked"), status_code=status.HTTP_303_SEE_OTHER)
