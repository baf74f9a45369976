"""What every page opened by a personal link shares: the employee's invitation and consent, and a task done from
its mail by someone without an account.

A link opens exactly one thing for one person: it is signed, expires (``link_max_age_days``), serves only its own
purpose, and names the case and the address it was sent to. Anything else is answered 404 with no data, and logged.
A link does its one thing once (``links.usage``): the use is recorded before the case hears of the answer, and an
answer the case refuses gives the link back. Answers through one link take turns (``links.turns``), and no request
holds a database connection while it waits on the case, so a burst through one link slows that link only."""

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Path, Request, status
from fastapi.responses import Response
from pydantic import BaseModel

from cases import service
from i18n.labels import Gettext
from links import tokens, usage
from links.tokens import LinkClaims, LinkPurpose
from links.turns import RETRY_AFTER_SECONDS, LinkBusy
from links.usage import LinkUsedUp, Use
from models.tables import UsedLink
from web import forms, i18n
from web.auth.guard import deny
from web.forms import Outcome
from web.ratelimit import too_many

log = logging.getLogger("web.access")

Token = Annotated[str, Path(max_length=1000)]


def verified(request: Request, purpose: LinkPurpose, token: str) -> LinkClaims:
    """The claims of a genuine, unexpired link for ``purpose``; 404, logged, for anything else."""
    settings = request.app.state.settings
    try:
        return tokens.verify(settings.signing_key(), purpose, token, settings.link_max_age_days * 86400)
    except tokens.LinkError as err:
        deny(request, status.HTTP_404_NOT_FOUND, f"{purpose.value} link refused: {err}")


async def used(session, claims: LinkClaims) -> UsedLink | None:
    """What the link was used for, if it was; the connection goes back to the pool afterwards."""
    found = await usage.find(session, claims)
    await session.commit()
    return found


def busy(request: Request, claims: LinkClaims) -> Response:
    """429 for a request beyond the few waiting for their turn with the link (links.turns)."""
    log.warning(
        "link %s busy: %s %s refused while another answer through it is under way",
        claims.fingerprint[:12],
        request.method,
        request.url.path.split("/")[1],
    )
    return too_many(request, RETRY_AFTER_SECONDS)


def url(request: Request, name: str, token: str, **params: str) -> str:
    """A page of the same link, keeping the language the person chose."""
    target = request.url_for(name, token=token)
    lang = request.query_params.get("lang", "")
    if lang in i18n.LANGUAGES:
        params = {"lang": lang, **params}
    return str(target.include_query_params(**params)) if params else str(target)


async def in_turn(request: Request, claims: LinkClaims, answer: Callable[[], Awaitable[Response]]) -> Response:
    """``answer`` once the link's turn has come; 429 when too many wait already."""
    try:
        async with request.app.state.link_turns.turn(claims.fingerprint):
            return await answer()
    except LinkBusy:
        return busy(request, claims)


async def answer_once(
    request: Request,
    client: Any,
    claims: LinkClaims,
    use: Use,
    case_id: str,
    gettext: Gettext,
    build: Callable[[], BaseModel],
) -> Outcome | UsedLink:
    """Send the person's answer to the case, once per link: the use is recorded first (a request a moment earlier
    wins), and given back when the case refuses the answer; kept when the case did not answer in time, as the answer
    may still reach it. The case's outcome, or the use that got there first."""
    sessions = request.app.state.sessions
    claimed = undecided = False

    async def run(payload: BaseModel):
        nonlocal claimed, undecided
        await usage.claim(sessions, claims, use)
        claimed = True
        try:
            return await service.act(client, case_id, payload)
        except service.CaseDidNotAnswer:
            undecided = True
            raise

    try:
        outcome = await forms.act(gettext, build, run)
    except LinkUsedUp as err:
        return err.record
    except BaseException:
        if claimed:
            await usage.release(sessions, claims)
        raise
    if not outcome.ok and claimed and not undecided:
        await usage.release(sessions, claims)
    return outcome
