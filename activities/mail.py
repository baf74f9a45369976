"""Sending mail, exactly once per case, purpose and recipient.

Before talking to the SMTP server the activity claims the (case, purpose, recipient) row; a
retry that finds the row already sent returns without mailing. A database that is down when the
server has answered is waited out, the answer kept in the heartbeat for a next attempt; only a
crash between the SMTP reply and that heartbeat resends, with the same Message-ID, so receiving
systems can recognise the copy. An address the server refuses for good (5xx) is recorded as rejected with the
server's reply and not tried again: the case goes on, and HR sees the refusal on the case."""

import asyncio
import hashlib
import logging
from typing import Awaitable, TypeVar
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.calendar_invites import to_ics
from activities.mail_templates import MailTemplates
from config import Settings
from db.unavailable import is_unavailable
from links import tokens
from models.mail import CalendarInvite, MailReceipt, MailRequest
from models.tables import SentMail, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

SENT = "sent"
SENDING = "sending"
REJECTED = "rejected"


HEARTBEAT_EVERY_SECONDS = 3
SETTLE_FIRST_DELAY_SECONDS = 0.5


async def _heartbeating(awaitable: Awaitable[T], *details: object) -> T:
    """Heartbeat while the SMTP conversation runs, so a worker that dies mid-send is noticed in seconds."""
    task = asyncio.ensure_future(awaitable)
    while True:
        done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_EVERY_SECONDS)
        if done:
            return task.result()
        if activity.in_activity():
            activity.heartbeat(*details)


def _answered_before() -> tuple[str, str | None] | None:
    """What the mail server answered an earlier attempt that could not record it (kept in that attempt's heartbeat)."""
    if not activity.in_activity():
        return None
    details = list(activity.info().heartbeat_details)
    if len(details) == 2 and details[0] in (SENT, REJECTED):
        return details[0], details[1]
    return None


def attach_invite(message: EmailMessage, invite: CalendarInvite) -> None:
    message.add_attachment(
        to_ics(invite), maintype="text", subtype="calendar", filename="exit-interview.ics", params={"method": invite.method}
    )


def message_id_for(request: MailRequest) -> str:
    key = f"{request.case_id}\n{request.purpose}\n{request.to}".encode()
    return f"<{hashlib.sha256(key).hexdigest()[:32]}@offboarding>"


class MailActivities:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession], templates: MailTemplates) -> None:
        self._settings = settings
        self._sessions = sessions
        self._templates = templates

    async def _claim(self, request: MailRequest, message_id: str, subject: str) -> SentMail | None:
        """The existing row when this mail already went out (or was refused for good), else None after recording the attempt."""
        async with self._sessions.begin() as session:
            row = await self._find(session, request)
            if row is not None:
                return row if row.status in (SENT, REJECTED) else None
            session.add(
                SentMail(
                    case_id=request.case_id,
                    purpose=request.purpose,
                    recipient=str(request.to),
                    message_id=message_id,
                    subject=subject,
                    status=SENDING,
                )
            )
        return None

    @staticmethod
    async def _find(session: AsyncSession, request: MailRequest) -> SentMail | None:
        query = select(SentMail).where(
            SentMail.case_id == request.case_id,
            SentMail.purpose == request.purpose,
            SentMail.recipient == str(request.to),
        )
        return (await session.execute(query)).scalar_one_or_none()

    async def _mark(self, request: MailRequest, status: str, error: str | None = None) -> None:
        async with self._sessions.begin() as session:
            row = await self._find(session, request)
            row.status = status
            row.error = error
            if status == SENT:
                row.sent_at = utcnow()

    async def _settle(self, request: MailRequest, status: str, error: str | None = None) -> None:
        """Record what the mail server answered, waiting out a database that is down meanwhile.

        The server has taken (or refused) the mail; failing now would make the retry send it again. So
        the outcome is kept trying, heartbeating, until the database is back or the attempt times out."""
        delay = SETTLE_FIRST_DELAY_SECONDS
        while True:
            try:
                # A locked database may keep one try waiting for seconds: the heartbeat goes on meanwhile, and
                # carries the server's answer, so that an attempt timed out meanwhile leaves it to the next one.
                await _heartbeating(self._mark(request, status, error), status, error)
                return
            except Exception as err:
                if not is_unavailable(err):
                    raise
                log.warning("cannot record %s mail %s to %s of case %s yet: %s", status, request.purpose, request.to, request.case_id, err)
            if activity.in_activity():
                activity.heartbeat(status, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, HEARTBEAT_EVERY_SECONDS)

    @activity.defn
    async def send_mail(self, request: MailRequest) -> MailReceipt:
        s = self._settings
        message_id = message_id_for(request)
        earlier = _answered_before()
        if earlier is not None:
            # The server already answered; only the database did not hear of it yet.
            status, reply = earlier
            await self._settle(request, status, reply)
            return MailReceipt(message_id=message_id, already_sent=True, refused=reply if status == REJECTED else None)
        context = dict(request.context)
        if request.link is not None:
            token = tokens.sign(s.signing_key(), tokens.LinkPurpose(request.link.purpose), request.case_id, str(request.to))
            context["action_url"] = f"{s.public_url}{request.link.path}/{token}"
        message = self._templates.render(
            request.template, request.language, context, sender=s.mail_from, to=str(request.to), message_id=message_id
        )
        # Lets receiving systems (and people's mail rules) sort case mail without reading it.
        message["X-Offboarding-Case"] = request.case_id
        message["X-Offboarding-Purpose"] = request.purpose
        if request.calendar is not None:
            attach_invite(message, request.calendar)
        try:
            done = await self._claim(request, message_id, message["Subject"])
        except IntegrityError:
            # Another attempt claimed it at the same moment; let the retry sort out which one sent.
            raise ApplicationError("mail is being sent by another attempt", type="MailInFlight")
        if done is not None:
            return MailReceipt(message_id=done.message_id, already_sent=True, refused=done.error if done.status == REJECTED else None)
        try:
            await _heartbeating(aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password or None,
                start_tls=s.smtp_starttls,
                use_tls=s.smtp_tls,
                timeout=s.smtp_timeout_seconds,
            ))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            # 5xx: the address does not exist (or takes no mail from us); asking again will not change that.
            # 4xx (mailbox busy, greylisting) is temporary: raised, so the send is retried with backoff.
            if not all(500 <= r.code < 600 for r in exc.recipients):
                raise
            return await self._refused(request, message_id, "; ".join(f"{r.code} {r.message}" for r in exc.recipients))
        except aiosmtplib.SMTPDataError as exc:
            # The server took the recipient but refuses this message for good (too large, policy).
            if not 500 <= exc.code < 600:
                raise
            return await self._refused(request, message_id, f"{exc.code} {exc.message}")
        await self._settle(request, SENT)
        log.info("sent %s to %s for case %s", request.purpose, request.to, request.case_id)
        return MailReceipt(message_id=message_id, already_sent=False)

    async def _refused(self, request: MailRequest, message_id: str, reply: str) -> MailReceipt:
        """The server refused the mail for good: kept with its reply, so that HR sees it and can correct the address."""
        await self._settle(request, REJECTED, reply)
        log.warning("mail %s to %s for case %s was refused: %s", request.purpose, request.to, request.case_id, reply)
        return MailReceipt(message_id=message_id, already_sent=False, refused=reply)
