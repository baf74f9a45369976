"""Whether a person may act on a part of a case at all, read from the database before the case is asked.

The case's own validators decide in the end; this check keeps a stranger from learning anything: whoever is not
involved in a case gets the same answer whether it exists or not, and never a refusal that names its tasks,
counts or status. HR is involved in every case."""

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.handover import AddTask, CompleteTask, ConfirmReturn, ReassignTask, ReopenReturn, ReopenTask
from models.interview import SubmitInterview
from models.tables import Case, CaseItemRow, CaseTaskRow


def _mine(email_column, mailbox_column, email: str, mailboxes: frozenset[str]):
    addressed = func.lower(email_column) == email.lower()
    return addressed | mailbox_column.in_(sorted(mailboxes)) if mailboxes else addressed


async def _has_task(
    session: AsyncSession,
    case_id: str,
    task_id: str,
    email: str,
    mailboxes: frozenset[str],
    *,
    or_manager: bool = False,
) -> bool:
    query = select(
        CaseTaskRow.owner_mailbox, _mine(CaseTaskRow.assignee_email, CaseTaskRow.owner_mailbox, email, mailboxes)
    ).where(CaseTaskRow.case_id == case_id, CaseTaskRow.task_id == task_id)
    row = (await session.execute(query)).first()
    if row is None:
        return False
    mailbox, mine = row
    return bool(mine) or (or_manager and mailbox is None and await _manages(session, case_id, email))


async def _has_item(session: AsyncSession, case_id: str, item_id: str, email: str, mailboxes: frozenset[str]) -> bool:
    query = select(_mine(CaseItemRow.custodian_email, CaseItemRow.custodian_mailbox, email, mailboxes)).where(
        CaseItemRow.case_id == case_id, CaseItemRow.item_id == item_id
    )
    return bool((await session.execute(query)).scalar_one_or_none())


async def _manages(session: AsyncSession, case_id: str, email: str) -> bool:
    case = await session.get(Case, case_id)
    return case is not None and case.manager_email.lower() == email.lower()


async def _interviews(session: AsyncSession, case_id: str, email: str) -> bool:
    case = await session.get(Case, case_id)
    return case is not None and (case.interviewer_email or "").lower() == email.lower()


async def within_reach(
    session: AsyncSession, case_id: str, payload: BaseModel, email: str, mailboxes: frozenset[str] = frozenset()
) -> bool:
    """Whether ``email`` (working for ``mailboxes``) may ask for ``payload`` on this case: their task, their item,
    their case as manager, their interview. False alike for a case that does not exist."""
    match payload:
        case CompleteTask() | ReopenTask():
            return await _has_task(session, case_id, payload.task_id, email, mailboxes)
        case ReassignTask():
            return await _has_task(session, case_id, payload.task_id, email, mailboxes, or_manager=True)
        case AddTask():
            return await _manages(session, case_id, email)
        case ConfirmReturn() | ReopenReturn():
            return await _has_item(session, case_id, payload.item_id, email, mailboxes)
        case SubmitInterview():
            return await _interviews(session, case_id, email)
    return False
