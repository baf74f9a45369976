"""The organisation's questionnaire in versions: each save adds one, and nothing ever changes a version once kept,
so every interview can be read again with the questions it was held with."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.interview_template import InterviewTemplate
from models.tables import InterviewTemplateRow
from questionnaires.default import DEFAULT

FIRST = 1


@dataclass(frozen=True)
class Version:
    number: int
    template: InterviewTemplate
    created_by: str = ""
    created_at: datetime | None = None


def _version(row: InterviewTemplateRow) -> Version:
    return Version(row.version, InterviewTemplate.model_validate(row.template), row.created_by, row.created_at)


async def _add(session: AsyncSession, number: int, template: InterviewTemplate, by: str) -> Version:
    row = InterviewTemplateRow(version=number, template=template.model_dump(mode="json"), created_by=by)
    async with session.begin_nested():
        session.add(row)
    return _version(row)


async def current(session: AsyncSession) -> Version:
    """The version interviews are held with now; the first time, the seeds' questionnaire becomes version 1."""
    row = (
        await session.execute(select(InterviewTemplateRow).order_by(InterviewTemplateRow.version.desc()).limit(1))
    ).scalar_one_or_none()
    if row is not None:
        return _version(row)
    try:
        return await _add(session, FIRST, DEFAULT, "")
    except IntegrityError:  # another request kept it a moment earlier
        return await current(session)


async def version(session: AsyncSession, number: int | None) -> Version:
    """A kept version; a record from before versions existed, or a version unknown here, reads with the current one."""
    if number is not None:
        row = (
            await session.execute(select(InterviewTemplateRow).where(InterviewTemplateRow.version == number))
        ).scalar_one_or_none()
        if row is not None:
            return _version(row)
    return await current(session)


async def history(session: AsyncSession) -> list[Version]:
    rows = (await session.execute(select(InterviewTemplateRow).order_by(InterviewTemplateRow.version.desc()))).scalars()
    return [_version(row) for row in rows]


async def save(session: AsyncSession, template: InterviewTemplate, by: str) -> Version:
    """``template`` as the next version; the caller commits."""
    await current(session)
    while True:
        latest = (await session.execute(select(func.max(InterviewTemplateRow.version)))).scalar_one()
        try:
            return await _add(session, latest + 1, template, by)
        except IntegrityError:  # another save took that number: take the next
            continue
