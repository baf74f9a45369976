"""Events from the HR system: a resignation entered there starts a case; a moved last day or a
withdrawn resignation acts on it.

The transport (signature, size) is checked by the web route; here an authenticated body is read as a
CloudEvent, checked, acted on through ``cases.service``, and kept in ``inbound_events`` whatever the
outcome. An event whose ``source`` and ``id`` were accepted before changes nothing: the earlier outcome
is answered again. A rejected event does not count as seen, so a sender may fix it and send it again
under the same id."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from cases import service
from config import Settings
from intake.problems import FieldProblem, dotted, problems
from models.actors import Actor, Role
from models.events import (
    EMPLOYEE_LAST_DAY_CHANGED,
    EMPLOYEE_RESIGNED,
    INBOUND_TYPES,
    CloudEvent,
    EventData,
    EventStatus,
    InboundEvent,
    LastDayChangedData,
    ResignationWithdrawnData,
)
from models.handover import MoveLastDay, Withdraw
from models.registration import Departure, Employee, Registration

CONTENT_TYPE = "application/cloudevents+json"
# What is kept of a body that is not JSON: enough to see what was sent.
RAW_KEPT_CHARS = 10_000
# A CloudEvent carrying a registration is five levels deep; far deeper is no event and costs a stack to store.
MAX_DEPTH = 32


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value``, counted without recursion (stops once past MAX_DEPTH)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                break
            pending.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


@dataclass
class Answer:
    """What the sender is told, and what HR sees in the stored row."""

    status_code: int
    status: EventStatus
    detail: str
    delivery: int | None = None
    event_id: str | None = None
    source: str | None = None
    type: str | None = None
    case_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    earlier: InboundEvent | None = None


class _Refused(Exception):
    def __init__(self, status_code: int, detail: str, errors: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = errors or []


def case_id_for(employee_id: str, notice_date: date) -> str:
    """The case of a departure, computed by the Registration model itself so that the two never drift apart."""
    return Registration.model_construct(
        employee=Employee.model_construct(id=employee_id), departure=Departure.model_construct(notice_date=notice_date)
    ).case_id


def accepted_key(source: str, event_id: str) -> str:
    return hashlib.sha256(f"{source}\n{event_id}".encode()).hexdigest()


def _summary(found: list[FieldProblem], prefix: str) -> str:
    return "; ".join(f"{dotted((prefix, *problem.path))}: {problem.message}" for problem in found)


class EventIntake:
    def __init__(self, session: AsyncSession, client: Client, settings: Settings) -> None:
        self._session = session
        self._client = client
        self._settings = settings

    async def receive(self, body: bytes, content_type: str | None) -> Answer:
        """Read, act on and store one authenticated event."""
        payload = self._parse(body)
        event: CloudEvent | None = None
        try:
            event = self._envelope(payload, content_type)
            earlier = await self._accepted_before(event)
            if earlier is not None:
                return await self._store_duplicate(event, payload, earlier)
            case_id, detail = await self._act(event)
        except _Refused as refused:
            return await self._store_rejected(payload, event, refused)
        return await self._store_accepted(event, payload, case_id, detail)

    # Reading the event.
    @staticmethod
    def _parse(body: bytes) -> Any:
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return {"raw": body.decode("utf-8", "replace")[:RAW_KEPT_CHARS]}
        except RecursionError:
            payload = None
        if payload is None or _depth(payload) > MAX_DEPTH:
            # Kept as text: stored as JSON it would be recursed into again.
            return {"raw": body.decode("utf-8", "replace")[:RAW_KEPT_CHARS], "too_deep": True}
        return payload

    @staticmethod
    def _envelope(payload: Any, content_type: str | None) -> CloudEvent:
        media = (content_type or "").split(";")[0].strip().lower()
        if media != CONTENT_TYPE:
            raise _Refused(
                415, f"Content-Type must be {CONTENT_TYPE} (a CloudEvent in structured mode), not {media or 'absent'}"
            )
        if isinstance(payload, dict) and set(payload) == {"raw", "too_deep"}:
            raise _Refused(400, f"the body is JSON nested deeper than {MAX_DEPTH} levels; a CloudEvent is far flatter")
        if isinstance(payload, dict) and set(payload) == {"raw"}:
            raise _Refused(400, "the body is not JSON")
        if not isinstance(payload, dict):
            raise _Refused(400, f"the body must be a JSON object (a CloudEvent), not a JSON {type(payload).__name__}")
        try:
            return CloudEvent.model_validate(payload)
        except ValidationError as err:
            found = problems(err, CloudEvent)
            raise _Refused(400, "not a CloudEvent 1.0: " + "; ".join(f"{p.field}: {p.message}" for p in found), found) from None

    async def _act(self, event: CloudEvent) -> tuple[str, str]:
        """Start or change the case the event is about; the case id and what was done."""
        if event.type not in INBOUND_TYPES:
            raise _Refused(400, f"unknown event type {event.type!r}; this endpoint understands {', '.join(INBOUND_TYPES)}")
        if event.type == EMPLOYEE_RESIGNED:
            registration = self._data(Registration, self._as_resignation(event.data))
            return await self._call(registration.case_id, self._register(registration))
        actor = Actor(email=self._settings.hr_email, role=Role.SYSTEM)
        if event.type == EMPLOYEE_LAST_DAY_CHANGED:
            moved = self._data(LastDayChangedData, event.data)
            case_id = case_id_for(moved.employee_id, moved.notice_date)
            update = MoveLastDay(actor=actor, last_working_day=moved.last_working_day, reason=moved.reason)
            action = self._update(case_id, update, f"last working day moved to {moved.last_working_day}")
            return await self._call(case_id, action)
        withdrawn = self._data(ResignationWithdrawnData, event.data)
        case_id = case_id_for(withdrawn.employee_id, withdrawn.notice_date)
        action = self._update(case_id, Withdraw(actor=actor, reason=withdrawn.reason), "case withdrawn")
        return await self._call(case_id, action)

    @staticmethod
    def _as_resignation(data: Any) -> Any:
        # The event says what kind of departure it is; the data may leave the type out.
        if isinstance(data, dict) and isinstance(data.get("departure"), dict) and "type" not in data["departure"]:
            return {**data, "departure": {**data["departure"], "type": "resignation"}}
        return data

    @staticmethod
    def _data(model: type[BaseModel], data: Any) -> Any:
        if not isinstance(data, dict):
            raise _Refused(422, f"data: must be a JSON object ({'missing' if data is None else type(data).__name__} given)")
        try:
            return model.model_validate(data)
        except ValidationError as err:
            found = problems(err, model)
            raise _Refused(422, _summary(found, "data"), found) from None

    async def _register(self, registration: Registration) -> str:
        result = await service.register(self._client, registration, self._settings.task_queue)
        return "case started" if result.created else f"this departure was already registered as case {result.case_id}; nothing changed"

    async def _update(self, case_id: str, payload: BaseModel, done: str) -> str:
        await service.act(self._client, case_id, payload)
        return done

    async def _call(self, case_id: str, action: Any) -> tuple[str, str]:
        try:
            return case_id, await action
        except service.CaseNotFound:
            raise _Refused(404, f"there is no case {case_id} for this employee and notice date") from None
        except service.ActionRejected as err:
            raise _Refused(409, f"case {case_id} refused: {err}") from None
        except service.CaseDidNotAnswer:
            raise _Refused(504, f"case {case_id} did not answer in time; the change may still be made: look at the case before sending again") from None
        except service.CaseUnavailable as err:
            raise _Refused(503, f"cases cannot be reached right now ({err.__cause__ or err}); send the event again later") from None

    # Keeping it.
    async def _accepted_before(self, event: CloudEvent) -> InboundEvent | None:
        query = select(InboundEvent).where(InboundEvent.accepted_key == accepted_key(event.source, event.id))
        row = (await self._session.execute(query)).scalar_one_or_none()
        await self._session.commit()
        return row

    async def _store(self, row: InboundEvent) -> InboundEvent:
        self._session.add(row)
        await self._session.commit()
        return row

    async def _store_accepted(self, event: CloudEvent, payload: Any, case_id: str, detail: str) -> Answer:
        row = InboundEvent(
            event_id=event.id,
            source=event.source,
            type=event.type,
            status=EventStatus.ACCEPTED.value,
            reason=detail,
            case_id=case_id,
            payload=payload,
            accepted_key=accepted_key(event.source, event.id),
        )
        try:
            await self._store(row)
        except IntegrityError:
            # The same event was accepted a moment ago by another request: this one is its duplicate.
            await self._session.rollback()
            earlier = await self._accepted_before(event)
            if earlier is None:
                raise
            return await self._store_duplicate(event, payload, earlier)
        return Answer(200, EventStatus.ACCEPTED, detail, row.id, event.id, event.source, event.type, case_id)

    async def _store_duplicate(self, event: CloudEvent, payload: Any, earlier: InboundEvent) -> Answer:
        detail = f"already received as delivery {earlier.id}; nothing changed"
        row = await self._store(
            InboundEvent(
                event_id=event.id,
                source=event.source,
                type=event.type,
                status=EventStatus.DUPLICATE.value,
                reason=detail,
                case_id=earlier.case_id,
                payload=payload,
                duplicate_of=earlier.id,
            )
        )
        return Answer(200, EventStatus.DUPLICATE, detail, row.id, event.id, event.source, event.type, earlier.case_id, earlier=earlier)

    async def _store_rejected(self, payload: Any, event: CloudEvent | None, refused: _Refused) -> Answer:
        attributes = payload if isinstance(payload, dict) else {}

        def attribute(name: str, limit: int) -> str | None:
            value = getattr(event, name) if event is not None else attributes.get(name)
            return value[:limit] if isinstance(value, str) else None

        event_id, source, event_type = attribute("id", 255), attribute("source", 500), attribute("type", 200)
        case_id = self._case_of(event)
        row = await self._store(
            InboundEvent(
                event_id=event_id,
                source=source,
                type=event_type,
                status=EventStatus.REJECTED.value,
                reason=refused.detail,
                case_id=case_id,
                payload=payload,
            )
        )
        prefix = "data" if refused.status_code == 422 else None
        errors = [
            {"loc": [prefix, *p.path] if prefix else list(p.path), "msg": p.message, "type": p.type} for p in refused.errors
        ]
        return Answer(refused.status_code, EventStatus.REJECTED, refused.detail, row.id, event_id, source, event_type, case_id, errors)

    @staticmethod
    def _case_of(event: CloudEvent | None) -> str | None:
        """The case a refused event was about, where its data says so clearly enough."""
        data = event.data if event is not None else None
        try:
            if event.type == EMPLOYEE_RESIGNED:
                data = {"employee_id": data["employee"]["id"], "notice_date": data["departure"]["notice_date"]}
            found = EventData.model_validate({"employee_id": data["employee_id"], "notice_date": data["notice_date"]})
        except (ValidationError, AttributeError, KeyError, TypeError):
            return None
        return case_id_for(found.employee_id, found.notice_date)


async def list_events(session: AsyncSession, *, status: EventStatus | None = None, event_type: str | None = None, limit: int = 100) -> list[InboundEvent]:
    query = select(InboundEvent).order_by(InboundEvent.received_at.desc(), InboundEvent.id.desc()).limit(limit)
    if status is not None:
        query = query.where(InboundEvent.status == status.value)
    if event_type:
        query = query.where(InboundEvent.type == event_type)
    return list((await session.execute(query)).scalars())
