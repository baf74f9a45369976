"""Sending one message exactly once per key (a case or a report, a purpose and a recipient).

Before talking to the SMTP server the sender looks the key up in its ledger (``sent_mails`` for case mail,
``report_mails`` for report mail); an attempt that finds the mail settled returns without mailing. The server's
answer is written to the ledger once, right after it came. A database that is down when the server has answered
is waited out, the answer kept in the heartbeat for a next attempt; only a crash between the SMTP reply and that
heartbeat resends, with the same Message-ID, so receiving systems can recognise the copy. A message the server
refuses for good (5xx) is recorded as rejected with the server's reply and not tried again; a temporary refusal
(4xx) is raised and retried."""

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, TypeVar

import aiosmtplib
from sqlalchemy import select
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


async def heartbeating(awaitable: Awaitable[T], *details: object) -> T:
    """Heartbeat while something slow runs (an SMTP conversation, a PDF), so a worker that dies meanwhile is noticed in seconds."""
    task = asyncio.ensure_future(awaitable)
    while True:
        done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_EVERY_SECONDS)
        if done:
            return task.result()
        if activity.in_activity():
            activity.heartbeat(*details)


def message_id_for(*key: str) -> str:
    """The same Message-ID for every attempt at the same mail."""
    return f"<{hashlib.sha256(chr(10).join(key).encode()).hexdigest()[:32]}@offboarding>"


def _answered_before() -> tuple[str, str | None] | None:
    """What the mail server answered an earlier attempt that could not record it (kept in that attempt's heartbeat)."""
    if not activity.in_activity():
        return None
    details = list(activity.info().heartbeat_details)
    if len(details) == 2 and details[0] in (SENT, REJECTED):
        return details[0], details[1]
    return None


@dataclass(frozen=True)
class Ledger:
    """Where one kind of mail is recorded: a table with the send-guard columns, and the key of this one mail."""

    sessions: async_sessionmaker[AsyncSession]
    table: Any  # SentMail or ReportMailRow: purpose, recipient, message_id, subject, status, error, sent_at
    key: dict[str, str]

    def describe(self) -> str:
        return ", ".join(f"{name} {value}" for name, value in self.key.items())

    def _this_mail(self):
        columns = self.table.__table__.c
        return [columns[name] == value for name, value in self.key.items()]

    # Plain statements on the engine, past the ORM session and its unit of work: these run for every mail.
    async def settled(self) -> Any:
        """This mail's row when it went out already or was refused for good, else None.

        A read, not a claim: a row written before sending would not stop anything (an attempt that died after
        writing it leaves the mail to be sent again), and would cost every mail a second durable write."""
        table = self.table.__table__
        async with self.sessions.kw["bind"].connect() as connection:
            row = (await connection.execute(select(table.c.status, table.c.message_id, table.c.error).where(*self._this_mail()))).first()
        return row if row is not None and row.status in (SENT, REJECTED) else None

    async def record(self, message: EmailMessage, status: str, error: str | None = None) -> None:
        table = self.table.__table__
        engine = self.sessions.kw["bind"]
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        outcome = {"status": status, "error": error, "sent_at": utcnow() if status == SENT else None}
        statement = insert(table).values(
            **self.key, message_id=str(message["Message-ID"]), subject=str(message["Subject"]), created_at=utcnow(), **outcome
        )
        async with engine.begin() as connection:
            await connection.execute(statement.on_conflict_do_update(index_elements=list(self.key), set_=outcome))

    async def settle(self, message: EmailMessage, status: str, error: str | None = None) -> None:
        """Record what the mail server answered, waiting out a database that is down meanwhile.

        The server has taken (or refused) the mail; failing now would make the retry send it again. So
        the outcome is kept trying, heartbeating, until the database is back or the attempt times out."""
        delay = SETTLE_FIRST_DELAY_SECONDS
        while True:
            try:
                # A locked database may keep one try waiting for seconds: the heartbeat goes on meanwhile, and
                # carries the server's answer, so that an attempt timed out meanwhile leaves it to the next one.
                await heartbeating(self.record(message, status, error), status, error)
                return
            except Exception as err:
                if not is_unavailable(err):
                    raise
                log.warning("cannot record %s mail (%s) yet: %s", status, self.describe(), err)
            if activity.in_activity():
                activity.heartbeat(status, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, HEARTBEAT_EVERY_SECONDS)


async def send_once(
    settings: Settings,
    ledger: Ledger,
    message: EmailMessage,
    *,
    complete: Callable[[EmailMessage], Awaitable[None]] | None = None,
) -> MailReceipt:
    """Send ``message`` unless its ledger row says it went out already. ``complete`` adds what is costly to make
    (a PDF) only once it is clear the mail is really to be sent."""
    message_id = str(message["Message-ID"])
    earlier = _answered_before()
    if earlier is not None:
        # The server already answered; only the database did not hear of it yet.
        status, reply = earlier
        await ledger.settle(message, status, reply)
        return MailReceipt(message_id=message_id, already_sent=True, refused=reply if status == REJECTED else None)
    done = await ledger.settled()
    if done is not None:
        return MailReceipt(message_id=done.message_id, already_sent=True, refused=done.error if done.status == REJECTED else None)
    if complete is not None:
        await heartbeating(complete(message))
    try:
        await heartbeating(
            aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password or None,
                start_tls=settings.smtp_starttls,
                use_tls=settings.smtp_tls,
                timeout=settings.smtp_timeout_seconds,
            )
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        # 5xx: the address does not exist (or takes no mail from us); asking again will not change that.
        # 4xx (mailbox busy, greylisting) is temporary: raised, so the send is retried with backoff.
        if not all(500 <= r.code < 600 for r in exc.recipients):
            raise
        return await _refused(ledger, message, "; ".join(f"{r.code} {r.message}" for r in exc.recipients))
    except aiosmtplib.SMTPDataError as exc:
        # The server took the recipient but refuses this message for good (too large, policy).
        if not 500 <= exc.code < 600:
            raise
        return await _refused(ledger, message, f"{exc.code} {exc.message}")
    await ledger.settle(message, SENT)
    log.info("sent mail (%s)", ledger.describe())
    return MailReceipt(message_id=message_id, already_sent=False)


async def _refused(ledger: Ledger, message: EmailMessage, reply: str) -> MailReceipt:
    """The server refused the mail for good: kept with its reply, so that it can be shown and the address corrected."""
    await ledger.settle(message, REJECTED, reply)
    log.warning("mail (%s) was refused: %s", ledger.describe(), reply)
    return MailReceipt(message_id=str(message["Message-ID"]), already_sent=False, refused=reply)
