"""Drives one case on the time-skipping server the way its people would."""

import asyncio
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from cases import service
from cases.errors import ActionRejected, CaseUnavailable
from mailsink.store import CapturedMail, MailStore
from models.actors import Actor, Role
from models.interview import AcceptSlot
from models.questionnaire import InterviewRecord
from models.registration import Registration
from models.tables import Case
from planning.workdays import add_working_days, calendar_for
from privacy.codec import decoded_history
from tests.support import SAMPLE_RECORD, eventually, registration_data
from workflows.exit_interview import ExitInterviewWorkflow

STARTED: list["CaseDriver"] = []
HR = Actor(email="hr@example.org", role=Role.HR)
FACILITIES = Actor(email="facilities@example.org", role=Role.CUSTODIAN)
ORGANISATION_ZONE = ZoneInfo("Europe/Amsterdam")


def last_day_in(working_days: int) -> date:
    """``working_days`` after today as the organisation counts them: its own date (Amsterdam), which is already the
    next day during the last hours of a UTC day."""
    today = datetime.now(ORGANISATION_ZONE).date()
    return add_working_days(today, working_days, calendar_for("NL", range(today.year, today.year + 2)))


async def reach_agreed_time(env: WorkflowEnvironment, case_id: str, employee_email: str | None = None):
    """The time-skipping server's clock moved on to the interview's agreed time, from which on it can be recorded; the
    agreed slot. With ``employee_email`` and no time agreed yet, the employee first takes the first proposed time."""
    interview = await service.interview_view(env.client, case_id)
    assert interview is not None
    if interview.scheduled is None and employee_email:
        start = interview.proposed_slots[0].start
        interview = await service.act(
            env.client, case_id, AcceptSlot(actor=Actor(email=employee_email, role=Role.EMPLOYEE), start=start)
        )
    assert interview.scheduled is not None, "no time is agreed"
    now = await env.get_current_time()
    if interview.scheduled.start > now:
        await env.sleep(interview.scheduled.start - now)

    async def open_for_the_record() -> bool:
        view = await service.interview_view(env.client, case_id)
        return view is not None and view.recordable

    await eventually(open_for_the_record)
    return interview.scheduled


@dataclass
class CaseDriver:
    env: WorkflowEnvironment
    mail: MailStore
    sessions: async_sessionmaker[AsyncSession]
    registration: Registration
    case_id: str = ""

    @classmethod
    async def start(cls, env, mail, sessions, task_queue, **overrides: Any) -> "CaseDriver":
        data = registration_data(
            **{
                "notice_date": date.today(),
                "last_working_day": last_day_in(30),
                **overrides,
            }
        )
        registration = Registration.model_validate(data)
        driver = cls(env, mail, sessions, registration)
        driver.case_id = (await service.register(env.client, registration, task_queue)).case_id
        STARTED.append(driver)
        await eventually(driver.view_has_tasks)
        return driver

    @property
    def employee(self) -> Actor:
        return Actor(email=self.registration.employee.work_email, role=Role.EMPLOYEE)

    @property
    def manager(self) -> Actor:
        return Actor(email=self.registration.manager.email, role=Role.MANAGER)

    async def view_has_tasks(self) -> bool:
        case = await self.view()
        return case is not None and bool(case.tasks)

    async def view(self):
        """As a person reloading the page would: on a loaded machine a workflow task can take longer than a query
        waits, and the case answers it is unavailable; it is asked again for up to half a minute."""
        for _ in range(10):
            try:
                return await service.view(self.env.client, self.case_id)
            except CaseUnavailable:
                await asyncio.sleep(1)
        return await service.view(self.env.client, self.case_id)

    async def act(self, payload):
        """As a person would: a case that answers it is still starting is asked again a moment later."""
        for _ in range(50):
            try:
                return await service.act(self.env.client, self.case_id, payload)
            except ActionRejected as err:
                if err.code != "case_starting":
                    raise
            await asyncio.sleep(0.2)
        return await service.act(self.env.client, self.case_id, payload)

    async def skip(self, days: float) -> None:
        await self.env.sleep(timedelta(days=days))

    async def skip_until(self, moment: datetime) -> None:
        now = await self.env.get_current_time()
        if moment > now:
            await self.env.sleep(moment - now)

    async def reach_agreed_time(self):
        """The clock moved on to the interview's agreed time, from which on it can be recorded; the agreed slot."""
        return await reach_agreed_time(self.env, self.case_id)

    def mails(self, purpose_prefix: str = "", to: str | None = None) -> list[CapturedMail]:
        return [
            m
            for m in self.mail.all()
            if m.case_id == self.case_id and m.purpose.startswith(purpose_prefix) and (to is None or m.to == to)
        ]

    async def wait_for_mail(
        self,
        purpose_prefix: str,
        count: int = 1,
        to: str | None = None,
        timeout: float = 20,
    ) -> list[CapturedMail]:
        return await eventually(
            lambda: len(self.mails(purpose_prefix, to)) >= count and self.mails(purpose_prefix, to),
            timeout=timeout,
        )

    async def record(self) -> Case:
        async with self.sessions() as session:
            return await session.get(Case, self.case_id, populate_existing=True)

    async def wait_for_status(self, status: str, timeout: float = 20) -> Case:
        async def reached():
            case = await self.record()
            return case if case is not None and case.status == status else None

        try:
            return await eventually(reached, timeout=timeout)
        except AssertionError as err:
            raise AssertionError(f"{err}\n{await self._where()}") from None

    async def _where(self) -> str:
        """Where the case stands, for a failing test: the stored row, the workflow's own view and its pending activities."""
        row = await self.record()
        lines = [f"stored: {row.status if row else 'no row'}"]
        try:
            view = await self.view()
            steps = {step.value: state.value for step, state in view.steps.items()}
            lines.append(
                f"workflow: {view.status}, steps {steps}, interview {view.interview.status if view.interview else None}"
            )
            lines.append("timeline: " + "; ".join(f"{entry.event} {entry.detail}" for entry in view.timeline[-8:]))
            described = await self.env.client.get_workflow_handle(self.case_id).describe()
            lines.append(
                f"execution: {described.status.name if described.status else None}, pending: {[a.activity_type.name for a in described.raw_description.pending_activities]}"
            )
        except Exception as err:  # the description is a help, never the failure
            lines.append(f"(no view: {err!r})")
        return "\n".join(lines)

    async def wait_for_interview_status(self, status: str, timeout: float = 20) -> Case:
        async def reached():
            case = await self.record()
            return case if case is not None and case.interview_status == status else None

        return await eventually(reached, timeout=timeout)

    async def save_histories(self, directory: Path, name: str) -> None:
        """Write the case's and its interview's event histories for the replay test."""
        directory.mkdir(parents=True, exist_ok=True)
        for suffix, workflow_id in (
            ("case", self.case_id),
            ("interview", ExitInterviewWorkflow.id_for(self.case_id)),
        ):
            history = await self.env.client.get_workflow_handle(workflow_id).fetch_history()
            # Checked in opened: the histories replay under whatever payload key a run uses.
            history = await decoded_history(history, self.env.client.data_converter.payload_codec)
            recorded = {"workflow_id": workflow_id, **json.loads(history.to_json())}
            (directory / f"{name}.{suffix}.json").write_text(json.dumps(recorded, indent=1))


RECORD = InterviewRecord.model_validate(SAMPLE_RECORD)
