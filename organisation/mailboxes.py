"""Shared mailboxes and who works for them.

HR's mailbox belongs to every account with the HR role, IT/facilities' to every custodian; the organisation may
define more (a fleet manager's, payroll's) and name the accounts that work for each. A task or an item owned by a
shared mailbox shows in the lists of all of them, and each of them may act on it."""

import re

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import AccountRole
from models.audit import AuditAction, SubjectType
from models.organisation import FACILITIES_MAILBOX, HR_MAILBOX, RoleMailbox
from models.tables import MailboxMemberRow, RoleMailboxRow
from privacy import audit

BUILT_IN = {AccountRole.HR: HR_MAILBOX, AccountRole.CUSTODIAN: FACILITIES_MAILBOX}
KEY = re.compile(r"^[a-z][a-z0-9-]{1,62}$")


class MailboxConflict(Exception):
    """The key or the address is already another mailbox's."""


async def mailboxes_of(session: AsyncSession, account_id: int, roles) -> frozenset[str]:
    """The keys of the shared mailboxes an account works for: by its roles, and those it was made a member of."""
    keys = {BUILT_IN[role] for role in roles if role in BUILT_IN}
    rows = await session.execute(select(MailboxMemberRow.mailbox_key).where(MailboxMemberRow.account_id == account_id))
    return frozenset(keys | {key for (key,) in rows})


async def defined(session: AsyncSession) -> list[tuple[RoleMailbox, list[int]]]:
    """The mailboxes the organisation defined, each with the ids of the accounts that work for it."""
    boxes = (await session.execute(select(RoleMailboxRow).order_by(RoleMailboxRow.name))).scalars().all()
    members = (await session.execute(select(MailboxMemberRow))).scalars().all()
    return [
        (
            RoleMailbox(key=box.key, name=box.name, email=box.email, language=box.language),
            sorted(m.account_id for m in members if m.mailbox_key == box.key),
        )
        for box in boxes
    ]


async def save(session: AsyncSession, mailbox: RoleMailbox, member_ids: list[int]) -> None:
    """Create or change a mailbox and set who works for it (cases opened from now on route to it by its address)."""
    if mailbox.key in (HR_MAILBOX, FACILITIES_MAILBOX) or not KEY.match(mailbox.key):
        raise ValueError("key: lower-case letters, digits and dashes, not 'hr' or 'facilities'")
    row = await session.get(RoleMailboxRow, mailbox.key)
    try:
        async with session.begin_nested():
            if row is None:
                row = RoleMailboxRow(key=mailbox.key)
                session.add(row)
            row.name, row.email, row.language = mailbox.name, str(mailbox.email).lower(), mailbox.language
            await session.flush()
    except IntegrityError as err:
        raise MailboxConflict(mailbox.email) from err
    await session.execute(delete(MailboxMemberRow).where(MailboxMemberRow.mailbox_key == mailbox.key))
    session.add_all(
        MailboxMemberRow(mailbox_key=mailbox.key, account_id=account_id) for account_id in sorted(set(member_ids))
    )
    await audit.record(
        session,
        AuditAction.MAILBOX_CHANGED,
        SubjectType.POLICY,
        mailbox.key,
        {"members": len(set(member_ids))},
        roles=("admin", "hr"),
    )


async def remove(session: AsyncSession, key: str) -> bool:
    row = await session.get(RoleMailboxRow, key)
    if row is None:
        return False
    await session.delete(row)
    await audit.record(
        session, AuditAction.MAILBOX_CHANGED, SubjectType.POLICY, key, {"removed": True}, roles=("admin", "hr")
    )
    return True
