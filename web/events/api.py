"""Events from the HR system, and the list of what was received.

``POST /api/events`` takes one CloudEvent 1.0 over the HTTP binding, in binary mode (``ce-*`` headers, the
data as body) or structured mode (``Content-Type: application/cloudevents+json``), signed with the shared
secret ``OFFBOARDING_EVENTS_SECRET`` as Standard Webhooks specifies (``webhook-id``, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">``; the earlier
``X-Offboarding-Timestamp`` / ``X-Offboarding-Signature`` pair is still accepted). Requests that are not
signed, or signed too long ago, are refused (401) and not kept; every signed event is kept, and what was
refused shows in ``GET /api/events?status=rejected`` (``listing_router``: for HR, so the app includes it
behind HR's access check; the events carry personal data)."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse

from intake.events import CONTENT_TYPE, Answer, EventIntake, list_events
from models.events import CloudEvent, EventStatus, InboundEventView
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.events.schemas import EarlierOutcome, EventAnswer
from webhooks import signing, standard

# Two routers: the HR system posts events, signed (no session); people read what came in, as HR.
router = APIRouter(prefix="/api/events", tags=["events"])
listing_router = APIRouter(prefix="/api/events", tags=["events"])

MAX_EVENT_BYTES = 1_000_000


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_EVENT_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"An event may be at most {MAX_EVENT_BYTES} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_EVENT_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"An event may be at most {MAX_EVENT_BYTES} bytes.")
    return bytes(body)


def _answer(request: Request, answer: Answer) -> JSONResponse:
    earlier = answer.earlier
    body = EventAnswer(
        status=answer.status,
        detail=answer.detail,
        delivery=answer.delivery,
        event_id=answer.event_id,
        source=answer.source,
        type=answer.type,
        subject=answer.subject,
        case_id=answer.case_id,
        status_url=str(request.url_for("api_get_case", case_id=answer.case_id)) if answer.case_id else None,
        errors=answer.errors,
        earlier=EarlierOutcome(
            delivery=earlier.id,
            status=EventStatus(earlier.status),
            detail=earlier.reason,
            case_id=earlier.case_id,
            received_at=earlier.received_at,
        )
        if earlier is not None
        else None,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=answer.status_code)


@router.post(
    "",
    response_model=EventAnswer,
    summary="Receive an event from the HR system",
    openapi_extra={
        "requestBody": {"required": True, "content": {CONTENT_TYPE: {"schema": CloudEvent.model_json_schema()}}}
    },
    responses={
        status.HTTP_400_BAD_REQUEST: {
            "model": EventAnswer,
            "description": "Not a CloudEvent, or an event type this endpoint does not know. Kept as rejected.",
        },
        status.HTTP_401_UNAUTHORIZED: {
            "description": "Missing or wrong signature, or a timestamp too far from now. Not kept."
        },
        status.HTTP_403_FORBIDDEN: {"description": "Events are switched off here: no secret is configured. Not kept."},
        status.HTTP_404_NOT_FOUND: {
            "model": EventAnswer,
            "description": "No case for this employee and notice date. Kept as rejected.",
        },
        status.HTTP_409_CONFLICT: {
            "model": EventAnswer,
            "description": "The case refused the change (closed, withdrawn, same date). Kept as rejected.",
        },
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: {
            "model": EventAnswer,
            "description": f"Not {CONTENT_TYPE}. Kept as rejected.",
        },
        status.HTTP_422_UNPROCESSABLE_CONTENT: {
            "model": EventAnswer,
            "description": "The event's data is invalid; `errors` names each field. Kept as rejected.",
        },
        status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "Cases cannot be reached right now; try again."},
    },
)
async def receive_event(
    request: Request, session: SessionDep, client: TemporalDep, settings: SettingsDep
) -> JSONResponse:
    """Signed with `X-Offboarding-Timestamp` and `X-Offboarding-Signature` (see the module's description). Types:

    - `employee.resigned`: `data` is a registration, as `POST /api/cases` takes it (`departure.type` may be left out).
    - `employee.last_day_changed`: `data` is `{employee_id, notice_date, last_working_day, reason}`.
    - `employee.resignation_withdrawn`: `data` is `{employee_id, notice_date, reason}`.

    The employee id and the notice date identify the case. An event whose `source` and `id` were accepted before
    changes nothing and is answered 200 with the earlier outcome."""
    if not settings.events_secret:
        # Not a passing outage: a client that retried until the secret is set would retry for ever.
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Events are switched off here: no OFFBOARDING_EVENTS_SECRET is configured."
        )
    body = await _body(request)
    try:
        _verify(request, settings, body)
    except signing.SignatureInvalid as err:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"Not accepted: {err}.",
            headers={"WWW-Authenticate": 'HMAC-SHA256 realm="offboarding-events"'},
        ) from err
    headers = {name.lower(): value for name, value in request.headers.items()}
    answer = await EventIntake(session, client, settings).receive(body, headers)
    return _answer(request, answer)


def _verify(request: Request, settings, body: bytes) -> None:
    """Standard Webhooks headers when the sender uses them, else the earlier X-Offboarding-* pair."""
    headers = request.headers
    if (
        any(name in headers for name in (standard.ID_HEADER, standard.TIMESTAMP_HEADER, standard.SIGNATURE_HEADER))
        or signing.TIMESTAMP_HEADER not in headers
    ):
        standard.verify(
            settings.events_secret,
            body,
            headers.get(standard.ID_HEADER),
            headers.get(standard.TIMESTAMP_HEADER),
            headers.get(standard.SIGNATURE_HEADER),
            settings.event_max_age_seconds,
        )
        return
    signing.verify(
        settings.events_secret,
        body,
        headers.get(signing.TIMESTAMP_HEADER),
        headers.get(signing.SIGNATURE_HEADER),
        settings.event_max_age_seconds,
    )


@listing_router.get("", response_model=list[InboundEventView], summary="Events received, newest first")
async def received_events(
    session: SessionDep,
    event_status: Annotated[
        EventStatus | None,
        Query(alias="status", description="Only events with this outcome; `rejected` shows what needs HR's attention."),
    ] = None,
    event_type: Annotated[
        str | None, Query(alias="type", max_length=200, description="Only events of this type.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many.")] = 100,
) -> list[InboundEventView]:
    rows = await list_events(session, status=event_status, event_type=event_type, limit=limit)
    return [InboundEventView.model_validate(row) for row in rows]
