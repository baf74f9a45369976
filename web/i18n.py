"""Page language: negotiated from the browser, translated through gettext catalogues in ``web/locale``.

Catalogues are compiled with Babel (``web/babel.cfg`` maps the sources); a language without a
catalogue falls back to the English source strings, and the page says so in its ``lang``."""

from functools import lru_cache
from pathlib import Path

from babel.core import negotiate_locale
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("nl", "en")


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
