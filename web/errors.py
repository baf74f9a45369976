"""Error responses: JSON for the API, a page for people browsing."""

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from models.registration import Registration
from web.templating import Pages
from web.validation import locate


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "application/json" not in request.headers.get("accept", "")


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if not _wants_html(request):
        return await http_exception_handler(request, exc)
    await _load_user(request)
    pages = Pages.for_request(request)
    # The bare reason phrase ("Not Found") adds nothing to the page's own heading.
    detail = "" if exc.detail == HTTPStatus(exc.status_code).phrase else exc.detail
    response = pages.render(request, "error.html", {"status_code": exc.status_code, "detail": detail}, status_code=exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _load_user(request: Request) -> None:
    """The page names the signed-in person and speaks their language, also when it reports an error."""
    from web.auth.guard import current_user

    try:
        await current_user(request)
    except Exception:  # the error page must render even when the session store is down
        request.state.user = None


def _body_model(request: Request) -> type[BaseModel]:
    """The model of the route's body, so that a check across its fields can name the field it concerns."""
    field = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(field, "field_info", None), "annotation", None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else Registration


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    model = _body_model(request)
    errors = [locate(error, ("body",), model) for error in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(errors)})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
