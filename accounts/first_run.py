"""The first account of a fresh installation, made in the browser with the setup code.

While no account exists, whoever holds the setup code (printed by ``make run``, kept in the data folder or
set as ``OFFBOARDING_SETUP_CODE``) may make the first account, an admin with the HR role. Once any account
exists there is nothing to set up and the code opens nothing: the check and the new account are made in one
transaction, behind a lock that lets only one request at a time through this door."""

import asyncio
import hmac

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import store
from models.accounts import AccountRole, NewAccount
from models.tables import Account
from privacy import audit

FIRST_ROLES = [AccountRole.HR, AccountRole.ADMIN]
SETUP = audit.Auditor("first-run setup page", frozenset({"setup"}))

_one_at_a_time = asyncio.Lock()


class AlreadySetUp(Exception):
    """An account exists: the installation is set up and the setup page is gone."""


def _normal(code: str) -> bytes:
    # Typed by a person: case, spaces and dashes do not matter.
    return "".join(code.split()).replace("-", "").upper().encode()


def code_matches(given: str, expected: str) -> bool:
    """Compared in constant time, so the answer's timing tells nothing about how much of a guess was right."""
    return bool(expected) and hmac.compare_digest(_normal(given), _normal(expected))


async def needs_setup(session: AsyncSession) -> bool:
    return (await session.execute(select(func.count()).select_from(Account))).scalar_one() == 0


async def create_first_account(session: AsyncSession, new: NewAccount) -> Account:
    """The first account, with the roles of ``FIRST_ROLES`` whatever ``new`` says; committed here.

    AlreadySetUp when any account exists by the time this request has its turn."""
    async with _one_at_a_time:
        if not await needs_setup(session):
            await session.rollback()
            raise AlreadySetUp()
        with audit.acting_as(SETUP):
            account = await store.create(session, new.model_copy(update={"roles": FIRST_ROLES}))
        await session.commit()
        return account
