"""Departures from a CSV file: `offboarding import departures` and POST /api/imports/departures, all rows
or none, against the time-skipping server with the real worker, database and mail sink."""

import asyncio
import json
from datetime import date

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cases import service
from cli.main import app
from intake import csv_import
from models.tables import Case
from tests.support import eventually, free_port
from tests.support.imports import COLUMNS, csv_bytes, row

runner = CliRunner()


def case_id(values: dict[str, str]) -> str:
    return f"offboarding-{values['employee_id']}-{values['notice_date']}"


def offboarding(args: list[str], env: dict[str, str]) -> Result:
    return runner.invoke(app, args, env=env)


async def offboarding_in_thread(args: list[str], env: dict[str, str]) -> Result:
    # The command runs its own event loop; the test's loop keeps serving the worker meanwhile.
    return await asyncio.to_thread(offboarding, args, env)


@pytest.fixture
def offline_env(tmp_path) -> dict[str, str]:
    # Nothing listens here: a command that tried to reach Temporal would fail with exit 1.
    return {"OFFBOARDING_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}", "OFFBOARDING_DATA_DIR": str(tmp_path)}


def announcements(mail_store, case: str):
    return [mail for mail in mail_store.all() if mail.purpose == "announcement" and mail.case_id == case]


async def nothing_started(client, rows: list[dict[str, str]]) -> bool:
    return all([await service.view(client, case_id(values)) is None for values in rows])


# The command line.


async def test_a_good_file_registers_every_row(cli_env, worker, mail_store, time_skipping_env, sessions, tmp_path):
    rows = [
        row(),
        row(successor_name="Sam Peeters", successor_email="sam@example.org"),
        row(language="EN", equipment=""),
    ]
    path = tmp_path / "departures.csv"
    path.write_bytes(csv_bytes(rows))

    result = await offboarding_in_thread(["import", "departures", str(path)], cli_env)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"row {number}: registered: case {case_id(values)}" for number, values in enumerate(rows, start=2)
    ]
    assert result.stderr.strip() == "3 registered, 0 already registered"
    for values in rows:
        await eventually(lambda: len(announcements(mail_store, case_id(values))) == 3)
    second = await service.view(time_skipping_env.client, case_id(rows[1]))
    assert [item.name for item in second.equipment] == ["Laptop", "Badge"]
    async with sessions() as session:
        stored = await session.get(Case, case_id(rows[1]))
    assert stored.registration["successor"] == {"name": "Sam Peeters", "email": "sam@example.org", "language": "nl"}
    third = await service.view(time_skipping_env.client, case_id(rows[2]))
    assert third.equipment == []

    again = await offboarding_in_thread(["import", "departures", str(path)], cli_env)

    assert again.exit_code == 3
    assert again.stdout.splitlines() == [
        f"row {number}: already registered: case {case_id(values)}" for number, values in enumerate(rows, start=2)
    ]
    assert all(len(announcements(mail_store, case_id(values))) == 3 for values in rows)


async def test_one_bad_row_imports_nothing_and_names_row_and_field(cli_env, worker, time_skipping_env, tmp_path):
    rows = [
        row(),
        row(last_working_day="2027-01-01"),
        row(manager_email="bram-at-example", type="quit"),
        row(),
    ]
    path = tmp_path / "departures.csv"
    path.write_bytes(csv_bytes(rows))

    result = await offboarding_in_thread(["import", "departures", str(path)], cli_env)

    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert (
        lines[0]
        == "row 3, departure.last_working_day: the last working day (2027-01-01) is before the notice date (2027-01-04)"
    )
    assert (
        lines[1]
        == "row 4, departure.type: unknown value 'quit'; choose one of: resignation, end_of_contract, dismissal, retirement, mutual_agreement"
    )
    assert lines[2].startswith("row 4, manager.email: value is not a valid email address")
    assert lines[3] == f"nothing imported: fix these 3 problems in {path} and run again"
    assert await nothing_started(time_skipping_env.client, rows)


def test_a_dry_run_checks_every_row_without_reaching_temporal(offline_env, tmp_path):
    rows = [row(), row(notice_date="4-1-2027", last_working_day="29/01/2027")]
    path = tmp_path / "departures.csv"
    path.write_bytes(csv_bytes(rows))

    result = offboarding(["import", "departures", str(path), "--dry-run"], offline_env)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"row 2: valid: would register case {case_id(rows[0])}",
        f"row 3: valid: would register case offboarding-{rows[1]['employee_id']}-2027-01-04",
    ]
    assert "nothing registered" in result.stderr

    broken = tmp_path / "broken.csv"
    broken.write_bytes(csv_bytes([row(), row(notice_date="next monday")]))
    refused = offboarding(["import", "departures", str(broken), "--dry-run"], offline_env)
    assert refused.exit_code == 2
    assert (
        refused.stderr.splitlines()[0]
        == "row 3, departure.notice_date: 'next monday' is not a valid date; use YYYY-MM-DD"
    )


async def test_a_dry_run_starts_no_case(cli_env, worker, time_skipping_env, tmp_path):
    rows = [row(), row()]
    path = tmp_path / "departures.csv"
    path.write_bytes(csv_bytes(rows))

    result = await offboarding_in_thread(["import", "departures", str(path), "--dry-run", "--json"], cli_env)

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dry_run"] is True
    assert [item["result"] for item in report["rows"]] == ["valid", "valid"]
    assert await nothing_started(time_skipping_env.client, rows)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"employee_id,name,emial\r\nE1,Anouk,a@example.org\r\n", "row 1: unknown column 'emial'"),
        (csv_bytes([row()], columns=[c for c in COLUMNS if c != "notice_date"]), "row 1: missing column: notice_date"),
        (csv_bytes([]), "file: no departures in the file: only the header row"),
        (b"", "file: the file is empty"),
        ("employee_id;name\r\nE1;Zoë\r\n".encode("cp1252"), "file: not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_a_departure_list_is_refused(offline_env, tmp_path, content, expected):
    path = tmp_path / "departures.csv"
    path.write_bytes(content)

    result = offboarding(["import", "departures", str(path)], offline_env)

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(expected)


def test_the_same_departure_twice_in_one_file_is_refused(offline_env, tmp_path):
    first = row()
    path = tmp_path / "departures.csv"
    path.write_bytes(csv_bytes([first, row(), dict(first, name="Anouk de Vries-Peeters")]))

    result = offboarding(["import", "departures", str(path)], offline_env)

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith("row 4: the same departure as row 2")


def test_a_missing_file_is_named(offline_env, tmp_path):
    result = offboarding(["import", "departures", str(tmp_path / "nope.csv")], offline_env)

    assert result.exit_code == 2
    assert result.stderr.startswith(f"{tmp_path / 'nope.csv'}: cannot read it")


def test_an_excel_file_in_dutch_is_read():
    # Excel in Dutch: a byte order mark, semicolons between columns, dates as D-M-YYYY, capitalised values.
    values = row(
        employee_id="E77",
        type="Resignation",
        notice_date="4-1-2027",
        last_working_day="29-1-2027",
        equipment="Laptop;Sleutels",
    )
    content = "\ufeff".encode() + csv_bytes([values], delimiter=";")

    [departure] = csv_import.read(content)

    reg = departure.registration
    assert departure.row == 2
    assert departure.case_id == "offboarding-E77-2027-01-04"
    assert reg.departure.last_working_day == date(2027, 1, 29)
    assert reg.departure.type == "resignation"
    assert [item.name for item in reg.equipment] == ["Laptop", "Sleutels"]
    assert reg.successor is None


# The REST API.


async def test_the_api_imports_an_uploaded_file(http, worker, mail_store):
    rows = [row(), row()]

    response = await http.post(
        "/api/imports/departures", files={"file": ("departures.csv", csv_bytes(rows), "text/csv")}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["dry_run"], body["registered"], body["already_registered"]) == (False, 2, 0)
    assert [(item["row"], item["case_id"], item["result"]) for item in body["rows"]] == [
        (2, case_id(rows[0]), "registered"),
        (3, case_id(rows[1]), "registered"),
    ]
    assert body["rows"][0]["status_url"] == f"http://offboarding.test/api/cases/{case_id(rows[0])}"
    for values in rows:
        await eventually(lambda: len(announcements(mail_store, case_id(values))) == 3)

    again = await http.post("/api/imports/departures", content=csv_bytes(rows), headers={"Content-Type": "text/csv"})

    assert again.status_code == 200
    assert [item["result"] for item in again.json()["rows"]] == ["already_registered", "already_registered"]


async def test_the_api_refuses_a_file_with_a_bad_row_and_starts_nothing(http, worker, time_skipping_env):
    rows = [row(), row(), row(work_email="")]

    response = await http.post(
        "/api/imports/departures", content=csv_bytes(rows), headers={"Content-Type": "text/csv; charset=utf-8"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Nothing was imported: 1 problem to fix."
    assert body["problems"] == [
        {
            "row": 4,
            "field": "employee.work_email",
            "column": "work_email",
            "message": "required: fill in column work_email",
            "text": "row 4, employee.work_email: required: fill in column work_email",
        }
    ]
    assert await nothing_started(time_skipping_env.client, rows)


async def test_the_api_dry_run_registers_nothing(http, worker, time_skipping_env):
    rows = [row()]

    response = await http.post(
        "/api/imports/departures", params={"dry_run": "true"}, files={"file": ("d.csv", csv_bytes(rows), "text/csv")}
    )

    assert response.status_code == 200
    assert response.json()["rows"] == [{"row": 2, "case_id": case_id(rows[0]), "result": "valid", "status_url": None}]
    assert await nothing_started(time_skipping_env.client, rows)


async def test_the_api_says_how_to_send_the_file(http):
    as_json = await http.post("/api/imports/departures", json={"rows": []})
    no_file = await http.post("/api/imports/departures", files={"other": ("d.csv", b"x", "text/csv")})

    assert as_json.status_code == 415
    assert "text/csv" in as_json.json()["detail"]
    assert no_file.status_code == 400
    assert "`file`" in no_file.json()["detail"]


async def test_a_large_file_registers_many_rows_at_once_and_an_interruption_names_the_first_row_left(monkeypatch):
    departures = csv_import.read(csv_bytes([row() for _ in range(40)]))
    in_flight, most = 0, 0
    cut_off, failing = departures[25].row, departures[25].case_id

    async def starting(client, registration, task_queue):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        if registration.case_id == failing:
            raise service.CaseUnavailable(registration.case_id)
        return service.RegistrationResult(case_id=registration.case_id, created=True)

    monkeypatch.setattr(service, "register", starting)
    with pytest.raises(csv_import.ImportInterrupted) as interrupted:
        await csv_import.register_all(None, departures, "queue")
    assert most > 1
    assert interrupted.value.row == cut_off
    assert [done.row for done in interrupted.value.done] == [d.row for d in departures[:25]]

    first = departures[:25]
    results = await csv_import.register_all(None, first, "queue")
    assert [result.case_id for result in results] == [d.case_id for d in first]
