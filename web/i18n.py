"""Page language: chosen by the reader, else negotiated from the browser, translated through gettext catalogues
in ``web/locale``.

Catalogues are compiled with Babel (``web/babel.cfg`` maps the sources); a language without a
catalogue falls back to the English source strings, and the page says so in its ``lang``.

A language chosen with ``?lang=nl|en`` holds from then on: the answer sets the ``offboarding_lang`` cookie,
which every later request brings along (the next click, a form sent), signed in or not. Dates and times
in English follow British usage (en_GB: 29 January 2027, 14:30), as in the Netherlands and Belgium."""

from functools import lru_cache
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

from babel.core import negotiate_locale
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("nl", "en")
LANGUAGE_COOKIE = "offboarding_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
# The locale that dates, times and numbers are written in, per page language.
FORMAT_LOCALES = {"en": "en_GB", "nl": "nl_NL"}


def N_(message: str) -> str:
    """Marks a sentence for the catalogue where it is made; it is translated where it is shown."""
    return message


def format_locale(language: str) -> str:
    return FORMAT_LOCALES.get(language, language)


def chosen(query_value: str | None, cookie_value: str | None) -> str:
    """The language the reader chose: now (``?lang=``), or earlier (the cookie); empty when they did not."""
    for value in (query_value, cookie_value):
        if value in LANGUAGES:
            return value
    return ""


class LanguageCookie:
    """ASGI middleware: an answer to a request with ``?lang=nl|en`` keeps that choice in a cookie."""

    def __init__(self, app, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope, receive, send) -> None:
        language = _query_language(scope) if scope["type"] == "http" else ""
        if not language:
            await self.app(scope, receive, send)
            return
        cookie = SimpleCookie()
        cookie[LANGUAGE_COOKIE] = language
        morsel = cookie[LANGUAGE_COOKIE]
        # Typeshed types every value as text; the flags httponly and secure take booleans.
        flags = {
            "path": "/",
            "max-age": str(LANGUAGE_COOKIE_SECONDS),
            "samesite": "Lax",
            "httponly": True,
            "secure": self.secure,
        }
        morsel.update(flags)  # type: ignore[arg-type]
        header = (b"set-cookie", morsel.OutputString().encode("latin-1"))

        async def with_cookie(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        await self.app(scope, receive, with_cookie)


def _query_language(scope) -> str:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [])
    return values[-1] if values and values[-1] in LANGUAGES else ""


@lru_cache
def translations(language: str) -> NullTranslations:
    return Translations.load(LOCALE_DIR, [language])


def effective_language(language: str) -> str:
    """The language the pages really appear in: the source language when no catalogue exists."""
    if language == SOURCE_LANGUAGE or isinstance(translations(language), Translations):
        return language
    return SOURCE_LANGUAGE


def _preferred(accept_language: str) -> list[str]:
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-quality, position, tag.replace("-", "_")))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(accept_language: str | None, default: str) -> str:
    chosen = negotiate_locale(_preferred(accept_language or ""), LANGUAGES) if accept_language else None
    return effective_language(chosen or default)
