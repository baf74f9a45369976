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
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from starlette.datastructures import URL, URLPath

from config import Settings
from i18n.labels import Labels
from web import i18n
from web.auth import csrf
from web.auth.identity import current_user

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "pages"
# Times on pages read as the organisation's wall clock; the workflow keeps them in UTC.
TIME_ZONES = {"NL": "Europe/Amsterdam", "BE": "Europe/Brussels"}


def _date_filter(language: str, country: str):
    locale = i18n.format_locale(language, country)

    # A list of tasks shows the same few dates many times over, and Babel's formatting is the dearer part of a row.
    @lru_cache(maxsize=2048)
    def formatted(value: date, format: str) -> str:
        return format_date(value, format=format, locale=locale)

    def render(value: date | str | None, format: str = "medium") -> str:
        if value in (None, ""):
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return formatted(value, format)

    return render


def _datetime_filter(language: str, country: str):
    zone = ZoneInfo(TIME_ZONES[country])

    def render(value: datetime | str | None, format: str = "medium") -> str:
        if value in (None, ""):
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return format_datetime(value, format=format, tzinfo=zone, locale=i18n.format_locale(language, country))

    return render


class RoutePaths:
    """The paths of one router's named routes, looked up once per route and set of parameter names.

    Starlette finds a route by walking the whole router on every ``url_for``; a list of fifty tasks links to the same
    few routes hundreds of times, and those walks were most of the time such a page took. The path is looked up once
    with markers for the values, which are put in afterwards, checked as Starlette checks a string parameter."""

    def __init__(self, router: Any) -> None:
        self.router = router
        self._shapes: dict[tuple[str, tuple[str, ...]], URLPath | None] = {}

    def path(self, name: str, params: dict[str, Any]) -> URLPath:
        key = (name, tuple(sorted(params)))
        if key not in self._shapes:
            self._shapes[key] = self._shape(name, params)
        shape = self._shapes[key]
        values = {param: str(value) for param, value in params.items()}
        if shape is None or any(not value or "/" in value for value in values.values()):
            return self.router.url_path_for(name, **params)
        path = str(shape)
        for param, value in values.items():
            path = path.replace(_marker(param), value)
        return URLPath(path, protocol=shape.protocol)

    def _shape(self, name: str, params: dict[str, Any]) -> URLPath | None:
        try:
            shape = self.router.url_path_for(name, **{param: _marker(param) for param in params})
        except Exception:  # a parameter that is not a plain string: looked up each time, as Starlette does
            return None
        return shape if all(str(shape).count(_marker(param)) == 1 for param in params) else None


def _marker(param: str) -> str:
    return f"\x00{param}\x00"


@pass_context
def url_for(context: dict[str, Any], name: str, /, **params: Any) -> URL:
    """Starlette's ``url_for`` for templates, with each route's path shape remembered (RoutePaths)."""
    request: Request = context["request"]
    router = request.scope.get("router") or request.scope["app"]
    paths = getattr(request.app.state, "route_paths", None)
    if paths is None or paths.router is not router:
        paths = request.app.state.route_paths = RoutePaths(router)
    return paths.path(name, params).make_absolute_url(base_url=request.base_url)


@lru_cache
def templates_for(language: str, country: str) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language, country), newstyle=True)  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
    env.filters["date"] = _date_filter(language, country)
    env.filters["datetime"] = _datetime_filter(language, country)
    catalogue = i18n.translations(language, country)
    env.globals["labels"] = Labels(catalogue.gettext, catalogue.pgettext)
    env.globals["url_for"] = url_for
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
        catalogue = i18n.translations(self.language, settings.organisation_country)
        self.gettext = catalogue.gettext
        self.ngettext = catalogue.ngettext
        self._templates = templates_for(self.language, settings.organisation_country)

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

    def html(self, name: str, context: dict[str, Any]) -> str:
        """A template as text, for what is not a page of its own (the HTML a PDF is made from)."""
        return self._templates.get_template(name).render({"lang": self.language, **context})

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
