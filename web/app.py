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
from links.turns import LinkTurns
from models.accounts import AccountRole
from operations.web import install as install_operations
from web import home
from web.accounts import pages as account_pages
from web.accounts import token_pages
from web.auth.cookies import secure_cookies
from web.auth.guard import api_access, signed_in
from web.auth.setup import install as install_auth
from web.cases import actions as case_actions
from web.cases import api as cases_api
from web.cases import pages as case_pages
from web.equipment import pages as equipment_pages
from web.errors import install_error_handlers
from web.events import api as events_api
from web.i18n import LanguageCookie
from web.imports import api as imports_api
from web.interviews import api as interviews_api
from web.interviews import hr as interview_hr_pages
from web.interviews import links as interview_links
from web.interviews import pages as interview_pages
from web.interviews import preparation as interview_preparation_pages
from web.mailbox import pages as captured_mail_pages
from web.mailbox.dependencies import mail_store
from web.openapi import install as install_openapi
from web.organisation import api as organisation_api
from web.organisation import checklist_pages, checklists_api, mailbox_pages, policy_pages, questionnaire_pages
from web.privacy import api as privacy_api
from web.privacy import pages as privacy_pages
from web.privacy.actor import AuditActorMiddleware
from web.reports import pages as report_pages
from web.reports import review_pages
from web.reports import router as reports_api
from web.reports import settings_pages as report_settings_pages
from web.security import install as install_security
from web.tasks import links as task_links
from web.tasks import pages as task_pages

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
    app.state.link_turns = LinkTurns()
    install_error_handlers(app)

    # The API, by domain; each route names who may call it (web.auth.guard.api_access; the actions decide in web.acting).
    app.include_router(cases_api.router, dependencies=HR_API)
    app.include_router(case_actions.router, dependencies=ANY_ACCOUNT_API)
    app.include_router(interviews_api.router, dependencies=HR_READS_API)
    app.include_router(checklists_api.router, dependencies=HR_OR_ADMIN_API)
    app.include_router(organisation_api.router, dependencies=HR_OR_ADMIN_API)
    app.include_router(events_api.router)
    app.include_router(events_api.listing_router, dependencies=HR_API)
    app.include_router(imports_api.router, dependencies=HR_API)
    app.include_router(reports_api.router, dependencies=[Depends(api_access(AccountRole.HR, AccountRole.REVIEWER))])
    # Accounts only, whatever api_trust_body_actor says; each route names its role (web.privacy.access).
    app.include_router(privacy_api.router)
    install_auth(app)
    # The pages, by domain; each checks the reader's roles itself.
    app.include_router(case_pages.dashboard_router)
    for pages in (
        home,
        case_pages,
        task_pages,
        equipment_pages,
        interview_pages,
        interview_preparation_pages,
        interview_hr_pages,
        interview_links,
        task_links,
        report_pages,
        review_pages,
        report_settings_pages,
        checklist_pages,
        questionnaire_pages,
        policy_pages,
        mailbox_pages,
        account_pages,
        token_pages,
        privacy_pages,
    ):
        app.include_router(pages.router)
    # Captured mail holds every employee link: HR's only, like the link to it in the menu (and absent when switched off).
    app.include_router(
        captured_mail_pages.router, dependencies=[Depends(mail_store), Depends(signed_in(AccountRole.HR))]
    )
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

    # Request ids and access lines, latency per route, readiness, the metrics port, traces (operations/).
    install_operations(app, settings)
    return app
