"""Cases stored straight in the database for the privacy tests: a registration, an interview, mails, a draft, an event."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from activities.cases import CaseActivities
from activities.interviews import InterviewActivities
from models.audit import AuditLogRow
from models.events import InboundEvent
from models.questionnaire import ConsentChoice, InterviewRecord
from models.records import StoreCaseInput, StoreInterviewInput
from models.registration import Registration
from models.tables import InterviewDraft, SentMail
from tests.support import SAMPLE_RECORD, registration_data, unique

FREE_TEXT = "Het team van Bram was geweldig, maar de werkdruk was te hoog."
RECORD = InterviewRecord.model_validate(
    {
        **SAMPLE_RECORD,
        "went_well": FREE_TEXT,
        "should_improve": "Minder vergaderen.",
        "target_group": {"gender": "woman", "age_band": "25-34"},
    }
)


async def stored_case(sessions, **overrides: Any) -> Registration:
    registration = Registration.model_validate(
        registration_data(employee_id=overrides.pop("employee_id", None) or unique(), **overrides)
    )
    await CaseActivities(None, sessions).store_case(
        StoreCaseInput(case_id=registration.case_id, registration=registration)
    )
    return registration


async def interviewed_case(sessions, scope: str = "advice_and_experiences", **overrides: Any) -> Registration:
    registration = await stored_case(sessions, **overrides)
    await InterviewActivities(sessions).store_interview(
        StoreInterviewInput(
            case_id=registration.case_id,
            interviewer_email="interviewer@example.org",
            record=RECORD,
            consent=ConsentChoice(scope=scope, share_with_manager=True, text_version="2026-11"),
            held_at=datetime(2027, 1, 20, 10, tzinfo=UTC),
        )
    )
    return registration


async def with_traces(sessions, registration: Registration) -> None:
    """Mails to the employee and the manager, a draft, and an event from the HR system about the departure."""
    case_id, employee = registration.case_id, registration.employee
    async with sessions.begin() as session:
        for purpose, to in (
            ("interview:invitation", employee.work_email),
            ("announcement", registration.manager.email),
        ):
            session.add(
                SentMail(
                    case_id=case_id,
                    purpose=purpose,
                    recipient=str(to),
                    message_id=f"<{unique('m')}@offboarding>",
                    subject=f"{purpose} voor {employee.name}",
                    status="sent",
                    sent_at=datetime.now(UTC),
                )
            )
        session.add(
            InterviewDraft(
                case_id=case_id,
                author_email="interviewer@example.org",
                answers={"went_well": "concept: " + FREE_TEXT},
            )
        )
        session.add(
            InboundEvent(
                event_id=unique("ev"),
                source="hr-system",
                type="employee.resigned",
                status="accepted",
                reason="case started",
                case_id=case_id,
                payload={"data": {"employee": {"id": employee.id, "name": employee.name}}},
            )
        )
        session.add(
            InboundEvent(
                event_id=unique("ev"),
                source="hr-system",
                type="employee.last_day_changed",
                status="rejected",
                reason="no such case",
                case_id=None,
                payload={"data": {"employee_id": employee.id, "notice_date": "2020-01-01"}},
            )
        )


async def audit_entries(sessions, **where: str) -> list[AuditLogRow]:
    async with sessions() as session:
        query = (
            select(AuditLogRow)
            .where(*(getattr(AuditLogRow, key) == value for key, value in where.items()))
            .order_by(AuditLogRow.id)
        )
        return list((await session.execute(query)).scalars())
