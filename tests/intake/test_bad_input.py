"""Whatever arrives, the answer is a 4xx with a message saying what is wrong, never a server error: broken or deeply
nested JSON, the wrong content type or shape, strings far over their limit, bodies over the size bound (413), forms
sent without their fields, and a CSV file that is not UTF-8."""

import json

import pytest
from sqlalchemy import select

from models.events import InboundEvent
from tests.support import registration_data
from tests.support.auth import another_client, csrf_token, signed_in_as
from webhooks.signing import signed_headers

SECRET = "bad-input-secret"
JSON = {"Content-Type": "application/json"}
DEEP = 100_000


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"events_secret": SECRET})


@pytest.fixture
async def hr(http, sessions):
    client = another_client(http)
    await signed_in_as(client, sessions, ["hr", "admin"])
    yield client
    await client.aclose()


def refused(response, *statuses: int) -> str:
    """The refusal's message (JSON ``detail`` or the page); the status must be one of ``statuses``."""
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    if response.headers.get("content-type", "").startswith("application/json"):
        detail = response.json()["detail"]
        assert detail, response.text
        return json.dumps(detail) if not isinstance(detail, str) else detail
    assert "Please correct the following" in response.text or "<h1>" in response.text
    return response.text


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


async def test_broken_json_is_refused_with_where_it_broke(hr):
    for body in (
        b'{"employee": ',
        b"{'employee': 1}",
        b'{"employee": {}}}',
        b"\xff\xfe{}",
        '{"employee": "é"}'.encode("latin-1"),
    ):
        message = refused(await hr.post("/api/cases", content=body, headers=JSON), 400, 422)
        assert "JSON" in message or "parsing the body" in message, message


async def test_the_wrong_content_type_or_shape_is_refused_naming_what_is_expected(hr):
    data = registration_data()
    as_text = await hr.post("/api/cases", content=json.dumps(data), headers={"Content-Type": "text/plain"})
    as_form = await hr.post("/api/cases", data={"employee": "x"})
    a_list = await hr.post("/api/cases", json=[data])
    a_string = await hr.post("/api/cases", json="E1234")
    wrong_types = await hr.post("/api/cases", json={**data, "employee": "E1234", "equipment": {"name": "Laptop"}})
    not_a_number = await hr.post("/api/cases", content=b'{"employee": NaN, "departure": Infinity}', headers=JSON)

    for response in (as_text, as_form, a_list, a_string):
        assert "valid dictionary or object" in refused(response, 422)
    locations = {tuple(error["loc"]) for error in wrong_types.json()["detail"]}
    assert ("body", "employee") in locations and ("body", "equipment") in locations
    # Python's parser takes NaN and Infinity; the refusal still has to be valid JSON to send back.
    assert refused(not_a_number, 422) and not_a_number.json()["detail"][0]["loc"] == ["body", "employee"]


async def test_strings_far_over_their_limit_are_refused_naming_the_field(hr):
    data = registration_data()
    data["employee"]["name"] = "A" * 500_000
    data["note"] = "n" * 200_000
    response = await hr.post("/api/cases", json=data)

    locations = {tuple(error["loc"]) for error in response.json()["detail"]} if response.status_code == 422 else set()
    assert response.status_code == 422 and ("body", "employee", "name") in locations and ("body", "note") in locations
    # The same through a case action and a path segment.
    task = await hr.post("/api/cases/offboarding-x-2027-01-04/tasks/t1/complete", json={"comment": "c" * 500_000})
    assert "comment" in refused(task, 422)
    path = await hr.get(f"/api/cases/{'x' * 5_000}")
    assert refused(path, 404, 422)


async def test_a_body_over_the_size_bound_is_refused_with_413(hr, settings):
    too_big = b'{"note": "' + b"x" * (settings.max_body_bytes + 1) + b'"}'

    declared = await hr.post("/api/cases", content=too_big, headers=JSON)

    async def chunks():
        for start in range(0, len(too_big), 65_536):
            yield too_big[start : start + 65_536]

    streamed = await hr.post("/api/cases", content=chunks(), headers=JSON)
    for response in (declared, streamed):
        assert "too large" in refused(response, 413)


async def test_deeply_nested_json_is_refused_not_recursed_into(hr):
    for url, method in (
        ("/api/cases", "POST"),
        ("/api/organisation/policy", "PUT"),
        ("/api/cases/offboarding-x-2027-01-04/withdraw", "POST"),
    ):
        response = await hr.request(method, url, content=nested(DEEP), headers=JSON)
        assert refused(response, 400, 422), url
    inside = await hr.post("/api/cases", content=b'{"employee": ' + nested(DEEP) + b"}", headers=JSON)
    assert refused(inside, 400, 422)


async def test_a_signed_event_that_is_not_json_or_too_deep_is_refused_and_kept_for_hr(http, sessions):
    answers = {}
    for name, body in {
        "deep": nested(DEEP),
        "broken": b'{"specversion": "1.0", ',
        "deep but parseable": nested(900),
    }.items():
        answers[name] = await http.post(
            "/api/events",
            content=body,
            headers={**signed_headers(SECRET, body), "Content-Type": "application/cloudevents+json"},
        )

    for name, response in answers.items():
        assert response.status_code == 400, (name, response.text)
        assert response.json()["detail"], name
    async with sessions() as session:
        kept = (await session.execute(select(InboundEvent).where(InboundEvent.status == "rejected"))).scalars().all()
    assert sum("nested deeper than" in (event.reason or "") for event in kept) >= 2
    assert any("not JSON" in (event.reason or "") for event in kept)


async def test_a_form_sent_without_its_fields_is_answered_with_the_fields_to_fill_in(hr):
    page = await hr.get("/cases/new")
    token = csrf_token(page.text)

    empty = await hr.post("/cases/new", data={"csrf_token": token})
    partial = await hr.post(
        "/cases/new", data={"csrf_token": token, "employee_id": "E1", "type": "sabbatical", "notice_date": "yesterday"}
    )
    account = await hr.post("/admin/accounts", data={"csrf_token": token})

    assert "Please correct the following" in refused(empty, 422) and "Employee number" in empty.text
    assert "Please correct the following" in refused(partial, 422)
    assert "Please correct the following" in refused(account, 422) and "email" in account.text
    # Without its CSRF token a form is refused before anything else, with a page that says so.
    assert "This form has expired" in refused(await hr.post("/cases/new", data={}, headers={"X-CSRF-Token": ""}), 403)


async def test_a_csv_file_that_is_not_utf8_is_refused_saying_how_to_save_it(hr):
    header = "employee_id,name,work_email,language,department,job_title,manager_name,manager_email,type,notice_date,last_working_day\n"
    row = "E77,André Coël,andre@example.org,nl,Finance,Controller,Bram,bram@example.org,resignation,2027-01-04,2027-01-29\n"
    files = {
        "latin-1": (header + row).encode("latin-1"),
        "utf-16": (header + row).encode("utf-16"),
        "binary": bytes(range(256)) * 4,
    }
    for name, body in files.items():
        as_body = await hr.post("/api/imports/departures", content=body, headers={"Content-Type": "text/csv"})
        as_upload = await hr.post("/api/imports/departures", files={"file": ("departures.csv", body, "text/csv")})
        for response in (as_body, as_upload):
            assert response.status_code == 422, (name, response.text)
            assert "UTF-8" in response.json()["problems"][0]["message"], name
    not_csv = await hr.post("/api/imports/departures", content=b"a,b", headers={"Content-Type": "application/pdf"})
    no_file = await hr.post("/api/imports/departures", files={"other": ("x.csv", b"a,b", "text/csv")})
    assert "text/csv" in refused(not_csv, 415) and "file" in refused(no_file, 400)
