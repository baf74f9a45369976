"""The organisation's contacts and policy, kept in the database and editable by HR."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from config import Settings
from models.audit import AuditAction, SubjectType
from models.organisation import Contact, Contacts, Organisation, RoleMailbox
from models.policy import Policy
from models.recorded import RECORDED
from models.tables import OrganisationRow, RoleMailboxRow
from privacy import audit

DEFAULT_ID = "default"


def _from_row(row: OrganisationRow, public_url: str, mailboxes: Sequence[RoleMailbox] = ()) -> Organisation:
    return Organisation(
        name=row.name,
        country=row.country,
        hr=Contact(email=row.hr_email, language=row.hr_language),
        facilities=Contact(email=row.facilities_email, language=row.facilities_language),
        public_url=public_url,
        policy=Policy.model_validate(row.policy, context=RECORDED),
        mailboxes=list(mailboxes),
    )


def _row_from_settings(settings: Settings) -> OrganisationRow:
    return OrganisationRow(
        id=DEFAULT_ID,
        name=settings.organisation_name,
        country=settings.organisation_country,
        hr_email=settings.hr_email,
        hr_language=settings.hr_language,
        facilities_email=settings.facilities_email,
        facilities_language=settings.facilities_language,
        policy=Policy().model_dump(mode="json"),
    )


async def load(session: AsyncSession, settings: Settings) -> Organisation:
    """The stored organisation; on first use it is created from the settings with the default policy."""
    return _from_row(await _stored_row(session, settings), settings.public_url, await role_mailboxes(session))


async def salutation(connection: AsyncConnection) -> str:
    """The organisation's choice of greeting alone (``Policy.salutation``), the default before the organisation is
    stored: every batch of mail reads it, so it is one column read, not the whole organisation."""
    stored = await connection.scalar(select(OrganisationRow.policy).where(OrganisationRow.id == DEFAULT_ID))
    return Policy.model_validate(stored or {}, context=RECORDED).salutation


async def _stored_row(session: AsyncSession, settings: Settings) -> OrganisationRow:
    row = await session.get(OrganisationRow, DEFAULT_ID)
    if row is None:
        try:
            async with session.begin_nested():
                row = _row_from_settings(settings)
                session.add(row)
        except IntegrityError:
            # Another request created it first: theirs is the one.
            row = await session.get(OrganisationRow, DEFAULT_ID, populate_existing=True)
    if row is None:
        raise LookupError("the organisation was removed while this request created it")
    return row


async def role_mailboxes(session: AsyncSession) -> list[RoleMailbox]:
    """The shared mailboxes the organisation defined besides HR and IT/facilities."""
    rows = (await session.execute(select(RoleMailboxRow).order_by(RoleMailboxRow.name))).scalars()
    return [RoleMailbox(key=row.key, name=row.name, email=row.email, language=row.language) for row in rows]


async def update_policy(session: AsyncSession, settings: Settings, policy: Policy) -> Organisation:
    row = await _stored_row(session, settings)
    before, after = row.policy, policy.model_dump(mode="json")
    row.policy = after
    # Field names only: the values are in the policy itself, and a free-text field would not belong in the log.
    changed = sorted(name for name in after if before.get(name) != after[name])
    await audit.record(
        session, AuditAction.POLICY_CHANGED, SubjectType.POLICY, DEFAULT_ID, {"changed": changed}, roles=("admin", "hr")
    )
    return _from_row(row, settings.public_url, await role_mailboxes(session))


async def update_contacts(session: AsyncSession, settings: Settings, contacts: Contacts) -> Organisation:
    """Who cases registered from now on tell; running cases keep the contacts they started with."""
    row = await _stored_row(session, settings)
    before = (row.hr_email, row.hr_language, row.facilities_email, row.facilities_language)
    row.hr_email, row.hr_language = str(contacts.hr.email), contacts.hr.language
    row.facilities_email, row.facilities_language = str(contacts.facilities.email), contacts.facilities.language
    after = (row.hr_email, row.hr_language, row.facilities_email, row.facilities_language)
    changed = [
        name
        for name, old, new in zip(
            ("hr_email", "hr_language", "facilities_email", "facilities_language"), before, after, strict=False
        )
        if old != new
    ]
    await audit.record(
        session,
        AuditAction.CONTACTS_CHANGED,
        SubjectType.POLICY,
        DEFAULT_ID,
        {"changed": changed},
        roles=("admin", "hr"),
    )
    return _from_row(row, settings.public_url, await role_mailboxes(session))
