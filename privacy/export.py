"""Right of access: everything held about one person, as one JSON document.

Per case: the stored row and registration, the tasks and equipment as the case keeps them (live from
the workflow while it exists, else the closing summary), the mails sent to the person's own addresses,
the interview record and consent, an unsubmitted draft, the interviewer's preparation and the used-up links; then the events received
about them and the audit log's entries about them. The export itself is on the audit log (and in the
export: the entry is written first)."""

import asyncio
import logging
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from cases import service
from models.access import AccessRevocation
from models.audit import AuditAction, AuditEntry, SubjectType
from models.case import CaseView
from models.events import InboundEvent
from models.tables import (
    Case,
    InterviewDraft,
    InterviewerPreparation,
    InterviewPreparation,
    InterviewRecordRow,
    SentMail,
    UsedLink,
    utcnow,
)
from privacy import audit, retention

log = logging.getLogger(__name__)

LIVE_TIMEOUT_SECONDS = 3.0
ACCESS_COLUMNS = (
    "method",
    "outcome",
    "immediate",
    "requested_by",
    "account_id",
    "response_status",
    "answer",
    "attempts",
    "done_at",
)
CASE_COLUMNS = (
    "id", "employee_id", "employee_name", "work_email", "private_email", "language", "department", "job_title", "manager_name",
    "manager_email", "departure_type", "notice_date", "last_working_day", "status", "created_at", "updated_at", "closed_at", "interview_status",
)  # fmt: skip


class NothingHeld(Exception):
    """No case, event or audit entry names this employee number."""


class MailToPerson(BaseModel):
    purpose: str
    subject: str
    recipient: str
    status: str
    created_at: datetime
    sent_at: datetime | None


class InterviewExport(BaseModel):
    held_at: datetime
    record: dict[str, Any]
    consent: dict[str, Any]
    content_erased_at: datetime | None


class CaseExport(BaseModel):
    case: dict[str, Any] = Field(description="The case as stored.")
    registration: dict[str, Any]
    summary: dict[str, Any] | None = Field(description="What was open when the case closed.")
    live: CaseView | None = Field(
        description="Tasks, equipment and timeline as the running case keeps them; null once its workflow is gone."
    )
    mails: list[MailToPerson]
    interview: InterviewExport | None
    interview_draft: dict[str, Any] | None
    interview_preparation: dict[str, Any] | None = None
    interviewer_preparation: dict[str, Any] | None = Field(
        None, description="Where the interviewer noted the employee excelled, before the interview is recorded."
    )
    used_links: list[dict[str, Any]]
    access: dict[str, Any] | None = Field(
        None, description="How the person's access was ended: when, which account, the identity provider's answer."
    )


class EventExport(BaseModel):
    id: int
    event_id: str | None
    type: str | None
    received_at: datetime
    status: str
    reason: str
    payload: Any


class PersonExport(BaseModel):
    employee_id: str
    exported_at: datetime
    cases: list[CaseExport]
    events: list[EventExport]
    audit_log: list[AuditEntry]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


async def _live(client: Client | None, case_id: str) -> CaseView | None:
    if client is None:
        return None
    try:
        return await asyncio.wait_for(service.view(client, case_id), LIVE_TIMEOUT_SECONDS)
    except Exception:  # the stored part is the export; the live part is added when the case answers
        log.warning("case %s did not answer for the export; exporting the stored record", case_id, exc_info=True)
        return None


async def _case(session: AsyncSession, client: Client | None, case: Case) -> CaseExport:
    addresses = {address.lower() for address in (case.work_email, case.private_email) if address}
    mails = (
        await session.execute(
            select(SentMail).where(SentMail.case_id == case.id).order_by(SentMail.created_at, SentMail.id)
        )
    ).scalars()
    record = (
        await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case.id))
    ).scalar_one_or_none()
    draft = (
        await session.execute(select(InterviewDraft).where(InterviewDraft.case_id == case.id))
    ).scalar_one_or_none()
    noted = (
        await session.execute(select(InterviewPreparation).where(InterviewPreparation.case_id == case.id))
    ).scalar_one_or_none()
    prepared = (
        await session.execute(select(InterviewerPreparation).where(InterviewerPreparation.case_id == case.id))
    ).scalar_one_or_none()
    links = (
        await session.execute(select(UsedLink).where(UsedLink.case_id == case.id).order_by(UsedLink.used_at))
    ).scalars()
    access = (
        await session.execute(select(AccessRevocation).where(AccessRevocation.case_id == case.id))
    ).scalar_one_or_none()
    interview = None
    if record is not None:
        consent = {
            "scope": record.consent_scope,
            "share_with_manager": record.share_with_manager,
            "share_with_board": record.share_with_board,
            "text_version": record.consent_text_version,
            "given_at": record.consent_given_at.isoformat(),
            "revoked_at": _plain(record.consent_revoked_at),
        }
        interview = InterviewExport(
            held_at=record.held_at, record=record.record, consent=consent, content_erased_at=record.content_erased_at
        )
    return CaseExport(
        case={column: _plain(getattr(case, column)) for column in CASE_COLUMNS},
        registration=case.registration,
        summary=case.summary,
        live=await _live(client, case.id),
        mails=[
            MailToPerson(
                purpose=m.purpose,
                subject=m.subject,
                recipient=m.recipient,
                status=m.status,
                created_at=m.created_at,
                sent_at=m.sent_at,
            )
            for m in mails
            if m.recipient.lower() in addresses
        ],
        interview=interview,
        interview_draft={"answers": draft.answers, "updated_at": draft.updated_at.isoformat()} if draft else None,
        interview_preparation={"answers": noted.answers, "updated_at": noted.updated_at.isoformat()} if noted else None,
        interviewer_preparation=(
            {"excelled": prepared.excelled, "updated_at": prepared.updated_at.isoformat()} if prepared else None
        ),
        used_links=[{"purpose": link.purpose, "used_at": link.used_at.isoformat()} for link in links],
        access={column: _plain(getattr(access, column)) for column in ACCESS_COLUMNS} if access else None,
    )


async def export_person(session: AsyncSession, employee_id: str, client: Client | None = None) -> PersonExport:
    """Everything held about ``employee_id``; raises NothingHeld when nothing is. Commits the audit entry first."""
    cases = await retention.cases_of_person(session, employee_id)
    events: list[InboundEvent] = await retention.events_of_person(session, employee_id, [case.id for case in cases])
    earlier_entries = await audit.about_person(session, employee_id)
    if not (cases or events or earlier_entries):
        raise NothingHeld(employee_id)
    await audit.record(
        session,
        AuditAction.PERSON_EXPORTED,
        SubjectType.PERSON,
        employee_id,
        {"cases": len(cases), "events": len(events)},
        roles=("hr",),
    )
    await session.commit()
    return PersonExport(
        employee_id=employee_id,
        exported_at=utcnow(),
        cases=[await _case(session, client, case) for case in cases],
        events=[
            EventExport(
                id=e.id,
                event_id=e.event_id,
                type=e.type,
                received_at=e.received_at,
                status=e.status,
                reason=e.reason,
                payload=e.payload,
            )
            for e in events
        ],
        audit_log=await audit.about_person(session, employee_id),
    )
