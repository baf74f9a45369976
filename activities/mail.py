"""Case mail: rendered in the recipient's language, with its link and calendar invitation, and sent exactly
once per case, purpose and recipient (``activities.sending``, guarded by ``sent_mails``), one mail or a batch at a
time. An address the server refuses for good is recorded as rejected with the server's reply: the case goes on,
and HR sees the refusal on the case."""

import asyncio
from email.message import EmailMessage

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities import sending
from activities.calendar_invites import to_ics
from activities.mail_templates import MailTemplates
from config import Settings
from links import tokens
from models.mail import ActionLink, CalendarInvite, MailBatch, MailReceipt, MailRequest
from models.tables import SentMail
from organisation import store


def attach_invite(message: EmailMessage, invite: CalendarInvite, language: str, country: str = "NL") -> None:
    """The calendar file in the mail's language: the interviewer's copy of the event reads in theirs."""
    message.add_attachment(
        to_ics(invite, language, country),
        maintype="text",
        subtype="calendar",
        filename="exit-interview.ics",
        params={"method": invite.method},
    )


def message_id_for(request: MailRequest) -> str:
    return sending.message_id_for(request.case_id, request.purpose, str(request.to))


class MailActivities:
    def __init__(
        self, settings: Settings, sessions: async_sessionmaker[AsyncSession], templates: MailTemplates
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._templates = templates
        # The worker's conversations with the mail server, at most this many at once (see sending.Outbox).
        self._senders = asyncio.Semaphore(settings.smtp_connections)

    @activity.defn
    async def send_mail(self, request: MailRequest) -> MailReceipt:
        async with sending.AliveThroughout():
            mail = self._mail(request, await self._salutation())
            return await sending.send_once(self._settings, mail, senders=self._senders)

    @activity.defn
    async def send_mails(self, batch: MailBatch) -> list[MailReceipt]:
        """The mails a case sends at one moment (its announcement): one lookup, one conversation with the mail server."""
        async with sending.AliveThroughout(), sending.Outbox(self._settings, self._senders) as outbox:
            salutation = await self._salutation()
            return await sending.send_all(outbox, [self._mail(request, salutation) for request in batch.requests])

    async def _salutation(self) -> str:
        """The organisation's choice of greeting, read when the mail goes out: the case's context predates it."""
        async with self._sessions.kw["bind"].connect() as connection:
            return await store.salutation(connection)

    def _mail(self, request: MailRequest, salutation: str) -> sending.Mail:
        ledger = sending.Ledger(
            self._sessions,
            SentMail,
            {"case_id": request.case_id, "purpose": request.purpose, "recipient": str(request.to)},
        )
        return sending.Mail.of(
            ledger, self._message(request, salutation), sender=self._settings.mail_from, recipient=str(request.to)
        )

    def _message(self, request: MailRequest, salutation: str) -> EmailMessage:
        s = self._settings
        # Mails asked for before these existed (a send retried across an upgrade) still render.
        context = {"recipient_is_employee": False, "tasks": [], **request.context, "salutation": salutation}
        if request.link is not None and request.link.purpose == tokens.LinkPurpose.TASK:
            context["tasks"] = [self._with_link(request, request.link, task) for task in context.get("tasks", [])]
        elif request.link is not None:
            token = tokens.sign(
                s.signing_key(), tokens.LinkPurpose(request.link.purpose), request.case_id, str(request.to)
            )
            context["action_url"] = f"{s.public_url}{request.link.path}/{token}"
        message = self._templates.render(
            request.template,
            request.language,
            context,
            sender=s.mail_from,
            to=str(request.to),
            message_id=message_id_for(request),
            reply_to=str(request.reply_to or s.hr_email),
        )
        # Lets receiving systems (and people's mail rules) sort case mail without reading it.
        message["X-Offboarding-Case"] = request.case_id
        message["X-Offboarding-Purpose"] = request.purpose
        if request.calendar is not None:
            attach_invite(message, request.calendar, request.language, s.organisation_country)
        return message

    def _with_link(self, request: MailRequest, link: ActionLink, task: dict) -> dict:
        """A task of the mail with the link that marks it done, for the person it was sent to (no account needed)."""
        s = self._settings
        if not task.get("id"):
            return task
        token = tokens.sign(
            s.signing_key(),
            tokens.LinkPurpose.TASK,
            request.case_id,
            str(request.to),
            ref=task["id"],
            language=request.language,
        )
        return {**task, "action_url": f"{s.public_url}{link.path}/{token}"}
