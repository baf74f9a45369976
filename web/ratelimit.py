"""Rate limits: signing in and the employee's link pages (per client address), with the ``limits`` library's
moving window.

Signing in is limited so that whoever guesses is held back, never the account's owner: attempts count per
account *and* client address (``sign_in_limit_per_account_and_address``), failures per client address
whatever the account (``sign_in_limit_per_address``), and failures per account from browsers that never
signed in to it, all addresses together (``sign_in_limit_per_account``, against guessing from many
addresses). A browser that signed in to the account before brings a signed cookie saying so
(``web.auth.cookies.known_device``): it is held back only by its own count, so that nobody else's
failures, from its address or from anywhere, keep the owner out.

The counters live where ``rate_limit_storage_url`` says: in this process (``memory://``), or in Redis
(``redis://...``) so that several web replicas count together. The limits are settings, in the library's
notation (``10 per 15 minutes``; ``;`` between several); an empty one is no limit. A refusal is 429 with
``Retry-After``: JSON for the API, a page in the person's language otherwise.

The client address is the connecting one, unless that is one of ``trusted_proxies``: then it is the
address nearest to us in ``X-Forwarded-For`` that is not one of those proxies (the entries further left
were written by the client and prove nothing). uvicorn, started by ``web.serve``, applies the same rule
to the same proxies before the app sees the request, so reading the header again here changes nothing
then; it matters where no server did (in-process, or a server started without proxy headers)."""

import ipaddress
import logging
import math
import time
from collections.abc import Sequence
from functools import cached_property
from typing import cast

from fastapi import Request, status
from fastapi.responses import JSONResponse, Response
from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from config import Settings

log = logging.getLogger("web.access")

# The pages opened by personal links (web/links.py): whatever lives under these paths is counted.
LINK_PREFIXES = ("/invitation/", "/consent/", "/task/")


def _items(text: str) -> list[RateLimitItem]:
    return parse_many(text) if text.strip() else []


def _storage(url: str) -> Storage:
    # The async flavour of each storage; Redis through redis-py, the client this project installs. (limits types
    # the answer as either flavour; the "async+" scheme chooses the async one.)
    if url.startswith("memory://"):
        return cast(Storage, storage_from_string("async+" + url))
    return cast(Storage, storage_from_string("async+" + url, implementation="redispy"))


class RateLimits:
    """The app's limits and their counters (one per app, in ``app.state.rate_limits``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.per_account_and_address = _items(settings.sign_in_limit_per_account_and_address)
        self.per_account = _items(settings.sign_in_limit_per_account)
        self.per_address = _items(settings.sign_in_limit_per_address)
        self.links = _items(settings.link_limit_per_address)
        self._networks = [ipaddress.ip_network(proxy, strict=False) for proxy in settings.trusted_proxies]

    @cached_property
    def limiter(self) -> MovingWindowRateLimiter:
        # Made on first use, inside the event loop that serves the requests.
        return MovingWindowRateLimiter(_storage(self.settings.rate_limit_storage_url))

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._networks)

    def client_address(self, scope: Scope) -> str:
        client = scope.get("client")
        peer = client[0] if client else ""
        if not self._networks or not self._trusted(peer):
            return peer
        forwarded: list[str] = []
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                forwarded += [part.strip() for part in value.decode("latin-1").split(",") if part.strip()]
        for address in reversed(forwarded):
            if not self._trusted(address):
                return address
        return forwarded[0] if forwarded else peer

    async def _retry_after(self, items: Sequence[RateLimitItem], *key: str) -> int:
        waits = []
        for item in items:
            stats = await self.limiter.get_window_stats(item, *key)
            if stats.remaining <= 0:
                waits.append(stats.reset_time - time.time())
        return max(1, math.ceil(max(waits, default=1)))

    async def _hit(self, items: Sequence[RateLimitItem], *key: str) -> int | None:
        """Count one; the seconds to wait when a limit is already reached (nothing counted then)."""
        for item in items:
            if not await self.limiter.test(item, *key):
                return await self._retry_after(items, *key)
        for item in items:
            await self.limiter.hit(item, *key)
        return None

    async def _reached(self, items: Sequence[RateLimitItem], *key: str) -> int | None:
        for item in items:
            if not await self.limiter.test(item, *key):
                return await self._retry_after(items, *key)
        return None

    async def sign_in_attempt(self, address: str, email: str, device: str | None = None) -> int | None:
        """Before checking a password: None to go on, or the seconds to wait. ``device``: the id of the known-device
        cookie for this account, when the browser brought one. Every attempt counts for the account from this
        address (or this known device); failures count for the address and the account (``sign_in_failed``)."""
        email = email.strip().lower()
        if not email:
            return await self._reached(self.per_address, "sign-in-address", address)
        if device is not None:
            return await self._hit(self.per_account_and_address, "sign-in-device", email, device)
        wait = await self._reached(self.per_address, "sign-in-address", address)
        if wait is None:
            wait = await self._reached(self.per_account, "sign-in-account", email)
        if wait is None:
            wait = await self._hit(self.per_account_and_address, "sign-in-account-address", email, address)
        return wait

    async def sign_in_failed(self, address: str, email: str, device: str | None = None) -> None:
        if device is not None:
            return  # counted as an attempt of that device already, and of nobody else's
        for item in self.per_address:
            await self.limiter.hit(item, "sign-in-address", address)
        email = email.strip().lower()
        if email:
            for item in self.per_account:
                await self.limiter.hit(item, "sign-in-account", email)

    async def signed_in(self, address: str, email: str, device: str | None = None) -> None:
        """The right password: the count of this account from this address (or this known device) starts afresh.
        Other counts stay: someone else guessing from the same address is still held back."""
        email = email.strip().lower()
        key = ("sign-in-device", email, device) if device is not None else ("sign-in-account-address", email, address)
        for item in self.per_account_and_address:
            await self.limiter.clear(item, *key)

    async def link_request(self, address: str) -> int | None:
        return await self._hit(self.links, "links", address)


def limits_of(request: Request) -> RateLimits:
    return request.app.state.rate_limits


def client_address(request: Request) -> str:
    return limits_of(request).client_address(request.scope)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def too_many(request: Request, retry_after: int) -> Response:
    """The 429: JSON for the API, else the error page in the person's language."""
    headers = {"Retry-After": str(retry_after)}
    if _wants_json(request):
        detail = f"Too many requests from your address in a short time. Try again in {retry_after} seconds."
        return JSONResponse({"detail": detail}, status_code=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)
    from web.templating import Pages

    pages = Pages.for_request(request)
    minutes = math.ceil(retry_after / 60)
    detail = pages.ngettext(
        "There were too many requests in a short time. Please wait a minute and try again.",
        "There were too many requests in a short time. Please wait %(num)d minutes and try again.",
        minutes,
    ) % {"num": minutes}
    response = pages.render(
        request,
        "error.html",
        {"status_code": status.HTTP_429_TOO_MANY_REQUESTS, "detail": detail},
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
    )
    response.headers.update(headers)
    return response


class LinkRateLimit:
    """Middleware: counts every request to the employee's link pages per client address."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LINK_PREFIXES):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        limits = limits_of(request)
        address = limits.client_address(scope)
        wait = await limits.link_request(address)
        if wait is None:
            await self.app(scope, receive, send)
            return
        log.warning(
            "rate limit: %s %s from %s refused for %ss", request.method, scope["path"].split("/")[1], address, wait
        )
        await too_many(request, wait)(scope, receive, send)
