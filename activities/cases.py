"""Case records in the database. Every write is idempotent: a retried activity changes nothing twice."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.access import access_method_of
from activities.read_model import rows_follow_case
from config import Settings
from db.rows import stored
from models.case import CaseStatus
from models.organisation import Organisation
from models.records import (
    CaseOpening,
    CasePlan,
    CaseSummary,
    CloseCaseInput,
    InterviewStatusInput,
    LoadOrganisationInput,
    MoveLastDayRecord,
    OpenCaseInput,
    PlanCaseInput,
    RecordWithdrawalInput,
    StoreCaseInput,
)
from models.registration import Registration
from models.tables import Case, utcnow
from organisation import checklists, store
from planning import workdays


class CaseActivities:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._settings = settings
        self._sessions = sessions

    @activity.defn
    async def open_case(self, input: OpenCaseInput) -> CaseOpening:
        """Everything a new case needs before its announcement, in one round trip: the case stored (once), the
        organisation, checklist and working days it is planned with, the webhook URLs and how access ends."""
        employee = input.registration.employee
        plan_input = PlanCaseInput(
            department=employee.department,
            job_title=employee.job_title,
            last_working_day=input.registration.departure.last_working_day,
        )
        async with self._sessions.begin() as session:
            await self._store(session, input)
            plan = await self._plan(session, plan_input)
        return CaseOpening(
            plan=plan, webhook_urls=list(self._settings.webhook_urls), access_method=access_method_of(self._settings)
        )

    @activity.defn
    async def store_case(self, input: StoreCaseInput) -> None:
        """The case's row (cases opened before opening-in-one-v1, and tests that need a stored case)."""
        async with self._sessions.begin() as session:
            await self._store(session, input)

    @activity.defn
    async def plan_case(self, input: PlanCaseInput) -> CasePlan:
        """The organisation's contacts and policy and the checklist for this department and role, read once per case
        (cases opened before opening-in-one-v1)."""
        async with self._sessions.begin() as session:
            return await self._plan(session, input)

    @staticmethod
    async def _store(session: AsyncSession, input: StoreCaseInput | OpenCaseInput) -> None:
        if await session.get(Case, input.case_id) is None:
            session.add(new_case(input.case_id, input.registration))

    async def _plan(self, session: AsyncSession, input: PlanCaseInput) -> CasePlan:
        organisation = await store.load(session, self._settings)
        items = await checklists.items_for(session, input.department, input.job_title, organisation.country)
        today = date.today()
        # Enough years for any due date, move of the last day, or interview after it.
        calendar = workdays.calendar_for(organisation.country, range(today.year - 1, input.last_working_day.year + 3))
        return CasePlan(organisation=organisation, checklist=items, calendar=calendar)

    @activity.defn
    async def move_last_day(self, input: MoveLastDayRecord) -> None:
        async with self._sessions.begin() as session:
            case = await stored(session, Case, input.case_id, with_for_update=True)
            case.last_working_day = input.last_working_day
            await rows_follow_case(session, case)

    @activity.defn
    async def set_interview_status(self, input: InterviewStatusInput) -> None:
        async with self._sessions.begin() as session:
            case = await stored(session, Case, input.case_id, with_for_update=True)
            case.interview_status = input.status.value

    @activity.defn
    async def record_withdrawal(self, input: RecordWithdrawalInput) -> bool:
        """The case withdrawn in the database, stored first if its workflow failed before storing it. False when
        it had closed already: then there is nothing to withdraw (and nobody to tell)."""
        async with self._sessions.begin() as session:
            case = await session.get(Case, input.case_id, with_for_update=True)
            if case is None:
                case = new_case(input.case_id, input.registration)
                session.add(case)
            if case.status != CaseStatus.OPEN.value:
                return case.status == CaseStatus.WITHDRAWN.value
            summary = CaseSummary(
                status=CaseStatus.WITHDRAWN,
                open_tasks=[],
                missing_equipment=[],
                interview_status=case.interview_status,
                reason=input.reason,
            )
            case.status = CaseStatus.WITHDRAWN.value
            case.summary = summary.model_dump(mode="json")
            case.closed_at = case.closed_at or utcnow()
            await rows_follow_case(session, case)
            return True

    @activity.defn
    async def load_organisation(self, input: LoadOrganisationInput) -> Organisation:
        async with self._sessions.begin() as session:
            return await store.load(session, self._settings)

    @activity.defn
    async def close_case(self, input: CloseCaseInput) -> None:
        async with self._sessions.begin() as session:
            case = await stored(session, Case, input.case_id, with_for_update=True)
            case.status = input.summary.status.value
            case.summary = input.summary.model_dump(mode="json")
            case.closed_at = case.closed_at or utcnow()
            await rows_follow_case(session, case)


def new_case(case_id: str, reg: Registration) -> Case:
    """The case as it is stored when it starts."""
    return Case(
        id=case_id,
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
