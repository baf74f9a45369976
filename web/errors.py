"""Error responses: JSON for the API, a page for people browsing.

A part that is down answers 503 with what is unreachable and no stack trace: the database (down, restarting,
locked by another program) or the Temporal server that runs the cases. Both are retried by the caller;
the app itself needs no restart when they are back."""

import logging
import math
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TypeVar, cast

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import HTTPExceptionHandler
from temporalio.service import RPCError, RPCStatusCode

from cases.service import CaseDidNotAnswer, CaseUnavailable
from db.unavailable import is_unavailable
from models.field_errors import locate
from models.registration import Registration
from web import i18n
from web.auth.identity import current_user
from web.refusals import Refused
from web.templating import Pages

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = "30"

E = TypeVar("E", bound=Exception)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "application/json" not in request.headers.get("accept", "")


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if not _wants_html(request):
        if isinstance(exc, Refused):
            return exc.response()
        return await http_exception_handler(request, exc)
    await _load_user(request)
    pages = Pages.for_request(request)
    # The bare reason phrase ("Not Found") adds nothing to the page's own heading.
    detail = "" if exc.detail == HTTPStatus(exc.status_code).phrase else exc.detail
    context = {"status_code": exc.status_code, "detail": detail, "detail_text": _in_page_language(pages, detail)}
    response = pages.render(request, "error.html", context, status_code=exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _in_page_language(pages: Pages, detail: str) -> str:
    """The reason, in the page's language; empty when the catalogue has no translation of it (a reason naming a
    case or an address): the page then says what the status means in its own words, never in another language."""
    if not detail:
        return ""
    translated = pages.gettext(detail)
    return translated if translated != detail or pages.language == i18n.SOURCE_LANGUAGE else ""


async def _load_user(request: Request) -> None:
    """The page names the signed-in person and speaks their language, also when it reports an error."""
    try:
        await current_user(request)
    except Exception:  # the error page must render even when the session store is down
        request.state.user = None


def _body_model(request: Request) -> type[BaseModel]:
    """The model of the route's body, so that a check across its fields can name the field it concerns."""
    field = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(field, "field_info", None), "annotation", None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else Registration


def _strict_json(value: object) -> object:
    """NaN and Infinity, which Python's JSON parser accepts, cannot be echoed back in standard JSON: as text then."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _strict_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strict_json(item) for item in value]
    return value


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    model = _body_model(request)
    errors = [locate(error, ("body",), model) for error in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": _strict_json(jsonable_encoder(errors))})


def _unreachable(_: Callable[[str], str], part: str) -> str:
    return {
        "database": _("The database cannot be reached right now. Please try again in a moment."),
        "temporal": _("The service that runs the cases cannot be reached right now. Please try again in a moment."),
        "case": _("The case cannot be reached right now; try again in a moment."),
    }[part]


async def _unavailable(request: Request, part: str) -> Response:
    headers = {"Retry-After": RETRY_AFTER_SECONDS}
    if not _wants_html(request):
        return JSONResponse(status_code=503, content={"detail": _unreachable(str, part)}, headers=headers)
    if part == "database":
        # The session lives in the database too: the page goes out without asking it again.
        request.state.user = getattr(request.state, "user", None)
    else:
        await _load_user(request)
    pages = Pages.for_request(request)
    reason = _unreachable(pages.gettext, part)
    response = pages.render(
        request, "error.html", {"status_code": 503, "detail": reason, "detail_text": reason}, status_code=503
    )
    response.headers.update(headers)
    return response


async def _database_error(request: Request, exc: Exception) -> Response:
    if not is_unavailable(exc):
        raise exc
    log.warning("database unreachable during %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    return await _unavailable(request, "database")


async def _temporal_error(request: Request, exc: RPCError) -> Response:
    if exc.status != RPCStatusCode.UNAVAILABLE:
        raise exc
    log.warning("Temporal unreachable during %s %s: %s", request.method, request.url.path, exc)
    return await _unavailable(request, "temporal")


async def _case_unavailable(request: Request, exc: CaseUnavailable) -> Response:
    log.warning("case %s did not answer during %s %s", exc, request.method, request.url.path, exc_info=exc.__cause__)
    # The server that runs the cases itself unreachable, or only this case not answering.
    down = isinstance(exc.__cause__, RPCError) and exc.__cause__.status == RPCStatusCode.UNAVAILABLE
    return await _unavailable(request, "temporal" if down else "case")


async def _case_did_not_answer(request: Request, exc: CaseDidNotAnswer) -> Response:
    detail = "The case did not answer in time. The action may still be applied: look at the case before trying again."
    if not _wants_html(request):
        return JSONResponse(status_code=504, content={"detail": detail})
    await _load_user(request)
    pages = Pages.for_request(request)
    message = pages.gettext(
        "The case did not answer in time. It may still happen: look again in a moment before trying again."
    )
    return pages.render(request, "error.html", {"status_code": 504, "detail": message}, status_code=504)


def handle(app: FastAPI, exc_class: type[E], handler: Callable[[Request, E], Awaitable[Response]]) -> None:
    """``app.add_exception_handler``, with the handler checked against its class: Starlette types every handler as
    taking any Exception, while it calls each only with the class it was registered for."""
    app.add_exception_handler(exc_class, cast(HTTPExceptionHandler, handler))


def install_error_handlers(app: FastAPI) -> None:
    handle(app, StarletteHTTPException, _http_error)
    handle(app, RequestValidationError, _validation_error)
    handle(app, SQLAlchemyError, _database_error)
    # A driver may raise a refused or dropped connection unwrapped; other OSErrors stay errors (see is_unavailable).
    handle(app, OSError, _database_error)
    handle(app, RPCError, _temporal_error)
    handle(app, CaseUnavailable, _case_unavailable)
    handle(app, CaseDidNotAnswer, _case_did_not_answer)
