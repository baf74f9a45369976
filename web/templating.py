"""Server-rendered pages: one Jinja environment per language, with gettext installed as ``_()``."""

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from config import Settings
from web import i18n
from web.auth import csrf
from web.auth.identity import current_user
from web.labels import Labels

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "pages"
# Times on pages read as the organisation's wall clock; the workflow keeps them in UTC.
TIME_ZONES = {"NL": "Europe/Amsterdam", "BE": "Europe/Brussels"}


def _date_filter(language: str):
    def render(value: date | str | None, format: str = "medium") -> str:
        if value in (None, ""):
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return format_date(value, format=format, locale=i18n.format_locale(language))

    return render


def _datetime_filter(language: str, zone: ZoneInfo):
    def render(value: datetime | str | None, format: str = "medium") -> str:
        if value in (None, ""):
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return format_datetime(value, format=format, tzinfo=zone, locale=i18n.format_locale(language))

    return render


@lru_cache
def templates_for(language: str, zone: str) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
    env.filters["date"] = _date_filter(language)
    env.filters["datetime"] = _datetime_filter(language, ZoneInfo(zone))
    env.globals["labels"] = Labels(i18n.translations(language).gettext)
    return Jinja2Templates(env=env)


class Pages:
    """Renders pages in the language chosen for one request; ``gettext`` serves Python-side strings.

    The language: the reader's choice (``?lang=nl|en`` now, or the cookie an earlier choice left, see
    web.i18n), else the signed-in person's own, else (someone without an account, such as an employee
    following a link) what the caller passes, else the browser's."""

    def __init__(self, settings: Settings, language: str, override: str = "") -> None:
        self.settings = settings
        self.language = i18n.effective_language(language)
        self.override = override
        self.gettext = i18n.translations(self.language).gettext
        self.ngettext = i18n.translations(self.language).ngettext
        self._templates = templates_for(self.language, TIME_ZONES[settings.organisation_country])

    @classmethod
    def for_request(cls, request: Request, default: str | None = None) -> "Pages":
        settings: Settings = request.app.state.settings
        override = i18n.chosen(request.query_params.get("lang"), request.cookies.get(i18n.LANGUAGE_COOKIE))
        user = getattr(request.state, "user", None)
        if override:
            language = override
        elif user is not None:
            language = user.language
        elif default:
            language = default
        else:
            language = i18n.negotiate(request.headers.get("accept-language"), settings.hr_language)
        return cls(settings, language, override)

    def render(
        self, request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
    ) -> HTMLResponse:
        context = {
            "lang": self.language,
            "lang_override": self.override,
            "settings": self.settings,
            "user": getattr(request.state, "user", None),
            "csrf_token": csrf.token_for(request),
            **(context or {}),
        }
        response = self._templates.TemplateResponse(request, name, context, status_code=status_code)
        csrf.remember_cookie(request, response)
        # Pages carry personal data: never kept by a shared cache, nor by the browser's back/forward cache.
        response.headers.setdefault("Cache-Control", "no-store")
        return response


async def get_pages(request: Request) -> Pages:
    await current_user(request)
    return Pages.for_request(request)


PagesDep = Annotated[Pages, Depends(get_pages)]
