"""Sending mail, exactly once per case, purpose and recipient.

Before talking to the SMTP server the activity claims the (case, purpose, recipient) row; a
retry that finds the row already sent returns without mailing. A retry after a crash between
the SMTP reply and the commit resends with the same Message-ID, so receiving systems can
recognise the copy."""

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
from links import tokens
from models.mail import CalendarInvite, MailReceipt, MailRequest
from models.tables import SentMail, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

SENT = "sent"
SENDING = "sending"
REJECTED = "rejected"


HEARTBEAT_EVERY_SECONDS = 3


async def _heartbeating(awaitable: Awaitable[T]) -> T:
    """Heartbeat while the SMTP conversation runs, so a worker that dies mid-send is noticed in seconds."""
    task = asyncio.ensure_future(awaitable)
    while True:
        done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_EVERY_SECONDS)
        if done:
            return task.result()
        if activity.in_activity():
            activity.heartbeat()


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
        """The existing row when this mail already went out, else None after recording the attempt."""
        async with self._sessions.begin() as session:
            row = await self._find(session, request)
            if row is not None:
                return row if row.status == SENT else None
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

    @activity.defn
    async def send_mail(self, request: MailRequest) -> MailReceipt:
        s = self._settings
        message_id = message_id_for(request)
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
            return MailReceipt(message_id=done.message_id, already_sent=True)
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
            detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            permanent = all(500 <= r.code < 600 for r in exc.recipients)
            if permanent:
                await self._mark(request, REJECTED, detail)
                raise ApplicationError(f"mail to {request.to} rejected: {detail}", type="MailRejected", non_retryable=True)
            raise
        await self._mark(request, SENT)
        log.info("sent %s to %s for case %s", request.purpose, request.to, request.case_id)
        return MailReceipt(message_id=message_id, already_sent=False)
