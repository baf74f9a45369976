"""Events from an HR system at POST /api/events: signed CloudEvents that start and change cases, against
the time-skipping server with the real worker, database and mail sink.

Requests are signed with the `standardwebhooks` library, as an HR system would; the CloudEvents tests
send with the official `cloudevents` SDK in its binary and structured modes."""

import json
import time
from datetime import UTC, date, datetime

import pytest
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent as SdkEvent
from sqlalchemy import select

from models.events import InboundEvent
from tests.support import eventually, registration_data, serve, unique
from tests.support.events import (
    CLOUDEVENTS,
    SECRET,
    SOURCE,
    cloud_event,
    send,
    signed_headers,
)
from webhooks import signing


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={"events_secret": SECRET, "event_max_age_seconds": 300, "event_type_prefixes": ["nl.example.hr"]}
    )


def announcements(mail_store, case_id: str):
    return [mail for mail in mail_store.all() if mail.purpose == "announcement" and mail.case_id == case_id]


async def stored(sessions, event_id: str) -> list[InboundEvent]:
    async with sessions() as session:
        return list(
            (
                await session.execute(
                    select(InboundEvent).where(InboundEvent.event_id == event_id).order_by(InboundEvent.id)
                )
            ).scalars()
        )


async def ready(http, case_id: str):
    response = await http.get(f"/api/cases/{case_id}")
    body = response.json()
    return (
        response.status_code == 200
        and body["live"]
        and body["live"]["steps"]["announcement"] == "done"
        and body["live"]
    )


async def test_a_signed_resignation_starts_the_case_and_the_announcements_go_out(http, worker, mail_store, sessions):
    data = registration_data()
    del data["departure"]["type"]  # the event type says it is a resignation
    event = cloud_event("employee.resigned", data)

    response = await send(http, event)

    assert response.status_code == 200, response.text
    body = response.json()
    case_id = f"offboarding-{data['employee']['id']}-2027-01-04"
    assert body["status"] == "accepted"
    assert body["case_id"] == case_id
    assert body["detail"] == "case started"
    assert body["status_url"] == f"http://offboarding.test/api/cases/{case_id}"
    mails = await eventually(
        lambda: len(announcements(mail_store, case_id)) == 3 and announcements(mail_store, case_id)
    )
    assert {mail.to for mail in mails} == {"bram.janssens@example.org", "hr@example.org", "facilities@example.org"}
    live = await eventually(lambda: ready(http, case_id))
    assert live["departure_type"] == "resignation"

    [row] = await stored(sessions, event["id"])
    assert (row.status, row.source, row.type, row.case_id) == ("accepted", SOURCE, "employee.resigned", case_id)
    assert row.payload["data"]["employee"]["id"] == data["employee"]["id"]
    listed = (await http.get("/api/events", params={"status": "accepted"})).json()
    assert event["id"] in [item["event_id"] for item in listed]


async def test_a_wrong_signature_is_refused_and_not_kept(http, sessions):
    event = cloud_event("employee.resigned", registration_data())

    wrong_secret = await send(http, event, secret="not-the-secret")
    body = json.dumps(event).encode()
    tampered = signed_headers(SECRET, body)
    tampered_body = await send(http, body=body.replace(b"Anouk", b"Annie"), headers=tampered)
    unsigned = await http.post("/api/events", content=body, headers={"Content-Type": CLOUDEVENTS})
    malformed = await send(
        http, body=body, headers={**tampered, "webhook-signature": tampered["webhook-signature"].removeprefix("v1,")}
    )

    for response in (wrong_secret, tampered_body, unsigned, malformed):
        assert response.status_code == 401, response.text
    assert "signature does not match" in wrong_secret.json()["detail"]
    assert "webhook-id header is missing" in unsigned.json()["detail"]
    assert await stored(sessions, event["id"]) == []


async def test_a_stale_or_future_timestamp_is_refused(http, sessions):
    event = cloud_event("employee.resigned", registration_data())

    stale = await send(http, event, at=time.time() - 301)
    future = await send(http, event, at=time.time() + 301)

    assert stale.status_code == 401
    assert future.status_code == 401
    assert "more than 300 seconds away from now" in stale.json()["detail"]
    assert await stored(sessions, event["id"]) == []


async def test_a_replayed_event_changes_nothing_and_answers_the_earlier_outcome(http, worker, mail_store, sessions):
    data = registration_data()
    event = cloud_event("employee.resigned", data)
    first = await send(http, event)
    case_id = first.json()["case_id"]
    await eventually(lambda: len(announcements(mail_store, case_id)) == 3)

    again = await send(http, event)

    assert again.status_code == 200
    body = again.json()
    assert body["status"] == "duplicate"
    assert body["case_id"] == case_id
    assert body["earlier"]["status"] == "accepted"
    assert body["earlier"]["delivery"] == first.json()["delivery"]
    assert body["earlier"]["detail"] == "case started"
    rows = await stored(sessions, event["id"])
    assert [row.status for row in rows] == ["accepted", "duplicate"]
    assert rows[1].duplicate_of == rows[0].id
    live = await eventually(lambda: ready(http, case_id))
    assert sum(entry["event"] == "case_opened" for entry in live["timeline"]) == 1
    assert len(announcements(mail_store, case_id)) == 3

    # The same departure under another event id: accepted, and still one case.
    other = await send(http, cloud_event("employee.resigned", data))
    assert other.status_code == 200
    assert other.json()["status"] == "accepted"
    assert "already registered" in other.json()["detail"]
    assert len(announcements(mail_store, case_id)) == 3


async def test_an_unknown_event_type_is_refused_and_kept_for_hr(http, sessions):
    event = cloud_event("employee.promoted", {"employee_id": "E1"})

    response = await send(http, event)

    assert response.status_code == 400
    assert "unknown event type 'employee.promoted'" in response.json()["detail"]
    [row] = await stored(sessions, event["id"])
    assert row.status == "rejected"
    assert "unknown event type" in row.reason
    rejected = (await http.get("/api/events", params={"status": "rejected"})).json()
    [listed] = [item for item in rejected if item["event_id"] == event["id"]]
    assert listed["type"] == "employee.promoted"
    assert listed["source"] == SOURCE
    assert listed["event_time"].startswith("2027-01-04T09:00:00")
    # An event of a kind not taken here has no purpose here: what it says about the person is not kept.
    assert "data" not in listed["payload"] and listed["payload"]["type"] == "employee.promoted"
    assert listed["reason"] == row.reason
    accepted = (await http.get("/api/events", params={"status": "accepted"})).json()
    assert event["id"] not in [item["event_id"] for item in accepted]


async def test_an_invalid_payload_is_refused_naming_the_field_and_kept(http, sessions):
    data = registration_data(notice_date=date(2027, 1, 4), last_working_day=date(2027, 1, 1))
    event = cloud_event("employee.resigned", data)

    response = await send(http, event)

    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "rejected"
    assert body["errors"][0]["loc"] == ["data", "departure", "last_working_day"]
    assert body["detail"].startswith(
        "data.departure.last_working_day: the last working day (2027-01-01) is before the notice date"
    )
    [row] = await stored(sessions, event["id"])
    assert row.status == "rejected"
    assert row.reason == body["detail"]
    assert row.case_id == f"offboarding-{data['employee']['id']}-2027-01-04"

    # A check across fields names its field too.
    same_address = registration_data()
    same_address["manager"]["email"] = same_address["employee"]["work_email"]
    crossed = await send(http, cloud_event("employee.resigned", same_address))
    assert crossed.status_code == 422
    assert crossed.json()["errors"][0]["loc"] == ["data", "manager", "email"]
    assert crossed.json()["detail"] == "data.manager.email: must not be the leaving employee's own address"

    moved = await send(
        http,
        cloud_event(
            "employee.last_day_changed",
            {"employee_id": "E1", "notice_date": "2027-01-04", "last_working_day": "someday"},
        ),
    )
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["loc"] == ["data", "last_working_day"]


async def test_what_is_not_a_cloudevent_is_refused_and_kept(http, sessions):
    no_spec = cloud_event("employee.resigned", registration_data())
    no_spec["specversion"] = "0.3"
    wrong_type = cloud_event("employee.resigned", registration_data())

    bad_version = await send(http, no_spec)
    not_json = await send(http, body=b"employee resigned!")
    plain_json = await send(http, wrong_type, content_type="application/json")

    assert bad_version.status_code == 400
    assert bad_version.json()["detail"].startswith("not a CloudEvent 1.0: specversion")
    assert not_json.status_code == 400
    assert plain_json.status_code == 415
    [row] = await stored(sessions, no_spec["id"])
    assert row.status == "rejected"
    [row] = await stored(sessions, wrong_type["id"])
    assert row.status == "rejected"
    assert "application/cloudevents+json" in row.reason


async def test_last_day_changed_and_withdrawn_events_act_on_the_case(http, worker, mail_store, sessions):
    data = registration_data()
    employee_id = data["employee"]["id"]
    case_id = (await send(http, cloud_event("employee.resigned", data))).json()["case_id"]
    await eventually(lambda: ready(http, case_id))
    key = {"employee_id": employee_id, "notice_date": "2027-01-04"}

    moved = await send(
        http,
        cloud_event(
            "employee.last_day_changed", {**key, "last_working_day": "2027-02-05", "reason": "extra leave sold"}
        ),
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "accepted"
    assert moved.json()["case_id"] == case_id
    live = (await http.get(f"/api/cases/{case_id}")).json()["live"]
    assert live["last_working_day"] == "2027-02-05"
    [entry] = [entry for entry in live["timeline"] if entry["event"] == "last_day_moved"]
    assert entry["detail"] == "2027-01-29 → 2027-02-05 (hr@example.org): “extra leave sold”"
    await eventually(
        lambda: (
            len([m for m in mail_store.all() if m.case_id == case_id and m.purpose.startswith("last_day_moved")]) == 3
        )
    )

    same_day = await send(http, cloud_event("employee.last_day_changed", {**key, "last_working_day": "2027-02-05"}))
    assert same_day.status_code == 409
    assert "already that date" in same_day.json()["detail"]

    withdrawn = await send(http, cloud_event("employee.resignation_withdrawn", {**key, "reason": "stays after all"}))

    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "accepted"
    case = await eventually(lambda: _withdrawn(http, case_id))
    assert any(
        entry["event"] == "withdrawn" and "stays after all" in entry["detail"] for entry in case["live"]["timeline"]
    )

    rejected = (await http.get("/api/events", params={"status": "rejected"})).json()
    assert [
        item["case_id"]
        for item in rejected
        if item["type"] == "employee.last_day_changed" and item["case_id"] == case_id
    ] == [case_id]


async def _withdrawn(http, case_id: str):
    body = (await http.get(f"/api/cases/{case_id}")).json()
    return body["status"] == "withdrawn" and body


async def test_an_event_for_a_case_that_does_not_exist_is_refused_and_kept(http, worker, sessions):
    event = cloud_event("employee.resignation_withdrawn", {"employee_id": unique(), "notice_date": "2027-01-04"})

    response = await send(http, event)

    assert response.status_code == 404
    assert "there is no case" in response.json()["detail"]
    [row] = await stored(sessions, event["id"])
    assert row.status == "rejected"


async def test_a_rejected_event_may_be_sent_again_once_fixed(http, worker, mail_store, sessions):
    data = registration_data()
    broken = {**data, "manager": {**data["manager"], "email": "not-an-address"}}
    event_id = unique("evt-")

    first = await send(http, cloud_event("employee.resigned", broken, event_id=event_id))
    fixed = await send(http, cloud_event("employee.resigned", data, event_id=event_id))

    assert first.status_code == 422
    assert fixed.status_code == 200
    assert fixed.json()["status"] == "accepted"
    assert [row.status for row in await stored(sessions, event_id)] == ["rejected", "accepted"]


async def test_without_a_secret_the_endpoint_is_switched_off(settings, time_skipping_env, sessions):
    event = cloud_event("employee.resigned", registration_data())
    async with serve(settings.model_copy(update={"events_secret": ""}), time_skipping_env.client) as http:
        response = await send(http, event)

    # A 4xx: the sender must not retry what only configuration can change.
    assert response.status_code == 403
    assert "OFFBOARDING_EVENTS_SECRET" in response.json()["detail"]
    assert await stored(sessions, event["id"]) == []


# The CloudEvents SDK as the HR system's sender.
def sdk_event(
    event_type: str, data, *, subject: str | None = None, datacontenttype: str = "application/json; charset=utf-8"
) -> SdkEvent:
    attributes = {"type": event_type, "source": SOURCE, "id": unique("evt-"), "datacontenttype": datacontenttype}
    if subject is not None:
        attributes["subject"] = subject
    return SdkEvent(attributes=attributes, data=data)


async def send_sdk(http, event: SdkEvent, *, mode: str):
    message = (ce_http.to_binary if mode == "binary" else ce_http.to_structured)(event, JSONFormat())
    return await http.post(
        "/api/events", content=message.body, headers={**message.headers, **signed_headers(SECRET, message.body)}
    )


@pytest.mark.parametrize("mode", ["binary", "structured"])
async def test_the_cloudevents_sdk_starts_a_case_in_either_mode_with_a_prefixed_type_and_the_subject(
    mode, http, worker, mail_store, sessions
):
    data = registration_data()
    employee_id = data["employee"].pop("id")  # the subject names the employee
    event = sdk_event("nl.example.hr.employee.resigned", data, subject=employee_id)

    response = await send_sdk(http, event, mode=mode)

    assert response.status_code == 200, response.text
    case_id = f"offboarding-{employee_id}-2027-01-04"
    assert response.json()["status"] == "accepted" and response.json()["case_id"] == case_id
    assert response.json()["subject"] == employee_id
    await eventually(lambda: len(announcements(mail_store, case_id)) == 3)
    [row] = await stored(sessions, event.get_id())
    assert (row.type, row.source, row.subject) == ("nl.example.hr.employee.resigned", SOURCE, employee_id)
    assert row.event_time is not None
    assert row.payload["data"]["employee"]["name"] == data["employee"]["name"]
    assert row.payload["datacontenttype"] == "application/json; charset=utf-8"


async def test_a_refused_binary_event_keeps_what_arrived(http, sessions):
    event = SdkEvent(
        attributes={
            "type": "nl.example.hr.employee.promoted",
            "source": SOURCE,
            "id": unique("evt-"),
            "subject": "E77",
            "time": datetime(2027, 1, 5, 8, 30, tzinfo=UTC),
        },
        data={"employee_id": "E77", "salary": 4200},
    )

    response = await send_sdk(http, event, mode="binary")

    assert response.status_code == 400
    assert "unknown event type 'nl.example.hr.employee.promoted'" in response.json()["detail"]
    assert "nl.example.hr.employee.resigned" in response.json()["detail"]
    [row] = await stored(sessions, event.get_id())
    assert (row.status, row.type, row.source, row.subject) == (
        "rejected",
        "nl.example.hr.employee.promoted",
        SOURCE,
        "E77",
    )
    assert row.event_time == datetime(2027, 1, 5, 8, 30, tzinfo=UTC)
    assert "salary" not in json.dumps(row.payload)


async def test_a_binary_event_with_invalid_data_is_refused_naming_the_field_and_kept_whole(http, sessions):
    data = registration_data(notice_date=date(2027, 1, 4), last_working_day=date(2027, 1, 1))
    event = sdk_event("employee.resigned", data)

    response = await send_sdk(http, event, mode="binary")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["data", "departure", "last_working_day"]
    [row] = await stored(sessions, event.get_id())
    assert (row.type, row.source, row.case_id) == (
        "employee.resigned",
        SOURCE,
        f"offboarding-{data['employee']['id']}-2027-01-04",
    )
    assert row.payload["data"]["departure"]["last_working_day"] == "2027-01-01"


async def test_a_subject_naming_another_employee_than_the_data_is_refused(http, sessions):
    data = {"employee_id": "E1", "notice_date": "2027-01-04", "reason": "stays"}
    event = sdk_event("employee.resignation_withdrawn", data, subject="E2")

    response = await send_sdk(http, event, mode="structured")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["subject"]
    assert response.json()["detail"].startswith("subject: names employee 'E2', but data.employee_id is 'E1'")


async def test_non_json_data_and_batches_are_refused_saying_what_to_send(http, sessions):
    text = SdkEvent(
        attributes={
            "type": "employee.resigned",
            "source": SOURCE,
            "id": unique("evt-"),
            "datacontenttype": "text/plain",
        },
        data="Anouk leaves",
    )
    batch = json.dumps([cloud_event("employee.resigned", registration_data())]).encode()

    as_text = await send_sdk(http, text, mode="binary")
    batched = await http.post(
        "/api/events",
        content=batch,
        headers={"Content-Type": "application/cloudevents-batch+json", **signed_headers(SECRET, batch)},
    )

    assert as_text.status_code == 415
    assert "only JSON data" in as_text.json()["detail"]
    assert batched.status_code == 415
    assert "request of its own" in batched.json()["detail"]
    listed = (await http.get("/api/events", params={"status": "rejected"})).json()
    [kept] = [
        item
        for item in listed
        if item["payload"].get("batch") and item["payload"]["batch"][0]["id"] == json.loads(batch)[0]["id"]
    ]
    assert kept["payload"]["batch"][0]["type"] == "employee.resigned"
    assert "data" not in kept["payload"]["batch"][0]


async def test_the_earlier_x_offboarding_signature_is_still_accepted(http, worker, sessions):
    event = cloud_event("employee.resignation_withdrawn", {"employee_id": unique(), "notice_date": "2027-01-04"})
    body = json.dumps(event).encode()

    response = await http.post(
        "/api/events", content=body, headers={**signing.signed_headers(SECRET, body), "Content-Type": CLOUDEVENTS}
    )

    assert response.status_code == 404, response.text  # signed well; only the case is not there


async def test_an_event_naming_the_employee_only_in_its_subject_is_found_for_export_and_erasure(http, sessions):
    from privacy import retention

    employee_id = unique("E")
    event = sdk_event("employee.resignation_withdrawn", {"notice_date": "not a date"}, subject=employee_id)

    response = await send_sdk(http, event, mode="binary")

    assert response.status_code == 422
    async with sessions() as session:
        found = await retention.events_of_person(session, employee_id, [])
    assert [row.event_id for row in found] == [event.get_id()]
