"""Events from the HR system: a resignation entered there starts a case; a moved last day or a
withdrawn resignation acts on it.

The transport (signature, size) is checked by the web route; here an authenticated request is read as a
CloudEvent (``intake.binding``: binary or structured mode), checked, acted on through ``cases.service``, and kept in ``inbound_events`` whatever the
outcome. An event whose ``source`` and ``id`` were accepted before changes nothing: the earlier outcome
is answered again. A rejected event does not count as seen, so a sender may fix it and send it again
under the same id."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from cases import service
from config import Settings
from intake import binding
from intake.problems import FieldProblem, dotted, problems
from models.actors import Actor, Role
from models.events import (
    EMPLOYEE_LAST_DAY_CHANGED,
    EMPLOYEE_RESIGNATION_WITHDRAWN,
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
from models.registration import Registration, case_id_of

CONTENT_TYPE = binding.STRUCTURED
SUBJECT_CHARS = 255


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
    subject: str | None = None
    case_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    earlier: InboundEvent | None = None


class _Refused(Exception):
    """``errors`` name each field from the event's top (``data.departure.last_working_day``, ``subject``); ``keep_data``
    False: the event is of no kind this endpoint takes, so its data has no purpose here and is not stored."""

    def __init__(
        self, status_code: int, detail: str, errors: list[FieldProblem] | None = None, *, keep_data: bool = True
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = errors or []
        self.keep_data = keep_data


def case_id_for(employee_id: str, notice_date: date) -> str:
    """The case of a departure, computed as the Registration model computes it, so that the two never drift apart."""
    return case_id_of(employee_id, notice_date)


def accepted_key(source: str, event_id: str) -> str:
    return hashlib.sha256(f"{source}\n{event_id}".encode()).hexdigest()


def _summary(found: list[FieldProblem]) -> str:
    return "; ".join(f"{dotted(problem.path)}: {problem.message}" for problem in found)


def type_names(prefixes: list[str]) -> dict[str, str]:
    """Every event type taken, mapped to the kind it is: each kind bare and behind each configured prefix
    (a prefix ending in a letter or digit is joined with a dot: ``nl.example.hr`` takes ``nl.example.hr.employee.resigned``)."""
    names = {kind: kind for kind in INBOUND_TYPES}
    for prefix in prefixes:
        joined = prefix + "." if prefix[-1:].isalnum() else prefix
        names.update({joined + kind: kind for kind in INBOUND_TYPES})
    return names


# Where each kind of event names the employee in its data; the CloudEvents `subject` may name them instead.
EMPLOYEE_IN_DATA = {
    EMPLOYEE_RESIGNED: ("employee", "id"),
    EMPLOYEE_LAST_DAY_CHANGED: ("employee_id",),
    EMPLOYEE_RESIGNATION_WITHDRAWN: ("employee_id",),
}


def with_subject(kind: str, subject: str | None, data: Any) -> Any:
    """The data with the employee number the subject gives where the data leaves it out; a subject naming someone
    else than the data is refused (which of the two is meant cannot be told)."""
    if not subject or not isinstance(data, dict):
        return data
    *parents, name = EMPLOYEE_IN_DATA[kind]
    holder = data
    for parent in parents:
        inner = holder.get(parent)
        if not isinstance(inner, dict):
            return data
        holder = inner
    given = holder.get(name)
    if given is None or given == "":
        filled = {**data}
        target = filled
        for parent in parents:
            target[parent] = {**target[parent]}
            target = target[parent]
        target[name] = subject
        return filled
    if str(given).strip() != subject.strip():
        field = dotted(("data", *EMPLOYEE_IN_DATA[kind]))
        message = f"names employee {subject!r}, but {field} is {given!r}; leave one out or make them the same"
        raise _Refused(422, f"subject: {message}", [FieldProblem(("subject",), message, "value_error")])
    return data


class EventIntake:
    def __init__(self, session: AsyncSession, client: Client, settings: Settings) -> None:
        self._session = session
        self._client = client
        self._settings = settings

    async def receive(self, body: bytes, headers: dict[str, str]) -> Answer:
        """Read (structured or binary mode), act on and store one authenticated event; ``headers`` with lower-case names."""
        arrival = binding.read(body, headers)
        event: CloudEvent | None = None
        try:
            event = self._envelope(arrival)
            earlier = await self._accepted_before(event)
            if earlier is not None:
                return await self._store_duplicate(event, arrival, earlier)
            case_id, detail = await self._act(event)
        except _Refused as refused:
            return await self._store_rejected(arrival, event, refused)
        return await self._store_accepted(event, arrival, case_id, detail)

    # Reading the event.
    @staticmethod
    def _envelope(arrival: binding.Arrival) -> CloudEvent:
        if arrival.refusal is not None:
            raise _Refused(arrival.refusal.status_code, arrival.refusal.detail)
        try:
            return CloudEvent.model_validate(arrival.event())
        except ValidationError as err:
            found = problems(err, CloudEvent)
            raise _Refused(
                400, "not a CloudEvent 1.0: " + "; ".join(f"{p.field}: {p.message}" for p in found), found
            ) from None

    async def _act(self, event: CloudEvent) -> tuple[str, str]:
        """Start or change the case the event is about; the case id and what was done."""
        kind = self._kind(event)
        data = with_subject(kind, event.subject, event.data)
        if kind == EMPLOYEE_RESIGNED:
            registration = self._data(Registration, self._as_resignation(data))
            return await self._call(registration.case_id, self._register(registration))
        actor = Actor(email=self._settings.hr_email, role=Role.SYSTEM)
        if kind == EMPLOYEE_LAST_DAY_CHANGED:
            moved = self._data(LastDayChangedData, data)
            case_id = case_id_for(moved.employee_id, moved.notice_date)
            update = MoveLastDay(actor=actor, last_working_day=moved.last_working_day, reason=moved.reason)
            action = self._update(case_id, update, f"last working day moved to {moved.last_working_day}")
            return await self._call(case_id, action)
        withdrawn = self._data(ResignationWithdrawnData, data)
        case_id = case_id_for(withdrawn.employee_id, withdrawn.notice_date)
        action = self._update(case_id, Withdraw(actor=actor, reason=withdrawn.reason), "case withdrawn")
        return await self._call(case_id, action)

    def _kind(self, event: CloudEvent) -> str:
        names = type_names(self._settings.event_type_prefixes)
        if event.type not in names:
            raise _Refused(
                400,
                f"unknown event type {event.type!r}; this endpoint understands {', '.join(names)} (its data was not kept)",
                keep_data=False,
            )
        return names[event.type]

    @staticmethod
    def _as_resignation(data: Any) -> Any:
        # The event says what kind of departure it is; the data may leave the type out.
        if isinstance(data, dict) and isinstance(data.get("departure"), dict) and "type" not in data["departure"]:
            return {**data, "departure": {**data["departure"], "type": "resignation"}}
        return data

    @staticmethod
    def _data(model: type[BaseModel], data: Any) -> Any:
        if not isinstance(data, dict):
            raise _Refused(
                422, f"data: must be a JSON object ({'missing' if data is None else type(data).__name__} given)"
            )
        try:
            return model.model_validate(data)
        except ValidationError as err:
            found = [
                FieldProblem(("data", *problem.path), problem.message, problem.type) for problem in problems(err, model)
            ]
            raise _Refused(422, _summary(found), found) from None

    async def _register(self, registration: Registration) -> str:
        result = await service.register(self._client, registration, self._settings.task_queue)
        return (
            "case started"
            if result.created
            else f"this departure was already registered as case {result.case_id}; nothing changed"
        )

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
            raise _Refused(
                504,
                f"case {case_id} did not answer in time; the change may still be made: look at the case before sending again",
            ) from None
        except service.CaseUnavailable as err:
            raise _Refused(
                503, f"cases cannot be reached right now ({err.__cause__ or err}); send the event again later"
            ) from None

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

    @staticmethod
    def _row(
        event: CloudEvent, arrival: binding.Arrival, status: EventStatus, reason: str, case_id: str | None, **more: Any
    ) -> InboundEvent:
        return InboundEvent(
            event_id=event.id,
            source=event.source,
            type=event.type,
            subject=_clip(event.subject, SUBJECT_CHARS),
            event_time=event.time,
            status=status.value,
            reason=reason,
            case_id=case_id,
            payload=arrival.kept(),
            **more,
        )

    async def _store_accepted(self, event: CloudEvent, arrival: binding.Arrival, case_id: str, detail: str) -> Answer:
        row = self._row(
            event, arrival, EventStatus.ACCEPTED, detail, case_id, accepted_key=accepted_key(event.source, event.id)
        )
        try:
            await self._store(row)
        except IntegrityError:
            # The same event was accepted a moment ago by another request: this one is its duplicate.
            await self._session.rollback()
            earlier = await self._accepted_before(event)
            if earlier is None:
                raise
            return await self._store_duplicate(event, arrival, earlier)
        return Answer(
            200, EventStatus.ACCEPTED, detail, row.id, event.id, event.source, event.type, event.subject, case_id
        )

    async def _store_duplicate(self, event: CloudEvent, arrival: binding.Arrival, earlier: InboundEvent) -> Answer:
        detail = f"already received as delivery {earlier.id}; nothing changed"
        row = await self._store(
            self._row(event, arrival, EventStatus.DUPLICATE, detail, earlier.case_id, duplicate_of=earlier.id)
        )
        return Answer(
            200,
            EventStatus.DUPLICATE,
            detail,
            row.id,
            event.id,
            event.source,
            event.type,
            event.subject,
            earlier.case_id,
            earlier=earlier,
        )

    async def _store_rejected(self, arrival: binding.Arrival, event: CloudEvent | None, refused: _Refused) -> Answer:
        """Keep what arrived: the attributes as received (even those that did not pass), and the data unless the
        event is of no kind taken here."""
        attributes = arrival.attributes

        def attribute(name: str, limit: int) -> str | None:
            value = getattr(event, name) if event is not None else attributes.get(name)
            return _clip(value, limit)

        event_id, source, event_type, subject = (
            attribute("id", 255),
            attribute("source", 500),
            attribute("type", 200),
            attribute("subject", SUBJECT_CHARS),
        )
        kept = arrival.kept()
        if not refused.keep_data and isinstance(kept, dict):
            kept.pop("data", None)
            kept.pop("raw", None)
        case_id = self._case_of(event, self._settings.event_type_prefixes)
        row = await self._store(
            InboundEvent(
                event_id=event_id,
                source=source,
                type=event_type,
                subject=subject,
                event_time=event.time if event is not None else _time(attributes.get("time")),
                status=EventStatus.REJECTED.value,
                reason=refused.detail,
                case_id=case_id,
                payload=kept,
            )
        )
        errors = [{"loc": list(p.path), "msg": p.message, "type": p.type} for p in refused.errors]
        return Answer(
            refused.status_code,
            EventStatus.REJECTED,
            refused.detail,
            row.id,
            event_id,
            source,
            event_type,
            subject,
            case_id,
            errors,
        )

    @staticmethod
    def _case_of(event: CloudEvent | None, prefixes: list[str]) -> str | None:
        """The case a refused event was about, where its data (or subject) says so clearly enough."""
        if event is None or event.type not in (names := type_names(prefixes)):
            return None
        kind = names[event.type]
        try:
            data = with_subject(kind, event.subject, event.data)
        except _Refused:
            data = event.data
        try:
            if kind == EMPLOYEE_RESIGNED:
                data = {"employee_id": data["employee"]["id"], "notice_date": data["departure"]["notice_date"]}
            found = EventData.model_validate({"employee_id": data["employee_id"], "notice_date": data["notice_date"]})
        except (ValidationError, AttributeError, KeyError, TypeError):
            return None
        return case_id_for(found.employee_id, found.notice_date)


def _clip(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _time(value: Any) -> datetime | None:
    """An event's time as sent, when it reads as one (a refused event may carry anything there)."""
    try:
        return TypeAdapter(AwareDatetime).validate_python(value) if value else None
    except ValidationError:
        return None


async def list_events(
    session: AsyncSession, *, status: EventStatus | None = None, event_type: str | None = None, limit: int = 100
) -> list[InboundEvent]:
    query = select(InboundEvent).order_by(InboundEvent.received_at.desc(), InboundEvent.id.desc()).limit(limit)
    if status is not None:
        query = query.where(InboundEvent.status == status.value)
    if event_type:
        query = query.where(InboundEvent.type == event_type)
    return list((await session.execute(query)).scalars())
