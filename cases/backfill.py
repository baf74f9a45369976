"""Cases opened before the read model existed publish nothing until asked: at start, the worker asks every open case
that has published nothing to do so (its ``refresh_read_model`` signal), so that the lists show it too."""

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from cases import service
from models.case import CaseStatus
from models.tables import Case

log = logging.getLogger(__name__)


async def unpublished_cases(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        query = (
            select(Case.id).where(Case.status == CaseStatus.OPEN.value, Case.read_version.is_(None)).order_by(Case.id)
        )
        return list((await session.execute(query)).scalars())


async def ask_to_publish(client: Client, sessions: async_sessionmaker[AsyncSession]) -> int:
    """Signal each open case without a publication; how many were asked. A case that cannot be reached now is asked
    again at the next start."""
    asked = 0
    for case_id in await unpublished_cases(sessions):
        try:
            await service.refresh_read_model(client, case_id)
            asked += 1
        except service.CaseUnavailable:
            log.warning(
                "case %s could not be asked to publish its state; it is asked again when a worker starts", case_id
            )
    if asked:
        log.info("asked %d open cases opened before the read model to publish their state", asked)
    return asked
