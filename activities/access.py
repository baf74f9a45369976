"""Ending a person's access: their account at the identity provider is deactivated over SCIM 2.0 (RFC 7644
§3.5.2: ``PATCH`` with ``active`` replaced by ``false``, as Microsoft Entra and Okta deprovision; never ``DELETE``).

The account is looked up on every attempt (``userName`` or ``emails.value`` equal to the work email, or
``externalId`` equal to the employee id), so a retried attempt changes nothing twice: an account already
inactive is left as it is. Every attempt writes its evidence to ``access_revocations``; the final answer
also goes on the audit log. The token is sent only in the ``Authorization`` header and is never written
anywhere."""

import logging
from datetime import timedelta
from typing import cast

import httpx2
from scim2_client.engines.httpx2 import AsyncSCIMClient
from scim2_client.errors import SCIMClientException
from scim2_models import (
    EnterpriseUser,
    ListResponse,
    PatchOp,
    PatchOperation,
    ResourceType,
    SCIMException,
    ScimProvider,
    SearchRequest,
    User,
)
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

HTTP_TIMEOUT_SECONDS = 15.0
USER_AGENT = "offboarding-access/1"
# An identity provider that is down or overloaded is asked again after 30 s, 1, 2, 4 and 8 minutes; after the
# sixth attempt HR and IT/facilities are told and take it from there.
ACCESS_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=30),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=6,
)
ACCESS_ATTEMPT_TIMEOUT = timedelta(seconds=60)
# Users with or without the enterprise extension (RFC 7643 §4.3), as identity providers serve them.
PROVIDER = ScimProvider(
    models=[User, EnterpriseUser], resource_types=[ResourceType.from_resource(User[EnterpriseUser])]
)
# The provider answers None only for a name it was not given; "User" is registered just above.
SCIM_USER = cast(type[User[EnterpriseUser]], PROVIDER.model_for("User"))
FINAL_OUTCOMES = (ScimOutcome.DEACTIVATED, ScimOutcome.ALREADY_INACTIVE, ScimOutcome.PUBLISHED)


class ScimUnavailable(Exception):
    """No usable answer (no connection, a 5xx, a 429, something that is not SCIM): worth asking again."""

    def __init__(self, summary: str, status: int | None) -> None:
        super().__init__(summary)
        self.status = status


class _Exchange:
    """The requests of one attempt and the answers to them, as a short summary for the evidence."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.last_status: int | None = None

    async def answered(self, response: httpx2.Response) -> None:
        self.last_status = response.status_code
        self.lines.append(f"{response.request.method} {response.request.url.path} → {response.status_code}")

    def summary(self, note: str = "") -> str:
        return "; ".join([*self.lines, *([note] if note else [])])[:2000]


def _quoted(value: str) -> str:
    """A string in a SCIM filter (RFC 7644 §3.4.2.2: a JSON string)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class AccessActivities:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._settings = settings
        self._sessions = sessions

    @activity.defn
    async def access_method(self, input: AccessMethodInput) -> AccessMethod:
        """How this organisation ends access, asked once when a case starts."""
        return AccessMethod.SCIM if self._settings.scim_url else AccessMethod.EVENT

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
        exchange = _Exchange()
        try:
            receipt = await self._deactivate(input, exchange)
        except ScimUnavailable as err:
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

    async def _deactivate(self, input: RevokeAccess, exchange: _Exchange) -> AccessReceipt:
        settings = self._settings
        headers = {"Authorization": f"Bearer {settings.scim_token.get_secret_value()}", "User-Agent": USER_AGENT}
        base_url = settings.scim_url.rstrip("/") + "/"
        try:
            async with httpx2.AsyncClient(
                base_url=base_url,
                headers=headers,
                timeout=HTTP_TIMEOUT_SECONDS,
                follow_redirects=False,
                event_hooks={"response": [exchange.answered]},
            ) as http:
                scim = AsyncSCIMClient(http, provider=PROVIDER)
                return await self._deactivate_with(scim, input, exchange)
        except SCIMException as err:
            return self._refusal(err, exchange)
        except SCIMClientException as err:
            raise ScimUnavailable(exchange.summary(f"{type(err).__name__}: {err}"), exchange.last_status) from err

    async def _deactivate_with(self, scim: AsyncSCIMClient, input: RevokeAccess, exchange: _Exchange) -> AccessReceipt:
        def receipt(outcome: ScimOutcome, account_id: str | None = None, note: str = "") -> AccessReceipt:
            return AccessReceipt(
                outcome=outcome,
                method=AccessMethod.SCIM,
                at=utcnow(),
                account_id=account_id,
                status_code=exchange.last_status,
                answer=exchange.summary(note),
            )

        matches = await self._find(scim, input)
        if not matches:
            return receipt(ScimOutcome.NOT_FOUND, note=f"no account matches {self._criterion(input)}")
        if len(matches) > 1:
            return receipt(
                ScimOutcome.AMBIGUOUS,
                note=f"{len(matches)} accounts match: {', '.join(str(user.id) for user in matches)}",
            )
        user = matches[0]
        if user.active is False:
            return receipt(ScimOutcome.ALREADY_INACTIVE, str(user.id), note="the account was inactive already")
        # A variable as type parameter: the provider composes the model at run time.
        patch = PatchOp[SCIM_USER](  # type: ignore[valid-type]
            operations=[PatchOperation(op=PatchOperation.Op.replace_, path="active", value=False)]
        )
        await scim.modify(SCIM_USER, user.id, patch)
        return receipt(ScimOutcome.DEACTIVATED, str(user.id))

    def _criterion(self, input: RevokeAccess) -> str:
        if self._settings.scim_match == "external_id":
            return f"externalId {input.employee_id}"
        return f"userName or emails.value {input.work_email}"

    async def _find(self, scim: AsyncSCIMClient, input: RevokeAccess) -> list:
        """The accounts that are this person's; two separate filters, since not every server supports ``or``."""
        if self._settings.scim_match == "external_id":
            filters = [f"externalId eq {_quoted(input.employee_id)}"]
        else:
            email = _quoted(str(input.work_email))
            filters = [f"userName eq {email}", f"emails.value eq {email}"]
        for text in filters:
            found = await scim.query(SCIM_USER, query_parameters=SearchRequest(filter=text, count=10))
            if not isinstance(found, ListResponse):  # the client raises SCIM errors and checks answers, so never here
                raise ScimUnavailable(f"a search answered {type(found).__name__}, not a list", None)
            if found.resources:
                return list(found.resources)
        return []

    @staticmethod
    def _refusal(err: SCIMException, exchange: _Exchange) -> AccessReceipt:
        status = int(err.status) if err.status else exchange.last_status
        summary = exchange.summary(f"{status} {err}")
        if status in (408, 429) or (status or 0) >= 500:
            raise ScimUnavailable(summary, status)
        refusals: dict[int | None, ScimOutcome] = {
            401: ScimOutcome.REFUSED,
            403: ScimOutcome.REFUSED,
            404: ScimOutcome.NOT_FOUND,
        }
        outcome = refusals.get(status, ScimOutcome.FAILED)
        return AccessReceipt(outcome=outcome, method=AccessMethod.SCIM, at=utcnow(), status_code=status, answer=summary)

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
    access = AccessActivities(settings, sessions)
    return [access.access_method, access.revoke_access]
