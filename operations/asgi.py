"""The frame of a pure ASGI middleware that works on HTTP requests: the lifespan and other scopes pass straight
through. Pure ASGI rather than Starlette's BaseHTTPMiddleware, so that context variables set around a request
reach the route."""

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
