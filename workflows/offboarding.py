"""One departure, one durable process: the case as DOMAIN.md describes it."""

import asyncio
from datetime import datetime, time, timedelta, timezone

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from activities.mail import MailActivities
    from activities.organisation import OrganisationActivities
    from models.case import CaseOutcome, CaseStatus, CaseView, OffboardingInput, Step, StepState, TimelineEntry
    from models.mail import MailRequest
    from models.organisation import Organisation
    from models.records import CaseStatusInput, StoreCaseInput
    from models.registration import Registration

DB_TIMEOUT = timedelta(seconds=30)
MAIL_TIMEOUT = timedelta(minutes=2)
MAIL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=10), non_retryable_error_types=["MailRejected"])


@workflow.defn
class OffboardingWorkflow:
    @workflow.init
    def __init__(self, input: OffboardingInput) -> None:
        self._registration: Registration = input.registration
        self._organisation: Organisation | None = None
        self._status = CaseStatus.OPEN
        self._steps: dict[Step, StepState] = {step: StepState.PENDING for step in Step}
        self._timeline: list[TimelineEntry] = []

    @workflow.run
    async def run(self, input: OffboardingInput) -> CaseOutcome:
        self._record("case_opened")
        await workflow.execute_activity_method(
            CaseActivities.store_case, StoreCaseInput(case_id=self._case_id, registration=input.registration), start_to_close_timeout=DB_TIMEOUT
        )
        self._organisation = await workflow.execute_activity_method(
            OrganisationActivities.load_organisation, start_to_close_timeout=DB_TIMEOUT
        )
        await self._announce()
        await self._wait_until_after_last_day()
        await self._close()
        return CaseOutcome(case_id=self._case_id, status=self._status, steps=self._steps)

    @workflow.query
    def view(self) -> CaseView:
        reg = self._registration
        return CaseView(
            case_id=self._case_id,
            status=self._status,
            employee_id=reg.employee.id,
            employee_name=reg.employee.name,
            department=reg.employee.department,
            departure_type=reg.departure.type.value,
            last_working_day=reg.departure.last_working_day,
            steps=self._steps,
            timeline=self._timeline,
        )

    # Step 1: the manager, HR and IT/facilities are told at once.
    async def _announce(self) -> None:
        reg, org = self._registration, self._organisation
        self._steps[Step.ANNOUNCEMENT] = StepState.RUNNING
        recipients = [
            ("announcement_manager", reg.manager.email, reg.manager.language),
            ("announcement_hr", org.hr.email, org.hr.language),
            ("announcement_facilities", org.facilities.email, org.facilities.language),
        ]
        results = await asyncio.gather(
            *(self._send(Step.ANNOUNCEMENT.value, template, to, language) for template, to, language in recipients)
        )
        self._steps[Step.ANNOUNCEMENT] = StepState.DONE if all(results) else StepState.FAILED

    # Step 5: after the last working day the case closes.
    async def _wait_until_after_last_day(self) -> None:
        end = datetime.combine(self._registration.departure.last_working_day + timedelta(days=1), time.min, tzinfo=timezone.utc)
        remaining = end - workflow.now()
        if remaining > timedelta(0):
            await workflow.sleep(remaining)

    async def _close(self) -> None:
        self._steps[Step.CLOSING] = StepState.RUNNING
        self._status = CaseStatus.CLOSED
        await workflow.execute_activity_method(
            CaseActivities.set_case_status, CaseStatusInput(case_id=self._case_id, status=self._status), start_to_close_timeout=DB_TIMEOUT
        )
        self._steps[Step.CLOSING] = StepState.DONE
        self._record("case_closed")

    async def _send(self, purpose: str, template: str, to: str, language: str) -> bool:
        request = MailRequest(
            case_id=self._case_id, purpose=purpose, template=template, to=to, language=language, context=self._mail_context()
        )
        try:
            await workflow.execute_activity_method(
                MailActivities.send_mail, request, start_to_close_timeout=MAIL_TIMEOUT, retry_policy=MAIL_RETRY
            )
        except ActivityError as err:
            self._record("mail_failed", f"{template} → {to}: {err.cause}")
            return False
        self._record("mail_sent", f"{template} → {to}")
        return True

    def _mail_context(self) -> dict:
        reg, org = self._registration, self._organisation
        return {
            "case_id": self._case_id,
            "case_url": f"{org.public_url}/cases/{self._case_id}",
            "organisation_name": org.name,
            "employee_id": reg.employee.id,
            "employee_name": reg.employee.name,
            "job_title": reg.employee.job_title,
            "department": reg.employee.department,
            "manager_name": reg.manager.name,
            "departure_type": reg.departure.type.value,
            "notice_date": reg.departure.notice_date.isoformat(),
            "last_working_day": reg.departure.last_working_day.isoformat(),
            "equipment": [item.name for item in reg.equipment],
        }

    def _record(self, event: str, detail: str = "") -> None:
        self._timeline.append(TimelineEntry(at=workflow.now(), event=event, detail=detail))

    @property
    def _case_id(self) -> str:
        return workflow.info().workflow_id
