"""Retention and erasure: what happens to a person's data once a case has closed long enough, or at once
when HR is asked to erase it. The activities in ``activities/retention.py`` call these; so the daily
schedule and an erasure request go through the same code.

Anonymising a case keeps exactly what the reports count: the department, the departure type, when it
closed, the interview's outcome and its ratings and reasons (with the consent they were given under).
Everything that names or reaches the person goes:

- the case gets a new random id (``anon-...``): the old one holds the employee number;
- names, addresses, employee number, job title and the registration as submitted are cleared (but for the band of
  the years of service, which reports count); the notice date and last working day keep only their month; the
  closing summary keeps only its status;
- the interview's free text is erased (every comment, the advice, the summary), and so is the
  interviewer's address and any draft;
- the mails sent (recipients, subjects), the used-up links, webhook deliveries and the events received
  for the case are deleted;
- the Temporal executions of the case and its interview are deleted, histories included."""

import calendar
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from cases.liveness import Liveness, liveness
from models.access import AccessRevocation
from models.audit import AuditAction, SubjectType
from models.case import CaseStatus
from models.events import InboundEvent, WebhookDelivery
from models.policy import Policy
from models.retention import DueKind, RetentionPlan
from models.tables import (
    Case,
    InterviewDraft,
    InterviewerPreparation,
    InterviewPreparation,
    InterviewRecordRow,
    InterviewText,
    SentMail,
    UsedLink,
    utcnow,
)
from models.tenure import KEPT_BAND_KEY, tenure_band
from privacy import audit
from privacy.audit import Auditor
from workflows import case_notices
from workflows.case_notices import CaseNoticeWorkflow
from workflows.exit_interview import ExitInterviewWorkflow
from workflows.withdrawn_case import WithdrawnCaseWorkflow

log = logging.getLogger(__name__)

ANONYMOUS_PREFIX = "anon-"
FINISHED = (CaseStatus.CLOSED.value, CaseStatus.WITHDRAWN.value)
# What of an interview record the reports aggregate; everything else in it is free text.
# The answers to the organisation's own questions (``answers``) go with the free text: no report counts them.
STRUCTURED = (
    "primary_reason",
    "secondary_reasons",
    "recommend_score",
    "target_group",
    "prefer_not_to_say",
    "template_version",
)
TEXT_FIELDS = (
    "reasons_comment",
    "went_well",
    "should_improve",
    "most_important_advice",
    "remember_with_pleasure",
    "advice_summary",
)
BELONGING_RATINGS = ("felt_safe", "felt_at_home", "felt_valued", "influences")


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` earlier; the 31st falls back to the month's last day."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def plan(policy: Policy, as_of: datetime) -> RetentionPlan:
    return RetentionPlan(
        interview_content_before=months_before(as_of, policy.interview_content_retention_months),
        identifiers_before=months_before(as_of, policy.personal_data_retention_months),
        events_before=as_of - timedelta(days=policy.event_log_retention_days),
    )


def without_free_text(record: dict) -> dict:
    """The record with only what the reports count: ratings, reasons, the recommend score, belonging and target group."""
    kept = {key: record[key] for key in STRUCTURED if key in record}
    kept["experiences"] = {
        area: {"rating": answer.get("rating"), "comment": ""} for area, answer in record.get("experiences", {}).items()
    }
    belonging = record.get("belonging", {})
    kept["belonging"] = {key: belonging[key] for key in BELONGING_RATINGS if key in belonging} | {"comment": ""}
    return kept | dict.fromkeys(TEXT_FIELDS, "")


# Finding what is due.


async def due_case_ids(session: AsyncSession, kind: DueKind, before: datetime, after: str, limit: int) -> list[str]:
    """Ids of finished cases closed before ``before`` that still hold what ``kind`` names, in id order after ``after``."""
    query = (
        select(Case.id)
        .where(Case.status.in_(FINISHED), Case.closed_at < before, Case.id > after)
        .order_by(Case.id)
        .limit(limit)
    )
    if kind == DueKind.IDENTIFIERS:
        query = query.where(Case.anonymised_at.is_(None))
    else:
        query = query.join(InterviewRecordRow, InterviewRecordRow.case_id == Case.id).where(
            InterviewRecordRow.content_erased_at.is_(None)
        )
    return list((await session.execute(query)).scalars())


async def cases_of_person(session: AsyncSession, employee_id: str) -> list[Case]:
    query = (
        select(Case)
        .where(Case.employee_id == employee_id, Case.anonymised_at.is_(None))
        .order_by(Case.notice_date, Case.id)
    )
    return list((await session.execute(query)).scalars())


def events_naming(employee_id: str, case_ids: Sequence[str]):
    """Received events about the person: for one of their cases, or naming their employee number (refused ones too)."""
    payload = InboundEvent.payload
    escaped = employee_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(
        InboundEvent.case_id.in_(list(case_ids)),
        # The CloudEvents subject is the employee number, also where the data leaves it out.
        InboundEvent.subject == employee_id,
        payload[("data", "employee", "id")].as_string() == employee_id,
        payload[("data", "employee_id")].as_string() == employee_id,
        # A body that was not JSON is kept as its text: the number anywhere in it counts.
        payload["raw"].as_string().like(f"%{escaped}%", escape="\\"),
    )


async def events_of_person(session: AsyncSession, employee_id: str, case_ids: Sequence[str]) -> list[InboundEvent]:
    query = (
        select(InboundEvent)
        .where(events_naming(employee_id, case_ids))
        .order_by(InboundEvent.received_at, InboundEvent.id)
    )
    return list((await session.execute(query)).scalars())


# Temporal.


def workflow_ids(case_id: str) -> list[str]:
    """Every execution that holds the case's data: the case, its interview, after a withdrawal the case could not
    carry out itself the workflow that did (cases/withdrawal.py), and the notices of the employee's later steps
    (cases/notices.py)."""
    notices = [CaseNoticeWorkflow.id_for(case_id, step) for step in case_notices.STEPS]
    return [case_id, ExitInterviewWorkflow.id_for(case_id), WithdrawnCaseWorkflow.id_for(case_id), *notices]


async def still_running(client: Client, case_id: str) -> bool:
    """Whether the case or its interview still takes its steps. A workflow stuck on a failing step never will:
    it does not hold the person's data back."""
    for workflow_id in (case_id, ExitInterviewWorkflow.id_for(case_id)):
        if await liveness(client, workflow_id) == Liveness.RUNNING:
            return True
    return False


async def running_cases(client: Client, cases: Sequence[Case]) -> list[str]:
    """The ids of the cases among ``cases`` that are open and still take their steps: these hold an erasure back."""
    return [case.id for case in cases if case.status == CaseStatus.OPEN.value and await still_running(client, case.id)]


async def delete_executions(client: Client, case_id: str) -> int:
    """Delete the case's and its interview's executions; those already gone count as done."""
    deleted = 0
    for workflow_id in workflow_ids(case_id):
        request = DeleteWorkflowExecutionRequest(
            namespace=client.namespace, workflow_execution=WorkflowExecution(workflow_id=workflow_id)
        )
        try:
            await client.workflow_service.delete_workflow_execution(request)
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                continue
            if err.status == RPCStatusCode.UNIMPLEMENTED:
                # Only Temporal's test server lacks the call; there closed executions go at the namespace's retention.
                log.warning(
                    "this Temporal server cannot delete %s; it goes when the namespace's retention period ends",
                    workflow_id,
                )
                continue
            raise
        deleted += 1
    return deleted


# The database.


def _month_of(day: date) -> date:
    return day.replace(day=1)


async def anonymise_case(session: AsyncSession, case_id: str, *, reason: str, by: Auditor) -> bool:
    """Replace the case by its anonymous form (see the module's docstring). False when it is already gone."""
    case = await session.get(Case, case_id, with_for_update=True)
    if case is None or case.anonymised_at is not None:
        return False
    now = utcnow()
    # A case erased while open had stopped taking its steps (still_running): it is kept as ended.
    ended = case.status in FINISHED
    anonymous_id = ANONYMOUS_PREFIX + uuid.uuid4().hex
    summary = case.summary or {}
    session.add(
        Case(
            id=anonymous_id,
            employee_id="",
            employee_name="",
            work_email="",
            private_email=None,
            language=case.language,
            department=case.department,
            job_title="",
            manager_name="",
            manager_email="",
            departure_type=case.departure_type,
            notice_date=_month_of(case.notice_date),
            last_working_day=_month_of(case.last_working_day),
            status=case.status if ended else CaseStatus.WITHDRAWN.value,
            registration=_kept_of_registration(case),
            created_at=datetime.combine(_month_of(case.notice_date), time(), tzinfo=UTC),
            updated_at=now,
            closed_at=case.closed_at if ended else case.closed_at or now,
            interview_status=case.interview_status,
            summary={key: summary[key] for key in ("status", "interview_status") if key in summary},
            anonymised_at=now,
        )
    )
    await session.flush()
    record = (
        await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case_id))
    ).scalar_one_or_none()
    if record is not None:
        record.case_id = anonymous_id
        record.interviewer_email = ""
        record.record = without_free_text(record.record)
        record.content_erased_at = record.content_erased_at or now
        await session.execute(delete(InterviewText).where(InterviewText.interview_id == record.id))
    for table in (
        SentMail,
        InterviewDraft,
        InterviewPreparation,
        InterviewerPreparation,
        UsedLink,
        WebhookDelivery,
        AccessRevocation,
    ):
        await session.execute(delete(table).where(table.case_id == case_id))
    await session.execute(delete(InboundEvent).where(events_naming(case.employee_id, [case_id])))
    await session.flush()
    await session.execute(delete(Case).where(Case.id == case_id))
    await audit.record(
        session,
        AuditAction.CASE_ANONYMISED,
        SubjectType.PERSON,
        case.employee_id,
        {"reason": reason, "departure": case.notice_date.isoformat()},
        roles=("hr", "system"),
        by=by,
    )
    return True


async def erase_interview_content(session: AsyncSession, case_id: str, *, by: Auditor) -> bool:
    record = (
        await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case_id).with_for_update())
    ).scalar_one_or_none()
    await session.execute(delete(InterviewDraft).where(InterviewDraft.case_id == case_id))
    await session.execute(delete(InterviewPreparation).where(InterviewPreparation.case_id == case_id))
    await session.execute(delete(InterviewerPreparation).where(InterviewerPreparation.case_id == case_id))
    if record is None or record.content_erased_at is not None:
        return False
    record.record = without_free_text(record.record)
    record.content_erased_at = utcnow()
    await session.execute(delete(InterviewText).where(InterviewText.interview_id == record.id))
    case = await session.get(Case, case_id)
    subject = case.employee_id if case is not None and case.employee_id else case_id
    await audit.record(
        session,
        AuditAction.INTERVIEW_CONTENT_ERASED,
        SubjectType.PERSON,
        subject,
        {"reason": "retention"},
        roles=("system",),
        by=by,
    )
    return True


async def delete_events(session: AsyncSession, before: datetime) -> int:
    """Every received event older than ``before``; an event left refused or accepted long ago has done its work."""
    count = (
        await session.execute(select(func.count()).select_from(InboundEvent).where(InboundEvent.received_at < before))
    ).scalar_one()
    if count:
        await session.execute(delete(InboundEvent).where(InboundEvent.received_at < before))
    return count


async def delete_events_of_person(session: AsyncSession, employee_id: str) -> int:
    """Events naming the person that no case took with it: refused ones, or for a case never stored."""
    condition = events_naming(employee_id, [])
    count = (await session.execute(select(func.count()).select_from(InboundEvent).where(condition))).scalar_one()
    if count:
        await session.execute(delete(InboundEvent).where(condition))
    return count


def _kept_of_registration(case: Case) -> dict:
    """What an anonymised case keeps of its registration: the band of its years of service, worked out from the dates
    before they are cut back to their month, or nothing where no start date was registered."""
    start = ((case.registration or {}).get("employee") or {}).get("start_date")
    if not start:
        return {}
    return {KEPT_BAND_KEY: tenure_band(date.fromisoformat(start), case.last_working_day)}
