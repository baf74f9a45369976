"""Sending messages exactly once per key (a case or a report, a purpose and a recipient).

Before talking to the SMTP server the sender looks the key up in its ledger (``sent_mails`` for case mail,
``report_mails`` for report mail); an attempt that finds the mail settled returns without mailing. The server's
answer is written to the ledger once, right after it came. A database that is down when the server has answered
is waited out, the answer kept in the heartbeat for a next attempt; only a crash between the SMTP reply and that
heartbeat resends, with the same Message-ID, so receiving systems can recognise the copy. A message the server
refuses for good (5xx) is recorded as rejected with the server's reply and not tried again; a temporary refusal
(4xx) is raised and retried. The messages of one activity share one connection to the mail server."""

import asyncio
import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, TypeVar

import aiosmtplib
from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from config import Settings
from db.unavailable import is_unavailable
from models.mail import MailReceipt
from models.tables import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

SENT = "sent"
REJECTED = "rejected"

HEARTBEAT_EVERY_SECONDS = 3
SETTLE_FIRST_DELAY_SECONDS = 0.5


# The details of the send's last heartbeat (what the mail server answered, for which message), repeated by every
# later heartbeat of the same attempt: a heartbeat without them would hide that answer from the next attempt.
_last_details: ContextVar[list[object] | None] = ContextVar("last_heartbeat_details", default=None)


def beat(*details: object) -> None:
    """Heartbeat, with ``details`` if given, else with the attempt's last details."""
    if not activity.in_activity():
        return
    kept = _last_details.get()
    if details and kept is not None:
        kept[:] = details
    activity.heartbeat(*(details or kept or ()))


async def heartbeating(awaitable: Awaitable[T], *details: object) -> T:
    """Heartbeat while something slow runs (an SMTP conversation, a PDF), so a worker that dies meanwhile is noticed in seconds."""
    task = asyncio.ensure_future(awaitable)
    while True:
        done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_EVERY_SECONDS)
        if done:
            return task.result()
        beat(*details)


class AliveThroughout:
    """Heartbeat every few seconds for the whole of a send, however long any part of it takes.

    Every part counts, not only the conversation: an attempt that waits longer than the heartbeat timeout for a
    database connection or a free sender (a busy worker) is taken for dead, and its retry would send the same mails
    while the first attempt, still alive, sends them too. Heartbeating throughout also lets the server's
    cancellation of an attempt it gave up on reach it, so that it stops. (A context manager rather than a wrapper:
    a failure's stack trace stays as short as it was, under the 4 KB the server keeps of an activity's last failure.)"""

    def __init__(self) -> None:
        self._beating: asyncio.Future[None] | None = None

    async def __aenter__(self) -> None:
        _last_details.set([])  # before the beating task starts: it shares the list through its copy of the context
        self._beating = asyncio.ensure_future(self._keep_beating())

    async def __aexit__(self, *exc_info: object) -> None:
        if self._beating is not None:
            self._beating.cancel()

    @staticmethod
    async def _keep_beating() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_EVERY_SECONDS)
            beat()


def message_id_for(*key: str) -> str:
    """The same Message-ID for every attempt at the same mail."""
    return f"<{hashlib.sha256(chr(10).join(key).encode()).hexdigest()[:32]}@offboarding>"


def _answered_before(message_id: str, *, alone: bool) -> tuple[str, str | None] | None:
    """What the mail server answered an earlier attempt at this message that could not record it: kept in that
    attempt's last heartbeat as ``[status, reply, message_id]`` (``[status, reply]`` from workers that sent one mail
    per activity: then it can only be this one, when it is ``alone``)."""
    if not activity.in_activity():
        return None
    details = list(activity.info().heartbeat_details)
    if len(details) not in (2, 3) or details[0] not in (SENT, REJECTED):
        return None
    meant_for_it = details[2] == message_id if len(details) == 3 else alone
    return (details[0], details[1]) if meant_for_it else None


@dataclass(frozen=True)
class Ledger:
    """Where one kind of mail is recorded: a table with the send-guard columns, and the key of this one mail."""

    sessions: async_sessionmaker[AsyncSession]
    table: Any  # SentMail or ReportMailRow: purpose, recipient, message_id, subject, status, error, sent_at
    key: dict[str, str]

    def describe(self) -> str:
        return ", ".join(f"{name} {value}" for name, value in self.key.items())

    def matches(self):
        """The condition that picks this mail's row."""
        columns = self.table.__table__.c
        return and_(*(columns[name] == value for name, value in self.key.items()))


@functools.cache
def _upsert(table: Any, dialect: str, key: tuple[str, ...]):
    """The mail's row with the server's answer, made once per table: built anew for every mail it cost more than running it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = (*key, "message_id", "subject", "created_at", "status", "error", "sent_at")
    statement = insert(table).values({name: bindparam(name) for name in columns})
    return statement.on_conflict_do_update(
        index_elements=list(key), set_={name: statement.excluded[name] for name in ("status", "error", "sent_at")}
    )


@dataclass(frozen=True)
class Mail:
    """A message to send with its ledger, and what the ledger and the mail server need of it, read once: every read
    of a header of an ``EmailMessage`` parses it again."""

    ledger: Ledger
    message: EmailMessage
    sender: str
    recipient: str
    message_id: str
    subject: str

    @classmethod
    def of(cls, ledger: Ledger, message: EmailMessage, *, sender: str, recipient: str) -> "Mail":
        return cls(ledger, message, sender, recipient, str(message["Message-ID"]), str(message["Subject"]))

    # A plain statement on the engine, past the ORM session and its unit of work: this runs for every mail.
    async def record(self, status: str, error: str | None = None) -> None:
        ledger = self.ledger
        engine = ledger.sessions.kw["bind"]
        values = {**ledger.key, "message_id": self.message_id, "subject": self.subject, "created_at": utcnow()}
        values |= {"status": status, "error": error, "sent_at": utcnow() if status == SENT else None}
        async with engine.begin() as connection:
            await connection.execute(_upsert(ledger.table.__table__, engine.dialect.name, tuple(ledger.key)), values)

    async def settle(self, status: str, error: str | None = None) -> None:
        """Record what the mail server answered, waiting out a database that is down meanwhile.

        The server has taken (or refused) the mail; failing now would make the retry send it again. So
        the outcome is kept trying, heartbeating, until the database is back or the attempt times out."""
        delay = SETTLE_FIRST_DELAY_SECONDS
        while True:
            try:
                # A locked database may keep one try waiting for seconds: the heartbeat goes on meanwhile, and
                # carries the server's answer, so that an attempt timed out meanwhile leaves it to the next one.
                await heartbeating(self.record(status, error), status, error, self.message_id)
                return
            except Exception as err:
                if not is_unavailable(err):
                    raise
                log.warning("cannot record %s mail (%s) yet: %s", status, self.ledger.describe(), err)
            beat(status, error, self.message_id)
            await asyncio.sleep(delay)
            delay = min(delay * 2, HEARTBEAT_EVERY_SECONDS)


async def settled_all(ledgers: list[Ledger]) -> list[Any]:
    """For each ledger's mail its row when it went out already or was refused for good, else None; one query for all.

    A read, not a claim: a row written before sending would not stop anything (an attempt that died after writing
    it leaves the mail to be sent again), and would cost every mail a second durable write."""
    first = ledgers[0]
    table = first.table.__table__
    query = select(table.c.status, table.c.message_id, table.c.error, *(table.c[name] for name in first.key)).where(
        or_(*(ledger.matches() for ledger in ledgers))
    )
    async with first.sessions.kw["bind"].connect() as connection:
        rows = (await connection.execute(query)).all()
    found = {tuple(row._mapping[name] for name in first.key): row for row in rows if row.status in (SENT, REJECTED)}
    return [found.get(tuple(ledger.key.values())) for ledger in ledgers]


class Outbox:
    """One conversation with the mail server for the messages of one activity: opened at the first message that is
    really to be sent, closed (QUIT) when the activity is done with it.

    ``senders`` (a worker's ``smtp_connections``) bounds the conversations a worker holds at once: the activities
    beyond it wait their turn. A worker that dies can send again only the mail of each conversation it held whose
    answer it had not yet recorded, so fewer, longer conversations bound what a crash can send twice."""

    def __init__(self, settings: Settings, senders: asyncio.Semaphore | None = None) -> None:
        self._settings = settings
        self._senders = senders
        self._holding = False
        self._smtp: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> "Outbox":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            if self._smtp is not None and self._smtp.is_connected:
                try:
                    await self._smtp.quit()
                except (aiosmtplib.SMTPException, OSError):
                    self._smtp.close()
        finally:
            if self._holding and self._senders is not None:
                self._senders.release()
                self._holding = False

    async def _take_turn(self) -> None:
        if self._senders is None or self._holding:
            return
        while True:
            try:
                await asyncio.wait_for(self._senders.acquire(), HEARTBEAT_EVERY_SECONDS)
            except TimeoutError:
                beat()
                continue
            self._holding = True
            return

    async def send(self, mail: Mail) -> None:
        await self._take_turn()
        if self._smtp is None or not self._smtp.is_connected:
            s = self._settings
            self._smtp = aiosmtplib.SMTP(
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password or None,
                start_tls=s.smtp_starttls,
                use_tls=s.smtp_tls,
                timeout=s.smtp_timeout_seconds,
            )
            await self._smtp.connect()
        # The envelope given, not read back out of the headers.
        await self._smtp.send_message(mail.message, sender=mail.sender, recipients=[mail.recipient])


async def send_once(
    settings: Settings,
    mail: Mail,
    *,
    complete: Callable[[EmailMessage], Awaitable[None]] | None = None,
    senders: asyncio.Semaphore | None = None,
) -> MailReceipt:
    """Send the mail unless its ledger row says it went out already. ``complete`` adds what is costly to make
    (a PDF) only once it is clear the mail is really to be sent."""
    async with Outbox(settings, senders) as outbox:
        return (await send_all(outbox, [mail], complete=complete))[0]


async def send_all(
    outbox: Outbox, mails: list[Mail], *, complete: Callable[[EmailMessage], Awaitable[None]] | None = None
) -> list[MailReceipt]:
    """Send each mail unless its ledger says it went out already, recording each answer before the next mail.

    A temporary failure (4xx, the server unreachable) is raised: the retry finds the mails sent before it recorded
    and sends only the rest."""
    done = await settled_all([mail.ledger for mail in mails])
    receipts = []
    for mail, row in zip(mails, done, strict=False):
        earlier = _answered_before(mail.message_id, alone=len(mails) == 1)
        if earlier is not None:
            # The server already answered; only the database did not hear of it yet.
            status, reply = earlier
            await mail.settle(status, reply)
            receipts.append(
                MailReceipt(
                    message_id=mail.message_id, already_sent=True, refused=reply if status == REJECTED else None
                )
            )
        elif row is not None:
            receipts.append(
                MailReceipt(
                    message_id=row.message_id, already_sent=True, refused=row.error if row.status == REJECTED else None
                )
            )
        else:
            if complete is not None:
                await heartbeating(complete(mail.message))
            receipts.append(await _send(outbox, mail))
    return receipts


async def _send(outbox: Outbox, mail: Mail) -> MailReceipt:
    try:
        await heartbeating(outbox.send(mail))
    except aiosmtplib.SMTPRecipientsRefused as exc:
        # 5xx: the address does not exist (or takes no mail from us); asking again will not change that.
        # 4xx (mailbox busy, greylisting) is temporary: raised, so the send is retried with backoff.
        if not all(500 <= r.code < 600 for r in exc.recipients):
            raise
        return await _refused(mail, "; ".join(f"{r.code} {r.message}" for r in exc.recipients))
    except aiosmtplib.SMTPDataError as exc:
        # The server took the recipient but refuses this message for good (too large, policy).
        if not 500 <= exc.code < 600:
            raise
        return await _refused(mail, f"{exc.code} {exc.message}")
    await mail.settle(SENT)
    log.info("sent mail (%s)", mail.ledger.describe())
    return MailReceipt(message_id=mail.message_id, already_sent=False)


async def _refused(mail: Mail, reply: str) -> MailReceipt:
    """The server refused the mail for good: kept with its reply, so that it can be shown and the address corrected."""
    await mail.settle(REJECTED, reply)
    log.warning("mail (%s) was refused: %s", mail.ledger.describe(), reply)
    return MailReceipt(message_id=mail.message_id, already_sent=False, refused=reply)
