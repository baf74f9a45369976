"""One answer per link at a time, in this web process.

An answer through an employee link waits on the case's workflow (up to a minute while mails go out).
Requests through the same link take turns: one goes ahead, a few more wait for it (holding no database
connection and nothing else but their place in line) and then find the link used up, and any further
one is turned away at once with ``LinkBusy``. So a burst through one link costs the rest of the app
nothing; across several web processes ``links.usage`` still lets exactly one answer through."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

# A double or triple click waits and is then told what the first click did.
MAX_WAITING = 3
# As long as one answer may take (cases.service.UPDATE_TIMEOUT), and a little more.
WAIT_SECONDS = 65.0
# What a turned-away request is told to wait before trying again.
RETRY_AFTER_SECONDS = 5


class LinkBusy(Exception):
    """Another answer through this link is under way and enough others are waiting for it."""


@dataclass
class _Line:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class LinkTurns:
    """The lines per link fingerprint (one ``LinkTurns`` per app, in ``app.state.link_turns``)."""

    def __init__(self, max_waiting: int = MAX_WAITING, wait_seconds: float = WAIT_SECONDS) -> None:
        self.max_waiting = max_waiting
        self.wait_seconds = wait_seconds
        self._lines: dict[str, _Line] = {}

    @asynccontextmanager
    async def turn(self, fingerprint: str) -> AsyncIterator[None]:
        """Inside: this request's turn with the link. LinkBusy when the line is full or the wait too long."""
        line = self._lines.setdefault(fingerprint, _Line())
        if not line.lock.locked() and line.waiting == 0:
            await line.lock.acquire()  # nobody there: taken at once
        else:
            await self._wait(fingerprint, line)
        try:
            yield
        finally:
            line.lock.release()
            if line.waiting == 0 and not line.lock.locked():
                self._lines.pop(fingerprint, None)

    async def _wait(self, fingerprint: str, line: _Line) -> None:
        if line.waiting >= self.max_waiting:
            raise LinkBusy(fingerprint)
        line.waiting += 1
        try:
            async with asyncio.timeout(self.wait_seconds):
                await line.lock.acquire()
        except TimeoutError:
            raise LinkBusy(fingerprint) from None
        finally:
            line.waiting -= 1
