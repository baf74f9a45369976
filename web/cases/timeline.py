"""What HR's case page shows of a case's progress: its tasks, equipment, steps and timeline, read from the read model
(models/read_model.py); for a case that has published nothing yet (opened before the read model), from its live view."""

from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cases import queries
from models.tables import Case
from web.cases.schemas import CaseDetail


@dataclass(frozen=True)
class Event:
    at: datetime
    event: str
    detail: str
    source: str = "case"


@dataclass
class CaseParts:
    row: Case | None
    tasks: list[Any] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    timeline: list[Event] = field(default_factory=list)
    steps: dict[str, str] = field(default_factory=dict)

    def late(self, today: date) -> bool:
        """Something is late now: an open task past its due date, or equipment still out after the last day."""
        if self.row is not None and self.row.status != "open":
            return False
        last_day = self.row.last_working_day if self.row is not None else None
        return any(t.state == "open" and t.due_date < today for t in self.tasks) or any(
            i.state == "out" and last_day is not None and last_day < today for i in self.items
        )

    @property
    def next_due(self) -> date | None:
        return min((t.due_date for t in self.tasks if t.state == "open"), default=None)


def _from_live(view) -> dict[str, Any]:
    tasks = [
        SimpleNamespace(
            task_id=t.id,
            title=t.title,
            assignee_email=str(t.assignee_email),
            owner_mailbox=t.owner_mailbox,
            due_date=t.due_date,
            state=t.state.value,
            completed_by=t.completed_by,
            completed_at=t.completed_at,
            comments=t.comments,
            escalated=t.escalated,
        )
        for t in view.tasks
    ]
    items = [
        SimpleNamespace(
            item_id=i.id,
            name=i.name,
            custodian_email=str(i.custodian_email),
            custodian_mailbox=i.custodian_mailbox,
            state=i.state.value,
            returned_at=i.returned_at,
            confirmed_by=i.confirmed_by,
            note=i.note,
            escalated=i.escalated,
            kind=i.kind.value,
            asset_tag=i.asset_tag,
            settlement=i.settlement,
            settlement_note=i.settlement_note,
        )
        for i in view.equipment
    ]
    timeline = [Event(entry.at, entry.event, entry.detail) for entry in view.timeline]
    return {
        "tasks": tasks,
        "items": items,
        "timeline": timeline,
        "steps": {step.value: state.value for step, state in view.steps.items()},
    }


async def case_parts(session: AsyncSession, case: CaseDetail) -> CaseParts:
    row = await session.get(Case, case.case_id)
    if row is not None and row.read_version is not None:
        events = [Event(e.at, e.event, e.detail, e.source) for e in await queries.timeline_of(session, row.id)]
        return CaseParts(
            row,
            await queries.tasks_of(session, row.id),
            await queries.items_of(session, row.id),
            events,
            dict(row.steps or {}),
        )
    if case.live is not None:
        return CaseParts(row, **_from_live(case.live))
    return CaseParts(row)
