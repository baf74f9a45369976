"""Case records in the database. Every write is idempotent: a retried activity changes nothing twice."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from models.case import CaseStatus
from models.records import CaseStatusInput, StoreCaseInput
from models.tables import Case, utcnow


class CaseActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn
    async def store_case(self, input: StoreCaseInput) -> None:
        reg = input.registration
        async with self._sessions.begin() as session:
            if await session.get(Case, input.case_id) is not None:
                return
            session.add(
                Case(
                    id=input.case_id,
                    employee_id=reg.employee.id,
                    employee_name=reg.employee.name,
                    work_email=str(reg.employee.work_email),
                    private_email=str(reg.employee.private_email) if reg.employee.private_email else None,
                    language=reg.employee.language,
                    department=reg.employee.department,
                    job_title=reg.employee.job_title,
                    manager_name=reg.manager.name,
                    manager_email=str(reg.manager.email),
                    departure_type=reg.departure.type.value,
                    notice_date=reg.departure.notice_date,
                    last_working_day=reg.departure.last_working_day,
                    status=CaseStatus.OPEN.value,
                    registration=reg.model_dump(mode="json"),
                )
            )

    @activity.defn
    async def set_case_status(self, input: CaseStatusInput) -> None:
        async with self._sessions.begin() as session:
            case = (await session.execute(select(Case).where(Case.id == input.case_id).with_for_update())).scalar_one()
            if case.status == input.status.value:
                return
            case.status = input.status.value
            if input.status != CaseStatus.OPEN:
                case.closed_at = utcnow()
