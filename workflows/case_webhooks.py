"""The webhooks' part inside the case workflow: which events to tell, and starting their delivery.

This runs in the workflow sandbox and must stay deterministic: event ids and times come from the
case's own state and ``workflow.now()``; the only I/O is the two activities. Deliveries run beside
the case (a receiver that is down never holds a case up) and are retried by Temporal with backoff
for up to a day; the case waits for them only when it ends, so that ``case.closed`` is not lost.

Until ``start`` has run, and when no URL is configured, every method does nothing and schedules
nothing: cases started before webhooks existed replay unchanged."""

import asyncio
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.webhooks import WebhookActivities
    from models.case import CaseView, Step, StepState
    from models.events import WebhookEvent, WebhookRequest
    from webhooks import payloads

TARGETS_TIMEOUT = timedelta(seconds=30)
# One attempt (the HTTP client gives up after 10 seconds), and all attempts together.
DELIVERY_ATTEMPT_TIMEOUT = timedelta(seconds=30)
DELIVERY_DEADLINE = timedelta(days=1)
# A receiver that is down or overloaded (5xx, 408, 429, no answer) is waited out; one that refuses the
# webhook (any other 4xx) is not asked again.
DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=["WebhookRejected"],
)


class CaseWebhooks:
    def __init__(self, record: Callable[[str, str], None], view: Callable[[], CaseView]) -> None:
        """``record`` adds an entry to the case's timeline (a webhook that could not be delivered is noted there);
        ``view`` is the case as its query shows it, read only when there is something to tell."""
        self._record = record
        self._view = view
        self._urls: list[str] = []
        self._told_done: set[Step] = set()
        self._times_done: dict[Step, int] = {}
        self._deliveries: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Ask once which URLs to tell (the worker's settings), then tell them the case opened."""
        self.begin(
            await workflow.execute_activity_method(
                WebhookActivities.webhook_targets, start_to_close_timeout=TARGETS_TIMEOUT
            )
        )

    def begin(self, urls: list[str]) -> None:
        """Tell ``urls`` (the worker's settings when the case opened) that the case opened, and later of its steps."""
        self._urls = list(urls)
        if self._urls:
            self._send(payloads.opened(self._view(), workflow.now()))

    def steps_changed(self) -> None:
        """Tell each step that became done since the last call; a step done again later is told again."""
        if not self._urls:
            return
        view = self._view()
        for step, state in view.steps.items():
            if state != StepState.DONE:
                self._told_done.discard(step)
            elif step not in self._told_done:
                self._told_done.add(step)
                self._times_done[step] = self._times_done.get(step, 0) + 1
                self._send(payloads.step_done(view, workflow.now(), step, self._times_done[step]))

    async def finish(self) -> None:
        """Tell the last steps and that the case closed (or was withdrawn); wait until every delivery has ended."""
        if not self._urls:
            return
        self.steps_changed()
        self._send(payloads.closed(self._view(), workflow.now()))
        await asyncio.gather(*self._deliveries)

    def publish(self, event: WebhookEvent) -> bool:
        """Tell every URL of one event beside the case's own (``access.revoke``); False when there is none to tell."""
        self._send(event)
        return bool(self._urls)

    def _send(self, event: WebhookEvent) -> None:
        for url in self._urls:
            self._deliveries.append(asyncio.create_task(self._deliver(WebhookRequest(url=url, event=event))))

    async def _deliver(self, request: WebhookRequest) -> None:
        try:
            await workflow.execute_activity_method(
                WebhookActivities.deliver_webhook,
                request,
                start_to_close_timeout=DELIVERY_ATTEMPT_TIMEOUT,
                schedule_to_close_timeout=DELIVERY_DEADLINE,
                retry_policy=DELIVERY_RETRY,
            )
        except ActivityError as err:
            self._record("webhook_failed", f"{request.event.type} → {request.url}: {err.cause or err}")
