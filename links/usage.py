"""Using a link up: each employee link does its one thing once.

What "used up" means, per purpose:

- An interview link (``/invitation/<token>``) is used up by the employee's answer to the invitation:
  accepting one of the proposed times, proposing another time (on site or online), or declining. The
  link still shows the invitation, read-only with the answer, and still serves the calendar file until
  it expires; any further answer through it is refused with 410 Gone and never reaches the case. The
  mails that follow (the confirmation, a reminder) carry a new link of their own, which can still change
  the answer for as long as the interview allows one.
- A consent link (``/consent/<token>``) is used up by withdrawing the consent. It still shows what was
  agreed and when it was withdrawn.

An answer the case refuses (a time outside working hours, an interview that has ended) leaves the link
as it was. The use is recorded before the case hears of the answer, with the token's fingerprint as
primary key of ``used_links``: of two submits at the same moment exactly one inserts the row, and only
that one goes on to the case."""

from enum import StrEnum

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from links.tokens import LinkClaims
from models.tables import UsedLink


class Use(StrEnum):
    """What a link was used for; stored as the row's ``purpose`` (the link's purpose, then the answer)."""

    ACCEPTED = "interview:accepted"
    PROPOSED = "interview:proposed"
    DECLINED = "interview:declined"
    REVOKED = "consent:revoked"
    TASK_DONE = "task:done"


class LinkUsedUp(Exception):
    """The link has already done its one thing; ``record`` says what and when."""

    def __init__(self, record: UsedLink) -> None:
        super().__init__(f"link already used for {record.purpose} at {record.used_at.isoformat()}")
        self.record = record


async def find(session: AsyncSession, claims: LinkClaims) -> UsedLink | None:
    return await session.get(UsedLink, claims.fingerprint, populate_existing=True)


def record(claims: LinkClaims, use: Use) -> UsedLink:
    """The row to add in the same transaction as the change the link makes (when that change is in this database)."""
    return UsedLink(token_hash=claims.fingerprint, purpose=use.value, case_id=claims.case_id)


async def claim(sessions: async_sessionmaker[AsyncSession], claims: LinkClaims, use: Use) -> None:
    """Record the use, committed, before acting on a system outside this database (the case's workflow).

    Raises LinkUsedUp when the link was used already, also by a request that got there a moment earlier."""
    while True:
        try:
            async with sessions.begin() as session:
                session.add(record(claims, use))
            return
        except IntegrityError:
            async with sessions() as session:
                existing = await find(session, claims)
            if existing is not None:
                raise LinkUsedUp(existing) from None
            # The other request's answer was refused and its claim released meanwhile: try again.


async def release(sessions: async_sessionmaker[AsyncSession], claims: LinkClaims) -> None:
    """Undo a claim whose answer the case refused, so the link can still be used."""
    async with sessions.begin() as session:
        await session.execute(delete(UsedLink).where(UsedLink.token_hash == claims.fingerprint))
