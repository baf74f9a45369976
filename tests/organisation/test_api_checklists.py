"""Checklist templates and the organisation's policy over REST, and the cases registered after a change."""

import uuid
from datetime import datetime, timedelta

import pytest

from tests.support.api import Case, invited, register


@pytest.fixture
async def templates(http):
    """The ids of the templates a test adds; removed afterwards, since the database outlives the test."""
    created: list[int] = []
    yield created
    for template_id in created:
        await http.delete(f"/api/checklists/{template_id}")


@pytest.fixture
async def policy(http):
    """The policy as the test found it; put back afterwards, since the database outlives the test."""
    before = (await http.get("/api/organisation/policy")).json()
    yield before
    assert (await http.put("/api/organisation/policy", json=before)).status_code == 200


def template_data(department: str | None = None, **extra) -> dict:
    return {
        "name": "Sales",
        "department": department,
        "items": [
            {"title": "CRM-accounts overdragen", "assignee": "successor", "due_working_days_before": 5},
            {"title": "Leasewagen inleveren", "assignee": "facilities", "due_working_days_before": 0},
        ],
        **extra,
    }


async def test_checklist_templates_are_added_read_replaced_and_deleted(http, templates):
    department = f"Sales-{uuid.uuid4().hex[:6]}"

    created = await http.post("/api/checklists", json=template_data(department))
    assert created.status_code == 201, created.text
    template = created.json()
    templates.append(template["id"])
    assert created.headers["location"] == f"http://offboarding.test/api/checklists/{template['id']}"
    assert template["department"] == department and template["job_title"] is None and len(template["items"]) == 2

    assert (await http.get(f"/api/checklists/{template['id']}")).json() == template
    assert template["id"] in [t["id"] for t in (await http.get("/api/checklists")).json()]

    replacement = template_data(department, name="Sales (kort)", job_title="Account manager")
    replacement["items"] = replacement["items"][:1]
    replaced = await http.put(f"/api/checklists/{template['id']}", json=replacement)
    assert replaced.status_code == 200, replaced.text
    as_kept = {**replacement, "country": None, "items": [{**item, "title_en": None} for item in replacement["items"]]}
    assert replaced.json() == {**as_kept, "id": template["id"]}
    assert (await http.get(f"/api/checklists/{template['id']}")).json()["name"] == "Sales (kort)"

    deleted = await http.delete(f"/api/checklists/{template['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    gone = await http.get(f"/api/checklists/{template['id']}")
    assert gone.status_code == 404 and gone.json() == {"detail": f"There is no checklist template {template['id']}."}
    assert template["id"] not in [t["id"] for t in (await http.get("/api/checklists")).json()]


async def test_an_unknown_template_is_404(http):
    assert (await http.get("/api/checklists/999999")).status_code == 404
    assert (await http.put("/api/checklists/999999", json=template_data())).status_code == 404
    assert (await http.delete("/api/checklists/999999")).json() == {"detail": "There is no checklist template 999999."}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"items": []}, ("items",), "at least 1 item"),
        ({"name": "  "}, ("name",), "at least 1 character"),
        (
            {"items": [{"title": "x", "assignee": "ceo", "due_working_days_before": 1}]},
            ("items", 0, "assignee"),
            "manager",
        ),
        (
            {"items": [{"title": "x", "assignee": "hr", "due_working_days_before": 500}]},
            ("items", 0, "due_working_days_before"),
            "120",
        ),
        ({"colour": "red"}, ("colour",), "Extra inputs"),
    ],
    ids=["no-items", "blank-name", "unknown-assignee", "due-too-early", "unknown-field"],
)
async def test_an_invalid_template_is_422_naming_the_field(http, change, field, message):
    before = len((await http.get("/api/checklists")).json())

    response = await http.post("/api/checklists", json={**template_data(), **change})

    assert response.status_code == 422
    errors = {tuple(error["loc"]): error["msg"] for error in response.json()["detail"]}
    assert ("body", *field) in errors, errors
    assert message in errors[("body", *field)]
    assert len((await http.get("/api/checklists")).json()) == before


async def test_a_case_registered_afterwards_draws_its_tasks_from_a_new_template(http, worker, mail_store, templates):
    department = f"Sales-{uuid.uuid4().hex[:6]}"
    template = (await http.post("/api/checklists", json=template_data(department))).json()
    templates.append(template["id"])

    elsewhere = await register(http, mail_store)
    here = await register(http, mail_store, department=department)

    def titles(live: dict) -> set[str]:
        return {task["title"] for task in live["tasks"]}

    assert "CRM-accounts overdragen" not in titles(await elsewhere.live())
    tasks = {task["title"]: task for task in (await here.live())["tasks"]}
    assert tasks["CRM-accounts overdragen"]["assignee_email"] == "sam@example.org"
    assert tasks["Leasewagen inleveren"]["assignee_email"] == "facilities@example.org"


async def test_the_organisation_shows_its_contacts_and_policy(http):
    # The contacts as this test sets them: whichever process first stored the organisation in this run's database (a
    # command line or worker with its own settings) chose the ones found otherwise.
    contacts = {
        "hr": {"email": "hr@example.org", "language": "nl"},
        "facilities": {"email": "facilities@example.org", "language": "en"},
    }
    assert (await http.put("/api/organisation/contacts", json=contacts)).status_code == 200
    organisation = await http.get("/api/organisation")

    assert organisation.status_code == 200
    body = organisation.json()
    assert body["hr"] == {"email": "hr@example.org", "language": "nl"}
    assert body["facilities"] == {"email": "facilities@example.org", "language": "en"}
    assert body["policy"] == (await http.get("/api/organisation/policy")).json()
    assert body["policy"]["interview_duration_minutes"] >= 15


async def test_the_policy_is_replaced_or_changed(http, policy):
    replaced = await http.put(
        "/api/organisation/policy",
        json={**policy, "interview_duration_minutes": 45, "appreciation_token": "een boekenbon"},
    )
    changed = await http.patch("/api/organisation/policy", json={"invitation_reminder_count": 1})

    assert replaced.status_code == 200, replaced.text
    assert replaced.json() == {**policy, "interview_duration_minutes": 45, "appreciation_token": "een boekenbon"}
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        **policy,
        "interview_duration_minutes": 45,
        "appreciation_token": "een boekenbon",
        "invitation_reminder_count": 1,
    }
    assert (await http.get("/api/organisation/policy")).json() == changed.json()
    assert (await http.get("/api/organisation")).json()["policy"] == changed.json()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"interview_duration_minutes": 5}, "interview_duration_minutes", "greater than or equal to 15"),
        ({"invitation_reminder_count": -1}, "invitation_reminder_count", "greater than or equal to 0"),
        ({"working_hours_start": "18:00", "working_hours_end": "09:00"}, "working_hours_end", "must be after"),
        (
            {"interview_working_days_before_last_day": 2, "interview_cutoff_working_days_before_last_day": 3},
            "interview_cutoff_working_days_before_last_day",
            "must not exceed",
        ),
        ({"timezone": "Europe/Atlantis"}, "timezone", "unknown time zone"),
        ({"interview_duraton_minutes": 45}, "interview_duraton_minutes", "Extra inputs"),
    ],
    ids=[
        "duration-too-short",
        "negative-reminders",
        "hours-reversed",
        "cutoff-after-aim",
        "unknown-zone",
        "misspelt-field",
    ],
)
@pytest.mark.parametrize("method", ["put", "patch"])
async def test_an_invalid_policy_is_422_naming_the_field_and_changes_nothing(
    http, policy, method, change, field, message
):
    response = await http.request(
        method.upper(), "/api/organisation/policy", json={**(policy if method == "put" else {}), **change}
    )

    assert response.status_code == 422
    errors = {tuple(error["loc"]): error["msg"] for error in response.json()["detail"]}
    assert ("body", field) in errors, errors
    assert message in errors[("body", field)]
    assert (await http.get("/api/organisation/policy")).json() == policy


def minutes(slot: dict) -> float:
    return (datetime.fromisoformat(slot["end"]) - datetime.fromisoformat(slot["start"])).total_seconds() / 60


async def test_cases_registered_after_a_policy_change_follow_it(http, worker, mail_store, policy, time_skipping_env):
    await http.patch(
        "/api/organisation/policy",
        json={"interview_duration_minutes": 60, "invitation_reminder_count": 2, "invitation_reminder_interval_days": 3},
    )
    before: Case = await register(http, mail_store)
    await invited(before)

    changed = await http.patch(
        "/api/organisation/policy", json={"interview_duration_minutes": 90, "invitation_reminder_count": 0}
    )
    assert changed.status_code == 200
    after: Case = await register(http, mail_store)
    interview = await invited(after)

    assert {minutes(slot) for slot in interview["proposed_slots"]} == {90}
    assert {minutes(slot) for slot in (await before.interview())["proposed_slots"]} == {60}, (
        "a running case keeps its policy"
    )
    await time_skipping_env.sleep(timedelta(days=4))
    await before.wait_for_mail("interview:invitation_reminder", to=before.employee["email"])
    assert not after.mails("interview:invitation_reminder"), "no reminders: the new policy says none"
    assert (await after.interview())["reminders_sent"] == 0
