"""One case as the web shows it: the stored record joined with what the running workflow reports."""

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from activities.sending import REJECTED
from cases import service
from cases.errors import CaseUnavailable
from models.access import AccessRevocation
from models.case import CaseStatus, CaseView
from models.tables import Case, SentMail
from web.cases.schemas import AccessEvidence, CaseDetail, CaseRecord, RefusedMail

log = logging.getLogger(__name__)


async def refused_mails(session: AsyncSession, case_id: str) -> list[RefusedMail]:
    """What the mail server refused for good; HR corrects the address (the case itself goes on)."""
    query = (
        select(SentMail)
        .where(SentMail.case_id == case_id, SentMail.status == REJECTED)
        .order_by(SentMail.created_at, SentMail.id)
    )
    return [RefusedMail.model_validate(row) for row in (await session.execute(query)).scalars()]


async def access_evidence(session: AsyncSession, case_id: str) -> AccessEvidence | None:
    row = (
        await session.execute(select(AccessRevocation).where(AccessRevocation.case_id == case_id))
    ).scalar_one_or_none()
    return AccessEvidence.model_validate(row) if row else None


async def load_case(client: Client, session: AsyncSession, case_id: str) -> CaseDetail | None:
    """The case, None when there is no such case; raises CaseUnavailable when it cannot be told (its workflow does
    not answer, and nothing is stored to answer with instead)."""
    record = await session.get(Case, case_id)
    try:
        view = await service.view(client, case_id)
    except CaseUnavailable:
        if record is None:
            raise
        log.warning("case %s did not answer its query; showing the stored record", case_id, exc_info=True)
        view = None
    if view is not None:
        return CaseDetail(
            case_id=case_id,
            status=_status(record, view),
            employee_id=view.employee_id,
            employee_name=view.employee_name,
            department=view.department,
            departure_type=view.departure_type,
            last_working_day=view.last_working_day,
            record=CaseRecord.model_validate(record) if record else None,
            live=view,
            refused_mails=await refused_mails(session, case_id) if record else [],
            access_evidence=await access_evidence(session, case_id) if record else None,
        )
    if record is not None:
        return CaseDetail(
            case_id=case_id,
            status=record.status,
            employee_id=record.employee_id,
            employee_name=record.employee_name,
            department=record.department,
            departure_type=record.departure_type,
            last_working_day=record.last_working_day,
            record=CaseRecord.model_validate(record),
            live=None,
            refused_mails=await refused_mails(session, case_id),
            access_evidence=await access_evidence(session, case_id),
        )
    return None


def _status(record: Case | None, view: CaseView) -> str:
    """The live status, unless the stored case has ended: a workflow stopped from outside (cases/withdrawal.py)
    still answers with the state it was stopped in."""
    if record is not None and record.status != CaseStatus.OPEN.value:
        return record.status
    return view.status.value
