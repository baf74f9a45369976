"""The `offboarding` command line as HR uses it: what it refuses and why, and what it starts."""

import json
import re
from datetime import date, timedelta

import pytest
import yaml

from cases import service
from models.case import Step, StepState
from tests.support import eventually, registration_data, unique
from tests.support.cli import (
    errors,
    offboarding,
    offboarding_in_thread,
    registration_flags,
)

ALLOWED_TYPES = "resignation, end_of_contract, dismissal, retirement, mutual_agreement"


def announcements(mail_store):
    return [mail for mail in mail_store.all() if mail.purpose == "announcement"]


# Refused input: exit 2, one line per problem on stderr, naming the flag as typed.


def test_last_day_before_notice_date_names_the_flag(offline_env):
    result = offboarding(
        ["register", *registration_flags(notice_date="2027-02-01", last_day="2027-01-01")], offline_env
    )

    assert result.exit_code == 2
    assert errors(result) == ["--last-day: the last working day (2027-01-01) is before the notice date (2027-02-01)"]
    assert result.stdout == ""


def test_unknown_departure_type_lists_the_allowed_types(offline_env):
    result = offboarding(["register", *registration_flags(type="quit")], offline_env)

    assert result.exit_code == 2
    assert errors(result) == [f"--type: unknown value 'quit'; choose one of: {ALLOWED_TYPES}"]


def test_missing_manager_says_which_flags_are_needed(offline_env):
    result = offboarding(
        ["register", *registration_flags(manager_name=None, manager_email=None, manager_language=None)], offline_env
    )

    assert result.exit_code == 2
    assert errors(result) == ["manager: missing; give --manager-name and --manager-email"]


def test_half_a_manager_names_the_missing_flag(offline_env):
    result = offboarding(["register", *registration_flags(manager_email=None)], offline_env)

    assert result.exit_code == 2
    assert errors(result) == ["--manager-email: required"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"work_email": "anouk-at-example"}, "--work-email: value is not a valid email address"),
        ({"notice_date": "next monday"}, "--notice-date: 'next monday' is not a valid date; use YYYY-MM-DD"),
        ({"language": "fr"}, "--language: unknown value 'fr'; choose one of: nl, en"),
        ({"manager_language": "de"}, "--manager-language: unknown value 'de'; choose one of: nl, en"),
        ({"successor_name": "Sam Peeters"}, "--successor-email: required"),
        ({"team_announcement_date": "2027-13-01"}, "--team-announcement-date: '2027-13-01' is not a valid date"),
        ({"start_date": "2027-06-01"}, "--start-date: must be before --last-day"),
        ({"team_announcement_date": "2027-01-11"}, "--team-email: "),
        (
            {"employee_id": "E-1", "manager_email": "e-1@example.org"},
            "--manager-email: must not be the leaving employee's own address",
        ),
    ],
)
def test_each_invalid_flag_is_named(offline_env, change, expected):
    result = offboarding(["register", *registration_flags(**change)], offline_env)

    assert result.exit_code == 2
    [line] = errors(result)
    assert line.startswith(expected)


def test_an_empty_repeated_flag_is_named_with_its_position(offline_env):
    result = offboarding(["register", *registration_flags(), "--equipment", " "], offline_env)

    assert result.exit_code == 2
    assert errors(result) == ["--equipment #3: must not be empty"]


def test_every_problem_gets_its_own_line(offline_env):
    result = offboarding(
        ["register", "--employee-id", "E1", "--name", "Anouk de Vries", "--notice-date", "2027-01-04"], offline_env
    )

    assert result.exit_code == 2
    assert errors(result) == [
        "--work-email: required",
        "--department: required",
        "--job-title: required",
        "--type: required",
        "--last-day: required",
        "manager: missing; give --manager-name and --manager-email",
    ]


# The same data from a file: JSON or YAML in the registration's nested shape.


def write(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("name", ["departure.json", "departure.yaml"])
def test_file_problems_name_the_dotted_field(offline_env, tmp_path, name):
    data = registration_data(notice_date=date(2027, 2, 1))
    data["departure"]["last_working_day"] = "2027-01-01"
    data["employee"]["colour"] = "red"
    del data["manager"]["email"]

    result = offboarding(["register", "--file", write(tmp_path, name, data)], offline_env)

    assert result.exit_code == 2
    assert errors(result) == [
        "employee.colour: unknown field; expected one of: id, name, work_email, private_email, language, department, job_title, start_date",
        "departure.last_working_day: the last working day (2027-01-01) is before the notice date (2027-02-01)",
        "manager.email: missing from the file (or give --manager-email)",
    ]


def test_flags_override_the_file_and_are_named_as_flags(offline_env, tmp_path):
    data = registration_data(departure_type="quit")
    data["departure"]["last_working_day"] = "2026-01-01"
    path = write(tmp_path, "departure.yaml", data)

    result = offboarding(
        ["register", "--file", path, "--last-day", "2027-01-29", "--manager-email", "bram"], offline_env
    )

    assert result.exit_code == 2
    assert errors(result) == [
        f"departure.type: unknown value 'quit'; choose one of: {ALLOWED_TYPES}",
        "--manager-email: value is not a valid email address: An email address must have an @-sign.",
    ]


def test_unquoted_number_in_yaml_is_explained(offline_env, tmp_path):
    data = registration_data()
    data["employee"]["id"] = 4711

    result = offboarding(["register", "--file", write(tmp_path, "departure.yaml", data)], offline_env)

    assert result.exit_code == 2
    assert errors(result) == ["employee.id: expected text, got the number 4711; put it in quotes"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "broken.json",
            '{"employee": {"id": "E1",}}',
            "not valid JSON: Expecting property name enclosed in double quotes at line 1, column 26",
        ),
        (
            "broken.yaml",
            "employee:\n  id: [E1\n",
            "not valid YAML: expected ',' or ']', but got '<stream end>' at line 3, column 1",
        ),
        (
            "list.yaml",
            "- employee\n- departure\n",
            "expected the registration's fields (employee, departure, manager, ...) at the top, found a list",
        ),
        ("empty.yml", "", "the file is empty"),
    ],
)
def test_malformed_file_is_refused_with_the_reason(offline_env, tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    result = offboarding(["register", "--file", str(path)], offline_env)

    assert result.exit_code == 2
    assert errors(result) == [f"--file {path}: {reason}"]


def test_unreadable_file_is_refused_with_the_reason(offline_env, tmp_path):
    path = tmp_path / "missing.json"

    result = offboarding(["register", "--file", str(path), *registration_flags()], offline_env)

    assert result.exit_code == 2
    assert errors(result) == [f"--file {path}: cannot read it: No such file or directory"]


# Temporal or the database out of reach: exit 1 with a message, no traceback.


@pytest.mark.parametrize("command", [["register", *registration_flags()], ["show", "offboarding-E1-2027-01-04"]])
def test_unreachable_temporal_is_reported_without_a_traceback(offline_env, command):
    result = offboarding(command, offline_env)

    assert result.exit_code == 1
    address = offline_env["OFFBOARDING_TEMPORAL_ADDRESS"]
    assert errors(result) == [f"cannot reach Temporal at {address} (namespace default): Connection refused"]
    assert "Traceback" not in result.output


def test_list_before_migrate_says_to_migrate_and_works_after(tmp_path):
    env = {
        "OFFBOARDING_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}",
        "OFFBOARDING_DATA_DIR": str(tmp_path),
    }

    before = offboarding(["list"], env)
    migrated = offboarding(["migrate"], env)
    after = offboarding(["list", "--json"], env)

    assert before.exit_code == 1
    assert "run `offboarding migrate` first" in before.stderr
    assert migrated.exit_code == 0
    assert migrated.stdout.strip().endswith("is up to date")
    assert after.exit_code == 0
    assert json.loads(after.stdout) == []


def test_migrate_again_is_harmless(database_url, tmp_path):
    result = offboarding(["migrate"], {"OFFBOARDING_DATABASE_URL": database_url, "OFFBOARDING_DATA_DIR": str(tmp_path)})

    assert result.exit_code == 0


# Against the time-skipping Temporal test server with a worker.


async def test_register_starts_the_case_and_the_announcement_mails_go_out(worker, mail_store, cli_env):
    employee_id = unique()
    case_id = f"offboarding-{employee_id}-2027-01-04"

    result = await offboarding_in_thread(["register", *registration_flags(employee_id)], cli_env)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"registered: case {case_id}",
        f"see it at http://offboarding.test/cases/{case_id}",
    ]
    mails = await eventually(lambda: len(announcements(mail_store)) == 3 and announcements(mail_store))
    assert {mail.case_id for mail in mails} == {case_id}
    assert {mail.to for mail in mails} == {"bram.janssens@example.org", "hr@example.org", "facilities@example.org"}
    assert all("Anouk de Vries" in mail.subject for mail in mails)
    facilities_mail = next(mail for mail in mails if mail.to == "facilities@example.org")
    assert "Laptop, Badge" in facilities_mail.text


async def test_registering_the_same_departure_again_exits_3_with_the_case_id(
    time_skipping_env, worker, mail_store, cli_env
):
    flags = registration_flags()
    first = await offboarding_in_thread(["register", *flags], cli_env)
    case_id = first.stdout.split()[2]

    second = await offboarding_in_thread(["register", *flags], cli_env)

    assert first.exit_code == 0
    assert second.exit_code == 3
    assert errors(second)[0] == f"already registered: case {case_id}"
    assert second.stdout == ""
    await eventually(lambda: len(announcements(mail_store)) >= 3)
    await time_skipping_env.sleep(timedelta(minutes=5))
    assert len(announcements(mail_store)) == 3


@pytest.mark.parametrize("name", ["departure.json", "departure.yaml"])
async def test_register_from_a_file_with_an_overriding_flag(worker, cli_env, tmp_path, name):
    path = write(tmp_path, name, registration_data())

    result = await offboarding_in_thread(["register", "--file", path, "--last-day", "2027-02-26"], cli_env)

    assert result.exit_code == 0, result.output
    case_id = result.stdout.split()[2]
    shown = await offboarding_in_thread(["show", case_id, "--json"], cli_env)
    assert json.loads(shown.stdout)["last_working_day"] == "2027-02-26"


async def test_show_and_list_a_registered_case(time_skipping_env, worker, cli_env):
    department = unique("Dept")
    registered = await offboarding_in_thread(["register", *registration_flags(department=department)], cli_env)
    case_id = registered.stdout.split()[2]
    await eventually(lambda: _announced(time_skipping_env.client, case_id))

    shown = await offboarding_in_thread(["show", case_id], cli_env)
    shown_json = await offboarding_in_thread(["show", case_id, "--json"], cli_env)
    listed = await offboarding_in_thread(["list", "--department", department], cli_env)
    listed_json = await offboarding_in_thread(["list", "--department", department, "--json"], cli_env)
    closed = await offboarding_in_thread(["list", "--department", department, "--status", "closed", "--json"], cli_env)

    assert shown.exit_code == 0, shown.output
    assert re.search(r"^status\s+open$", shown.stdout, re.M)
    assert re.search(r"^\s+announcement\s+done$", shown.stdout, re.M)
    assert re.search(r"mail_sent\s+announcement_manager → bram.janssens@example.org", shown.stdout)
    assert f"http://offboarding.test/cases/{case_id}" in shown.stdout
    view = json.loads(shown_json.stdout)
    assert (view["case_id"], view["status"], view["steps"]["announcement"]) == (case_id, "open", "done")
    assert "case_opened" in [entry["event"] for entry in view["timeline"]]

    assert listed.exit_code == 0, listed.output
    header, row = listed.stdout.splitlines()
    assert header.split()[:3] == ["case", "employee", "department"]
    assert row.startswith(case_id) and "Anouk de Vries" in row and row.endswith("open")
    [record] = json.loads(listed_json.stdout)
    assert (record["case_id"], record["status"], record["last_working_day"]) == (case_id, "open", "2027-01-29")
    assert json.loads(closed.stdout) == []


async def _announced(client, case_id):
    view = await service.view(client, case_id)
    return view and view.steps[Step.ANNOUNCEMENT] == StepState.DONE


async def test_show_an_unknown_case_exits_4(cli_env):
    result = await offboarding_in_thread(["show", "offboarding-nobody-2027-01-04"], cli_env)

    assert result.exit_code == 4
    assert errors(result) == ["no case offboarding-nobody-2027-01-04"]
