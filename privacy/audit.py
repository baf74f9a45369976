"""Writing and reading the audit log.

The service code that reads interview content or changes what admins manage calls ``record``; who
acts comes from the surroundings, set once per request by the web app (the signed-in person, or an
API client without a session), once per command by the CLI, and by the worker for the schedule's
own work. So the pages, the API and the CLI are covered by the same calls."""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import AuditAction, AuditEntry, AuditLogRow, AuditPage, SubjectType

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Auditor:
    """Who acts, as the log names them: an address or a description, and the roles they hold."""

    who: str
    roles: frozenset[str]

    def role_for(self, wanted: tuple[str, ...]) -> str:
        """The first of the roles an action calls for that they hold; else every role they hold."""
        for role in wanted:
            if role in self.roles:
                return role
        return ",".join(sorted(self.roles)) or "none"


SYSTEM = Auditor("system", frozenset({"system"}))
UNKNOWN = Auditor("unknown", frozenset({"unknown"}))

ActorSource = Callable[[], Awaitable[Auditor]]
_source: ContextVar[ActorSource | None] = ContextVar("audit_actor", default=None)


def fixed(auditor: Auditor) -> ActorSource:
    async def source() -> Auditor:
        return auditor

    return source


@contextmanager
def acting_as(source: Auditor | ActorSource) -> Iterator[None]:
    """Everything audited inside is on ``source``'s name (an Auditor, or a coroutine that finds one when needed)."""
    token = _source.set(fixed(source) if isinstance(source, Auditor) else source)
    try:
        yield
    finally:
        _source.reset(token)


def start_acting_as(auditor: Auditor) -> Token:
    """For a whole command line run: ``stop_acting`` with the token at its end."""
    return _source.set(fixed(auditor))


def stop_acting(token: Token) -> None:
    _source.reset(token)


async def current_actor() -> Auditor:
    source = _source.get()
    return UNKNOWN if source is None else await source()


async def record(
    session: AsyncSession,
    action: AuditAction,
    subject_type: SubjectType,
    subject: str,
    detail: dict[str, Any] | None = None,
    *,
    roles: tuple[str, ...] = (),
    by: Auditor | None = None,
) -> AuditLogRow:
    """Add one entry to ``session``; it is kept when the session commits, with the change it describes."""
    actor = by or await current_actor()
    row = AuditLogRow(
        actor=actor.who[:320],
        actor_role=actor.role_for(roles)[:32],
        action=action.value,
        subject_type=subject_type.value,
        subject=subject[:320],
        detail=detail or {},
    )
    session.add(row)
    await session.flush()
    return row


async def search(
    session: AsyncSession,
    *,
    actor: str = "",
    action: str = "",
    subject: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """Newest first. ``actor`` matches part of the name, case-insensitively; ``action`` is exact, or a prefix
    ending in a dot (``account.``); ``subject`` is exact (an employee number, an address); times are inclusive-exclusive."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    conditions: list[ColumnElement[bool]] = []
    if actor:
        pattern = "%" + actor.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(func.lower(AuditLogRow.actor).like(pattern, escape="\\"))
    if action:
        conditions.append(
            AuditLogRow.action.startswith(action, autoescape=True)
            if action.endswith(".")
            else AuditLogRow.action == action
        )
    if subject:
        conditions.append(AuditLogRow.subject == subject)
    if since is not None:
        conditions.append(AuditLogRow.at >= since)
    if until is not None:
        conditions.append(AuditLogRow.at < until)
    total = (await session.execute(select(func.count()).select_from(AuditLogRow).where(*conditions))).scalar_one()
    query = select(AuditLogRow).where(*conditions).order_by(AuditLogRow.at.desc(), AuditLogRow.id.desc())
    rows = (await session.execute(query.offset((page - 1) * per_page).limit(per_page))).scalars()
    return AuditPage(
        entries=[AuditEntry.model_validate(row) for row in rows], total=total, page=page, per_page=per_page
    )


async def about_person(session: AsyncSession, employee_id: str) -> list[AuditEntry]:
    query = (
        select(AuditLogRow)
        .where(AuditLogRow.subject_type == SubjectType.PERSON.value, AuditLogRow.subject == employee_id)
        .order_by(AuditLogRow.at, AuditLogRow.id)
    )
    return [AuditEntry.model_validate(row) for row in (await session.execute(query)).scalars()]
