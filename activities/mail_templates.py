"""Renders one mail from ``templates/mail/<name>.j2``, in the reader's language through the product's gettext
catalogue (``i18n``): blocks ``subject``, ``text`` and ``html``.

Every template extends ``_layout.html.j2``, the one HTML layout (tables, a preheader, the organisation's name,
a footer saying where a reply goes); its styles are inlined into each element, as mail clients need. The mail
says that it is automatic (RFC 3834 ``Auto-Submitted``, and ``X-Auto-Response-Suppress`` for Exchange), so
that out-of-office and other automatic replies are not sent back, and names a person's mailbox as Reply-To."""

from datetime import date, datetime
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import css_inline
from babel.dates import format_date, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from i18n.catalogue import format_locale, translations
from i18n.labels import Labels

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "mail"


def departure_label(value: str, language: str, country: str = "NL") -> str:
    """The type of departure as a mail names it: the label the pages show, in the reader's language."""
    return Labels(translations(language, country).gettext).departure_types.get(value, value)


def greeting_name(employee_name: str, salutation: str) -> str:
    """How a mail to the leaving employee addresses them: the whole name, or (the organisation's choice,
    ``Policy.salutation``) the first name, the name's first word as registered."""
    if salutation == "first_name" and employee_name.split():
        return employee_name.split()[0]
    return employee_name


def _long_date(value: date | str, language: str, country: str = "NL") -> str:
    """English mail writes dates the British way (Friday, 29 January 2027), as the pages do and as English is read
    in the Netherlands and Belgium."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, format="full", locale=format_locale(language, country))


def _long_datetime(value: datetime | str, language: str, zone: str, country: str = "NL") -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(ZoneInfo(zone))
    clock = format_time(local.time(), format="HH:mm", locale=language)
    _ = translations(language, country).gettext
    return _("%(day)s at %(clock)s") % {"day": _long_date(local.date(), language, country), "clock": clock}


def _clock(value: datetime | str, zone: str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(ZoneInfo(zone)).strftime("%H:%M")


class _FoldedOnce(BaseHeader):
    """A header that keeps its folded form for each way of writing it. The mail server's client folds every header
    of a mail again as it sends it, and most headers are shared from mail to mail (below): each is folded once per
    policy's settings (the mail server's CRLF, a file's plain line ends, 7-bit for a server without 8BITMIME). Keyed
    by the settings, not the policy object: the client makes a new 7-bit policy at every send to such a server."""

    def fold(self, *, policy):  # type: ignore[no-untyped-def]
        key = (type(policy), *sorted(vars(policy).items()))
        folded = self.__dict__.setdefault("_folded", {})
        if key not in folded:
            folded[key] = super().fold(policy=policy)
        return folded[key]


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, keeping the class it makes for each header name: the standard library makes
    a new class at every header it parses, a third of the time it takes to build a mail."""

    @lru_cache(maxsize=256)  # noqa: B019 (one registry for the process: the cache never outlives what it keeps)
    def __getitem__(self, name: str) -> type:
        return super().__getitem__(name)

    # Most headers of a mail repeat from mail to mail (From, Reply-To, the few recipients of a case's mails, the
    # parts' Content-Type and Content-Transfer-Encoding, Auto-Submitted): each is parsed once, not at every mail;
    # parsing them was two thirds of building a mail. Header objects are immutable, so mails may share them.
    # Headers that differ at every mail are parsed each time: kept, they would only fill the cache (some 6 MiB of
    # parse trees in a worker that sent a few thousand mails) and push out the ones that repeat.
    def __call__(self, name: str, value: str):  # type: ignore[no-untyped-def]
        if name.lower() in HEADERS_OF_ONE_MAIL:
            return super().__call__(name, value)
        return self._repeating(name, value)

    @lru_cache(maxsize=1024)  # noqa: B019 (as above)
    def _repeating(self, name: str, value: str):  # type: ignore[no-untyped-def]
        return super().__call__(name, value)


HEADERS_OF_ONE_MAIL = frozenset(
    {"subject", "message-id", "date", "x-offboarding-case", "x-offboarding-purpose", "x-offboarding-report"}
)


# Python's default e-mail policy, with the registry above and its headers folded once.
MAIL_POLICY = policy.default.clone(header_factory=_HeaderClasses(base_class=_FoldedOnce))

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
    """One template per mail, written in English; ``{% trans %}`` blocks (their white space folded, as Babel
    extracts them) come out in the reader's language, in the organisation's country's words and date forms."""

    def __init__(self, directory: Path = TEMPLATE_DIR, country: str = "NL") -> None:
        self._directory = directory
        self._country = country
        self._envs: dict[str, Environment] = {}

    def _env(self, language: str) -> Environment:
        env = self._envs.get(language)
        if env is None:
            env = Environment(
                loader=FileSystemLoader(self._directory),
                autoescape=select_autoescape(enabled_extensions=("j2",), default_for_string=True),
                undefined=StrictUndefined,
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.policies["ext.i18n.trimmed"] = True
            country = self._country
            gettext = translations(language, country)
            env.install_gettext_translations(gettext, newstyle=True)  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
            env.globals["labels"] = Labels(gettext.gettext, gettext.pgettext)
            env.filters["long_date"] = lambda value, language: _long_date(value, language, country)
            env.filters["departure_label"] = lambda value, language: departure_label(value, language, country)
            env.filters["long_datetime"] = lambda value, language, zone: _long_datetime(value, language, zone, country)
            env.filters["clock"] = _clock
            self._envs[language] = env
        return env

    def _block(self, language: str, template_name: str, block: str, context: dict[str, Any]) -> str:
        template = self._env(language).get_template(template_name)
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
        template_name = f"{name}.j2"
        ctx = {**context, "language": language}
        # Without a salutation (a mail asked for before the setting existed) the whole name.
        ctx["greeting_name"] = greeting_name(str(ctx.get("employee_name", "")), str(ctx.get("salutation", "full_name")))
        subject = " ".join(self._block(language, template_name, "subject", ctx).split())
        text = self._block(language, template_name, "text", ctx)
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
            self._html(language, template_name, ctx, subject=subject, text=text, reply_to=answers_to), subtype="html"
        )
        # After the body: setting content clears every Content-* header.
        message["Content-Language"] = language
        return message

    def _html(
        self, language: str, template_name: str, ctx: dict[str, Any], *, subject: str, text: str, reply_to: str
    ) -> str:
        layout_context = {**ctx, "mail_subject": subject, "preheader": preheader(text), "reply_to": _address(reply_to)}
        return INLINER.inline(self._env(language).get_template(template_name).render(layout_context))


def _address(mailbox: str) -> str:
    """The address alone of ``Name <address>``, as a reader writes it."""
    return parseaddr(mailbox)[1] or mailbox
