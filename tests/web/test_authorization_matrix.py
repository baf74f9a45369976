"""Every route of the app, as every role, against one real case, with the settings as shipped (the body's actor
not trusted): who may is who the table below says.

The routes come from the app itself, so a route added without a line in ``RULES`` fails the test, named.
A refused pair must answer 401, 403 or 404, or send the browser to the sign-in page, with none of the case's
data; an allowed pair must not answer 401 or 403 (nor crash). Refusals are checked first, before anything
is changed; then the allowed calls run with empty bodies (a form left empty, ``{}``), on a database of this
test's own, because some of them do change things.

Who may is decided per role here. Some routes let any account through and leave the rest to the case, which
refuses with its reason (409) whoever is not the task's assignee, the item's custodian, and so on; those are
``ACCOUNTS`` here, and the per-person rules have their tests in test_access_rules.py and the workflows' tests.

Adding a route: add its (method, path) to ``RULES`` with the roles that may use it; give a new path parameter
a value of the real case in ``values``; a new employee link prefix goes in ``LINK_PREFIXES``."""

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from accounts import tokens as api_tokens
from config import Settings
from db.engine import create_engine, create_sessionmaker
from links import tokens
from links.tokens import LinkPurpose
from models.tables import Account
from tests.support import SAMPLE_RECORD, eventually, serve
from tests.support.api import CONSENT, Case, at_agreed_time, invited, register
from tests.support.auth import (
    another_client,
    api_token,
    csrf_token,
    make_account,
    sign_in,
    token_client,
    unique_email,
)
from tests.support.environment import fresh_database
from worker import build_worker

HR, MANAGER, CUSTODIAN, INTERVIEWER, REVIEWER, ADMIN = "hr", "manager", "custodian", "interviewer", "reviewer", "admin"
ANONYMOUS, LINK_HOLDER = "anonymous", "link-holder"
ACCOUNTS = frozenset({HR, MANAGER, CUSTODIAN, INTERVIEWER, REVIEWER, ADMIN})
EVERYONE = ACCOUNTS | {ANONYMOUS, LINK_HOLDER}
LINK = frozenset({LINK_HOLDER})  # whoever holds the employee's link, and nobody without it
NOBODY = frozenset()
ROLES = (HR, MANAGER, CUSTODIAN, INTERVIEWER, REVIEWER, ADMIN, ANONYMOUS, LINK_HOLDER)


def only(*roles: str) -> frozenset[str]:
    return frozenset(roles)


# (method, path as the app declares it) -> the roles that may. The manager is the case's own manager, the
# custodian the custodian of its equipment, the interviewer the one assigned to its interview; the task in
# the paths is one of the manager's.
RULES: dict[tuple[str, str], frozenset[str]] = {
    # Public: signing in, the API's description, health, static files.
    ("GET", "/openapi.json"): EVERYONE,
    ("HEAD", "/openapi.json"): EVERYONE,
    ("GET", "/docs"): EVERYONE,
    ("GET", "/docs/assets"): EVERYONE,
    ("GET", "/static"): EVERYONE,
    ("GET", "/health"): EVERYONE,
    ("GET", "/health/live"): EVERYONE,
    ("GET", "/health/ready"): EVERYONE,
    # The first account, made with the setup code printed at start; refused once any account exists.
    ("GET", "/setup"): EVERYONE,
    ("POST", "/setup"): EVERYONE,
    ("GET", "/"): EVERYONE,
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): EVERYONE,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/login/oidc"): EVERYONE,  # only with OIDC configured
    ("GET", "/login/oidc/callback"): EVERYONE,
    ("GET", "/api/session"): ACCOUNTS,
    # The case API: HR's; the steps are for any account in a role the step allows (web.acting), the case
    # deciding whose task or item it is.
    ("POST", "/api/cases"): only(HR),
    ("GET", "/api/cases"): only(HR),
    ("GET", "/api/cases/{case_id}"): only(HR),
    ("POST", "/api/cases/{case_id}/tasks/{task_id}/complete"): ACCOUNTS,
    ("POST", "/api/cases/{case_id}/tasks/{task_id}/reassign"): ACCOUNTS,
    ("POST", "/api/cases/{case_id}/tasks"): only(HR, MANAGER),
    ("POST", "/api/cases/{case_id}/tasks/{task_id}/reopen"): ACCOUNTS,
    ("POST", "/api/cases/{case_id}/equipment/{item_id}/return"): ACCOUNTS,
    ("POST", "/api/cases/{case_id}/equipment/{item_id}/reopen"): ACCOUNTS,
    ("POST", "/api/cases/{case_id}/equipment/{item_id}/settlement"): only(HR),
    ("POST", "/api/cases/{case_id}/last-working-day"): only(HR),
    ("POST", "/api/cases/{case_id}/withdraw"): only(HR),
    ("POST", "/api/cases/{case_id}/access/revoke-now"): only(HR),
    ("GET", "/api/cases/{case_id}/interview"): only(HR),
    ("POST", "/api/cases/{case_id}/interview/confirm"): only(HR),
    ("POST", "/api/cases/{case_id}/interview/assign"): only(HR),
    ("POST", "/api/cases/{case_id}/interview/ask-other-interviewer"): only(HR),
    ("POST", "/api/cases/{case_id}/interview/answer-proposed-time"): only(HR, INTERVIEWER),
    ("POST", "/api/cases/{case_id}/interview/accept"): only(HR),
    ("POST", "/api/cases/{case_id}/interview/propose"): only(HR),
    ("POST", "/api/cases/{case_id}/interview/schedule"): only(HR),
    ("POST", "/api/cases/{case_id}/interview/decline"): only(HR),
    ("POST", "/api/cases/{case_id}/interview/resend"): only(HR),
    ("POST", "/api/cases/{case_id}/interview/record"): only(HR, INTERVIEWER),
    # The organisation's settings.
    ("GET", "/api/checklists"): only(HR, ADMIN),
    ("POST", "/api/checklists"): only(HR, ADMIN),
    ("GET", "/api/checklists/{template_id}"): only(HR, ADMIN),
    ("PUT", "/api/checklists/{template_id}"): only(HR, ADMIN),
    ("DELETE", "/api/checklists/{template_id}"): only(HR, ADMIN),
    ("GET", "/api/organisation"): only(HR, ADMIN),
    ("PUT", "/api/organisation/contacts"): only(HR, ADMIN),
    ("GET", "/api/organisation/policy"): only(HR, ADMIN),
    ("PUT", "/api/organisation/policy"): only(HR, ADMIN),
    ("PATCH", "/api/organisation/policy"): only(HR, ADMIN),
    ("GET", "/settings/checklists"): only(HR, ADMIN),
    ("GET", "/settings/reports"): only(HR, ADMIN),
    ("POST", "/settings/reports"): only(HR, ADMIN),
    ("GET", "/settings/checklists/new"): only(HR, ADMIN),
    ("POST", "/settings/checklists/new"): only(HR, ADMIN),
    ("GET", "/settings/checklists/{template_id}"): only(HR, ADMIN),
    ("POST", "/settings/checklists/{template_id}"): only(HR, ADMIN),
    ("GET", "/settings/checklists/{template_id}/delete"): only(HR, ADMIN),
    ("POST", "/settings/checklists/{template_id}/delete"): only(HR, ADMIN),
    ("GET", "/settings/policy"): only(HR, ADMIN),
    ("POST", "/settings/policy"): only(HR, ADMIN),
    ("GET", "/settings/questionnaire"): only(HR, ADMIN),
    ("POST", "/settings/questionnaire"): only(HR, ADMIN),
    ("POST", "/settings/policy/contacts"): only(HR, ADMIN),
    ("GET", "/settings/mailboxes"): only(HR, ADMIN),
    ("POST", "/settings/mailboxes"): only(HR, ADMIN),
    ("POST", "/settings/mailboxes/{key}/delete"): only(HR, ADMIN),
    # Events from the HR system carry a signature instead of an account (tests/intake/test_events.py): no account opens it.
    ("POST", "/api/events"): NOBODY,
    ("GET", "/api/events"): only(HR),
    ("POST", "/api/imports/departures"): only(HR),
    # Reports.
    ("POST", "/api/reports"): only(HR),  # a period the schedule missed; reviewers only read and review
    ("GET", "/api/reports"): only(HR, REVIEWER),
    ("GET", "/api/reports/{report_id}"): only(HR, REVIEWER),
    ("GET", "/reports/{report_id}.pdf"): only(HR, REVIEWER),
    ("GET", "/reports/{report_id}.csv"): only(HR, REVIEWER),
    ("GET", "/reports/{report_id}"): only(HR, REVIEWER),
    ("POST", "/api/reports/{report_id}/review/findings"): only(HR, REVIEWER),
    ("POST", "/api/reports/{report_id}/review/actions"): only(HR, REVIEWER),
    ("POST", "/api/reports/{report_id}/review/approve"): only(HR, REVIEWER),
    ("POST", "/api/reports/{report_id}/review/actions/{action_id}/complete"): only(HR, REVIEWER),
    ("POST", "/api/reports/{report_id}/review/send-back"): only(HR, REVIEWER),
    ("POST", "/api/reports/{report_id}/review/answer"): only(HR),
    ("GET", "/reviews"): only(HR, REVIEWER),
    ("GET", "/reports"): only(HR, REVIEWER),
    ("GET", "/trends"): only(HR, REVIEWER),
    # The review in the pages: HR reads along; the review itself refuses whoever is not one of its reviewers.
    ("GET", "/reports/{report_id}/review"): only(HR, REVIEWER),
    ("POST", "/reports/{report_id}/review/findings"): only(HR, REVIEWER),
    ("POST", "/reports/{report_id}/review/actions"): only(HR, REVIEWER),
    ("POST", "/reports/{report_id}/review/approve"): only(HR, REVIEWER),
    ("POST", "/reports/{report_id}/review/send-back"): only(HR, REVIEWER),
    ("POST", "/reports/{report_id}/review/answer"): only(HR),
    # Progress on, or another owner or due date for, an action of this report or of an earlier one it lists; the
    # review refuses who may not.
    ("POST", "/reports/{report_id}/review/progress/{action_report_id}/{action_id}"): only(HR, REVIEWER),
    ("POST", "/reports/{report_id}/review/change/{action_report_id}/{action_id}"): only(HR, REVIEWER),
    # HR's pages.
    ("GET", "/dashboard"): only(HR),
    ("GET", "/cases"): only(HR),
    ("GET", "/cases/export.csv"): only(HR),
    ("GET", "/cases/new"): only(HR),
    ("POST", "/cases/new"): only(HR),
    ("GET", "/cases/{case_id}"): only(HR),
    ("POST", "/cases/{case_id}/withdraw"): only(HR),
    ("POST", "/cases/{case_id}/last-working-day"): only(HR),
    ("POST", "/cases/{case_id}/access/revoke-now"): only(HR),
    ("POST", "/cases/{case_id}/interview/confirm"): only(HR),
    ("POST", "/cases/{case_id}/interview/assign"): only(HR),
    ("POST", "/cases/{case_id}/interview/assign-manager"): only(HR),
    ("POST", "/cases/{case_id}/interview/resend"): only(HR),
    ("POST", "/cases/{case_id}/interview/schedule"): only(HR),
    ("GET", "/cases/{case_id}/interview"): only(HR),
    ("GET", "/cases/{case_id}/interview/record.pdf"): only(HR),
    ("GET", "/mailbox"): only(HR),
    ("GET", "/mailbox/{key}"): only(HR),
    # Tasks: everyone has their own list; a case's tasks are its manager's and HR's.
    ("GET", "/my/tasks"): ACCOUNTS,
    ("GET", "/my/cases/{case_id}"): only(HR, MANAGER),
    ("GET", "/my/cases/{case_id}/main-points"): only(HR, MANAGER),
    ("POST", "/my/tasks/{case_id}/{task_id}/complete"): only(HR, MANAGER),
    ("POST", "/my/tasks/{case_id}/{task_id}/reassign"): only(HR, MANAGER),
    ("POST", "/my/tasks/{case_id}/{task_id}/reopen"): only(HR, MANAGER),
    ("POST", "/my/tasks/done"): ACCOUNTS,
    # An action of a management review: any account may be its owner; the review refuses whoever is not.
    ("POST", "/my/review-actions/{report_id}/{action_id}"): ACCOUNTS,  # ticks off only the signed-in person's own tasks
    ("POST", "/my/cases/{case_id}/tasks"): only(HR, MANAGER),
    # Equipment and interviews.
    # Everyone's list of what to receive (for most of them empty); only an item's custodian or HR acts on it.
    ("GET", "/equipment"): ACCOUNTS,
    ("POST", "/equipment/{case_id}/{item_id}/return"): ACCOUNTS,
    ("POST", "/equipment/{case_id}/{item_id}/reopen"): ACCOUNTS,
    ("POST", "/equipment/{case_id}/{item_id}/settlement"): only(HR),
    # A manager's own list: the interviews HR chose them for as the fallback (none here).
    ("GET", "/interviews"): only(HR, INTERVIEWER, MANAGER),
    ("GET", "/interviews/{case_id}"): only(HR, INTERVIEWER),
    ("POST", "/interviews/{case_id}/draft"): only(HR, INTERVIEWER),
    ("POST", "/interviews/{case_id}"): only(HR, INTERVIEWER),
    ("GET", "/interviews/{case_id}/consent"): only(HR, INTERVIEWER),
    ("POST", "/interviews/{case_id}/consent"): only(HR, INTERVIEWER),
    ("GET", "/interviews/{case_id}/preparation"): only(HR, INTERVIEWER),
    ("POST", "/interviews/{case_id}/preparation"): only(HR, INTERVIEWER),
    ("POST", "/interviews/{case_id}/proposed-time"): only(HR, INTERVIEWER),
    # The employee's links.
    ("GET", "/invitation/{token}"): LINK,
    ("POST", "/invitation/{token}/accept"): LINK,
    ("POST", "/invitation/{token}/propose"): LINK,
    ("POST", "/invitation/{token}/decline"): LINK,
    ("POST", "/invitation/{token}/other-interviewer"): LINK,
    ("GET", "/invitation/{token}/questions"): LINK,
    ("POST", "/invitation/{token}/questions"): LINK,
    ("GET", "/invitation/{token}/written/consent"): LINK,
    ("POST", "/invitation/{token}/written/consent"): LINK,
    ("GET", "/invitation/{token}/interview.ics"): LINK,
    ("GET", "/consent/{token}"): LINK,
    ("POST", "/consent/{token}/revoke"): LINK,
    # A task done from its mail: whoever holds the task's link.
    ("GET", "/task/{token}"): LINK,
    ("POST", "/task/{token}/done"): LINK,
    # Accounts, tokens, the audit log: admins.
    ("GET", "/admin/accounts"): only(ADMIN),
    ("POST", "/admin/accounts"): only(ADMIN),
    ("POST", "/admin/accounts/{account_id}/active"): only(ADMIN),
    ("GET", "/admin/tokens"): only(ADMIN),
    ("POST", "/admin/tokens/{token_id}/revoke"): only(ADMIN),
    # Everyone's own password and API tokens (a token of another account is not found).
    ("GET", "/account/password"): ACCOUNTS,
    ("POST", "/account/password"): ACCOUNTS,
    ("GET", "/account/tokens"): ACCOUNTS,
    ("POST", "/account/tokens"): ACCOUNTS,
    ("POST", "/account/tokens/{token_id}/revoke"): ACCOUNTS,
    ("GET", "/admin/audit"): only(ADMIN),
    ("GET", "/api/audit"): only(ADMIN),
    # One person's data: export and erasure are HR's.
    ("GET", "/api/people/{employee_id}/export"): only(HR),
    ("POST", "/api/people/{employee_id}/erase"): only(HR),
    ("POST", "/people/{employee_id}/export"): only(HR),
    ("GET", "/people/{employee_id}/erase"): only(HR),
    ("POST", "/people/{employee_id}/erase"): only(HR),
}

# Paths opened by the employee's links, and the purpose of the token each needs.
LINK_PREFIXES = {"/invitation/": LinkPurpose.INTERVIEW, "/consent/": LinkPurpose.CONSENT, "/task/": LinkPurpose.TASK}
# A mounted folder is probed with one file in it.
MOUNT_PROBES = {"/static": "/static/style.css", "/docs/assets": "/docs/assets/swagger-ui.css"}
# A wrong password answers 401 with the sign-in form, and signing out leads to the sign-in page: these are
# the routes' answers, not refusals.
ANSWERED_WITH_401 = {("POST", "/login")}
# Signing out, and the start page for someone not signed in, lead to the sign-in page by design.
ANSWERED_WITH_SIGN_IN = {("POST", "/logout"), ("GET", "/")}
# Never in a refusal.
CASE_DATA = ("Anouk de Vries", "anouk@example.net", "Controller", "Confidential")
EVENTS_SECRET = "matrix-events-secret"


def app_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves; mounts as GET."""
    try:  # FastAPI keeps included routers as they are and lists them through this
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = list(app.routes)
    found = set()
    for route in routes:
        methods = getattr(route, "methods", None)
        for method in methods or {"GET"}:
            found.add((method, route.path))
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def test_every_route_has_a_rule():
    from web.app import create_app

    # Every optional route switched on (OIDC), so that each one needs its rule.
    configured = Settings(
        _env_file=None,
        database_url="sqlite+aiosqlite:///:memory:",
        oidc_issuer="https://login.example.org",
        oidc_client_id="offboarding",
    )
    routes = app_routes(create_app(configured))
    missing = [f"{method} {path}" for method, path in routes if (method, path) not in RULES]
    stale = [f"{method} {path}" for method, path in RULES if (method, path) not in routes]
    assert not missing, f"routes without a rule in RULES (tests/web/test_authorization_matrix.py): {missing}"
    assert not stale, f"rules for routes the app no longer has: {stale}"


@pytest.fixture
def own_database(tmp_path):
    """A database for this test alone: the allowed calls change the organisation's settings, accounts and the case."""
    with fresh_database(tmp_path, "matrix") as url:
        yield url


@pytest.fixture
async def world(settings, own_database, time_skipping_env, task_queue, mail_store):
    """The app as shipped, one case with a held interview, a client per role and the path parameters of real things."""
    shipped = settings.model_copy(
        update={
            "database_url": own_database,
            "task_queue": task_queue,
            "api_trust_body_actor": Settings.model_fields["api_trust_body_actor"].default,
            "events_secret": EVENTS_SECRET,
            # The matrix makes more requests than a person would; the limits have their own tests.
            "link_limit_per_address": "",
            "sign_in_limit_per_address": "",
        }
    )
    assert shipped.api_trust_body_actor is False
    engine = create_engine(own_database)
    sessions = create_sessionmaker(engine)
    async with (
        build_worker(time_skipping_env.client, shipped, sessions, task_queue=task_queue),
        serve(shipped, time_skipping_env.client) as http,
    ):
        hr_email = await make_account(sessions, unique_email("hr"), ["hr"])
        program = token_client(http, await api_token(sessions, hr_email))
        case = await register(program, mail_store)
        await invited(case)
        interviewer = unique_email("ilse")
        assigned = await case.post(
            "interview/assign", {"interviewer": {"name": "Ilse", "email": interviewer, "language": "en"}}
        )
        assert assigned.status_code == 200, assigned.text
        record = {**SAMPLE_RECORD, "went_well": "Confidential praise"}
        await at_agreed_time(case, time_skipping_env, actor=None)
        assert (await case.post("interview/record", {"record": record, "consent": CONSENT})).status_code == 200
        values = await _values(program, sessions, case, shipped)

        clients: dict[str, httpx.AsyncClient] = {}
        for role, email in (
            (HR, hr_email),
            (MANAGER, "bram.janssens@example.org"),
            (CUSTODIAN, "facilities@example.org"),
            (INTERVIEWER, interviewer),
            (REVIEWER, unique_email("reviewer")),
            (ADMIN, unique_email("admin")),
        ):
            clients[role] = another_client(http)
            await make_account(sessions, email, [role])
            await sign_in(clients[role], email)
        for role in (ANONYMOUS, LINK_HOLDER):
            # With the CSRF cookie a browser would have: what refuses them must be the rules, not a missing token.
            clients[role] = another_client(http)
            clients[role].headers["X-CSRF-Token"] = csrf_token((await clients[role].get("/login")).text)
        yield http._transport.app, clients, values
        for client in (*clients.values(), program):
            await client.aclose()
    await engine.dispose()


async def _values(program: httpx.AsyncClient, sessions, case: Case, settings: Settings) -> dict[str, Any]:
    """A real value for every path parameter, so that a 404 means "not yours", never "not there"."""
    live = await case.live()
    task = next(t for t in live["tasks"] if t["assignee_email"] == "bram.janssens@example.org")
    templates = (await program.get("/api/checklists")).json()
    report = await program.post("/api/reports", json={"period": "2010-Q3"})
    assert report.status_code == 202, report.text
    report_id = report.json()["report_id"]

    async def stored():
        return (await program.get(f"/api/reports/{report_id}")).status_code == 200

    await eventually(stored, timeout=60)
    spare = await make_account(sessions, unique_email("spare"), ["manager"])
    async with sessions() as session:
        account_id = (await session.execute(sa.select(Account.id).where(Account.email == spare))).scalar_one()
    mail = next(m for m in case.mail_store.all() if m.case_id == case.id)
    employee = case.data["employee"]["work_email"]
    return {
        "case_id": case.id,
        "task_id": task["id"],
        "item_id": live["equipment"][0]["id"],
        "employee_id": case.data["employee"]["id"],
        "template_id": templates[0]["id"] if templates else "missing-template",
        "report_id": report_id,
        "action_id": "a1",
        "action_report_id": report_id,
        "account_id": account_id,
        "token_id": api_tokens.digest(await api_token(sessions, spare, "spare")),
        "key": mail.key,
        "tokens": {
            **{
                purpose: tokens.sign(settings.signing_key(), purpose, case.id, employee)
                for purpose in (LinkPurpose.INTERVIEW, LinkPurpose.CONSENT)
            },
            # A task link is its assignee's: the task in the paths is the manager's.
            LinkPurpose.TASK: tokens.sign(
                settings.signing_key(), LinkPurpose.TASK, case.id, task["assignee_email"], ref=task["id"]
            ),
        },
    }


def _url(path: str, role: str, values: dict[str, Any]) -> str:
    if path in MOUNT_PROBES:
        return MOUNT_PROBES[path]
    purpose = next((purpose for prefix, purpose in LINK_PREFIXES.items() if path.startswith(prefix)), None)
    token = values["tokens"][purpose] if purpose and role == LINK_HOLDER else "forged.token.value"
    return path.format(**{**values, "token": token})


async def _call(client: httpx.AsyncClient, method: str, path: str, url: str) -> httpx.Response:
    if method in ("GET", "HEAD", "DELETE"):
        return await client.request(method, url)
    if path.startswith("/api/"):
        return await client.request(method, url, json={})
    return await client.request(method, url, data={})


def _refused(response: httpx.Response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code in (302, 303, 307) and response.headers.get("location", "").startswith("/login")


# Tens of seconds by itself: `make test-fast` leaves it out, `make test` starts it early.
@pytest.mark.slow
async def test_every_route_lets_in_exactly_the_roles_its_rule_names(world):
    app, clients, values = world
    routes = app_routes(app)
    missing = [f"{method} {path}" for method, path in routes if (method, path) not in RULES]
    assert not missing, f"routes without a rule in RULES (tests/web/test_authorization_matrix.py): {missing}"

    pairs = [(method, path, role) for method, path in routes for role in ROLES]
    wrong: list[str] = []
    # Refusals first, while nothing has been changed yet.
    for method, path, role in pairs:
        if role in RULES[(method, path)]:
            continue
        response = await _call(clients[role], method, path, _url(path, role, values))
        if not _refused(response):
            wrong.append(f"{role} {method} {path}: expected a refusal, got {response.status_code}")
        elif leaked := [data for data in CASE_DATA if data in response.text]:
            wrong.append(f"{role} {method} {path}: refused with {response.status_code} but showed {leaked}")
    # Then what is allowed: reads first, then changes, signing out last.
    allowed = [pair for pair in pairs if pair[2] in RULES[(pair[0], pair[1])]]
    allowed.sort(key=lambda pair: (pair[1] == "/logout", pair[0] not in ("GET", "HEAD")))
    for method, path, role in allowed:
        response = await _call(clients[role], method, path, _url(path, role, values))
        refused = response.status_code in (401, 403) and (method, path) not in ANSWERED_WITH_401
        to_sign_in = _to_sign_in(response) and (method, path) not in ANSWERED_WITH_SIGN_IN
        if refused or to_sign_in or response.status_code >= 500:
            wrong.append(
                f"{role} {method} {path}: expected to be let in, got {response.status_code} {response.text[:120]!r}"
            )
    assert not wrong, "\n".join(wrong)


def _to_sign_in(response: httpx.Response) -> bool:
    return response.status_code in (302, 303, 307) and response.headers.get("location", "").startswith("/login")
