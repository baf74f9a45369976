"""Ending a person's access: their account at the identity provider is deactivated over SCIM 2.0 (RFC 7644
§3.5.2: ``PATCH`` with ``active`` replaced by ``false``, as Microsoft Entra and Okta deprovision; never ``DELETE``).

The account is looked up on every attempt (``userName`` or ``emails.value`` equal to the work email, or
``externalId`` equal to the employee id), so a retried attempt changes nothing twice: an account already
inactive is left as it is. Every attempt writes its evidence to ``access_revocations``; the final answer
also goes on the audit log. The token is sent only in the ``Authorization`` header and is never written
anywhere."""

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

from config import Settings
from models.access import AccessMethod, AccessMethodInput, AccessReceipt, AccessRevocation, RevokeAccess, ScimOutcome
from models.audit import AuditAction, SubjectType
from models.tables import utcnow
from privacy import audit
from privacy.audit import SYSTEM, Auditor

log = logging.getLogger(__name__)

# An identity provider that is down or overloaded is asked again after 30 s, 1, 2, 4 and 8 minutes; after the
# sixth attempt HR and IT/facilities are told and take it from there.
ACCESS_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=30),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=6,
)
ACCESS_ATTEMPT_TIMEOUT = timedelta(seconds=60)
FINAL_OUTCOMES = (ScimOutcome.DEACTIVATED, ScimOutcome.ALREADY_INACTIVE, ScimOutcome.PUBLISHED)


def access_method_of(settings: Settings) -> AccessMethod:
    """How this organisation ends access: over SCIM where an endpoint is configured, else by telling other systems."""
    return AccessMethod.SCIM if settings.scim_url else AccessMethod.EVENT


class AccessActivities:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._settings = settings
        self._sessions = sessions

    @activity.defn
    async def access_method(self, input: AccessMethodInput) -> AccessMethod:
        """How this organisation ends access, asked once when a case starts (cases opened before opening-in-one-v1)."""
        return access_method_of(self._settings)

    @activity.defn
    async def revoke_access(self, input: RevokeAccess) -> AccessReceipt:
        """Deactivate the account, or (no SCIM endpoint) record that other systems are told. A failure worth
        retrying raises ``ScimUnavailable``; not found, ambiguous or refused are answers, returned at once."""
        kept = await self._kept(input.case_id)
        if kept is not None:
            return kept
        if input.method == AccessMethod.EVENT:
            return await self._keep(
                input, AccessReceipt(outcome=ScimOutcome.PUBLISHED, method=AccessMethod.EVENT, at=utcnow()), final=True
            )
        if not self._settings.scim_url:
            missing = AccessReceipt(
                outcome=ScimOutcome.FAILED,
                method=AccessMethod.SCIM,
                at=utcnow(),
                answer="no SCIM endpoint is configured any more (OFFBOARDING_SCIM_URL)",
            )
            return await self._keep(input, missing, final=True)
        from activities import scim  # here, not above: see activities/scim.py

        exchange = scim.Exchange()
        try:
            receipt = await scim.deactivate(self._settings, input, exchange)
        except scim.ScimUnavailable as err:
            final = activity.info().attempt >= ACCESS_RETRY.maximum_attempts
            failed = AccessReceipt(
                outcome=ScimOutcome.FAILED,
                method=AccessMethod.SCIM,
                at=utcnow(),
                status_code=err.status,
                answer=str(err),
            )
            await self._keep(input, failed, final=final)
            log.warning(
                "case %s: the identity provider gave no usable answer (attempt %s): %s",
                input.case_id,
                activity.info().attempt,
                err,
            )
            raise ApplicationError(str(err), type="ScimUnavailable") from None
        return await self._keep(input, receipt, final=True)

    async def _kept(self, case_id: str) -> AccessReceipt | None:
        """The receipt of an earlier attempt that finished the work (a retry after a lost answer)."""
        async with self._sessions() as session:
            row = (
                await session.execute(select(AccessRevocation).where(AccessRevocation.case_id == case_id))
            ).scalar_one_or_none()
        if row is None or row.outcome not in FINAL_OUTCOMES or row.done_at is None:
            return None
        return AccessReceipt(
            outcome=ScimOutcome(row.outcome),
            method=AccessMethod(row.method),
            at=row.done_at,
            account_id=row.account_id,
            status_code=row.response_status,
            answer=row.answer,
        )

    async def _keep(self, input: RevokeAccess, receipt: AccessReceipt, *, final: bool) -> AccessReceipt:
        """Write the evidence of this attempt; a final answer also goes on the audit log, in the same transaction."""
        async with self._sessions.begin() as session:
            row = (
                await session.execute(
                    select(AccessRevocation).where(AccessRevocation.case_id == input.case_id).with_for_update()
                )
            ).scalar_one_or_none()
            if row is None:
                row = AccessRevocation(case_id=input.case_id)
                session.add(row)
            row.method = receipt.method.value
            row.outcome = receipt.outcome.value
            row.immediate = input.immediate
            row.requested_by = input.requested_by
            row.account_id = receipt.account_id
            row.response_status = receipt.status_code
            row.answer = receipt.answer
            row.attempts = activity.info().attempt
            if final:
                row.done_at = receipt.at
                await self._audit(session, input, receipt)
        return receipt

    @staticmethod
    async def _audit(session: AsyncSession, input: RevokeAccess, receipt: AccessReceipt) -> None:
        action = AuditAction.ACCESS_REVOKED if receipt.outcome in FINAL_OUTCOMES else AuditAction.ACCESS_REVOKE_FAILED
        by = Auditor(input.requested_by, frozenset({"hr"})) if input.immediate and input.requested_by else SYSTEM
        detail = {
            "case_id": input.case_id,
            "method": receipt.method.value,
            "outcome": receipt.outcome.value,
            "account_id": receipt.account_id,
            "status": receipt.status_code,
            "immediate": input.immediate,
        }
        await audit.record(
            session, action, SubjectType.PERSON, input.employee_id, detail, roles=("hr", "system"), by=by
        )


def access_activities(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> list:
    """The worker's share: both activities, bound to its settings and database."""
    if settings.scim_url:
        # Loaded as the worker starts, not in the middle of its first revocation; a worker without SCIM never needs it.
        from activities import scim  # noqa: F401

    access = AccessActivities(settings, sessions)
    return [access.access_method, access.revoke_access]
