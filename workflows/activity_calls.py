"""How the case workflows call their activities: timeouts and retries in one place, and how an update is refused."""

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from activities.mail import MailActivities
    from models.mail import MailRequest

DB_TIMEOUT = timedelta(seconds=30)
MAIL_TIMEOUT = timedelta(minutes=2)
# A worker that dies mid-send misses its heartbeat; the send is retried elsewhere within seconds.
MAIL_HEARTBEAT = timedelta(seconds=15)
# A mail server that is down is waited out; an address it refuses for good is not retried.
MAIL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=10), non_retryable_error_types=["MailRejected"])


def rejected(message: str) -> ApplicationError:
    """The error an update validator raises: the caller sees ``message`` as the reason."""
    return ApplicationError(message, type="UpdateRejected", non_retryable=True)


async def record(method: Any, arg: Any) -> Any:
    return await workflow.execute_activity_method(method, arg, start_to_close_timeout=DB_TIMEOUT)


async def deliver(request: MailRequest) -> str | None:
    """Send one mail; None when it went out (now or before), else why it could not be delivered."""
    try:
        await workflow.execute_activity_method(
            MailActivities.send_mail, request, start_to_close_timeout=MAIL_TIMEOUT, heartbeat_timeout=MAIL_HEARTBEAT, retry_policy=MAIL_RETRY
        )
    except ActivityError as err:
        # A send cut short because the workflow itself is being cancelled is no delivery failure.
        if is_cancelled_exception(err):
            raise
        return str(err.cause or err)
    return None
