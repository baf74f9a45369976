"""Roles own tasks, people work them, and nobody learns more than their part: the pages and the API of the tasks,
the equipment and the case list, as each person uses them (in-process web app, time-skipping server, real mail
sink and database)."""

import csv
import io
import re
from datetime import date, timedelta

import pytest

from tests.support import eventually
from tests.support.api import register
from tests.support.auth import (
    another_client,
    make_account,
    post_form,
    sign_in,
    unique_email,
)

MANAGER = "bram.janssens@example.org"
PRIVATE = "anouk@example.net"  # the employee's private address: HR's to see, nobody else's


@pytest.fixture
async def case(http, worker, mail_store):
    case = await register(http, mail_store, note="Vertrouwelijke notitie voor HR")
    await eventually(lambda: _published(case))
    return case


async def _published(case) -> bool:
    live = await case.live()
    return bool(live.get("tasks"))


async def _client(http, sessions, email: str, roles: list[str]):
    client = another_client(http)
    await make_account(sessions, email, roles)
    await sign_in(client, email)
    return client


async def _task(case, **wanted):
    live = await case.live()
    return next(t for t in live["tasks"] if all(t.get(k) == v for k, v in wanted.items()))


async def test_every_hr_person_finds_hrs_tasks_and_ticks_them_off_in_bulk(case, http, sessions):
    hanna_email = unique_email("hanna")
    hanna = await _client(http, sessions, hanna_email, ["hr"])
    hr_tasks = [t for t in (await case.live())["tasks"] if t["owner_mailbox"] == "hr"]
    assert hr_tasks, "the default checklist has HR tasks"

    # HR's mailbox holds the tasks of every departure: Hanna finds this one's by the employee number.
    page = await hanna.get("/my/tasks", params={"q": case.data["employee"]["id"]})

    assert page.status_code == 200 and 'id="list-search"' in page.text
    assert {case.id} == set(re.findall(r'value="(offboarding-[^":]+):t\d+"', page.text)), (
        "only the departure searched for"
    )
    for task in hr_tasks:
        assert f'value="{case.id}:{task["id"]}"' in page.text, task["title"]
    done = await post_form(
        hanna,
        "/my/tasks",
        "/my/tasks/done",
        {"task": [f"{case.id}:{t['id']}" for t in hr_tasks], "comment": "Verwerkt"},
    )
    assert done.status_code == 303 and done.headers["location"].endswith(f"done=bulk&count={len(hr_tasks)}")
    live = await case.live()
    assert all(
        t["state"] == "done" and t["completed_by"] == hanna_email and "Verwerkt" in t["comments"]
        for t in live["tasks"]
        if t["owner_mailbox"] == "hr"
    )
    await hanna.aclose()


async def test_a_manager_is_refused_hrs_task_and_the_move_of_the_last_day(case, http, sessions):
    manager = await _client(http, sessions, MANAGER, ["manager"])
    hr_task = await _task(case, owner_mailbox="hr")
    later = (date.fromisoformat((await case.live())["last_working_day"]) + timedelta(days=7)).isoformat()

    page = await manager.get(f"/my/cases/{case.id}")
    by_form = await post_form(
        manager, f"/my/cases/{case.id}", f"/my/tasks/{case.id}/{hr_task['id']}/complete", {"back": "case"}
    )
    by_api = await manager.post(f"/api/cases/{case.id}/tasks/{hr_task['id']}/complete", json={})
    move_form = await post_form(
        manager, f"/my/cases/{case.id}", f"/cases/{case.id}/last-working-day", {"last_working_day": later}
    )
    move_api = await manager.post(f"/api/cases/{case.id}/last-working-day", json={"last_working_day": later})

    assert page.status_code == 200 and "Move the last working day" not in page.text
    assert f"/my/tasks/{case.id}/{hr_task['id']}/complete" not in page.text, "no button for what is not theirs"
    assert by_form.status_code == 404 and by_api.status_code == 404
    assert move_form.status_code == 403 and move_api.status_code == 403
    assert (await _task(case, id=hr_task["id"]))["state"] == "open"
    await manager.aclose()


async def test_a_refused_answer_shows_the_reader_only_their_own_page(case, http, sessions):
    """A manager sending back=hr with an answer the case refuses sees their own page, never HR's case page."""
    manager = await _client(http, sessions, MANAGER, ["manager"])
    own = await _task(case, assignee_email=MANAGER)
    await post_form(manager, f"/my/cases/{case.id}", f"/my/tasks/{case.id}/{own['id']}/complete", {"back": "case"})

    again = await post_form(manager, "/my/tasks", f"/my/tasks/{case.id}/{own['id']}/complete", {"back": "hr"})

    assert again.status_code == 409 and "already done" in again.text
    assert (
        PRIVATE not in again.text
        and "Vertrouwelijke notitie" not in again.text
        and "Withdraw the departure" not in again.text
    )
    assert "<h1>My tasks</h1>" in again.text
    await manager.aclose()


async def test_a_stranger_to_a_case_learns_nothing_of_it(case, http, sessions):
    stranger = await _client(http, sessions, unique_email("other-manager"), ["manager"])
    task = await _task(case, assignee_email="sam@example.org")
    done = await _task(case, assignee_email=MANAGER)
    hr = await _client(http, sessions, unique_email("hr"), ["hr"])
    assert (await hr.post(f"/api/cases/{case.id}/tasks/{done['id']}/complete", json={})).status_code == 200

    existing = await stranger.post(f"/api/cases/{case.id}/tasks/{task['id']}/complete", json={})
    finished = await stranger.post(f"/api/cases/{case.id}/tasks/{done['id']}/complete", json={})
    missing = await stranger.post("/api/cases/offboarding-NOBODY-2027-01-04/tasks/t1/complete", json={})

    assert existing.status_code == finished.status_code == missing.status_code == 404
    assert (
        existing.json()["detail"] == f"There is no case {case.id}."
        and missing.json()["detail"] == "There is no case offboarding-NOBODY-2027-01-04."
    )
    for answer in (existing, finished):
        assert set(answer.json()) == {"detail"} and done["title"] not in answer.text and "Anouk" not in answer.text
    await stranger.aclose()
    await hr.aclose()


async def test_it_facilities_people_receive_the_mailboxs_equipment_and_undo_a_return(case, http, sessions):
    it_person = await _client(http, sessions, unique_email("it"), ["custodian"])
    live = await case.live()
    laptop = next(i for i in live["equipment"] if i["name"] == "Laptop")

    page = await it_person.get("/equipment", params={"q": case.data["employee"]["id"]})
    assert f"/equipment/{case.id}/{laptop['id']}/return" in page.text
    returned = await post_form(
        it_person, "/equipment", f"/equipment/{case.id}/{laptop['id']}/return", {"note": "Oplader ontbreekt"}
    )
    assert returned.status_code == 303
    after = await it_person.get("/equipment", params={"q": case.data["employee"]["id"]})
    assert "Oplader ontbreekt" in after.text and f"/equipment/{case.id}/{laptop['id']}/reopen" in after.text
    undone = await post_form(
        it_person, "/equipment", f"/equipment/{case.id}/{laptop['id']}/reopen", {"reason": "Toch de oude laptop"}
    )
    assert undone.status_code == 303 and undone.headers["location"].endswith("done=not_returned")
    item = next(i for i in (await case.live())["equipment"] if i["id"] == laptop["id"])
    assert item["state"] == "out" and item["note"] == "Toch de oude laptop"
    await it_person.aclose()


async def test_hr_reopens_a_task_from_the_case_page_and_the_timeline_says_why(case, http, sessions):
    hr = await _client(http, sessions, unique_email("hr"), ["hr"])
    task = await _task(case, assignee_email="sam@example.org")
    await hr.post(f"/api/cases/{case.id}/tasks/{task['id']}/complete", json={"comment": "Gedaan"})

    without_reason = await post_form(
        hr, f"/cases/{case.id}", f"/my/tasks/{case.id}/{task['id']}/reopen", {"back": "hr"}
    )
    reopened = await post_form(
        hr,
        f"/cases/{case.id}",
        f"/my/tasks/{case.id}/{task['id']}/reopen",
        {"back": "hr", "reason": "Mist de klantenlijst"},
    )

    assert without_reason.status_code == 409 and "reason" in without_reason.text
    assert reopened.status_code == 303 and reopened.headers["location"].endswith(f"/cases/{case.id}?done=reopened")
    page = (await hr.get(reopened.headers["location"])).text
    assert "The task is open again." in page and "Mist de klantenlijst" in page and "Gedaan" in page
    assert re.search(r"Task opened again</span>\s*<span class=\"detail\">[^<]*Mist de klantenlijst", page)
    await hr.aclose()


async def test_the_case_list_pages_exports_and_counts(case, http, sessions):
    hr = await _client(http, sessions, unique_email("hr"), ["hr"])
    employee_id = case.data["employee"]["id"]

    api = await hr.get("/api/cases", params={"q": employee_id, "limit": 1})
    everyone = await hr.get("/api/cases", params={"limit": 1})
    listed = await hr.get("/cases", params={"q": employee_id})
    exported = await hr.get("/cases/export.csv", params={"q": employee_id})

    assert api.status_code == 200 and api.headers["x-total-count"] == "1" and "link" not in api.headers
    body = api.json()[0]
    assert (
        body["case_id"] == case.id
        and body["progress"]["tasks_total"] == len((await case.live())["tasks"])
        and body["progress"]["tasks_done"] == 0
    )
    assert int(everyone.headers["x-total-count"]) >= 1
    if int(everyone.headers["x-total-count"]) > 1:
        assert 'rel="next"' in everyone.headers["link"] and "offset=1" in everyone.headers["link"]
    assert "1 case" in listed.text and "Tasks 0/" in listed.text
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert (
        exported.headers["content-type"].startswith("text/csv")
        and rows[0][0] == "Case"
        and rows[1][0] == case.id
        and rows[1][1] == employee_id
    )
    await hr.aclose()


async def test_the_dashboard_counts_and_links_to_each_list(case, http, sessions):
    hr = await _client(http, sessions, unique_email("hr"), ["hr"])
    page = await hr.get("/dashboard")
    assert page.status_code == 200 and 'id="figure-open"' in page.text and "status=open" in page.text
    opened = re.search(r'id="figure-open"><strong>(\d+)</strong>', page.text)
    assert opened and int(opened.group(1)) >= 1
    listed = await hr.get("/cases", params={"status": "open"})
    count = re.search(r'id="case-count">(\d+) case', listed.text)
    assert count and count.group(1) == opened.group(1), "the figure is the list's count"
    await hr.aclose()


def test_a_spreadsheet_formula_in_the_export_is_quoted():
    from reports.spreadsheet import safe_cell as spreadsheet_safe

    assert [spreadsheet_safe(v) for v in ("=1+2", "+31", "-x", "@SUM(A1)", "\tx", "\rx", "Finance", 3)] == [
        "'=1+2",
        "'+31",
        "'-x",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "Finance",
        3,
    ]


async def test_a_shared_mailbox_the_organisation_defines_routes_its_items_to_whoever_works_for_it(
    http, sessions, worker, mail_store
):
    hr = await _client(http, sessions, unique_email("hr"), ["hr"])
    fleet_manager_email = unique_email("fleet-manager")
    fleet_manager = await _client(http, sessions, fleet_manager_email, ["manager"])
    async with sessions() as session:
        from accounts import store as accounts

        member = await accounts.by_email(session, fleet_manager_email)
    box = f"fleet-{member.id}@example.org"
    key = f"fleet{member.id}"

    refused = await post_form(
        hr, "/settings/mailboxes", "/settings/mailboxes", {"key": "hr", "name": "HR", "email": box}
    )
    saved = await post_form(
        hr,
        "/settings/mailboxes",
        "/settings/mailboxes",
        {"key": key, "name": "Wagenpark", "email": box, "language": "nl", "members": [str(member.id)]},
    )
    assert refused.status_code == 422 and "hr and facilities are taken" in refused.text
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
    assert "Wagenpark" in (await hr.get("/settings/mailboxes")).text

    case = await register(
        http, mail_store, equipment=[{"name": "Leaseauto", "custodian_email": box}, {"name": "Laptop"}]
    )
    car = next(i for i in (await case.live())["equipment"] if i["name"] == "Leaseauto")
    assert car["custodian_mailbox"] == key

    # The fleet manager, by working for the mailbox, receives the car; IT/facilities do not see it.
    page = await fleet_manager.get("/equipment")
    assert f"/equipment/{case.id}/{car['id']}/return" in page.text and "Laptop" not in page.text
    # Signed in again, the new membership counts; the car is theirs to receive.
    returned = await post_form(
        fleet_manager, "/equipment", f"/equipment/{case.id}/{car['id']}/return", {"note": "Kras op de bumper"}
    )
    assert returned.status_code == 303
    item = next(i for i in (await case.live())["equipment"] if i["id"] == car["id"])
    assert (item["state"], item["confirmed_by"], item["note"]) == ("returned", fleet_manager_email, "Kras op de bumper")
    it_person = await _client(http, sessions, unique_email("it"), ["custodian"])
    assert "Leaseauto" not in (await it_person.get("/equipment")).text
    for client in (hr, fleet_manager, it_person):
        await client.aclose()
