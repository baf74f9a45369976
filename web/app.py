"""The web app. ``uvicorn web.app:create_app --factory`` serves it with settings from the environment."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from temporalio.client import Client

from cases.client import connect
from config import Settings, get_settings
from db.engine import create_engine, create_sessionmaker
from models.accounts import AccountRole
from web.auth.guard import api_access, signed_in
from web.auth.setup import install as install_auth
from web.cases.actions import router as case_actions_api
from web.cases.pages import router as case_pages
from web.cases.router import router as cases_api
from web.checklists.router import router as checklists_api
from web.auth.sessions import secure_cookies
from web.errors import install_error_handlers
from web.i18n import LanguageCookie
from web.events.router import listing_router as events_listing_api
from web.events.router import router as events_api
from web.imports.router import router as imports_api
from web.interviews.router import router as interviews_api
from web.mailbox.dependencies import mail_store
from web.mailbox.router import router as mailbox_pages
from web.openapi import install as install_openapi
from web.organisation.router import router as organisation_api
from web.reports.router import router as reports_api
from web.pages.routes import include_pages
from web.privacy.actor import AuditActorMiddleware
from web.privacy.pages import router as privacy_pages
from web.privacy.router import router as privacy_api
from web.security import install as install_security

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Who may use the API with a session (see web.auth.guard.api_access; the actions decide in web.acting).
HR_API = [Depends(api_access(AccountRole.HR))]
HR_OR_ADMIN_API = [Depends(api_access(AccountRole.HR, AccountRole.ADMIN))]
HR_READS_API = [Depends(api_access(AccountRole.HR, reads_only=True))]
ANY_ACCOUNT_API = [Depends(api_access())]


def create_app(settings: Settings | None = None, client: Client | None = None) -> FastAPI:
    """The app; tests pass their own settings and the Temporal client of their test server."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app.state.sessions = create_sessionmaker(engine)
        app.state.temporal = client or await connect(settings)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title=f"Offboarding — {settings.organisation_name}",
        summary="One durable process per departure: announcement, handover, equipment, exit interview.",
        version="0.1.0",
        lifespan=lifespan,
        # Swagger UI is served from the app's own copy (web.security); ReDoc would load from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)

    app.include_router(cases_api, dependencies=HR_API)
    app.include_router(case_actions_api, dependencies=ANY_ACCOUNT_API)
    app.include_router(interviews_api, dependencies=HR_READS_API)
    app.include_router(checklists_api, dependencies=HR_OR_ADMIN_API)
    app.include_router(organisation_api, dependencies=HR_OR_ADMIN_API)
    app.include_router(events_api)
    app.include_router(events_listing_api, dependencies=HR_API)
    app.include_router(imports_api, dependencies=HR_API)
    app.include_router(reports_api, dependencies=[Depends(api_access(AccountRole.HR, AccountRole.REVIEWER))])
    app.include_router(case_pages)
    # Captured mail holds every employee link: HR's only, like the link to it in the menu (and absent when switched off).
    app.include_router(mailbox_pages, dependencies=[Depends(mail_store), Depends(signed_in(AccountRole.HR))])
    install_auth(app)
    include_pages(app)
    # Accounts only, whatever api_trust_body_actor says; each route names its role (web.privacy.access).
    app.include_router(privacy_api)
    app.include_router(privacy_pages)
    # Who acts, for the audit log the service code writes (privacy.audit).
    app.add_middleware(AuditActorMiddleware)
    # A language chosen with ?lang= holds for the next pages.
    app.add_middleware(LanguageCookie, secure=secure_cookies(settings))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_security(app)
    install_openapi(app, settings)

    @app.get("/health", tags=["health"], summary="Liveness")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
