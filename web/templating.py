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
        return format_date(value, format=format, locale=language)

    return render


def _datetime_filter(language: str, zone: ZoneInfo):
    def render(value: datetime | str | None, format: str = "medium") -> str:
        if value in (None, ""):
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return format_datetime(value, format=format, tzinfo=zone, locale=language)

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
    env.install_gettext_translations(i18n.translations(language), newstyle=True)
    env.filters["date"] = _date_filter(language)
    env.filters["datetime"] = _datetime_filter(language, ZoneInfo(zone))
    env.globals["labels"] = Labels(i18n.translations(language).gettext)
    return Jinja2Templates(env=env)


class Pages:
    """Renders pages in the language negotiated for one request; ``gettext`` serves Python-side strings."""

    def __init__(self, settings: Settings, language: str) -> None:
        self.settings = settings
        self.language = language
        self.gettext = i18n.translations(language).gettext
        self._templates = templates_for(language, TIME_ZONES[settings.organisation_country])

    @classmethod
    def for_request(cls, request: Request) -> "Pages":
        settings: Settings = request.app.state.settings
        return cls(settings, i18n.negotiate(request.headers.get("accept-language"), settings.hr_language))

    def render(self, request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
        context = {"lang": self.language, "settings": self.settings, **(context or {})}
        return self._templates.TemplateResponse(request, name, context, status_code=status_code)


def get_pages(request: Request) -> Pages:
    return Pages.for_request(request)


PagesDep = Annotated[Pages, Depends(get_pages)]
