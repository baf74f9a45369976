"""Page language: chosen by the reader, else negotiated from the browser; the words come from the catalogues of
``i18n`` (see i18n.catalogue).

A language chosen with ``?lang=nl|en`` holds from then on: the answer sets the ``offboarding_lang`` cookie,
which every later request brings along (the next click, a form sent), signed in or not."""

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from babel.core import negotiate_locale

from i18n.catalogue import LANGUAGES, N_, SOURCE_LANGUAGE, effective_language, format_locale, translations

__all__ = ["LANGUAGES", "SOURCE_LANGUAGE", "N_", "effective_language", "format_locale", "translations"]

LANGUAGE_COOKIE = "offboarding_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


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
