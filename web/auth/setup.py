"""Wiring sign-in into the app: the sign-in pages, the first-run page, ``/api/session``, the optional OIDC login, and the answer
to a page that needs a session (a redirect to the sign-in page; 401 for the API)."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse, RedirectResponse, Response

from web.auth import first_run
from web.auth.guard import SignInRequired, authenticate_header, sign_in_url
from web.auth.router import api_router, router
from web.errors import handle


async def _to_sign_in(request: Request, exc: SignInRequired) -> Response:
    wants_json = request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")
    if wants_json:
        refused = getattr(request.state, "token_refused", False)
        detail = (
            "The token is unknown, expired or revoked."
            if refused
            else "Sign in first, or send an API token (Authorization: Bearer)."
        )
        return JSONResponse(
            {"detail": detail},
            status_code=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": authenticate_header(request)},
        )
    return RedirectResponse(sign_in_url(exc.next_url), status_code=status.HTTP_303_SEE_OTHER)


def install(app: FastAPI) -> None:
    handle(app, SignInRequired, _to_sign_in)
    app.include_router(router)
    app.include_router(api_router)
    app.include_router(first_run.router)
    settings = app.state.settings
    if settings.oidc_issuer and settings.oidc_client_id:
        from web.auth.oidc import router as oidc_router

        app.include_router(oidc_router)
