"""Writes what the case and interview workflows publish into the read model (models/read_model.py).

Idempotent and ordered: the mutable part of a publication is written only when its version is newer than the
stored one, so a retried or late write never undoes a newer state; timeline events are inserted once each."""

from sqlalchemy import delete, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from models.audit import AuditAction, SubjectType
from models.case import CaseStatus
from models.handover import EquipmentState, TaskState
from models.read_model import CaseSnapshot, InterviewSnapshot, PublishedEvent
from models.tables import Case, CaseEventRow, CaseItemRow, CaseTaskRow
from privacy import audit

# Timeline events that also go on the audit log, once each, when they reach the database.
AUDITED = {"task_reopened": AuditAction.TASK_REOPENED, "equipment_reopened": AuditAction.ITEM_REOPENED}


class ReadModelActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn
    async def publish_case(self, snapshot: CaseSnapshot) -> None:
        async with self._sessions.begin() as session:
            case = await session.get(Case, snapshot.case_id, with_for_update=True)
            if case is None:  # erased meanwhile: nothing left to show
                return
            added = await _add_events(session, snapshot.case_id, "case", snapshot.events)
            await _audit(session, case, [event for event in snapshot.events if event.seq in added])
            if case.read_version is not None and case.read_version >= snapshot.version:
                return
            _apply_case(case, snapshot)
            of_case = _of_case(case)
            await session.execute(delete(CaseTaskRow).where(CaseTaskRow.case_id == snapshot.case_id))
            await session.execute(delete(CaseItemRow).where(CaseItemRow.case_id == snapshot.case_id))
            if snapshot.tasks:
                await session.execute(
                    insert(CaseTaskRow),
                    [_task_row(snapshot.case_id, n, task) | of_case for n, task in enumerate(snapshot.tasks)],
                )
            if snapshot.equipment:
                await session.execute(
                    insert(CaseItemRow),
                    [_item_row(snapshot.case_id, n, item) | of_case for n, item in enumerate(snapshot.equipment)],
                )

    @activity.defn
    async def publish_interview(self, snapshot: InterviewSnapshot) -> None:
        async with self._sessions.begin() as session:
            case = await session.get(Case, snapshot.case_id, with_for_update=True)
            if case is None:
                return
            await _add_events(session, snapshot.case_id, "interview", snapshot.events)
            if case.interview_version is not None and case.interview_version >= snapshot.version:
                return
            case.interview_version = snapshot.version
            case.interview_status = snapshot.status.value
            case.interview_start, case.interview_end = snapshot.scheduled_start, snapshot.scheduled_end
            case.interview_online = snapshot.online
            case.interviewer_email = snapshot.interviewer_email.lower() if snapshot.interviewer_email else None
            case.interviewer_name = snapshot.interviewer_name


def _apply_case(case: Case, snapshot: CaseSnapshot) -> None:
    # The status is the close_case activity's to write: a case becomes closed or withdrawn once it has wound down.
    case.read_version = snapshot.version
    case.last_working_day = snapshot.last_working_day
    case.steps = {step.value: state.value for step, state in snapshot.steps.items()}
    open_tasks = [task for task in snapshot.tasks if task.state == TaskState.OPEN]
    case.tasks_total, case.tasks_done = len(snapshot.tasks), len(snapshot.tasks) - len(open_tasks)
    case.items_total = len(snapshot.equipment)
    case.items_returned = sum(1 for item in snapshot.equipment if item.state != EquipmentState.OUT)
    case.next_due_date = min((task.due_date for task in open_tasks), default=None)


async def rows_follow_case(session: AsyncSession, case: Case) -> None:
    """After the case's status or last working day changed outside a publish: its task and equipment rows carry them
    too (the lists read them there, see models.tables.CaseTaskRow)."""
    for table in (CaseTaskRow, CaseItemRow):
        await session.execute(update(table).where(table.case_id == case.id).values(**_of_case(case)))


def _of_case(case: Case) -> dict:
    return {"case_open": case.status == CaseStatus.OPEN.value, "case_last_day": case.last_working_day}


def _task_row(case_id: str, position: int, task) -> dict:
    return {
        "case_id": case_id,
        "task_id": task.id,
        "position": position,
        "title": task.title,
        "assignee_email": str(task.assignee_email).lower(),
        "owner_mailbox": task.owner_mailbox,
        "due_date": task.due_date,
        "state": task.state.value,
        "source": task.source,
        "completed_by": task.completed_by,
        "completed_at": task.completed_at,
        "comments": list(task.comments),
        "escalated": task.escalated,
    }


def _item_row(case_id: str, position: int, item) -> dict:
    return {
        "case_id": case_id,
        "item_id": item.id,
        "position": position,
        "name": item.name,
        "custodian_email": str(item.custodian_email).lower(),
        "custodian_mailbox": item.custodian_mailbox,
        "state": item.state.value,
        "returned_at": item.returned_at,
        "confirmed_by": item.confirmed_by,
        "note": item.note,
        "escalated": item.escalated,
        "kind": item.kind.value,
        "asset_tag": item.asset_tag,
        "settlement": item.settlement,
        "settlement_note": item.settlement_note,
    }


async def _add_events(session: AsyncSession, case_id: str, source: str, events: list[PublishedEvent]) -> set[int]:
    """Insert the events not stored yet; the numbers of those this call inserted."""
    if not events:
        return set()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = [
        {"case_id": case_id, "source": source, "seq": e.seq, "at": e.at, "event": e.event, "detail": e.detail}
        for e in events
    ]
    statement = (
        dialect.insert(CaseEventRow)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["case_id", "source", "seq"])
        .returning(CaseEventRow.seq)
    )
    return set((await session.execute(statement)).scalars())


async def _audit(session: AsyncSession, case: Case, events: list[PublishedEvent]) -> None:
    for event in events:
        if event.event in AUDITED:
            who = audit.Auditor(event.by or "system", frozenset({event.by_role or "system"}))
            await audit.record(
                session,
                AUDITED[event.event],
                SubjectType.PERSON,
                case.employee_id or case.id,
                {"case_id": case.id},
                by=who,
            )
