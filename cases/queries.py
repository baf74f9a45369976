"""Reading cases for lists, dashboards and access checks: the database only, never the workflows.

Temporal queries serve one case's live detail; a list of thousands reads the read model that every case keeps
current (models/read_model.py). Every list here is paged and says how many there are in all."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession

from models.case import CaseStatus
from models.handover import EquipmentState, TaskState
from models.tables import Case, CaseEventRow, CaseItemRow, CaseTaskRow

T = TypeVar("T")
MAX_PAGE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset > 0 else None


class CaseSort(StrEnum):
    LAST_DAY = "last_working_day"
    NAME = "employee_name"
    DEPARTMENT = "department"
    PROGRESS = "progress"
    REGISTERED = "created_at"


@dataclass(frozen=True)
class CaseFilter:
    search: str = ""
    status: str | None = None
    department: str | None = None
    departure_type: str | None = None
    interview_status: str | None = None
    # Only open cases with a task still open that was due before this day.
    overdue_on: date | None = None
    last_day_from: date | None = None
    last_day_until: date | None = None
    manager_email: str | None = None
    sort: CaseSort = CaseSort.LAST_DAY
    descending: bool = False


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _searched(search: str) -> list:
    """The case's employee name or number contains ``search`` (any capitals); nothing when it is blank."""
    if not search.strip():
        return []
    pattern = f"%{_escaped(search.strip().lower())}%"
    return [
        or_(
            func.lower(Case.employee_name).like(pattern, escape="\\"),
            func.lower(Case.employee_id).like(pattern, escape="\\"),
        )
    ]


def _case_conditions(wanted: CaseFilter) -> list:
    conditions = _searched(wanted.search)
    for column, value in (
        (Case.status, wanted.status),
        (Case.department, wanted.department),
        (Case.departure_type, wanted.departure_type),
        (Case.interview_status, wanted.interview_status),
    ):
        if value:
            conditions.append(column == value)
    if wanted.manager_email:
        conditions.append(Case.manager_email == wanted.manager_email.lower())
    if wanted.last_day_from:
        conditions.append(Case.last_working_day >= wanted.last_day_from)
    if wanted.last_day_until:
        conditions.append(Case.last_working_day <= wanted.last_day_until)
    if wanted.overdue_on:
        conditions.append(Case.status == CaseStatus.OPEN.value)
        conditions.append(Case.next_due_date < wanted.overdue_on)
    return conditions


def _case_order(wanted: CaseFilter) -> list:
    progress = when(
        ((Case.tasks_total + Case.items_total) == 0, 1.0),
        else_=(Case.tasks_done + Case.items_returned) * 1.0 / (Case.tasks_total + Case.items_total),
    )
    column = {
        CaseSort.LAST_DAY: Case.last_working_day,
        CaseSort.NAME: func.lower(Case.employee_name),
        CaseSort.DEPARTMENT: func.lower(Case.department),
        CaseSort.PROGRESS: progress,
        CaseSort.REGISTERED: Case.created_at,
    }[wanted.sort]
    return [column.desc() if wanted.descending else column.asc(), Case.id]


async def _paged(session: AsyncSession, query: Select, count: Select, offset: int, limit: int) -> Page:
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    total = (await session.execute(count)).scalar_one()
    rows = list((await session.execute(query.offset(offset).limit(limit))).all())
    return Page(items=rows, total=total, offset=offset, limit=limit)


async def list_cases(
    session: AsyncSession, wanted: CaseFilter = CaseFilter(), *, offset: int = 0, limit: int = 50
) -> Page[Case]:
    conditions = _case_conditions(wanted)
    query = select(Case).where(*conditions).order_by(*_case_order(wanted))
    count = select(func.count()).select_from(Case).where(*conditions)
    page = await _paged(session, query, count, offset, limit)
    return Page(items=[row[0] for row in page.items], total=page.total, offset=page.offset, limit=page.limit)


def _addressed(column_email, column_mailbox, email: str, mailboxes: frozenset[str] | set[str]):
    # The read model keeps addresses in lower case (migration 0014, activities.read_model): compared as they are,
    # so that the lists use their indexes rather than read every row.
    mine = column_email == email.lower()
    return or_(mine, column_mailbox.in_(sorted(mailboxes))) if mailboxes else mine


def _of_cases_found(column, search: str) -> list:
    """Rows of a case whose employee name or number contains ``search``; nothing when it is blank."""
    searched = _searched(search)
    return [column.in_(select(Case.id).where(*searched))] if searched else []


async def _rows_with_cases(session: AsyncSession, query: Select, count: Select, offset: int, limit: int) -> Page:
    """A page of task or equipment rows, each with its case. The rows are chosen on their own columns and the cases
    read for the page only: a join would let the planner walk every open case first (PostgreSQL did, at 10,000)."""
    page = await _paged(session, query, count, offset, limit)
    rows = [row[0] for row in page.items]
    wanted = {row.case_id for row in rows}
    cases = {case.id: case for case in (await session.scalars(select(Case).where(Case.id.in_(wanted)))).all()}
    # A case erased between the two reads is left out of the page rather than shown half.
    items = [(row, cases[row.case_id]) for row in rows if row.case_id in cases]
    return Page(items=items, total=page.total, offset=page.offset, limit=page.limit)


async def tasks_for(
    session: AsyncSession,
    email: str,
    mailboxes: set[str] | frozenset[str] = frozenset(),
    *,
    done: bool = False,
    search: str = "",
    offset: int = 0,
    limit: int = 50,
) -> Page[tuple[CaseTaskRow, Case]]:
    """The tasks given to ``email`` or owned by one of its shared ``mailboxes``: open ones of open cases by due date
    (the case ending sooner first), done ones latest first; ``search``: only those for a departure whose employee
    name or number contains it."""
    state = TaskState.DONE.value if done else TaskState.OPEN.value
    conditions = [
        _addressed(CaseTaskRow.assignee_email, CaseTaskRow.owner_mailbox, email, mailboxes),
        CaseTaskRow.state == state,
        *_of_cases_found(CaseTaskRow.case_id, search),
    ]
    if not done:
        conditions.append(CaseTaskRow.case_open == true())
    order = [CaseTaskRow.completed_at.desc()] if done else [CaseTaskRow.due_date, CaseTaskRow.case_last_day]
    query = select(CaseTaskRow).where(*conditions).order_by(*order, CaseTaskRow.id)
    count = select(func.count()).select_from(CaseTaskRow).where(*conditions)
    return await _rows_with_cases(session, query, count, offset, limit)


async def items_for(
    session: AsyncSession,
    email: str,
    mailboxes: set[str] | frozenset[str] = frozenset(),
    *,
    returned: bool = False,
    search: str = "",
    offset: int = 0,
    limit: int = 50,
) -> Page[tuple[CaseItemRow, Case]]:
    """The equipment ``email`` (or one of its shared ``mailboxes``) is to receive, by last working day; or what came
    back; ``search``: only for a departure whose employee name or number contains it."""
    conditions = [
        _addressed(CaseItemRow.custodian_email, CaseItemRow.custodian_mailbox, email, mailboxes),
        *_of_cases_found(CaseItemRow.case_id, search),
    ]
    if returned:
        conditions.append(CaseItemRow.state != EquipmentState.OUT.value)
        order: list[ColumnElement[Any]] = [CaseItemRow.returned_at.desc()]
    else:
        conditions += [CaseItemRow.state == EquipmentState.OUT.value, CaseItemRow.case_open == true()]
        order = [CaseItemRow.case_last_day.asc()]
    query = select(CaseItemRow).where(*conditions).order_by(*order, CaseItemRow.id)
    count = select(func.count()).select_from(CaseItemRow).where(*conditions)
    return await _rows_with_cases(session, query, count, offset, limit)


async def interviews_for(
    session: AsyncSession, interviewer_email: str | None, *, offset: int = 0, limit: int = 50
) -> Page[Case]:
    """Open interviews: those of ``interviewer_email``, or all of them (``None``, for HR), the soonest first."""
    conditions = [
        Case.status == CaseStatus.OPEN.value,
        Case.interview_status.in_(("invited", "scheduled", "awaiting_hr")),
    ]
    if interviewer_email is not None:
        conditions.append(Case.interviewer_email == interviewer_email.lower())
    query = (
        select(Case)
        .where(*conditions)
        .order_by(Case.interview_start.is_(None), Case.interview_start, Case.last_working_day, Case.id)
    )
    count = select(func.count()).select_from(Case).where(*conditions)
    page = await _paged(session, query, count, offset, limit)
    return Page(items=[row[0] for row in page.items], total=page.total, offset=page.offset, limit=page.limit)


async def tasks_of(session: AsyncSession, case_id: str) -> list[CaseTaskRow]:
    query = select(CaseTaskRow).where(CaseTaskRow.case_id == case_id).order_by(CaseTaskRow.position)
    return list((await session.execute(query)).scalars())


async def items_of(session: AsyncSession, case_id: str) -> list[CaseItemRow]:
    query = select(CaseItemRow).where(CaseItemRow.case_id == case_id).order_by(CaseItemRow.position)
    return list((await session.execute(query)).scalars())


async def timeline_of(session: AsyncSession, case_id: str) -> list[CaseEventRow]:
    query = (
        select(CaseEventRow)
        .where(CaseEventRow.case_id == case_id)
        .order_by(CaseEventRow.at, CaseEventRow.source, CaseEventRow.seq)
    )
    return list((await session.execute(query)).scalars())


class Involvement(StrEnum):
    MANAGER = "manager"
    ASSIGNEE = "assignee"
    CUSTODIAN = "custodian"
    INTERVIEWER = "interviewer"


async def involvement(
    session: AsyncSession, case_id: str, email: str, mailboxes: set[str] | frozenset[str] = frozenset()
) -> set[Involvement]:
    """How ``email`` takes part in the case: as its manager, with a task, with equipment to receive, as interviewer.
    Empty for a stranger to the case and for a case that does not exist alike."""
    case = await session.get(Case, case_id)
    if case is None:
        return set()
    found: set[Involvement] = set()
    if case.manager_email.lower() == email.lower():
        found.add(Involvement.MANAGER)
    if case.interviewer_email and case.interviewer_email.lower() == email.lower():
        found.add(Involvement.INTERVIEWER)
    task = (
        select(CaseTaskRow.id)
        .where(
            CaseTaskRow.case_id == case_id,
            _addressed(CaseTaskRow.assignee_email, CaseTaskRow.owner_mailbox, email, mailboxes),
        )
        .limit(1)
    )
    if (await session.execute(task)).first():
        found.add(Involvement.ASSIGNEE)
    item = (
        select(CaseItemRow.id)
        .where(
            CaseItemRow.case_id == case_id,
            _addressed(CaseItemRow.custodian_email, CaseItemRow.custodian_mailbox, email, mailboxes),
        )
        .limit(1)
    )
    if (await session.execute(item)).first():
        found.add(Involvement.CUSTODIAN)
    return found


@dataclass(frozen=True)
class Dashboard:
    open_cases: int
    last_days_this_week: int
    last_days_this_month: int
    overdue_tasks: int
    overdue_by_owner: list[tuple[str, str | None, int]]
    items_out_after_last_day: int
    interviews: dict[str, int]
    unpublished: int


async def dashboard(session: AsyncSession, today: date, week_end: date, month_end: date) -> Dashboard:
    """HR's overview: open cases, last working days coming, what is late and with whom, the interview pipeline."""
    is_open = Case.status == CaseStatus.OPEN.value
    open_cases = (await session.execute(select(func.count()).select_from(Case).where(is_open))).scalar_one()

    def in_range(end: date) -> Select:
        return (
            select(func.count())
            .select_from(Case)
            .where(is_open, Case.last_working_day >= today, Case.last_working_day <= end)
        )

    this_week = (await session.execute(in_range(week_end))).scalar_one()
    this_month = (await session.execute(in_range(month_end))).scalar_one()
    late = and_(CaseTaskRow.state == TaskState.OPEN.value, CaseTaskRow.due_date < today, is_open)
    per_owner = (
        select(CaseTaskRow.assignee_email, CaseTaskRow.owner_mailbox, func.count())
        .join(Case, Case.id == CaseTaskRow.case_id)
        .where(late)
        .group_by(CaseTaskRow.assignee_email, CaseTaskRow.owner_mailbox)
        .order_by(func.count().desc(), CaseTaskRow.assignee_email)
    )
    overdue_by_owner = [(email, mailbox, count) for email, mailbox, count in (await session.execute(per_owner)).all()]
    items_late = (
        select(func.count())
        .select_from(CaseItemRow)
        .join(Case, Case.id == CaseItemRow.case_id)
        .where(CaseItemRow.state == EquipmentState.OUT.value, Case.last_working_day < today, is_open)
    )
    pipeline = (
        select(Case.interview_status, func.count())
        .where(is_open, Case.interview_status.is_not(None))
        .group_by(Case.interview_status)
    )
    interviews = {
        status: count for status, count in (await session.execute(pipeline)).all() if status is not None
    }  # none are: see the query
    unpublished = (
        await session.execute(select(func.count()).select_from(Case).where(is_open, Case.read_version.is_(None)))
    ).scalar_one()
    return Dashboard(
        open_cases=open_cases,
        last_days_this_week=this_week,
        last_days_this_month=this_month,
        overdue_tasks=sum(count for _, _, count in overdue_by_owner),
        overdue_by_owner=overdue_by_owner,
        items_out_after_last_day=(await session.execute(items_late)).scalar_one(),
        interviews=interviews,
        unpublished=unpublished,
    )
