"""The interviewer's preparation of an exit interview (001: "overloop voor jezelf de loopbaan"; 002: "welke
functies heeft hij of zij vervuld en binnen welke afdelingen"): the career as the registrations tell it, and where
the interviewer saw the employee excel, for the appreciative close.

The note is the interviewer's and HR's only; every sight and every change of it is on the audit log. It goes
with the draft once the record is submitted, and with the case at retention."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import AuditAction, SubjectType
from models.tables import Case, InterviewerPreparation, utcnow
from privacy import audit

MAX_NOTE = 4000


@dataclass(frozen=True)
class Post:
    """One registered employment of the person: a departure on record, this one or an earlier one."""

    job_title: str
    department: str
    start_date: date | None
    last_working_day: date
    departure_type: str
    current: bool


@dataclass(frozen=True)
class Career:
    start_date: date | None
    years_of_service: int | None
    posts: list[Post]

    @property
    def job_titles(self) -> list[str]:
        return list(dict.fromkeys(post.job_title for post in self.posts))

    @property
    def departments(self) -> list[str]:
        return list(dict.fromkeys(post.department for post in self.posts))


def full_years(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _start_date(row: Case) -> date | None:
    given = ((row.registration or {}).get("employee") or {}).get("start_date")
    return date.fromisoformat(given) if given else None


async def career(session: AsyncSession, row: Case) -> Career:
    """This case and the person's earlier ones (same employee number, registered before it), latest first."""
    earlier = (
        await session.execute(
            select(Case)
            .where(Case.employee_id == row.employee_id, Case.id != row.id, Case.notice_date <= row.notice_date)
            .order_by(Case.notice_date.desc())
        )
    ).scalars()
    posts = [
        Post(
            job_title=case.job_title,
            department=case.department,
            start_date=_start_date(case),
            last_working_day=case.last_working_day,
            departure_type=case.departure_type,
            current=case.id == row.id,
        )
        for case in [row, *earlier]
    ]
    start = _start_date(row)
    return Career(
        start_date=start,
        years_of_service=full_years(start, row.last_working_day) if start else None,
        posts=posts,
    )


async def _note(session: AsyncSession, case_id: str) -> InterviewerPreparation | None:
    return (
        await session.execute(select(InterviewerPreparation).where(InterviewerPreparation.case_id == case_id))
    ).scalar_one_or_none()


async def _log(session: AsyncSession, action: AuditAction, row: Case, where: str) -> None:
    await audit.record(
        session,
        action,
        SubjectType.PERSON,
        row.employee_id or row.id,
        {"case_id": row.id, "part": "preparation", "shown_on": where}
        if where
        else {"case_id": row.id, "part": "preparation"},
        roles=("interviewer", "hr"),
    )


async def read(session: AsyncSession, row: Case, where: str) -> str:
    """Where the interviewer saw the employee excel, as noted; the sight is on the audit log (``where``: which page)."""
    note = await _note(session, row.id)
    if note is None or not note.excelled:
        return ""
    await _log(session, AuditAction.INTERVIEW_READ, row, where)
    return note.excelled


async def save(session: AsyncSession, row: Case, author: str, excelled: str) -> None:
    note = await _note(session, row.id)
    text = excelled.strip()[:MAX_NOTE]
    if note is None:
        session.add(InterviewerPreparation(case_id=row.id, author_email=author, excelled=text))
    else:
        note.excelled, note.author_email, note.updated_at = text, author, utcnow()
    await _log(session, AuditAction.INTERVIEW_WRITTEN, row, "")
    await session.flush()


async def discard(session: AsyncSession, case_id: str) -> None:
    """The note has served its purpose once the interview is recorded."""
    await session.execute(delete(InterviewerPreparation).where(InterviewerPreparation.case_id == case_id))
