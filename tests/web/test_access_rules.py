"""Who sees what, enforced on the server: only HR sees an individual interview; a manager sees the tasks and
equipment of their own cases and only the points the employee agreed to share; IT/facilities see equipment
only; a link opens exactly one thing for one person. Every refusal is a 403 or 404 without the data asked
for, and is logged."""

import logging
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from links import tokens
from links.tokens import LinkPurpose
from tests.support import SAMPLE_RECORD
from tests.support.api import CONSENT, HR, at_agreed_time, invited, register
from tests.support.auth import (
    another_client,
    make_account,
    post_form,
    sign_in,
    unique_email,
)

MANAGER = "bram.janssens@example.org"
NAME = "Anouk de Vries"


@pytest.fixture
async def people(http, sessions, worker, mail_store, time_skipping_env):
    """One case with a held interview (advice shared with the manager), and a signed-in client for each role."""
    case = await register(http, mail_store)
    await invited(case)
    interviewer = unique_email("ilse")
    assert (
        await case.post(
            "interview/assign", {"actor": HR, "interviewer": {"name": "Ilse", "email": interviewer, "language": "en"}}
        )
    ).status_code == 200
    record = {**SAMPLE_RECORD, "went_well": "Confidential praise", "should_improve": "Confidential criticism"}
    await at_agreed_time(case, time_skipping_env)
    assert (await case.post("interview/record", {"actor": HR, "record": record, "consent": CONSENT})).status_code == 200

    clients = {}
    for name, email, roles in [
        ("hr", unique_email("hr"), ["hr"]),
        ("manager", MANAGER, ["manager"]),
        ("other_manager", unique_email("manager"), ["manager"]),
        ("custodian", "facilities@example.org", ["custodian"]),
        ("interviewer", interviewer, ["interviewer"]),
        ("other_interviewer", unique_email("interviewer"), ["interviewer"]),
        ("reviewer", unique_email("reviewer"), ["reviewer"]),
        ("admin", unique_email("admin"), ["admin"]),
    ]:
        client = another_client(http)
        await make_account(sessions, email, roles)
        await sign_in(client, email)
        clients[name] = client
    clients["anonymous"] = another_client(http)
    yield case, clients
    for client in clients.values():
        await client.aclose()


def denied(response, status: int) -> bool:
    """The refusal, with none of the case's data in it."""
    return (
        response.status_code == status
        and NAME not in response.text
        and "Confidential" not in response.text
        and "Career path" not in response.text
    )


async def test_only_hr_sees_the_individual_interview(people, caplog):
    case, clients = people
    url = f"/cases/{case.id}/interview"

    with caplog.at_level(logging.WARNING, logger="web.access"):
        answers = {name: await client.get(url) for name, client in clients.items()}

    assert answers["hr"].status_code == 200 and "Confidential praise" in answers["hr"].text
    for name in ("manager", "other_manager", "custodian", "interviewer", "other_interviewer", "reviewer", "admin"):
        assert denied(answers[name], 403), name
    assert answers["anonymous"].status_code == 303 and answers["anonymous"].headers["location"].startswith("/login")
    assert sum(f"denied GET {url}" in r.getMessage() for r in caplog.records) == 7
    # Nor through the API: the interview's course is HR's, its content never leaves the database that way.
    api = await clients["manager"].get(f"/api/cases/{case.id}/interview")
    assert denied(api, 403)
    assert "Confidential" not in (await clients["hr"].get(f"/api/cases/{case.id}/interview")).text


async def test_the_case_pages_and_the_case_api_are_hrs(people):
    case, clients = people
    for name in ("manager", "custodian", "interviewer", "reviewer", "admin"):
        for url in (
            "/cases",
            f"/cases/{case.id}",
            "/cases/new",
            "/api/cases",
            f"/api/cases/{case.id}",
            "/api/checklists" if name != "admin" else "/api/cases",
        ):
            assert denied(await clients[name].get(url), 403), (name, url)
    assert (await clients["hr"].get(f"/cases/{case.id}")).status_code == 200
    assert (await clients["admin"].get("/api/checklists")).status_code == 200


async def test_a_manager_sees_their_own_cases_tasks_equipment_and_only_the_shared_advice(people, caplog):
    case, clients = people

    own = await clients["manager"].get(f"/my/cases/{case.id}")
    with caplog.at_level(logging.WARNING, logger="web.access"):
        other = await clients["other_manager"].get(f"/my/cases/{case.id}")
        custodian = await clients["custodian"].get(f"/my/cases/{case.id}")

    assert own.status_code == 200
    assert "Laptop" in own.text and "Career paths." in own.text and "Give people a career path." in own.text
    assert "Confidential praise" not in own.text and "Confidential criticism" not in own.text
    assert "interview_status" not in own.text and "Held" not in own.text
    assert denied(other, 404) and denied(custodian, 404)
    assert any(f"denied GET /my/cases/{case.id} to" in r.getMessage() for r in caplog.records)
    # Nor can they act on another team's tasks.
    task = next(t for t in (await case.live())["tasks"] if t["state"] == "open")
    acted = await post_form(clients["other_manager"], "/my/tasks", f"/my/tasks/{case.id}/{task['id']}/complete")
    assert denied(acted, 404)


async def test_it_facilities_see_equipment_only(people):
    case, clients = people
    page = await clients["custodian"].get("/equipment")
    assert page.status_code == 200 and "Laptop" in page.text
    assert "Controller" not in page.text and "anouk@example.net" not in page.text  # no job title, no private address
    for url in ("/cases", f"/cases/{case.id}", f"/interviews/{case.id}", "/interviews", "/admin/accounts"):
        response = await clients["custodian"].get(url)
        assert response.status_code in (403, 404) and NAME not in response.text, url
    # The manager's own list of equipment to receive is empty: the laptop goes back to IT/facilities.
    theirs = await clients["manager"].get("/equipment")
    assert theirs.status_code == 200 and "Laptop" not in theirs.text and NAME not in theirs.text
    # Somebody else's equipment cannot be confirmed by guessing its address.
    manager_try = await post_form(clients["manager"], "/my/tasks", f"/equipment/{case.id}/e1/return")
    assert manager_try.status_code in (403, 404) and NAME not in manager_try.text


async def test_an_interview_is_opened_by_its_own_interviewer_only(http, people, mail_store):
    case, clients = people
    other = await register(http, mail_store)
    await invited(other)
    assert (
        await other.post(
            "interview/assign",
            {"actor": HR, "interviewer": {"name": "Someone", "email": "someone@example.org", "language": "en"}},
        )
    ).status_code == 200

    assert denied(await clients["other_interviewer"].get(f"/interviews/{other.id}"), 404)
    assert denied(await clients["interviewer"].get(f"/interviews/{other.id}"), 404)
    drafted = await clients["interviewer"].post(f"/interviews/{other.id}/draft", data={"went_well": "x"})
    assert drafted.status_code in (403, 404)
    # A manager opens only an interview HR chose them for (the fallback): this one is as closed to them as to others.
    assert denied(await clients["manager"].get(f"/interviews/{other.id}"), 404)
    assert f"/interviews/{other.id}" not in (await clients["interviewer"].get("/interviews")).text


def _token(settings, purpose: LinkPurpose, case_id: str, email: str, age_days: int = 0) -> str:
    if not age_days:
        return tokens.sign(settings.signing_key(), purpose, case_id, email)

    class Old(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_days * 86400

    serializer = URLSafeTimedSerializer(settings.signing_key(), salt=f"offboarding-link-{purpose.value}", signer=Old)
    return serializer.dumps({"c": case_id, "e": email})


async def test_a_link_opens_exactly_one_thing_for_one_person(http, people, settings, caplog):
    case, _ = people
    employee = case.employee["email"]
    anonymous = another_client(http)

    good = await anonymous.get(f"/invitation/{_token(settings, LinkPurpose.INTERVIEW, case.id, employee)}")
    consent = await anonymous.get(f"/consent/{_token(settings, LinkPurpose.CONSENT, case.id, employee)}")
    private = await anonymous.get(f"/consent/{_token(settings, LinkPurpose.CONSENT, case.id, 'anouk@example.net')}")
    with caplog.at_level(logging.WARNING, logger="web.access"):
        refused = {
            "consent link as invitation": await anonymous.get(
                f"/invitation/{_token(settings, LinkPurpose.CONSENT, case.id, employee)}"
            ),
            "invitation link as consent": await anonymous.get(
                f"/consent/{_token(settings, LinkPurpose.INTERVIEW, case.id, employee)}"
            ),
            "someone else's address": await anonymous.get(
                f"/invitation/{_token(settings, LinkPurpose.INTERVIEW, case.id, MANAGER)}"
            ),
            "no such case": await anonymous.get(
                f"/invitation/{_token(settings, LinkPurpose.INTERVIEW, 'offboarding-x-2027-01-04', employee)}"
            ),
            "expired": await anonymous.get(
                f"/invitation/{_token(settings, LinkPurpose.INTERVIEW, case.id, employee, age_days=settings.link_max_age_days + 1)}"
            ),
            "forged": await anonymous.get(
                f"/invitation/{_token(settings, LinkPurpose.INTERVIEW, case.id, employee)[:-3]}abc"
            ),
            "other key": await anonymous.get(
                f"/invitation/{tokens.sign('another key', LinkPurpose.INTERVIEW, case.id, employee)}"
            ),
            "calendar of a forged link": await anonymous.get("/invitation/nonsense/interview.ics"),
            "revoking by a forged link": await anonymous.post("/consent/nonsense/revoke", data={}),
        }

    assert good.status_code == 200 and NAME in good.text
    assert consent.status_code == 200 and private.status_code == 200
    for what, response in refused.items():
        expected = 403 if what == "revoking by a forged link" else 404  # without a CSRF token the form is refused first
        assert denied(response, expected), what
        assert "Career" not in response.text, what
    assert sum("link refused" in r.getMessage() or "no longer matches" in r.getMessage() for r in caplog.records) >= 7
    # The link acts only on its own case: accepting through it reaches that case's interview and nothing else.
    assert "/cases/" not in good.text and "Sign out" not in good.text
    await anonymous.aclose()


async def test_the_admin_page_is_for_admins_only(people):
    _, clients = people
    assert (await clients["admin"].get("/admin/accounts")).status_code == 200
    for name in ("hr", "manager", "custodian", "interviewer", "reviewer"):
        assert (await clients[name].get("/admin/accounts")).status_code == 403, name
    created = await post_form(
        clients["hr"], "/cases", "/admin/accounts", {"email": "x@example.org", "name": "X", "roles": "hr"}
    )
    assert created.status_code == 403
