"""The gettext catalogues in ``i18n/locale``, compiled with Babel (``i18n/babel.cfg`` maps the sources).

The source language is English; a language without a catalogue falls back to the English source strings. Dates
and times in English follow British usage (en_GB: 29 January 2027, 14:30), as in the Netherlands and Belgium.

A Belgian organisation (``Settings.organisation_country``) reads Belgian Dutch: the catalogue ``nl_BE`` holds only
the words that differ (ontslagname, opzeggingstermijn, loon) and falls back to ``nl`` for the rest; its dates are
written the Belgian way (nl_BE)."""

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("nl", "en")
# The locale that dates, times and numbers are written in, per language.
FORMAT_LOCALES = {"en": "en_GB", "nl": "nl_NL"}
# Where the organisation's country writes them otherwise.
COUNTRY_FORMAT_LOCALES = {("nl", "BE"): "nl_BE"}


def N_(message: str) -> str:
    """Marks a sentence for the catalogue where it is made; it is translated where it is shown."""
    return message


def format_locale(language: str, country: str = "NL") -> str:
    return COUNTRY_FORMAT_LOCALES.get((language, country), FORMAT_LOCALES.get(language, language))


@lru_cache
def translations(language: str, country: str = "NL") -> NullTranslations:
    regional = f"{language}_{country}"
    if (LOCALE_DIR / regional / "LC_MESSAGES" / "messages.mo").is_file():
        variant = Translations.load(LOCALE_DIR, [regional])
        variant.add_fallback(Translations.load(LOCALE_DIR, [language]))
        return variant
    return Translations.load(LOCALE_DIR, [language])


def effective_language(language: str) -> str:
    """The language a text really appears in: the source language when no catalogue exists."""
    if language == SOURCE_LANGUAGE or isinstance(translations(language), Translations):
        return language
    return SOURCE_LANGUAGE
