"""What a webhook says: a CloudEvents 1.0 event in structured JSON mode.

    {"specversion": "1.0", "id": "offboarding-E1-2027-01-04/case.step_done/announcement/1",
     "source": "<public URL of this app>", "type": "case.step_done", "time": "...",
     "subject": "offboarding-E1-2027-01-04", "datacontenttype": "application/json",
     "data": {"case_id": ..., "employee_id": ..., "department": ..., "departure_type": ...,
              "last_working_day": ..., "status": "open", "steps": {...}, "step": "announcement"}}

Types: ``case.opened``, ``case.step_done`` (with ``data.step``), ``case.closed`` (``data.status`` is
``closed`` or ``withdrawn``), and ``access.revoke`` where no SCIM endpoint is configured (with
``data.work_email``, ``data.immediate`` and ``data.revoke_at``). The id is the same on every retry: receivers
drop what they already saw. A webhook names the employee by id only (``access.revoke`` also by the work email,
which the receiving system needs to find the account) and carries nothing of the exit interview."""

import json
from datetime import datetime
from typing import Any

from models.case import CaseView, Step
from models.events import ACCESS_REVOKE, CASE_CLOSED, CASE_OPENED, CASE_STEP_DONE, CaseFacts, WebhookEvent

CONTENT_TYPE = "application/cloudevents+json"


def case_facts(view: CaseView) -> CaseFacts:
    return CaseFacts(
        case_id=view.case_id,
        employee_id=view.employee_id,
        department=view.department,
        departure_type=view.departure_type,
        last_working_day=view.last_working_day,
        status=view.status,
        steps=view.steps,
    )


def event_id(case_id: str, event_type: str, step: Step | None = None, occurrence: int = 1) -> str:
    """Stable per case and happening: a step that is done a second time (after a task was added) is a new event."""
    return f"{case_id}/{event_type}" if step is None else f"{case_id}/{event_type}/{step.value}/{occurrence}"


def case_event(
    event_type: str, view: CaseView, at: datetime, *, step: Step | None = None, occurrence: int = 1
) -> WebhookEvent:
    data: dict[str, Any] = case_facts(view).model_dump(mode="json")
    if step is not None:
        data["step"] = step.value
    return WebhookEvent(
        id=event_id(view.case_id, event_type, step, occurrence),
        type=event_type,
        time=at,
        case_id=view.case_id,
        data=data,
    )


def opened(view: CaseView, at: datetime) -> WebhookEvent:
    return case_event(CASE_OPENED, view, at)


def step_done(view: CaseView, at: datetime, step: Step, occurrence: int) -> WebhookEvent:
    return case_event(CASE_STEP_DONE, view, at, step=step, occurrence=occurrence)


def closed(view: CaseView, at: datetime) -> WebhookEvent:
    return case_event(CASE_CLOSED, view, at)


def access_revoke(view: CaseView, at: datetime, work_email: str, immediate: bool) -> WebhookEvent:
    """The person's access is to end now: once per case."""
    event = case_event(ACCESS_REVOKE, view, at)
    event.data.update({"work_email": work_email, "immediate": immediate, "revoke_at": at.isoformat()})
    return event


def envelope(event: WebhookEvent, source: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event.id,
        "source": source,
        "type": event.type,
        "time": event.time.isoformat(),
        "subject": event.case_id,
        "datacontenttype": "application/json",
        "data": event.data,
    }


def encode(message: dict[str, Any]) -> bytes:
    """The body exactly as sent and signed."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
