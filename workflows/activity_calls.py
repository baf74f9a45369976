"""How the case workflows call their activities: timeouts and retries in one place, and how an update is refused."""

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from activities.mail import MailActivities
    from models.mail import MailBatch, MailReceipt, MailRequest
    from models.refusals import Refusal

DB_TIMEOUT = timedelta(seconds=30)
MAIL_TIMEOUT = timedelta(minutes=2)
# A worker that dies mid-send misses its heartbeat; the send is retried elsewhere within seconds.
MAIL_HEARTBEAT = timedelta(seconds=15)
# A mail server that is down is waited out, however long: attempts after 5 s, 10 s, 20 s, ... and then every
# 10 minutes, without end, so that the mail follows within minutes once it is back. An address it refuses for
# good is not retried: the activity records the refusal and returns (MailRejected is what it raised before).
MAIL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=0,
    non_retryable_error_types=["MailRejected"],
)


def rejected(code: str | Refusal, **params: object) -> ApplicationError:
    """The error an update validator raises: the caller gets the English sentence of ``code`` (models/refusals.py) as
    the message and ``{"code", "params"}`` as the details, from which the pages speak the reader's language.

    Validators only: a refused update leaves no trace in the history, so its wording can change without breaking replay."""
    refusal = code if isinstance(code, Refusal) else Refusal(code, **params)
    return ApplicationError(str(refusal), refusal.details(), type="UpdateRejected", non_retryable=True)


async def record(method: Any, arg: Any) -> Any:
    return await workflow.execute_activity_method(method, arg, start_to_close_timeout=DB_TIMEOUT)


async def deliver(request: MailRequest) -> str | None:
    """Send one mail; None when it went out (now or before), else why it could not be delivered."""
    return (await _delivered(MailActivities.send_mail, request, 1))[0]


async def deliver_all(requests: list[MailRequest]) -> list[str | None]:
    """Send several mails in one activity; for each, None when it went out (now or before), else why it could not be delivered."""
    return await _delivered(MailActivities.send_mails, MailBatch(requests=requests), len(requests))


async def _delivered(method: Any, arg: Any, count: int) -> list[str | None]:
    try:
        outcome = await workflow.execute_activity_method(
            method, arg, start_to_close_timeout=MAIL_TIMEOUT, heartbeat_timeout=MAIL_HEARTBEAT, retry_policy=MAIL_RETRY
        )
    except ActivityError as err:
        # A send cut short because the workflow itself is being cancelled is no delivery failure.
        if is_cancelled_exception(err):
            raise
        return [str(err.cause or err)] * count
    receipts: list[MailReceipt] = outcome if isinstance(outcome, list) else [outcome]
    return [f"refused by the mail server: {receipt.refused}" if receipt.refused else None for receipt in receipts]


class Background:
    """Work a workflow starts without waiting for it, such as mail that an update causes, sent after the update has
    answered: the person acting must not wait for the mail server (while it is down a send is retried for as long as
    it takes, and an update that awaited it would keep them waiting until the call times out). Each piece runs as a
    task of the workflow (in order, deterministically); the workflow waits for them before it ends."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task] = set()

    def send(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def settled(self) -> None:
        if self._running:
            await workflow.wait_condition(lambda: not self._running)
