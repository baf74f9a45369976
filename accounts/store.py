"""The accounts people sign in with: created by an admin (web) or on the command line.

A new password ends the account's other sessions, so that whoever knew the old one is out at once. The
owner changing their own password keeps the session they changed it in, and their API tokens (they made
those themselves and may still need them; the page says so, and they can revoke any there). A reset on the
command line, for an account that may have fallen into other hands, ends every session and revokes every
API token. Either way the audit log says how many of each ended."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import passwords, sessions, tokens
from models.accounts import AccountRole, NewAccount
from models.audit import AuditAction, SubjectType
from models.tables import Account
from privacy import audit


class AccountExists(Exception):
    """An account with that email address already exists."""


class WrongPassword(Exception):
    """The current password given for a change is not the account's."""


@dataclass(frozen=True)
class PasswordSet:
    """What a new password ended besides the old password."""

    sessions_ended: int
    tokens_revoked: int


async def by_email(session: AsyncSession, email: str) -> Account | None:
    query = select(Account).where(func.lower(Account.email) == email.strip().lower())
    return (await session.execute(query)).scalar_one_or_none()


async def create(session: AsyncSession, new: NewAccount) -> Account:
    if await by_email(session, new.email) is not None:
        raise AccountExists(new.email)
    account = Account(
        email=new.email,
        name=new.name,
        password_hash=passwords.hash_password(new.password) if new.password else None,
        roles=[role.value for role in new.roles],
        language=new.language,
        active=True,
    )
    session.add(account)
    await session.flush()
    await audit.record(
        session,
        AuditAction.ACCOUNT_CREATED,
        SubjectType.ACCOUNT,
        account.email,
        {"roles": account.roles, "password": bool(new.password)},
        roles=("admin",),
    )
    return account


async def all_accounts(session: AsyncSession) -> list[Account]:
    return list((await session.execute(select(Account).order_by(Account.email))).scalars())


async def with_role(session: AsyncSession, role: AccountRole) -> list[Account]:
    """Active accounts holding ``role`` (JSON lists are filtered here, the same way on SQLite and PostgreSQL)."""
    return [account for account in await all_accounts(session) if account.active and role.value in account.roles]


async def authenticate(session: AsyncSession, email: str, password: str) -> Account | None:
    """The active account when the password is right, else None; a wrong email costs as much time as a wrong password."""
    account = await by_email(session, email)
    password_hash = account.password_hash if account else None
    if not passwords.verify(password_hash, password):
        return None
    # verify() is never true without an account and a hash.
    if account is None or password_hash is None or not account.active:
        return None
    if passwords.needs_rehash(password_hash):
        account.password_hash = passwords.hash_password(password)
    return account


async def change_own_password(
    session: AsyncSession, account: Account, current: str, new: str, *, session_id: str
) -> PasswordSet:
    """The owner's change, from the session ``session_id`` (kept); WrongPassword when ``current`` is not theirs."""
    if not passwords.verify(account.password_hash, current):
        raise WrongPassword(account.email)
    account.password_hash = passwords.hash_password(new)
    ended = await sessions.end_all(session, account.id, keep=session_id)
    result = PasswordSet(sessions_ended=ended, tokens_revoked=0)
    await _audit_password(session, account, "owner", result)
    return result


async def reset_password(session: AsyncSession, account: Account, password: str) -> PasswordSet:
    """A reset by someone other than the owner: every session ends and every API token is revoked."""
    account.password_hash = passwords.hash_password(password)
    ended = await sessions.end_all(session, account.id)
    revoked = await tokens.revoke_all(session, account, "password reset")
    result = PasswordSet(sessions_ended=ended, tokens_revoked=len(revoked))
    await _audit_password(session, account, "reset", result)
    return result


async def _audit_password(session: AsyncSession, account: Account, by: str, result: PasswordSet) -> None:
    detail = {"by": by, "sessions_ended": result.sessions_ended, "tokens_revoked": result.tokens_revoked}
    await audit.record(
        session, AuditAction.ACCOUNT_PASSWORD_SET, SubjectType.ACCOUNT, account.email, detail, roles=("admin",)
    )


async def set_active(session: AsyncSession, account: Account, active: bool) -> None:
    """Deactivating also ends every session of the account at once."""
    changed = account.active != active
    account.active = active
    if not active:
        await sessions.end_all(session, account.id)
    if changed:
        action = AuditAction.ACCOUNT_ACTIVATED if active else AuditAction.ACCOUNT_DEACTIVATED
        await audit.record(session, action, SubjectType.ACCOUNT, account.email, roles=("admin",))
