"""Renders one mail from ``templates/mail/<name>.<language>.j2``: blocks ``subject``, ``text`` and ``html``.

Every template extends ``_layout.html.j2``, the one HTML layout (tables, a preheader, the organisation's name,
a footer saying where a reply goes); its styles are inlined into each element, as mail clients need. The mail
says that it is automatic (RFC 3834 ``Auto-Submitted``, and ``X-Auto-Response-Suppress`` for Exchange), so
that out-of-office and other automatic replies are not sent back, and names a person's mailbox as Reply-To."""

from datetime import date, datetime
from email import policy
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import css_inline
from babel.dates import format_date, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "mail"


DEPARTURE_LABELS = {
    "nl": {
        "resignation": "ontslag op eigen verzoek",
        "end_of_contract": "einde contract van bepaalde duur",
        "dismissal": "ontslag door de werkgever",
        "retirement": "pensioen",
        "mutual_agreement": "beëindiging in onderling overleg",
    },
    "en": {
        "resignation": "resignation",
        "end_of_contract": "end of fixed-term contract",
        "dismissal": "dismissal",
        "retirement": "retirement",
        "mutual_agreement": "mutual agreement",
    },
}


def _departure_label(value: str, language: str) -> str:
    return DEPARTURE_LABELS[language].get(value, value)


def greeting_name(employee_name: str, salutation: str) -> str:
    """How a mail to the leaving employee addresses them: the whole name, or (the organisation's choice,
    ``Policy.salutation``) the first name, the name's first word as registered."""
    if salutation == "first_name" and employee_name.split():
        return employee_name.split()[0]
    return employee_name


# English mail writes dates the British way (Friday, 29 January 2027), as the pages do and as English is read
# in the Netherlands and Belgium.
DATE_LOCALES = {"en": "en_GB", "nl": "nl_NL"}


def _long_date(value: date | str, language: str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, format="full", locale=DATE_LOCALES.get(language, language))


def _long_datetime(value: datetime | str, language: str, zone: str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(ZoneInfo(zone))
    joiner = "om" if language == "nl" else "at"
    return f"{_long_date(local.date(), language)} {joiner} {format_time(local.time(), format='HH:mm', locale=language)}"


def _clock(value: datetime | str, zone: str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(ZoneInfo(zone)).strftime("%H:%M")


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, keeping the class it makes for each header name: the standard library makes
    a new class at every header it parses, a third of the time it takes to build a mail."""

    @lru_cache(maxsize=256)  # noqa: B019 (one registry for the process: the cache never outlives what it keeps)
    def __getitem__(self, name: str) -> type:
        return super().__getitem__(name)

    # Most headers of a mail repeat from mail to mail (From, Reply-To, the few recipients of a case's mails, the
    # parts' Content-Type and Content-Transfer-Encoding, Auto-Submitted): each is parsed once, not at every mail;
    # parsing them was two thirds of building a mail. Header objects are immutable, so mails may share them.
    @lru_cache(maxsize=4096)  # noqa: B019 (as above)
    def __call__(self, name: str, value: str):  # type: ignore[no-untyped-def]
        return super().__call__(name, value)


# Python's default e-mail policy, with the registry above.
MAIL_POLICY = policy.default.clone(header_factory=_HeaderClasses())

# The layout's stylesheet, moved into style attributes; nothing is fetched from elsewhere.
INLINER = css_inline.CSSInliner(keep_style_tags=False, keep_link_tags=False, load_remote_stylesheets=False)
PREHEADER_CHARS = 140


def preheader(text: str) -> str:
    """What an inbox shows beside the subject: the mail's first paragraph after the greeting, cut at a word."""
    paragraphs = [" ".join(part.split()) for part in text.split("\n\n") if part.strip()]
    if len(paragraphs) > 1 and paragraphs[0].endswith(","):
        paragraphs = paragraphs[1:]
    first = paragraphs[0] if paragraphs else ""
    if len(first) <= PREHEADER_CHARS:
        return first
    return first[:PREHEADER_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


class MailTemplates:
    def __init__(self, directory: Path = TEMPLATE_DIR) -> None:
        self._env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("j2",), default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters["long_date"] = _long_date
        self._env.filters["departure_label"] = _departure_label
        self._env.filters["long_datetime"] = _long_datetime
        self._env.filters["clock"] = _clock

    def _block(self, template_name: str, block: str, context: dict[str, Any]) -> str:
        template = self._env.get_template(template_name)
        return "".join(template.blocks[block](template.new_context(context))).strip()

    def render(
        self,
        name: str,
        language: str,
        context: dict[str, Any],
        *,
        sender: str,
        to: str,
        message_id: str,
        reply_to: str | None = None,
    ) -> EmailMessage:
        """``reply_to``: the person's (or HR's) mailbox that answers reach; the sender when None."""
        template_name = f"{name}.{language}.j2"
        ctx = {**context, "language": language}
        # Without a salutation (a mail asked for before the setting existed) the whole name.
        ctx["greeting_name"] = greeting_name(str(ctx.get("employee_name", "")), str(ctx.get("salutation", "full_name")))
        subject = " ".join(self._block(template_name, "subject", ctx).split())
        text = self._block(template_name, "text", ctx)
        answers_to = reply_to or sender
        message = EmailMessage(policy=MAIL_POLICY)
        message["Subject"] = subject
        message["From"] = sender
        message["To"] = to
        message["Reply-To"] = answers_to
        message["Message-ID"] = message_id
        message["Date"] = formatdate(localtime=False)
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
        message.set_content(text + "\n")
        message.add_alternative(
            self._html(template_name, ctx, subject=subject, text=text, reply_to=answers_to), subtype="html"
        )
        # After the body: setting content clears every Content-* header.
        message["Content-Language"] = language
        return message

    def _html(self, template_name: str, ctx: dict[str, Any], *, subject: str, text: str, reply_to: str) -> str:
        layout_context = {**ctx, "mail_subject": subject, "preheader": preheader(text), "reply_to": _address(reply_to)}
        return INLINER.inline(self._env.get_template(template_name).render(layout_context))


def _address(mailbox: str) -> str:
    """The address alone of ``Name <address>``, as a reader writes it."""
    return parseaddr(mailbox)[1] or mailbox
