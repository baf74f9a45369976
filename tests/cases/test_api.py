"""The REST API: registering a departure, reading it back, and the answers to mistakes."""

from datetime import date

import pytest
from sqlalchemy import delete

from models.tables import Case
from tests.support import eventually, registration_data
from worker import build_worker


def announcements(mail_store):
    return [mail for mail in mail_store.all() if mail.purpose == "announcement"]


async def _announced(http, url):
    response = await http.get(url)
    body = response.json()
    # A busy machine may miss a short query timeout: that answer has no live part, and the next try is made.
    if (
        response.status_code == 200
        and body["record"]
        and body["live"]
        and body["live"]["steps"]["announcement"] == "done"
    ):
        return body
    return None


async def test_registered_case_is_announced_and_can_be_followed(http, worker, mail_store):
    data = registration_data(employee_id="E1001")

    response = await http.post("/api/cases", json=data)

    assert response.status_code == 201
    created = response.json()
    assert created["case_id"] == "offboarding-E1001-2027-01-04"
    assert response.headers["location"] == created["status_url"]
    assert created["status_url"] == "http://offboarding.test/api/cases/offboarding-E1001-2027-01-04"

    mails = await eventually(lambda: len(announcements(mail_store)) == 3 and announcements(mail_store))
    assert {mail.to for mail in mails} == {"bram.janssens@example.org", "hr@example.org", "facilities@example.org"}
    assert {mail.case_id for mail in mails} == {created["case_id"]}

    case = await eventually(lambda: _announced(http, created["status_url"]))
    assert case["status"] == "open"
    assert case["employee_name"] == "Anouk de Vries"
    assert case["last_working_day"] == "2027-01-29"
    assert case["record"]["manager_email"] == "bram.janssens@example.org"
    assert [item["name"] for item in case["live"]["equipment"]] == ["Laptop", "Badge"]
    sent = [entry["detail"] for entry in case["live"]["timeline"] if entry["event"] == "mail_sent"]
    assert sum(detail.startswith("announcement_") for detail in sent) == 3

    listed = (await http.get("/api/cases", params={"status": "open", "department": "Finance"})).json()
    assert created["case_id"] in [item["case_id"] for item in listed]
    elsewhere = (await http.get("/api/cases", params={"department": "Legal"})).json()
    assert created["case_id"] not in [item["case_id"] for item in elsewhere]
    closed = (await http.get("/api/cases", params={"status": "closed"})).json()
    assert created["case_id"] not in [item["case_id"] for item in closed]


async def test_a_case_not_yet_stored_is_answered_from_the_workflow(http, worker, mail_store, sessions):
    created = (await http.post("/api/cases", json=registration_data())).json()
    await eventually(lambda: _announced(http, created["status_url"]))
    async with sessions.begin() as session:
        await session.execute(delete(Case).where(Case.id == created["case_id"]))

    response = await http.get(created["status_url"])

    assert response.status_code == 200
    body = response.json()
    assert body["record"] is None
    assert body["employee_name"] == "Anouk de Vries"
    assert body["live"]["steps"]["announcement"] == "done"


async def test_a_stored_case_is_still_shown_while_no_worker_answers(
    http, settings, sessions, time_skipping_env, task_queue, monkeypatch
):
    monkeypatch.setattr("cases.service.QUERY_TIMEOUT_SECONDS", 0.5)
    async with build_worker(time_skipping_env.client, settings, sessions, task_queue=task_queue):
        created = (await http.post("/api/cases", json=registration_data())).json()
        await eventually(lambda: _announced(http, created["status_url"]))

    response = await http.get(created["status_url"])

    assert response.status_code == 200
    body = response.json()
    assert body["live"] is None
    assert body["status"] == "open"
    assert body["record"]["employee_name"] == "Anouk de Vries"


async def test_a_case_nobody_can_read_yet_answers_503(http, monkeypatch):
    monkeypatch.setattr("cases.service.QUERY_TIMEOUT_SECONDS", 0.5)
    created = (await http.post("/api/cases", json=registration_data())).json()

    response = await http.get(created["status_url"])

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "cannot be read right now" in response.json()["detail"]


async def test_registering_the_same_departure_again_answers_409(http):
    data = registration_data()
    first = await http.post("/api/cases", json=data)

    again = await http.post("/api/cases", json=data)

    assert first.status_code == 201
    assert again.status_code == 409
    body = again.json()
    assert "already registered" in body["detail"]
    assert body["case_id"] == first.json()["case_id"]


_MISSING = object()


def _registration_with(path: tuple[str, ...], value) -> dict:
    data = registration_data(employee_id="E1")
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if value is _MISSING:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        (
            ("departure", "last_working_day"),
            date(2026, 12, 31).isoformat(),
            ["departure", "last_working_day"],
            "before the notice date",
        ),
        (("departure", "type"), "sabbatical", ["departure", "type"], "resignation"),
        (("employee", "work_email"), "anouk.example.org", ["employee", "work_email"], "not a valid email address"),
        (("manager", "email"), "bram@", ["manager", "email"], "not a valid email address"),
        (("manager",), _MISSING, ["manager"], "Field required"),
        (("manager", "email"), "e1@example.org", ["manager", "email"], "own address"),
        (("team_announcement_date",), "2027-01-20", ["team_email"], "team announcement date"),
    ],
    ids=[
        "last-day-before-notice",
        "unknown-departure-type",
        "malformed-work-email",
        "malformed-manager-email",
        "missing-manager",
        "manager-is-employee",
        "team-date-without-team-address",
    ],
)
async def test_invalid_registration_answers_422_naming_the_field(http, path, value, field, message):
    response = await http.post("/api/cases", json=_registration_with(path, value))

    assert response.status_code == 422
    errors = {tuple(error["loc"]): error["msg"] for error in response.json()["detail"]}
    assert ("body", *field) in errors, errors
    assert message in errors[("body", *field)]
    assert (await http.get("/api/cases/offboarding-E1-2027-01-04")).status_code == 404


async def test_unknown_case_answers_404_with_a_message(http):
    response = await http.get("/api/cases/offboarding-nobody-2027-01-04")

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no case offboarding-nobody-2027-01-04."}


async def test_home_health_and_docs(http):
    home = await http.get("/")
    assert home.is_redirect and home.headers["location"] == "/login"
    assert (await http.get("/health")).json() == {"status": "ok"}
    docs = await http.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = (await http.get("/openapi.json")).json()
    assert {"/api/cases", "/api/cases/{case_id}", "/health"} <= set(spec["paths"])
