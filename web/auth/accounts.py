"""The accounts people sign in with: created by an admin (web) or on the command line."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import AccountRole, NewAccount
from models.audit import AuditAction, SubjectType
from models.tables import Account
from privacy import audit
from web.auth import passwords


class AccountExists(Exception):
    """An account with that email address already exists."""


def roles_of(account: Account) -> frozenset[AccountRole]:
    return frozenset(AccountRole(role) for role in account.roles if role in AccountRole.__members__.values())


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
    await audit.record(session, AuditAction.ACCOUNT_CREATED, SubjectType.ACCOUNT, account.email, {"roles": account.roles, "password": bool(new.password)}, roles=("admin",))
    return account


async def all_accounts(session: AsyncSession) -> list[Account]:
    return list((await session.execute(select(Account).order_by(Account.email))).scalars())


async def with_role(session: AsyncSession, role: AccountRole) -> list[Account]:
    """Active accounts holding ``role`` (JSON lists are filtered here, the same way on SQLite and PostgreSQL)."""
    return [account for account in await all_accounts(session) if account.active and role.value in account.roles]


async def authenticate(session: AsyncSession, email: str, password: str) -> Account | None:
    """The active account when the password is right, else None; a wrong email costs as much time as a wrong password."""
    account = await by_email(session, email)
    if not passwords.verify(account.password_hash if account else None, password):
        return None
    if not account.active:
        return None
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
    return account


async def set_password(session: AsyncSession, account: Account, password: str) -> None:
    account.password_hash = passwords.hash_password(password)
    await audit.record(session, AuditAction.ACCOUNT_PASSWORD_SET, SubjectType.ACCOUNT, account.email, roles=("admin",))


async def set_active(session: AsyncSession, account: Account, active: bool) -> None:
    """Deactivating also ends every session of the account at once."""
    from web.auth import sessions

    changed = account.active != active
    account.active = active
    if not active:
        await sessions.end_all(session, account.id)
    if changed:
        action = AuditAction.ACCOUNT_ACTIVATED if active else AuditAction.ACCOUNT_DEACTIVATED
        await audit.record(session, action, SubjectType.ACCOUNT, account.email, roles=("admin",))
