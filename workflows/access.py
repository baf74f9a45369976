"""The access step inside the case workflow: when the person's access ends, and what follows from the answer.

Access ends at the end of the last working day in the organisation's time zone, or at once when HR says so.
A moved last day moves the moment; a withdrawal before it cancels it. The work itself is the ``revoke_access``
activity (activities/access.py), retried by Temporal; what it cannot do is handed to the case (``Followups``):
mails to HR and IT/facilities, or, without a SCIM endpoint, the ``access.revoke`` webhook.

Deterministic, like the rest of the workflow. Until ``start`` has run (cases started before the "access-v1"
patch) nothing here schedules anything, so those cases replay unchanged."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from activities.access import ACCESS_ATTEMPT_TIMEOUT, ACCESS_RETRY, AccessActivities
    from models.access import (
        AccessMethod,
        AccessMethodInput,
        AccessReceipt,
        AccessState,
        AccessView,
        RevokeAccess,
        RevokeAccessNow,
        ScimOutcome,
    )

METHOD_TIMEOUT = timedelta(seconds=30)
ENDED = (ScimOutcome.DEACTIVATED, ScimOutcome.ALREADY_INACTIVE)


@dataclass(frozen=True)
class Followups:
    """What the case does with an answer: ``published`` (no SCIM: tell other systems; ``immediate``) and
    ``escalated`` (HR and IT/facilities are told why access could not be ended)."""

    published: Callable[[bool], Awaitable[None]]
    escalated: Callable[[AccessReceipt], Awaitable[None]]


class CaseAccess:
    def __init__(self, record: Callable[[str, str], None]) -> None:
        """``record`` adds an entry to the case's timeline."""
        self._record = record
        self.view: AccessView | None = None
        self.asked = False
        self._now: RevokeAccessNow | None = None
        self._cancelled = False
        self._runner: asyncio.Task[None] | None = None

    async def start(self, case_id: str, known: AccessMethod | None = None) -> AccessMethod:
        """How this organisation ends access, over SCIM or by telling other systems: ``known`` when the case's
        opening said it already, else asked once."""
        self.asked = True
        method = known
        if method is None:
            method = await workflow.execute_activity_method(
                AccessActivities.access_method,
                AccessMethodInput(case_id=case_id),
                start_to_close_timeout=METHOD_TIMEOUT,
            )
        self.view = AccessView(method=method)
        return method

    def follow(
        self, moment: Callable[[], datetime], request: Callable[[bool, str | None], RevokeAccess], followups: Followups
    ) -> None:
        """Wait for ``moment`` (read again whenever something changes: the last day may move), then end access."""
        self._runner = asyncio.create_task(self._run(moment, request, followups))

    @property
    def started(self) -> AccessView:
        """The step's view, for code that runs once ``start`` has set it."""
        if self.view is None:
            raise RuntimeError("the access step is read before it started")
        return self.view

    def can_end_now(self) -> bool:
        return self.view is not None and self._now is None and self.view.state == AccessState.SCHEDULED

    def end_now(self, input: RevokeAccessNow) -> AccessView:
        self._now = input
        view = self.started
        view.immediate = True
        view.requested_by = str(input.actor.email)
        view.reason = input.reason
        view.due_at = workflow.now()
        return view

    def cancel(self) -> None:
        """The departure was withdrawn: access stays, unless it has already been ended."""
        self._cancelled = True

    async def settled(self) -> None:
        """Wait until access has been ended, escalated or cancelled."""
        if self._runner is not None:
            await self._runner

    async def _run(
        self, moment: Callable[[], datetime], request: Callable[[bool, str | None], RevokeAccess], followups: Followups
    ) -> None:
        view = self.started
        while self._now is None and not self._cancelled:
            at = view.due_at = moment()
            if at <= workflow.now():
                break

            def moved_or_ended(at: datetime = at) -> bool:
                return self._now is not None or self._cancelled or moment() != at

            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(moved_or_ended, timeout=at - workflow.now())
        if self._cancelled and self._now is None:
            view.state = AccessState.CANCELLED
            self._record("access_cancelled", "")
            return
        immediate = self._now is not None
        receipt = await self._revoke(request(immediate, view.requested_by))
        self._apply(receipt)
        if receipt.outcome == ScimOutcome.PUBLISHED:
            await followups.published(immediate)
        elif receipt.outcome not in ENDED:
            await followups.escalated(receipt)

    async def _revoke(self, request: RevokeAccess) -> AccessReceipt:
        try:
            return await workflow.execute_activity_method(
                AccessActivities.revoke_access,
                request,
                start_to_close_timeout=ACCESS_ATTEMPT_TIMEOUT,
                retry_policy=ACCESS_RETRY,
            )
        except ActivityError as err:
            if is_cancelled_exception(err):
                raise
            return AccessReceipt(
                outcome=ScimOutcome.FAILED, method=self.started.method, at=workflow.now(), answer=str(err.cause or err)
            )

    def _apply(self, receipt: AccessReceipt) -> None:
        view = self.started
        view.method, view.outcome, view.done_at = receipt.method, receipt.outcome, receipt.at
        view.account_id, view.answer = receipt.account_id, receipt.answer
        if receipt.outcome in ENDED:
            view.state = AccessState.DEACTIVATED
            self._record("access_deactivated", f"{receipt.account_id} ({receipt.outcome.value})")
        elif receipt.outcome == ScimOutcome.PUBLISHED:
            view.state = AccessState.PUBLISHED
            self._record("access_revoke_published", "")
        else:
            view.state = AccessState.ESCALATED
            self._record("access_escalated", f"{receipt.outcome.value}: {receipt.answer}"[:500])
