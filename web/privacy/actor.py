"""Who acts in a request, for the audit log: set around every request, looked up only when something is logged."""

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from accounts import tokens as api_tokens
from operations.asgi import HttpMiddleware
from privacy import audit
from privacy.audit import Auditor
from web.auth.identity import current_user

API_CLIENT = Auditor("api client without a session", frozenset({"api"}))


class AuditActorMiddleware(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)

        async def actor() -> Auditor:
            # The same lookup the route's own dependencies make, cached on the request: no second query.
            user = await current_user(request)
            if user is None:
                return API_CLIENT
            via_token = getattr(request.state, "via_token", False)
            return Auditor(
                api_tokens.acting_name(user) if via_token else user.email, frozenset(role.value for role in user.roles)
            )

        with audit.acting_as(actor):
            await self.app(scope, receive, send)
