"""HR's and admins' settings pages: checklist templates and the organisation's contacts and policy, edited in forms
that go through the same rules as the API. In-process, against the test database."""

import re
import uuid

import pytest

from models.policy import Policy
from tests.support.api import register
from tests.support.auth import (
    another_client,
    csrf_token,
    forms_without_token,
    make_account,
    post_form,
    sign_in,
    unique_email,
)
from web.organisation.policy_pages import policy_labels, policy_sections


@pytest.fixture
async def person(http, sessions):
    """A browser signed in as a new account with the given roles and language."""
    made = []

    async def open_as(roles: list[str], language: str = "en"):
        client = another_client(http)
        made.append(client)
        email = await make_account(sessions, unique_email("-".join(roles)), roles, language=language)
        await sign_in(client, email)
        return client

    yield open_as
    for client in made:
        await client.aclose()


@pytest.fixture
async def templates(http):
    """Templates a test leaves behind are removed: the database outlives the test."""
    before = {t["id"] for t in (await http.get("/api/checklists")).json()}
    yield
    for template in (await http.get("/api/checklists")).json():
        if template["id"] not in before:
            await http.delete(f"/api/checklists/{template['id']}")


@pytest.fixture
async def organisation(http):
    """The organisation as the test found it; put back afterwards."""
    before = (await http.get("/api/organisation")).json()
    yield before
    assert (await http.put("/api/organisation/policy", json=before["policy"])).status_code == 200
    assert (
        await http.put("/api/organisation/contacts", json={"hr": before["hr"], "facilities": before["facilities"]})
    ).status_code == 200


def field_error(html: str, field_id: str) -> str:
    """The error shown next to a field (empty when there is none)."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def input_value(html: str, name: str) -> str:
    """What the form would send for the field: an input's value, or a select's chosen option."""
    chosen = re.search(
        rf'<select[^>]*name="{re.escape(name)}"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected',
        html,
        re.DOTALL,
    )
    if chosen:
        return chosen.group(1)
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


async def by_name(http, name: str) -> dict:
    return next(t for t in (await http.get("/api/checklists")).json() if t["name"] == name)


async def test_hr_adds_edits_and_deletes_a_checklist_template(http, person, templates):
    hr = await person(["hr"])
    department = f"Sales-{uuid.uuid4().hex[:6]}"
    name = f"Verkoop {department}"

    created = await post_form(
        hr,
        "/settings/checklists/new",
        "/settings/checklists/new",
        {
            "rows": "3",
            "name": name,
            "department": department,
            "job_title": "",
            "items.0.title": "CRM-accounts overdragen",
            "items.0.assignee": "successor",
            "items.0.due_working_days_before": "5",
            "items.1.title": "",
            "items.1.assignee": "manager",
            "items.1.due_working_days_before": "",
            "items.2.title": "Leasewagen inleveren",
            "items.2.assignee": "facilities",
            "items.2.due_working_days_before": "-2",
        },
    )
    assert created.status_code == 303 and created.headers["location"].endswith("/settings/checklists?done=created")
    template = await by_name(http, name)
    assert template["department"] == department and template["job_title"] is None
    assert template["items"] == [
        {"title": "CRM-accounts overdragen", "title_en": None, "assignee": "successor", "due_working_days_before": 5},
        {"title": "Leasewagen inleveren", "title_en": None, "assignee": "facilities", "due_working_days_before": -2},
    ]
    listing = await hr.get(created.headers["location"])
    assert "Cases registered from now on use it." in listing.text
    row = re.search(rf'<tr id="template-{template["id"]}">(.*?)</tr>', listing.text, re.S).group(1)
    assert name in row and department in row and "Every job title" in row and ">2<" in row

    edit_url = f"/settings/checklists/{template['id']}"
    form = await hr.get(edit_url)
    assert (
        input_value(form.text, "items.1.title") == "Leasewagen inleveren"
        and input_value(form.text, "items.1.due_working_days_before") == "-2"
    )
    assert "cases already running keep their tasks" in form.text
    saved = await post_form(
        hr,
        edit_url,
        edit_url,
        {
            "rows": "3",
            "name": name,
            "department": department,
            "job_title": "Account manager",
            "items.0.title": "CRM-accounts overdragen",
            "items.0.assignee": "successor",
            "items.0.due_working_days_before": "5",
            "items.0.remove": "1",
            "items.1.title": "Leasewagen inleveren",
            "items.1.assignee": "hr",
            "items.1.due_working_days_before": "0",
            "items.2.title": "Klantenlijst delen",
            "items.2.title_en": "Share the customer list",
            "items.2.assignee": "manager",
            "items.2.due_working_days_before": "3",
            "country": "BE",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("?done=saved")
    assert (await http.get(f"/api/checklists/{template['id']}")).json()["items"] == [
        {"title": "Leasewagen inleveren", "title_en": None, "assignee": "hr", "due_working_days_before": 0},
        {
            "title": "Klantenlijst delen",
            "title_en": "Share the customer list",
            "assignee": "manager",
            "due_working_days_before": 3,
        },
    ]
    assert (await http.get(f"/api/checklists/{template['id']}")).json()["job_title"] == "Account manager"
    assert (await http.get(f"/api/checklists/{template['id']}")).json()["country"] == "BE"
    again = await hr.get(edit_url)
    assert input_value(again.text, "items.1.title_en") == "Share the customer list", (
        "the English title comes back in the form"
    )
    assert '<option value="BE" selected>' in again.text

    confirm = await hr.get(f"{edit_url}/delete")
    assert confirm.status_code == 200 and name in confirm.text and "Klantenlijst delen" in confirm.text
    assert "3 working days before the last working day" in confirm.text and "on the last working day" in confirm.text
    assert (await http.get(f"/api/checklists/{template['id']}")).status_code == 200, (
        "opening the confirmation deletes nothing"
    )
    deleted = await post_form(hr, f"{edit_url}/delete", f"{edit_url}/delete")
    assert deleted.status_code == 303 and deleted.headers["location"].endswith("?done=deleted")
    assert (await http.get(f"/api/checklists/{template['id']}")).status_code == 404
    assert (await hr.get(edit_url)).status_code == 404
    # An id no database integer holds is refused as such, not answered with a server error.
    assert (await hr.get("/settings/checklists/99999999999999999999")).status_code == 422


async def test_a_template_made_on_the_page_gives_new_cases_their_tasks(http, worker, mail_store, person, templates):
    hr = await person(["hr"])
    department = f"Sales-{uuid.uuid4().hex[:6]}"
    created = await post_form(
        hr,
        "/settings/checklists/new",
        "/settings/checklists/new",
        {
            "rows": "1",
            "name": department,
            "department": department,
            "items.0.title": "Offertes overdragen",
            "items.0.assignee": "successor",
            "items.0.due_working_days_before": "4",
        },
    )
    assert created.status_code == 303

    case = await register(http, mail_store, department=department)
    tasks = {task["title"]: task for task in (await case.live())["tasks"]}
    assert tasks["Offertes overdragen"]["assignee_email"] == "sam@example.org"


async def test_a_wrong_template_shows_each_error_next_to_its_field_and_keeps_what_was_typed(http, person, templates):
    hr = await person(["hr"], language="nl")
    before = len((await http.get("/api/checklists")).json())

    response = await post_form(
        hr,
        "/settings/checklists/new",
        "/settings/checklists/new",
        {
            "rows": "3",
            "name": "  ",
            "department": "Verkoop",
            "items.0.title": "Sleutels",
            "items.0.assignee": "facilities",
            "items.0.due_working_days_before": "twee",
            "items.1.title": "Overdracht",
            "items.1.assignee": "successor",
            "items.1.due_working_days_before": "500",
            "items.2.title": "",
            "items.2.assignee": "ceo",
            "items.2.due_working_days_before": "3",
        },
    )

    assert response.status_code == 422
    html = response.text
    assert field_error(html, "name") == "Fout: Vul dit veld in."
    assert field_error(html, "items-0-due_working_days_before") == "Fout: Vul een geheel getal in."
    assert field_error(html, "items-1-due_working_days_before") == "Fout: Vul een getal in van hoogstens 120."
    assert field_error(html, "items-2-title") == "Fout: Vul dit veld in."
    assert field_error(html, "items-2-assignee") == "Fout: Kies een van de mogelijkheden."
    assert 'aria-invalid="true"' in html and 'aria-describedby="items-0-due_working_days_before-error"' in html
    assert (
        input_value(html, "items.0.title") == "Sleutels"
        and input_value(html, "items.0.due_working_days_before") == "twee"
    )
    assert input_value(html, "department") == "Verkoop"
    assert '<a href="#items-1-due_working_days_before">Item 2, uiterlijk, in werkdagen voor de laatste werkdag' in html
    assert len((await http.get("/api/checklists")).json()) == before

    empty = await post_form(hr, "/settings/checklists/new", "/settings/checklists/new", {"rows": "3", "name": "Leeg"})
    assert (
        empty.status_code == 422
        and field_error(empty.text, "items-0-title") == "Fout: Geef het sjabloon minstens één item."
    )


async def test_more_rows_keeps_what_was_typed_and_saves_nothing(http, person, templates):
    hr = await person(["admin"])
    before = len((await http.get("/api/checklists")).json())
    page = await post_form(
        hr,
        "/settings/checklists/new",
        "/settings/checklists/new",
        {
            "rows": "3",
            "name": "Iedereen",
            "more": "1",
            "items.0.title": "Badge inleveren",
            "items.0.assignee": "employee",
            "items.0.due_working_days_before": "0",
        },
    )

    assert page.status_code == 200
    assert input_value(page.text, "name") == "Iedereen" and input_value(page.text, "items.0.title") == "Badge inleveren"
    assert (
        'name="items.6.title"' in page.text and 'name="items.7.title"' not in page.text
    )  # one item, three spare rows and three more
    assert len((await http.get("/api/checklists")).json()) == before


async def test_hr_and_admins_change_the_policy_and_see_it_in_force(http, person, organisation):
    admin = await person(["admin"])
    page = await admin.get("/settings/policy")
    assert page.status_code == 200
    values = {name: input_value(page.text, name) for name in Policy.model_fields}
    assert values["interview_duration_minutes"] == str(organisation["policy"]["interview_duration_minutes"])
    assert values["working_hours_start"] == organisation["policy"]["working_hours_start"][:5]
    assert values["short_notice_online_minutes"] == "30"
    assert "Length of the short online conversation, in minutes" in page.text
    assert "cases already running keep the policy and contacts they started with" in page.text

    # The greeting is a choice in words, the full name until the organisation picks the first name.
    assert '<option value="full_name" selected>Full name: Dear Anouk de Vries</option>' in page.text
    assert '<option value="first_name">First name: Dear Anouk</option>' in page.text
    values["salutation"] = "first_name"

    saved = await post_form(
        admin,
        "/settings/policy",
        "/settings/policy",
        {
            **values,
            "interview_duration_minutes": "45",
            "short_notice_online_minutes": "20",
            "appreciation_token": "een boekenbon",
        },
    )

    assert saved.status_code == 303 and saved.headers["location"].endswith("/settings/policy?done=policy#policy")
    policy = (await http.get("/api/organisation/policy")).json()
    assert policy == {
        **organisation["policy"],
        "interview_duration_minutes": 45,
        "short_notice_online_minutes": 20,
        "appreciation_token": "een boekenbon",
        "salutation": "first_name",
    }
    assert (
        "The policy is saved. Cases registered from now on follow it."
        in (await admin.get(saved.headers["location"])).text
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"interview_duration_minutes": "5"}, "interview_duration_minutes", "Vul een getal in van minstens 15."),
        ({"short_notice_online_minutes": "5"}, "short_notice_online_minutes", "Vul een getal in van minstens 15."),
        ({"invitation_reminder_count": ""}, "invitation_reminder_count", "Vul dit veld in."),
        ({"invitation_reminder_count": "1,5"}, "invitation_reminder_count", "Vul een geheel getal in."),
        (
            {"working_hours_start": "18:00", "working_hours_end": "09:00"},
            "working_hours_end",
            "De werktijd moet eindigen na het begin.",
        ),
        ({"working_hours_start": "negen uur"}, "working_hours_start", "Vul een tijd in als UU:MM."),
        (
            {"timezone": "Europe/Atlantis"},
            "timezone",
            "Onbekende tijdzone; gebruik een naam als Europe/Amsterdam of Europe/Brussels.",
        ),
        (
            {"interview_working_days_before_last_day": "2", "interview_cutoff_working_days_before_last_day": "3"},
            "interview_cutoff_working_days_before_last_day",
            "Mag niet meer zijn dan",
        ),
        (
            {"interview_content_retention_months": "36", "personal_data_retention_months": "24"},
            "interview_content_retention_months",
            "Mag niet langer zijn dan persoonsgegevens worden bewaard",
        ),
    ],
    ids=[
        "too-short",
        "short-talk-too-short",
        "empty",
        "not-whole",
        "hours-reversed",
        "not-a-time",
        "unknown-zone",
        "cutoff-after-aim",
        "text-outlives-names",
    ],
)
async def test_a_wrong_policy_value_is_shown_next_to_its_field_in_dutch_and_changes_nothing(
    http, person, organisation, change, field, message
):
    hr = await person(["hr"], language="nl")
    page = await hr.get("/settings/policy")
    values = {name: input_value(page.text, name) for name in Policy.model_fields}

    response = await hr.post("/settings/policy", data={**values, **change, "csrf_token": csrf_token(page.text)})

    assert response.status_code == 422
    assert message in field_error(response.text, field)
    assert input_value(response.text, field) == change[field]
    assert (await http.get("/api/organisation/policy")).json() == organisation["policy"]


async def test_hr_changes_who_every_new_case_tells(http, person, organisation):
    hr = await person(["hr"])
    wrong = await post_form(
        hr,
        "/settings/policy",
        "/settings/policy/contacts",
        {"hr.email": "hr-at-example", "hr.language": "nl", "facilities.email": "", "facilities.language": "fr"},
    )
    assert wrong.status_code == 422
    assert "Enter an email address like name@example.org." in field_error(wrong.text, "hr-email")
    assert "Fill in this field." in field_error(wrong.text, "facilities-email")
    assert "Choose one of the options." in field_error(wrong.text, "facilities-language")
    assert (await http.get("/api/organisation")).json()["hr"] == organisation["hr"]

    saved = await post_form(
        hr,
        "/settings/policy",
        "/settings/policy/contacts",
        {
            "hr.email": "personeelszaken@example.org",
            "hr.language": "en",
            "facilities.email": "it@example.org",
            "facilities.language": "nl",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("?done=contacts#contacts")
    after = (await http.get("/api/organisation")).json()
    assert after["hr"] == {"email": "personeelszaken@example.org", "language": "en"}
    assert after["facilities"] == {"email": "it@example.org", "language": "nl"}
    assert after["policy"] == organisation["policy"]


async def test_the_contacts_api_refuses_what_the_page_refuses(http, organisation):
    refused = await http.put(
        "/api/organisation/contacts",
        json={"hr": {"email": "nope", "language": "nl"}, "facilities": organisation["facilities"]},
    )
    assert refused.status_code == 422
    assert ("body", "hr", "email") in {tuple(error["loc"]) for error in refused.json()["detail"]}


async def test_only_hr_and_admins_open_the_settings_and_every_form_carries_its_token(http, person, templates):
    manager = await person(["manager"])
    hr = await person(["hr"], language="nl")
    anonymous = another_client(http)
    template = (
        await http.post(
            "/api/checklists",
            json={
                "name": "Iedereen",
                "items": [{"title": "Badge", "assignee": "employee", "due_working_days_before": 0}],
            },
        )
    ).json()

    for url in (
        "/settings/checklists",
        "/settings/checklists/new",
        f"/settings/checklists/{template['id']}",
        f"/settings/checklists/{template['id']}/delete",
        "/settings/policy",
    ):
        assert (await manager.get(url)).status_code == 403, url
        assert (await anonymous.get(url)).status_code in (302, 303, 307), url
        page = await hr.get(url)
        assert page.status_code == 200, url
        assert '<html lang="nl">' in page.text, url
        assert not forms_without_token(page.text), url
    refused = await manager.post(f"/settings/checklists/{template['id']}/delete", data={"csrf_token": "x"})
    assert refused.status_code == 403
    assert (await http.get(f"/api/checklists/{template['id']}")).status_code == 200
    without_token = await hr.post(f"/settings/checklists/{template['id']}/delete", headers={"X-CSRF-Token": ""})
    assert without_token.status_code == 403
    assert (await http.get(f"/api/checklists/{template['id']}")).status_code == 200
    menu = (await hr.get("/settings/policy")).text
    assert ">Checklists</a>" in menu and ">Beleid</a>" in menu
    assert ">Beleid</a>" not in (await manager.get("/my/tasks")).text
    await anonymous.aclose()


def test_every_policy_field_has_a_label_and_a_section():
    """A policy field added without a Dutch label would show its English name on a Dutch page."""
    labels = policy_labels(lambda text: text)
    placed = {name for _, names in policy_sections(lambda text: text) for name in names}
    assert set(Policy.model_fields) <= set(labels), set(Policy.model_fields) - set(labels)
    assert set(Policy.model_fields) <= placed, set(Policy.model_fields) - placed
