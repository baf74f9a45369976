"""Webhooks to other systems: which URLs to tell, and delivering one event to one URL, once.

Before posting, the activity claims the (event id, URL) row in ``webhook_deliveries``; a retry that
finds it delivered returns without posting. A retry after a crash between the receiver's answer and
the commit posts again with the same event id, which receivers use to drop the copy."""

import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from config import Settings
from models.events import WebhookDelivery, WebhookReceipt, WebhookRequest
from models.tables import utcnow
from webhooks import payloads, signing, standard

log = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 10.0
USER_AGENT = "offboarding-webhooks/1"
# Answers worth asking again: the receiver timed out, is rate limiting, or is down.
RETRYABLE_STATUSES = {408, 429}
# A Retry-After beyond this is not waited for as such; the retry policy's backoff applies instead.
MAX_RETRY_AFTER = timedelta(hours=1)

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


def _retry_after(response: httpx.Response) -> timedelta | None:
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        delay = timedelta(seconds=int(value))
    else:
        try:
            delay = parsedate_to_datetime(value) - datetime.now(UTC)
        except (TypeError, ValueError):
            return None
    return delay if timedelta(0) < delay <= MAX_RETRY_AFTER else None


def signed_headers(secret: str, event_id: str, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers, and the earlier X-Offboarding-* pair for receivers that still check those
    (sent until version 0.3.0, as the README says); both signed at the same moment."""
    now = time.time()
    return {**standard.signed_headers(secret, event_id, body, now=now), **signing.signed_headers(secret, body, now=now)}


class WebhookActivities:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._settings = settings
        self._sessions = sessions

    @activity.defn
    async def webhook_targets(self) -> list[str]:
        """The URLs to tell of case events; asked once when a case starts."""
        return list(self._settings.webhook_urls)

    @activity.defn
    async def deliver_webhook(self, request: WebhookRequest) -> WebhookReceipt:
        """POST one signed event to one URL. Retryable failures raise ``WebhookFailed``; refusals ``WebhookRejected``."""
        if await self._claim(request):
            return WebhookReceipt(status_code=None, already_delivered=True)
        body = payloads.encode(payloads.envelope(request.event, self._settings.public_url.rstrip("/")))
        headers = {
            "Content-Type": payloads.CONTENT_TYPE,
            "User-Agent": USER_AGENT,
            **signed_headers(self._settings.webhook_secret, request.event.id, body),
        }
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS, follow_redirects=False) as client:
                response = await client.post(request.url, content=body, headers=headers)
        except httpx.HTTPError as err:
            reason = f"no answer from {request.url}: {type(err).__name__} {err}".strip()
            await self._mark(request, PENDING, None, reason)
            raise ApplicationError(reason, type="WebhookFailed") from err

        status = response.status_code
        if 200 <= status < 300:
            await self._mark(request, DELIVERED, status, None)
            return WebhookReceipt(status_code=status)
        reason = f"{request.url} answered {status} {response.reason_phrase}".strip()
        if status in RETRYABLE_STATUSES or status >= 500:
            await self._mark(request, PENDING, status, reason)
            raise ApplicationError(reason, type="WebhookFailed", next_retry_delay=_retry_after(response))
        if 300 <= status < 400:
            reason += " (a redirect: webhooks follow none; configure the URL it points to)"
        await self._mark(request, FAILED, status, reason)
        log.warning("webhook %s refused: %s", request.event.id, reason)
        raise ApplicationError(reason, type="WebhookRejected", non_retryable=True)

    async def _claim(self, request: WebhookRequest) -> bool:
        """True when this event already reached this URL; else count this attempt."""
        for _ in range(2):
            try:
                async with self._sessions.begin() as session:
                    row = await self._find(session, request)
                    if row is None:
                        session.add(
                            WebhookDelivery(
                                event_id=request.event.id,
                                url=request.url,
                                event_type=request.event.type,
                                case_id=request.event.case_id,
                                status=PENDING,
                                attempts=1,
                            )
                        )
                        return False
                    if row.status == DELIVERED:
                        return True
                    row.attempts += 1
                    return False
            except IntegrityError:
                # Another attempt claimed the row at the same moment; read it again.
                continue
        return False

    @staticmethod
    async def _find(session: AsyncSession, request: WebhookRequest) -> WebhookDelivery | None:
        query = select(WebhookDelivery).where(
            WebhookDelivery.event_id == request.event.id, WebhookDelivery.url == request.url
        )
        return (await session.execute(query)).scalar_one_or_none()

    async def _mark(self, request: WebhookRequest, status: str, response_status: int | None, error: str | None) -> None:
        async with self._sessions.begin() as session:
            row = await self._find(session, request)
            if row is None:  # _claim stored it before sending
                raise LookupError(f"webhook delivery of {request.event.id} to {request.url} is missing")
            row.status = status
            row.response_status = response_status
            row.last_error = error
            if status == DELIVERED:
                row.delivered_at = utcnow()


def webhook_activities(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> list:
    """The worker's share: both activities, bound to its settings and database."""
    webhooks = WebhookActivities(settings, sessions)
    return [webhooks.webhook_targets, webhooks.deliver_webhook]
