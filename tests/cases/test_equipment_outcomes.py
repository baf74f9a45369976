"""Property as the people who take it back see it: items with their kind, asset tag and who receives them, told to
each receiver at the announcement; how an item came back (returned, damaged, lost, kept by agreement); HR's mark
for the final settlement, and the summary at closing (time-skipping server, real worker, database and mail sink)."""

import csv
import io

import pytest

from cli import registration_input
from intake import csv_import
from intake.equipment import from_list, from_text
from tests.support import eventually
from tests.support.api import HR, register
from tests.support.auth import (
    another_client,
    make_account,
    post_form,
    sign_in,
    unique_email,
)

FLEET = "wagenpark@example.org"
FACILITIES = {"email": "facilities@example.org", "role": "custodian"}
FLEET_ACTOR = {"email": FLEET, "role": "custodian"}
ITEMS = [
    {"name": "Laptop", "kind": "laptop", "asset_tag": "NL-0412"},
    {"name": "Leaseauto", "kind": "car", "asset_tag": "1-ABC-23", "custodian_email": FLEET},
    {"name": "Tankpas", "kind": "card", "custodian_email": FLEET},
    {"name": "Toegangspas", "kind": "badge"},
]


@pytest.fixture
async def case(http, worker, mail_store):
    return await register(http, mail_store, equipment=ITEMS)


def _item(live: dict, name: str) -> dict:
    return next(item for item in live["equipment"] if item["name"] == name)


async def test_each_receiver_is_told_of_their_own_items_with_asset_tags(case):
    fleet = await case.wait_for_mail("announcement", to=FLEET)
    facilities = await case.wait_for_mail("announcement", to="facilities@example.org")

    to_fleet, to_facilities = (mails[0].text.replace("\r\n", "\n") for mails in (fleet, facilities))
    assert "- Leaseauto (1-ABC-23)\n- Tankpas" in to_fleet and "Laptop" not in to_fleet
    assert "http://offboarding.test/equipment" in to_fleet
    assert "Laptop (NL-0412), Toegangspas" in to_facilities and "Leaseauto" not in to_facilities
    live = await case.live()
    assert (_item(live, "Leaseauto")["kind"], _item(live, "Leaseauto")["asset_tag"]) == ("car", "1-ABC-23")


async def test_an_item_comes_back_damaged_lost_or_kept_and_hr_marks_what_is_settled(case):
    live = await case.live()
    laptop, car, card, badge = (_item(live, name)["id"] for name in ("Laptop", "Leaseauto", "Tankpas", "Toegangspas"))

    damaged = await case.post(
        f"equipment/{laptop}/return", {"actor": FACILITIES, "outcome": "returned_damaged", "note": "Scherm gebarsten"}
    )
    lost = await case.post(f"equipment/{card}/return", {"actor": FLEET_ACTOR, "outcome": "lost"})
    kept = await case.post(
        f"equipment/{car}/return", {"actor": FLEET_ACTOR, "outcome": "kept", "note": "Overgenomen tegen restwaarde"}
    )
    unknown_outcome = await case.post(f"equipment/{badge}/return", {"actor": FACILITIES, "outcome": "stolen"})
    again = await case.post(f"equipment/{card}/return", {"actor": FLEET_ACTOR})
    by_custodian = await case.post(f"equipment/{card}/settlement", {"actor": FLEET_ACTOR, "note": "€ 50"})
    flagged = await case.post(f"equipment/{card}/settlement", {"actor": HR, "note": "€ 50 eigen risico"})
    twice = await case.post(f"equipment/{card}/settlement", {"actor": HR})

    assert damaged.status_code == 200 and damaged.json()["state"] == "returned_damaged"
    assert lost.status_code == 200 and lost.json()["state"] == "lost"
    assert kept.status_code == 200 and kept.json()["state"] == "kept"
    assert unknown_outcome.status_code == 422 and "outcome" in unknown_outcome.text
    assert again.status_code == 409 and "Tankpas is already recorded (lost)" in again.json()["detail"]
    assert by_custodian.status_code in (403, 409)
    assert flagged.status_code == 200 and (flagged.json()["settlement"], flagged.json()["settlement_note"]) == (
        True,
        "€ 50 eigen risico",
    )
    assert twice.status_code == 409 and "already marked" in twice.json()["detail"]

    live = await case.live()
    assert [(i["name"], i["state"], i["settlement"]) for i in live["equipment"]] == [
        ("Laptop", "returned_damaged", False),
        ("Leaseauto", "kept", False),
        ("Tankpas", "lost", True),
        ("Toegangspas", "out", False),
    ]
    events = [entry["event"] for entry in live["timeline"]]
    assert {
        "equipment_returned_damaged",
        "equipment_lost",
        "equipment_kept",
        "equipment_flagged_for_settlement",
    } <= set(events)

    # Found after all: the custodian sets it back to out and records it returned.
    reopened = await case.post(f"equipment/{card}/reopen", {"actor": FLEET_ACTOR, "reason": "Toch gevonden in de auto"})
    found = await case.post(f"equipment/{card}/return", {"actor": FLEET_ACTOR})
    unflagged = await case.post(f"equipment/{card}/settlement", {"actor": HR, "flagged": False})
    assert reopened.status_code == 200 and found.status_code == 200 and found.json()["state"] == "returned"
    assert unflagged.status_code == 200 and unflagged.json()["settlement"] is False


async def test_hr_marks_a_lost_item_for_the_final_settlement_on_the_case_page(case, http, sessions):
    hr_email = unique_email("hr")
    hr = another_client(http)
    await make_account(sessions, hr_email, ["hr"])
    await sign_in(hr, hr_email)
    live = await case.live()
    card = _item(live, "Tankpas")["id"]
    await case.post(f"equipment/{card}/return", {"actor": FLEET_ACTOR, "outcome": "lost", "note": "Kwijtgeraakt"})

    marked = await post_form(
        hr,
        f"/cases/{case.id}",
        f"/equipment/{case.id}/{card}/settlement",
        {"flagged": "yes", "note": "€ 50 eigen risico"},
    )

    assert marked.status_code == 303 and marked.headers["location"].endswith("done=settlement")
    page = await eventually(lambda: _page_with(hr, f"/cases/{case.id}", "For the final settlement: € 50 eigen risico"))
    assert "Tankpas" in page and "Lost" in page and "#1-ABC-23" in page
    await hr.aclose()


async def _page_with(client, url: str, text: str) -> str | None:
    response = await client.get(url)
    return response.text if text in response.text else None


def test_an_item_on_one_line_reads_name_kind_asset_tag_and_receiver():
    assert from_text("Leaseauto | auto | 1-ABC-23 | Wagenpark@Example.org") == {
        "name": "Leaseauto",
        "kind": "car",
        "asset_tag": "1-ABC-23",
        "custodian_email": "wagenpark@example.org",
    }
    assert from_text("Laptop") == {"name": "Laptop"}
    assert from_text("Tankpas | | | wagenpark@example.org") == {
        "name": "Tankpas",
        "custodian_email": "wagenpark@example.org",
    }
    assert from_list("Laptop | laptop | NL-0412; ; Pas | pas") == [
        {"name": "Laptop", "kind": "laptop", "asset_tag": "NL-0412"},
        {"name": "Pas", "kind": "badge"},
    ]


def test_the_command_line_takes_items_with_their_details_and_names_a_wrong_kind():
    params = {
        "employee_id": "E1",
        "name": "Anouk de Vries",
        "work_email": "e1@example.org",
        "department": "Finance",
        "job_title": "Controller",
        "manager_name": "Bram Janssens",
        "manager_email": "bram@example.org",
        "departure_type": "resignation",
        "notice_date": "2027-01-04",
        "last_day": "2027-01-29",
        "equipment": ["Laptop | laptop | NL-0412", "Leaseauto | car | 1-ABC-23 | wagenpark@example.org"],
    }
    registration = registration_input.build(params)
    assert [(i.name, i.kind.value, i.asset_tag, i.custodian_email) for i in registration.equipment] == [
        ("Laptop", "laptop", "NL-0412", None),
        ("Leaseauto", "car", "1-ABC-23", "wagenpark@example.org"),
    ]

    with pytest.raises(registration_input.InvalidInput) as refused:
        registration_input.build({**params, "equipment": ["Laptop", "Boot | boat"]})
    assert "--equipment #2" in str(refused.value) and "laptop" in str(refused.value)


def test_the_csv_import_takes_items_with_their_details_and_names_the_row_of_a_wrong_receiver():
    header = [
        "employee_id",
        "name",
        "work_email",
        "department",
        "job_title",
        "manager_name",
        "manager_email",
        "type",
        "notice_date",
        "last_working_day",
        "equipment",
    ]
    base = [
        "E1",
        "Anouk de Vries",
        "e1@example.org",
        "Finance",
        "Controller",
        "Bram Janssens",
        "bram@example.org",
        "resignation",
        "2027-01-04",
        "2027-01-29",
    ]

    def sheet(equipment: str) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerows([header, [*base, equipment]])
        return out.getvalue().encode()

    rows = csv_import.read(sheet("Laptop | laptop | NL-0412; Leaseauto | auto | | wagenpark@example.org"))
    assert [(i.name, i.kind.value, i.asset_tag, i.custodian_email) for i in rows[0].registration.equipment] == [
        ("Laptop", "laptop", "NL-0412", None),
        ("Leaseauto", "car", "", "wagenpark@example.org"),
    ]
    with pytest.raises(csv_import.InvalidImport) as refused:
        csv_import.read(sheet("Laptop; Leaseauto | auto | | wagenpark"))
    problem = refused.value.problems[0]
    assert (problem.row, problem.column) == (2, "equipment")
