"""The report policy, kept in ``report_settings`` so HR can change it without a deployment."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.rows import stored
from models.report import ReportPolicy
from reports.tables import ReportSettingsRow

DEFAULT_ID = "default"


async def load(session: AsyncSession, *, for_update: bool = False) -> ReportPolicy:
    """The stored policy; the migration stores the defaults, and a missing row is recreated with them.

    ``for_update`` holds the row until the transaction ends: making a report does, so that two reports
    are never made side by side for overlapping periods."""
    if for_update:
        await session.execute(select(ReportSettingsRow.id).where(ReportSettingsRow.id == DEFAULT_ID).with_for_update())
    row = await session.get(ReportSettingsRow, DEFAULT_ID)
    if row is None:
        try:
            async with session.begin_nested():
                row = ReportSettingsRow(id=DEFAULT_ID, policy=ReportPolicy().model_dump(mode="json"))
                session.add(row)
        except IntegrityError:
            row = await session.get(ReportSettingsRow, DEFAULT_ID, populate_existing=True)
    if row is None:
        raise LookupError("the report settings were removed while this request created them")
    return ReportPolicy.model_validate(row.policy)


async def update(session: AsyncSession, policy: ReportPolicy) -> ReportPolicy:
    await load(session)
    row = await stored(session, ReportSettingsRow, DEFAULT_ID)
    row.policy = policy.model_dump(mode="json")
    return policy
