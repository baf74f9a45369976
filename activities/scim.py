"""The SCIM 2.0 conversation that deactivates one account (RFC 7644 §3.5.2: ``PATCH`` with ``active`` replaced by
``false``): the account is looked up, then set inactive; what the identity provider answered is kept as a short
summary for the evidence.

A module of its own because the SCIM library takes over a second to import: only the access activity, when it
runs, needs it, not every process that names the case workflow (the command line, the web app)."""

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

from config import Settings
from models.access import AccessMethod, AccessReceipt, RevokeAccess, ScimOutcome
from models.tables import utcnow

HTTP_TIMEOUT_SECONDS = 15.0
USER_AGENT = "offboarding-access/1"
# Users with or without the enterprise extension (RFC 7643 §4.3), as identity providers serve them.
PROVIDER = ScimProvider(
    models=[User, EnterpriseUser], resource_types=[ResourceType.from_resource(User[EnterpriseUser])]
)
# The provider answers None only for a name it was not given; "User" is registered just above.
SCIM_USER = cast(type[User[EnterpriseUser]], PROVIDER.model_for("User"))


class ScimUnavailable(Exception):
    """No usable answer (no connection, a 5xx, a 429, something that is not SCIM): worth asking again."""

    def __init__(self, summary: str, status: int | None) -> None:
        super().__init__(summary)
        self.status = status


class Exchange:
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


async def deactivate(settings: Settings, input: RevokeAccess, exchange: Exchange) -> AccessReceipt:
    """Find the person's one account and set it inactive; an answer that is worth asking again raises ``ScimUnavailable``."""
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
            return await _deactivate_with(settings, scim, input, exchange)
    except SCIMException as err:
        return _refusal(err, exchange)
    except SCIMClientException as err:
        raise ScimUnavailable(exchange.summary(f"{type(err).__name__}: {err}"), exchange.last_status) from err


async def _deactivate_with(
    settings: Settings, scim: AsyncSCIMClient, input: RevokeAccess, exchange: Exchange
) -> AccessReceipt:
    def receipt(outcome: ScimOutcome, account_id: str | None = None, note: str = "") -> AccessReceipt:
        return AccessReceipt(
            outcome=outcome,
            method=AccessMethod.SCIM,
            at=utcnow(),
            account_id=account_id,
            status_code=exchange.last_status,
            answer=exchange.summary(note),
        )

    matches = await _find(settings, scim, input)
    if not matches:
        return receipt(ScimOutcome.NOT_FOUND, note=f"no account matches {_criterion(settings, input)}")
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


def _criterion(settings: Settings, input: RevokeAccess) -> str:
    if settings.scim_match == "external_id":
        return f"externalId {input.employee_id}"
    return f"userName or emails.value {input.work_email}"


async def _find(settings: Settings, scim: AsyncSCIMClient, input: RevokeAccess) -> list:
    """The accounts that are this person's; two separate filters, since not every server supports ``or``."""
    if settings.scim_match == "external_id":
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


def _refusal(err: SCIMException, exchange: Exchange) -> AccessReceipt:
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
