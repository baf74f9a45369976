"""The human steps of a case over REST, against the time-skipping server with the real worker, database and mail sink."""

import uuid
from datetime import date, datetime, timedelta

import pytest

from tests.support import SAMPLE_RECORD, eventually
from tests.support.api import CONSENT, HR, MANAGER, Case, at_agreed_time, invited, register

FACILITIES = {"email": "facilities@example.org", "role": "custodian"}
SAM = {"email": "sam@example.org", "role": "assignee"}
STRANGER = {"email": "someone@example.org", "role": "assignee"}
RECORD = SAMPLE_RECORD


@pytest.fixture
async def case(http, worker, mail_store) -> Case:
    return await register(http, mail_store)


def assigned_to(live: dict, email: str) -> dict:
    return next(task for task in live["tasks"] if task["assignee_email"] == email)


async def test_a_task_is_completed_once_and_only_by_someone_it_concerns(case: Case, http):
    live = await case.live()
    task = assigned_to(live, "sam@example.org")
    other = assigned_to(live, MANAGER["email"])

    done = await case.post(f"tasks/{task['id']}/complete", {"actor": SAM, "comment": "overgedragen"})
    again = await case.post(f"tasks/{task['id']}/complete", {"actor": HR})
    unknown = await case.post("tasks/t999/complete", {"actor": HR})
    stranger = await case.post(f"tasks/{other['id']}/complete", {"actor": STRANGER})
    no_case = await http.post("/api/cases/offboarding-nobody-2027-01-04/tasks/t1/complete", json={"actor": HR})

    assert done.status_code == 200, done.text
    body = done.json()
    assert (
        body["state"] == "done" and body["completed_by"] == "sam@example.org" and body["comments"] == ["overgedragen"]
    )
    assert again.status_code == 409 and "already done" in again.json()["detail"]
    assert unknown.status_code == 409 and unknown.json() == {
        "detail": "unknown task t999",
        "code": "task_unknown",
        "params": {"task_id": "t999"},
    }
    assert stranger.status_code == 409 and "someone@example.org may not" in stranger.json()["detail"]
    assert no_case.status_code == 404 and no_case.json() == {
        "detail": "There is no case offboarding-nobody-2027-01-04."
    }
    assert next(t for t in (await case.live())["tasks"] if t["id"] == task["id"])["state"] == "done"


async def test_an_action_body_is_checked_before_the_case_sees_it(case: Case):
    task = (await case.live())["tasks"][0]

    no_actor = await case.post(f"tasks/{task['id']}/complete", {"comment": "x"})
    bad_role = await case.post(f"tasks/{task['id']}/complete", {"actor": {"email": "hr@example.org", "role": "boss"}})
    system = await case.post(f"tasks/{task['id']}/complete", {"actor": {"email": "hr@example.org", "role": "system"}})
    bad_email = await case.post(f"tasks/{task['id']}/reassign", {"actor": HR, "assignee_email": "kim.example.org"})
    two_due_dates = await case.post(
        "tasks",
        {
            "actor": HR,
            "title": "x",
            "assignee_email": "sam@example.org",
            "due_date": "2030-01-01",
            "due_working_days_before": 2,
        },
    )

    def locations(response) -> set[tuple]:
        assert response.status_code == 422, response.text
        return {tuple(error["loc"]) for error in response.json()["detail"]}

    assert ("body", "actor") in locations(no_actor)
    assert ("body", "actor", "role") in locations(bad_role)
    assert ("body", "actor", "role") in locations(system)
    assert ("body", "assignee_email") in locations(bad_email)
    assert "due_date or due_working_days_before" in two_due_dates.json()["detail"][0]["msg"]
    assert (await case.live())["tasks"][0]["state"] == "open"


async def test_reassigning_and_adding_tasks_tell_the_assignee(case: Case):
    live = await case.live()
    task = assigned_to(live, MANAGER["email"])

    moved = await case.post(
        f"tasks/{task['id']}/reassign",
        {"actor": MANAGER, "assignee_email": "kim@example.org", "comment": "Kim neemt dit over"},
    )
    same = await case.post(f"tasks/{task['id']}/reassign", {"actor": HR, "assignee_email": "kim@example.org"})
    added = await case.post(
        "tasks",
        {
            "actor": MANAGER,
            "title": "Klantenlijst delen",
            "assignee_email": "sam@example.org",
            "due_working_days_before": 2,
        },
    )
    not_allowed = await case.post(
        "tasks", {"actor": STRANGER, "title": "x", "assignee_email": "sam@example.org", "due_working_days_before": 1}
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["assignee_email"] == "kim@example.org"
    told = await case.wait_for_mail(f"task_assigned:{task['id']}", to="kim@example.org")
    assert told[0].purpose == f"task_assigned:{task['id']}"
    assert same.status_code == 409 and "already assigned" in same.json()["detail"]

    assert added.status_code == 201, added.text
    new_task = added.json()
    assert new_task["title"] == "Klantenlijst delen" and new_task["source"] == "added"
    assert date.fromisoformat(new_task["due_date"]) < date.fromisoformat(live["last_working_day"])
    await case.wait_for_mail(f"task_assigned:{new_task['id']}", to="sam@example.org")
    assert not_allowed.status_code == 409 and "may not" in not_allowed.json()["detail"]
    assert new_task["id"] in [t["id"] for t in (await case.live())["tasks"]]


async def test_equipment_is_confirmed_by_its_custodian(case: Case):
    returned = await case.post("equipment/e1/return", {"actor": FACILITIES, "note": "in goede staat"})
    again = await case.post("equipment/e1/return", {"actor": FACILITIES})
    stranger = await case.post("equipment/e2/return", {"actor": STRANGER})
    unknown = await case.post("equipment/e99/return", {"actor": HR})

    assert returned.status_code == 200, returned.text
    item = returned.json()
    assert item["name"] == "Laptop" and item["state"] == "returned" and item["confirmed_by"] == "facilities@example.org"
    assert again.status_code == 409 and "already returned" in again.json()["detail"]
    assert stranger.status_code == 409 and "may not" in stranger.json()["detail"]
    assert unknown.status_code == 409 and "unknown equipment" in unknown.json()["detail"]
    assert [i["state"] for i in (await case.live())["equipment"]] == ["returned", "out"]


async def test_moving_the_last_working_day_moves_due_dates_and_tells_people(case: Case):
    before = await case.live()
    later = date.fromisoformat(before["last_working_day"]) + timedelta(days=14)

    by_manager = await case.post(
        "last-working-day", {"actor": MANAGER, "last_working_day": later.isoformat(), "reason": "extra overdracht"}
    )
    moved = await case.post(
        "last-working-day", {"actor": HR, "last_working_day": later.isoformat(), "reason": "extra overdracht"}
    )
    same = await case.post("last-working-day", {"actor": HR, "last_working_day": later.isoformat()})

    assert by_manager.status_code == 409 and by_manager.json()["code"] == "not_permitted", (
        "the last day is HR's to move"
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["last_working_day"] == later.isoformat()
    told = await case.wait_for_mail(f"last_day_moved:{later.isoformat()}", count=3)
    assert {m.to for m in told} == {MANAGER["email"], "hr@example.org", "facilities@example.org"}
    after = await case.live()
    assert after["last_working_day"] == later.isoformat()
    old_due = {t["id"]: t["due_date"] for t in before["tasks"]}
    assert all(t["due_date"] > old_due[t["id"]] for t in after["tasks"])
    assert same.status_code == 409 and "already that date" in same.json()["detail"]


async def test_a_withdrawal_ends_the_case(case: Case, http):
    by_manager = await case.post("withdraw", {"actor": MANAGER, "reason": "x"})
    withdrawn = await case.post("withdraw", {"actor": HR, "reason": "Blijft toch"})

    assert by_manager.status_code == 409
    assert withdrawn.status_code == 202, withdrawn.text
    assert withdrawn.headers["location"] == withdrawn.json()["status_url"] == f"http://offboarding.test{case.url}"

    async def ended():
        body = (await http.get(case.url)).json()
        # The case reads as withdrawn at once; its interview is cancelled as the case winds down.
        return body["status"] == "withdrawn" and body["live"]["interview"]["status"] == "cancelled" and body

    body = await eventually(ended)
    assert body["live"]["status"] == "withdrawn"
    await case.wait_for_mail("case_withdrawn", to="hr@example.org")
    again = await case.post("withdraw", {"actor": HR})
    assert again.status_code == 409 and "withdrawn" in again.json()["detail"]
    late = await case.post("equipment/e1/return", {"actor": FACILITIES})
    assert late.status_code == 409


async def test_the_employee_accepts_a_proposed_time(case: Case):
    interview = await invited(case)
    assert interview["status"] == "invited" and len(interview["proposed_slots"]) == 3
    slot = interview["proposed_slots"][0]

    no_offset = await case.post("interview/accept", {"actor": case.employee, "start": slot["start"][:19]})
    not_proposed = await case.post("interview/accept", {"actor": case.employee, "start": "2030-01-01T10:00:00+00:00"})
    by_manager = await case.post("interview/accept", {"actor": MANAGER, "start": slot["start"]})
    accepted = await case.post("interview/accept", {"actor": case.employee, "start": slot["start"]})

    assert no_offset.status_code == 422 and ("body", "start") in {tuple(e["loc"]) for e in no_offset.json()["detail"]}
    assert not_proposed.status_code == 409 and "not one of the proposed times" in not_proposed.json()["detail"]
    assert by_manager.status_code == 409 and "not the leaving employee" in by_manager.json()["detail"]
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "scheduled"
    assert datetime.fromisoformat(body["scheduled"]["start"]) == datetime.fromisoformat(slot["start"])
    confirmed = await case.wait_for_mail("interview:interview_confirmed:", to=case.employee["email"])
    assert "text/calendar" in confirmed[0].attachments
    assert (await case.interview())["status"] == "scheduled"


async def test_a_declined_interview_cannot_be_accepted_afterwards(case: Case):
    slot = (await invited(case))["proposed_slots"][0]

    declined = await case.post("interview/decline", {"actor": case.employee, "reason": "Liever niet"})
    accepted = await case.post("interview/accept", {"actor": case.employee, "start": slot["start"]})

    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined" and declined.json()["reason"] == "Liever niet"
    await case.wait_for_mail("interview:interview_declined", to="hr@example.org")
    assert accepted.status_code == 409 and "declined" in accepted.json()["detail"]


async def test_hr_assigns_an_interviewer_and_records_the_interview(case: Case, time_skipping_env):
    await invited(case)
    interviewer = {"name": "Ilse Maes", "email": "ilse@example.org", "language": "nl"}

    manager_as_interviewer = await case.post(
        "interview/assign", {"actor": HR, "interviewer": {**interviewer, "email": MANAGER["email"]}}
    )
    assigned = await case.post("interview/assign", {"actor": HR, "interviewer": interviewer})
    resent = await case.post("interview/resend", {"actor": HR})
    await at_agreed_time(case, time_skipping_env)
    out_of_range = await case.post(
        "interview/record", {"actor": HR, "record": {**RECORD, "recommend_score": 11}, "consent": CONSENT}
    )
    # Every answer is optional, but an answer and "prefer not to say" at once is no answer one can report.
    incomplete = await case.post(
        "interview/record",
        {"actor": HR, "record": {**RECORD, "prefer_not_to_say": ["recommend_score"]}, "consent": CONSENT},
    )
    by_manager = await case.post("interview/record", {"actor": MANAGER, "record": RECORD, "consent": CONSENT})
    recorded = await case.post(
        "interview/record",
        {"actor": {"email": "ilse@example.org", "role": "interviewer"}, "record": RECORD, "consent": CONSENT},
    )

    assert manager_as_interviewer.status_code == 409 and "direct manager" in manager_as_interviewer.json()["detail"]
    assert assigned.status_code == 200 and assigned.json()["interviewer"]["email"] == "ilse@example.org"
    assert resent.status_code == 200 and resent.json()["invitations_sent"] == 2
    assert out_of_range.status_code == 422
    errors = {tuple(error["loc"]): error["msg"] for error in out_of_range.json()["detail"]}
    assert ("body", "record", "recommend_score") in errors, errors
    assert "less than or equal to 10" in errors[("body", "record", "recommend_score")]
    assert (
        incomplete.status_code == 422
        and 'an answer and \\"prefer not to say\\" at once for: recommend_score' in incomplete.text
    ), incomplete.text
    assert by_manager.status_code == 409 and "not the interviewer" in by_manager.json()["detail"]
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "held" and recorded.json()["consent_given"]
    thanks = await case.wait_for_mail("interview:interview_thank_you", to=case.employee["email"])
    assert thanks[0].case_id == case.id
    again = await case.post("interview/record", {"actor": HR, "record": RECORD, "consent": CONSENT})
    assert again.status_code == 409 and "held" in again.json()["detail"]


async def test_after_a_dismissal_hr_skips_the_interview_only_with_a_reason(http, worker, mail_store):
    case = await register(http, mail_store, departure_type="dismissal")
    await case.wait_for_mail("interview:interview_confirm_request", to="hr@example.org")
    assert (await case.interview())["status"] == "awaiting_hr"

    without_reason = await case.post("interview/confirm", {"actor": HR, "proceed": False})
    by_manager = await case.post("interview/confirm", {"actor": MANAGER, "proceed": False, "reason": "x"})
    skipped = await case.post("interview/confirm", {"actor": HR, "proceed": False, "reason": "Relatie verstoord"})

    assert without_reason.status_code == 409 and "reason" in without_reason.json()["detail"]
    assert by_manager.status_code == 409 and "only HR" in by_manager.json()["detail"]
    assert skipped.status_code == 200, skipped.text
    assert skipped.json()["status"] == "skipped" and skipped.json()["reason"] == "Relatie verstoord"
    assert not case.mails("interview:invitation")


async def test_hr_schedules_after_confirming_an_end_of_contract(http, worker, mail_store):
    case = await register(http, mail_store, departure_type="end_of_contract")
    await case.wait_for_mail("interview:interview_confirm_request", to="hr@example.org")

    confirmed = await case.post("interview/confirm", {"actor": HR, "proceed": True})
    interview = await invited(case)
    start = interview["proposed_slots"][1]["start"]
    scheduled = await case.post("interview/schedule", {"actor": HR, "start": start, "online": True})
    by_employee = await case.post("interview/schedule", {"actor": case.employee, "start": start})

    assert confirmed.status_code == 200 and confirmed.json()["status"] == "invited"
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["status"] == "scheduled" and scheduled.json()["scheduled"]["online"] is True
    assert by_employee.status_code == 409 and "only HR" in by_employee.json()["detail"]


async def test_the_interview_of_an_unknown_case_is_404(http):
    read = await http.get("/api/cases/offboarding-nobody-2027-01-04/interview")
    acted = await http.post("/api/cases/offboarding-nobody-2027-01-04/interview/decline", json={"actor": HR})

    assert read.status_code == 404 and read.json() == {"detail": "There is no case offboarding-nobody-2027-01-04."}
    assert acted.status_code == 404 and acted.json() == {"detail": "There is no case offboarding-nobody-2027-01-04."}


async def test_cases_are_listed_by_last_working_day(http, worker, mail_store):
    # A department of their own: other tests' cases share the database and would fill the first page.
    department = f"Inkoop {uuid.uuid4().hex[:8]}"
    soon = await register(http, mail_store, department=department)
    later = await register(http, mail_store, department=department)
    moved = date.fromisoformat((await later.live())["last_working_day"]) + timedelta(days=60)
    assert (
        await later.post("last-working-day", {"actor": HR, "last_working_day": moved.isoformat()})
    ).status_code == 200
    cutoff = date.fromisoformat((await soon.live())["last_working_day"])

    listed = await http.get("/api/cases", params={"due_before": cutoff.isoformat(), "department": department})
    not_a_date = await http.get("/api/cases", params={"due_before": "next week"})

    assert listed.status_code == 200
    ids = [item["case_id"] for item in listed.json()]
    assert soon.id in ids and later.id not in ids
    assert all(date.fromisoformat(item["last_working_day"]) <= cutoff for item in listed.json())
    assert not_a_date.status_code == 422 and ("query", "due_before") in {
        tuple(e["loc"]) for e in not_a_date.json()["detail"]
    }


async def test_every_action_is_documented(http):
    spec = (await http.get("/openapi.json")).json()
    expected = {
        ("post", "/api/cases/{case_id}/tasks/{task_id}/complete"),
        ("post", "/api/cases/{case_id}/tasks/{task_id}/reassign"),
        ("post", "/api/cases/{case_id}/tasks"),
        ("post", "/api/cases/{case_id}/equipment/{item_id}/return"),
        ("post", "/api/cases/{case_id}/last-working-day"),
        ("post", "/api/cases/{case_id}/withdraw"),
        ("get", "/api/cases/{case_id}/interview"),
        *(
            ("post", f"/api/cases/{{case_id}}/interview/{step}")
            for step in ("confirm", "assign", "accept", "propose", "schedule", "decline", "resend", "record")
        ),
    }
    for method, path in expected:
        operation = spec["paths"][path][method]
        assert operation["summary"], (method, path)
        if method == "post":
            schema = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            assert "actor" in spec["components"]["schemas"][schema]["properties"], schema
    assert {"task_id"} & set(spec["components"]["schemas"]["CompleteTaskRequest"]["properties"]) == set(), (
        "the path gives the task"
    )
    assert "due_before" in [p["name"] for p in spec["paths"]["/api/cases"]["get"]["parameters"]]
