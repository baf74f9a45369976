"""Captured mail kept in a Maildir folder, so a person (and a test) can read what was sent."""

import mailbox
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class CapturedMail:
    key: str
    message_id: str
    sender: str
    to: str
    subject: str
    date: datetime | None
    language: str
    text: str
    html: str | None
    case_id: str = ""
    purpose: str = ""
    attachments: tuple[str, ...] = ()
    calendars: tuple[str, ...] = ()


def _header(message: EmailMessage, name: str) -> str:
    # Unfold: long headers arrive folded over several lines.
    return " ".join(str(message.get(name, "")).split())


def _parse(key: str, raw: bytes) -> CapturedMail:
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    date_header = message.get("Date")
    return CapturedMail(
        key=key,
        message_id=_header(message, "Message-ID"),
        sender=_header(message, "From"),
        to=_header(message, "To"),
        subject=_header(message, "Subject"),
        date=parsedate_to_datetime(date_header) if date_header else None,
        language=_header(message, "Content-Language"),
        text=text_part.get_content() if text_part else "",
        html=html_part.get_content() if html_part else None,
        case_id=_header(message, "X-Offboarding-Case"),
        purpose=_header(message, "X-Offboarding-Purpose"),
        attachments=tuple(part.get_content_type() for part in message.iter_attachments()),
        calendars=tuple(
            part.get_content() for part in message.iter_attachments() if part.get_content_type() == "text/calendar"
        ),
    )


class MailStore:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        # A message in a Maildir never changes under its key: each is parsed once, however often the box is read
        # (the mailbox page, and tests that wait for a mail, read it again and again).
        self._parsed: dict[str, CapturedMail] = {}

    def _maildir(self) -> mailbox.Maildir:
        # Maildir only creates its subfolders for a missing folder; a reader may come before the first mail.
        for sub in ("tmp", "new", "cur"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        return mailbox.Maildir(self.directory, create=False)

    def add(self, raw: bytes | str) -> str:
        return self._maildir().add(raw)

    def all(self) -> list[CapturedMail]:
        box = self._maildir()
        mails = [self._read(box, key) for key in box.keys()]
        return sorted(mails, key=lambda m: (m.date or EPOCH, m.key), reverse=True)

    def get(self, key: str) -> CapturedMail | None:
        try:
            return self._read(self._maildir(), key)
        except KeyError:
            return None

    def clear(self) -> None:
        self._maildir().clear()
        self._parsed.clear()

    def _read(self, box: mailbox.Maildir, key: str) -> CapturedMail:
        if key not in self._parsed:
            self._parsed[key] = _parse(key, box.get_bytes(key))
        return self._parsed[key]
