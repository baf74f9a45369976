"""Every page passes axe-core's accessibility rules (WCAG 2.1 A and AA: labels, names, contrast, landmarks,
language) in real Chromium, on a desktop and on a phone, in Dutch and English; on a phone nothing needs
sideways scrolling, and the keyboard reaches every control of a form with a visible focus.

The pages are those of one real case: the web app and a worker run as processes against the Temporal dev
server, as in tests/cases/test_browser.py. Only pages are read here, so the module's tests share that set-up (a
dev server, the two processes, a report in review, the case): one test process runs them (`xdist_group`)."""

import uuid
from datetime import date

import pytest
from axe_playwright_python.async_playwright import Axe
from sqlalchemy import delete

from mailsink.store import MailStore
from models.interview import AssignInterviewer
from models.registration import Person
from models.report import ReportPolicy
from models.tables import InterviewDraft
from reports import service, settings_store
from reports.tables import ReportRow
from tests.support import eventually
from tests.support.auth import PASSWORD, make_account
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, link_in, mails_for, running_app, submit_sign_in
from tests.support.case_driver import HR, CaseDriver
from tests.support.environment import dev_server, mail_sink, new_task_queue, settings_for
from tests.support.report import seed_quarter, start_period
from web.interviews import questionnaire

MANAGER = "bram.janssens@example.org"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("accessibility"),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (run `make browser`)"
    ),
]

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


async def sign_in(context, app, email: str):
    page = await context.new_page()
    await page.goto(f"{app.url}/login")
    return await submit_sign_in(page, email)


def problems(results) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — {[node['target'] for node in violation['nodes']][:5]}"
        for violation in results.response["violations"]
    ]


async def overflows_sideways(page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


async def keyboard_reaches_every_control(page) -> list[str]:
    """Tab through the page; the controls of the main content that focus never reached, or reached without a visible outline."""
    # A group of radio buttons is one stop for Tab (the arrow keys move within it). A control hidden from assistive
    # technology and taken out of the tab order on purpose (the default button Enter presses) is not one to reach.
    describe = """el => el.type === 'radio' ? 'radio:' + el.name : el.outerHTML.slice(0, 120)"""
    controls = set(
        await page.evaluate(
            f"""() => [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea, main button, main a[href]')]
                 .filter(el => !el.disabled && el.checkVisibility({{checkVisibilityCSS: true}}) && !(el.closest('[aria-hidden=true]') && el.tabIndex < 0)).map({describe})"""
        )
    )
    seen, invisible = set(), []
    for _ in range(len(controls) + 40):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            f"""() => {{ const el = document.activeElement; if (!el || el === document.body) return null;
                 const style = getComputedStyle(el);
                 const visible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
                 return {{key: ({describe})(el), inMain: !!el.closest('main'), visible}}; }}"""
        )
        if focused and focused["inMain"]:
            seen.add(focused["key"])
            if not focused["visible"]:
                invisible.append(focused["key"])
    return [f"never reached by Tab: {key}" for key in sorted(controls - seen)] + [
        f"no visible focus on {key}" for key in invisible
    ]


COMPLETE_ANSWERS = [
    *[
        (f"experiences.{area}.rating", rating)
        for area, rating in [
            ("work_content", "4"),
            ("working_conditions", "3"),
            ("working_relations", "5"),
            ("terms_of_employment", "2"),
            ("work_organisation", "3"),
        ]
    ],
    ("primary_reason", "career_opportunity"),
    ("secondary_reasons", "pay_and_benefits"),
    ("went_well", "Het team"),
    ("should_improve", "Doorgroeien"),
    ("most_important_advice", "Geef mensen een loopbaanpad."),
    ("recommend_score", "8"),
    *[(f"belonging.{name}", "4") for name in ("felt_safe", "felt_at_home", "felt_valued")],
    ("belonging.influences", "work_life_balance"),
    ("remember_with_pleasure", "De uitjes"),
    ("advice_summary", "Loopbaanpaden."),
]


# The set-up the module's tests share, in place of the conftest's per-test fixtures of the same names.
@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("accessibility")


@pytest.fixture(scope="module")
def mail_store(workdir) -> MailStore:
    return MailStore(workdir / "mailbox")


@pytest.fixture(scope="module")
def smtp_port(mail_store):
    with mail_sink(mail_store) as port:
        yield port


@pytest.fixture(scope="module")
def settings(database_url, smtp_port, workdir):
    return settings_for(database_url, smtp_port, workdir)


@pytest.fixture(scope="module")
def task_queue() -> str:
    return new_task_queue()


@pytest.fixture(scope="module")
async def dev_server_env(workdir):
    async with dev_server(workdir) as env:
        yield env


@pytest.fixture(scope="module")
async def app(dev_server_env, settings, task_queue, workdir):
    async for running in running_app(dev_server_env, settings, task_queue, workdir):
        yield running


@pytest.fixture(scope="module")
async def review(app, dev_server_env, sessions, settings, task_queue):
    """A report in review by the walk's reviewer, for its review page with every form on it; the report settings as
    they were afterwards."""
    suffix = uuid.uuid4().hex[:6]
    reviewer = await make_account(sessions, f"rik-{suffix}@example.org", ["reviewer"], password=PASSWORD)
    async with sessions.begin() as session:
        before = await settings_store.load(session)
        await settings_store.update(session, ReportPolicy(reviewers=[{"email": reviewer, "language": "nl"}]))
    await seed_quarter(sessions, date(1997, 7, 1))
    report_id = (await start_period(dev_server_env, sessions, settings, task_queue, "1997-Q3")).report_id

    async def in_review():
        # The review runs: its page shows the reviewer every form.
        return await service.review_view(dev_server_env.client, report_id) is not None

    await eventually(in_review, timeout=90)
    yield reviewer, report_id
    async with sessions.begin() as session:
        await settings_store.update(session, before)
        # Made before any test's own reports were counted: it goes here, as each test's own go at its end (conftest).
        await session.execute(delete(ReportRow).where(ReportRow.id == report_id))


@pytest.fixture(scope="module")
async def case(app, dev_server_env, mail_store, sessions, task_queue, review):
    reviewer, report_id = review
    suffix = uuid.uuid4().hex[:6]
    people = {
        "hr": (f"hanna-{suffix}@example.org", ["hr"]),
        "manager": (MANAGER, ["manager"]),
        "custodian": ("facilities@example.org", ["custodian"]),
        "interviewer": (f"ilse-{suffix}@example.org", ["interviewer"]),
        "admin": (f"ada-{suffix}@example.org", ["admin"]),
    }
    for email, roles in people.values():
        await make_account(sessions, email, roles, password=PASSWORD)
    driver = await CaseDriver.start(dev_server_env, mail_store, sessions, task_queue)
    invitation = (await eventually(lambda: mails_for(mail_store, driver.case_id, "interview:invitation"), timeout=60))[
        0
    ]
    await driver.act(
        AssignInterviewer(actor=HR, interviewer=Person(name="Ilse Maes", email=people["interviewer"][0], language="en"))
    )
    # A complete draft, so that the consent screen itself is shown (without one it sends back to the form).
    async with sessions.begin() as session:
        session.add(
            InterviewDraft(
                case_id=driver.case_id,
                author_email=people["interviewer"][0],
                answers=questionnaire.answers_from_form(COMPLETE_ANSWERS),
            )
        )
    emails = {role: email for role, (email, _) in people.items()} | {"reviewer": reviewer}
    return driver, emails, link_in(invitation, app, "invitation"), report_id


def pages_of(case_id: str, report_id: str) -> dict[str, list[str]]:
    return {
        "hr": [
            "/cases",
            "/cases/new",
            f"/cases/{case_id}",
            "/mailbox",
            "/reports",
            f"/reports/{report_id}/review",
            "/settings/reports",
            "/settings/questionnaire",
        ],
        "manager": ["/my/tasks", f"/my/cases/{case_id}"],
        "custodian": ["/equipment"],
        "interviewer": [
            "/interviews",
            f"/interviews/{case_id}",
            f"/interviews/{case_id}/preparation",
            f"/interviews/{case_id}/consent",
        ],
        "reviewer": ["/reports", f"/reports/{report_id}/review", "/trends"],
        "admin": ["/admin/accounts"],
    }


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_every_page_passes_the_accessibility_rules(app, case, viewport):
    from playwright.async_api import async_playwright

    driver, emails, invitation_url, report_id = case
    found: dict[str, list[str]] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            axe = Axe()
            for locale in ("nl-NL", "en-GB"):
                anonymous = await browser.new_context(viewport=viewport, locale=locale)
                page = await anonymous.new_page()
                for url in (f"{app.url}/login", invitation_url, f"{invitation_url}/questions"):
                    await page.goto(url)
                    found[f"{locale} {url}"] = problems(await axe.run(page, options=WCAG))
                    if viewport is PHONE and await overflows_sideways(page):
                        found[f"{locale} {url}"].append("needs sideways scrolling on a phone")
                for role, urls in pages_of(driver.case_id, report_id).items():
                    context = await browser.new_context(viewport=viewport, locale=locale)
                    page = await sign_in(context, app, emails[role])
                    for path in urls:
                        response = await page.goto(f"{app.url}{path}")
                        assert response.status == 200 and page.url == f"{app.url}{path}", (
                            role,
                            path,
                            response.status,
                            page.url,
                        )
                        if role == "reviewer" and path.endswith("/review"):
                            assert await page.locator("#finding-form").count() == 1, "the review with its forms"
                        key = f"{locale} {role} {path}"
                        found[key] = problems(await axe.run(page, options=WCAG))
                        if viewport is PHONE and await overflows_sideways(page):
                            found[key].append("needs sideways scrolling on a phone")
                    await context.close()
                await anonymous.close()
        finally:
            await browser.close()
    failing = {page: issues for page, issues in found.items() if issues}
    assert not failing, "\n".join(f"{page}:\n  " + "\n  ".join(issues) for page, issues in failing.items())


async def test_the_keyboard_reaches_every_control_with_a_visible_focus(app, case):
    from playwright.async_api import async_playwright

    driver, emails, invitation_url, report_id = case
    found: dict[str, list[str]] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport=DESKTOP, locale="nl-NL")
            page = await context.new_page()
            await page.goto(invitation_url)
            found["invitation"] = await keyboard_reaches_every_control(page)
            hr = await sign_in(await browser.new_context(viewport=DESKTOP, locale="nl-NL"), app, emails["hr"])
            for path in ("/cases/new", f"/cases/{driver.case_id}"):
                await hr.goto(f"{app.url}{path}")
                found[path] = await keyboard_reaches_every_control(hr)
            interviewer = await sign_in(
                await browser.new_context(viewport=DESKTOP, locale="en-GB"), app, emails["interviewer"]
            )
            await interviewer.goto(f"{app.url}/interviews/{driver.case_id}")
            found["questionnaire"] = await keyboard_reaches_every_control(interviewer)
        finally:
            await browser.close()
    failing = {page: issues for page, issues in found.items() if issues}
    assert not failing, failing
