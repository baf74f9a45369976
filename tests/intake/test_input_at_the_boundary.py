"""What people type is checked where it comes in, the same way on every road: the API, the CLI, the CSV import and
the events from the HR system (the HR form: tests/web/test_pages.py). Invisible characters that turn text around or hide
it are refused naming the field; dates no departure has are refused naming the field; addresses are kept in lower
case. Data recorded earlier is read back as it was."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models.case import OffboardingInput
from models.recorded import RECORDED
from models.registration import Registration
from models.tables import Case
from tests.support import eventually, free_port, registration_data
from tests.support.api import invited, register
from tests.support.auth import another_client
from tests.support.cli import errors, offboarding, registration_flags
from tests.support.environment import TEST_DATA_CONVERTER
from tests.support.events import SECRET, cloud_event, send
from tests.support.imports import csv_bytes, row
from tests.support.links import invitation_link, opened

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: what follows shows reversed, "Anouk \u202eseirV ed" reads "Anouk de Vries"
LRI, PDI = "\u2066", "\u2069"  # LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE
ZWSP = "\u200b"  # ZERO WIDTH SPACE
FAR = date(9999, 6, 1)
LATER = date(9999, 12, 31)


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"events_secret": SECRET})


@pytest.fixture
def offline_env(tmp_path) -> dict[str, str]:
    return {"OFFBOARDING_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}", "OFFBOARDING_DATA_DIR": str(tmp_path)}


def locations(response) -> set[tuple]:
    assert response.status_code == 422, response.text
    return {tuple(error["loc"]) for error in response.json()["detail"]}


# Invisible characters.


async def test_the_api_refuses_invisible_characters_in_every_text_of_a_registration(http):
    data = registration_data(successor={"name": f"Sam{ZWSP}Peeters", "email": "sam@example.org"})
    data["employee"]["name"] = f"Anouk{RLO}seirV ed"
    data["employee"]["department"] = f"{LRI}Finance{PDI}"
    data["employee"]["job_title"] = f"Controller{ZWSP}"
    data["equipment"] = [{"name": "Laptop"}, {"name": "\u202aBadge"}]
    data["extra_tasks"] = [{"title": f"Dossier{RLO} overdragen"}]
    data["note"] = f"Gaat naar{LRI} de concurrent"

    response = await http.post("/api/cases", json=data)

    assert locations(response) == {
        ("body", "employee", "name"),
        ("body", "employee", "department"),
        ("body", "employee", "job_title"),
        ("body", "successor", "name"),
        ("body", "equipment", 1, "name"),
        ("body", "extra_tasks", 0, "title"),
        ("body", "note"),
    }
    name_error = next(error for error in response.json()["detail"] if error["loc"] == ["body", "employee", "name"])
    assert name_error["type"] == "invisible_character"
    assert (
        name_error["msg"]
        == "contains an invisible character (U+202E RIGHT-TO-LEFT OVERRIDE) that can change how the text reads; remove it"
    )


async def test_the_api_refuses_invisible_characters_in_comments_and_reasons(http):
    case_url = "/api/cases/offboarding-E1-2027-01-04"
    hr = {"email": "hr@example.org", "role": "hr"}

    comment = await http.post(f"{case_url}/tasks/t1/complete", json={"actor": hr, "comment": f"klaar{RLO}"})
    reason = await http.post(f"{case_url}/withdraw", json={"actor": hr, "reason": f"blijft{ZWSP}"})
    title = await http.post(
        f"{case_url}/tasks",
        json={
            "actor": hr,
            "title": f"{LRI}Sleutels",
            "assignee_email": "sam@example.org",
            "due_working_days_before": 2,
        },
    )

    assert locations(comment) == {("body", "comment")}
    assert locations(reason) == {("body", "reason")}
    assert locations(title) == {("body", "title")}


async def test_line_breaks_tabs_joiners_and_any_script_are_welcome(http, worker):
    data = registration_data()
    data["employee"]["name"] = "Zoë Ñúñez-Øberg"
    data["employee"]["department"] = "مالية"  # right-to-left text itself is fine; only the invisible controls are not
    data["employee"]["job_title"] = "Developer 👩\u200d💻"  # an emoji spelled with a zero-width joiner
    data["note"] = "Eerste regel\nTweede regel\tmet tab"

    response = await http.post("/api/cases", json=data)

    assert response.status_code == 201, response.text


def test_the_cli_refuses_invisible_characters_naming_the_flag(offline_env):
    result = offboarding(
        ["register", *registration_flags(name=f"Anouk{RLO}seirV ed", department=f"{LRI}Finance")], offline_env
    )

    assert result.exit_code == 2
    assert errors(result) == [
        "--name: contains an invisible character (U+202E RIGHT-TO-LEFT OVERRIDE) that can change how the text reads; remove it",
        "--department: contains an invisible character (U+2066 LEFT-TO-RIGHT ISOLATE) that can change how the text reads; remove it",
    ]


def test_a_csv_row_with_invisible_characters_imports_nothing(offline_env, tmp_path):
    path = tmp_path / "departures.csv"
    path.write_bytes(csv_bytes([row(), row(manager_name=f"Bram{RLO} Janssens")]))

    result = offboarding(["import", "departures", str(path), "--dry-run"], offline_env)

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "row 3, manager.name: contains an invisible character (U+202E RIGHT-TO-LEFT OVERRIDE) that can change how the text reads; remove it"
    )


async def test_an_event_with_invisible_characters_is_rejected_naming_the_field(http):
    data = registration_data()
    data["employee"]["name"] = f"Anouk{RLO}seirV ed"

    response = await send(http, cloud_event("employee.resigned", data))

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["data", "employee", "name"]
    withdrawn = await send(
        http,
        cloud_event(
            "employee.resignation_withdrawn", {"employee_id": "E1", "notice_date": "2027-01-04", "reason": f"x{ZWSP}"}
        ),
    )
    assert withdrawn.status_code == 422 and withdrawn.json()["errors"][0]["loc"] == ["data", "reason"]


# Dates no departure has.


async def test_the_api_refuses_dates_no_departure_has_naming_the_field(http):
    far = await http.post("/api/cases", json=registration_data(notice_date=FAR, last_working_day=LATER))
    ancient = await http.post(
        "/api/cases", json=registration_data(notice_date=date(1, 1, 1), last_working_day=date(1, 2, 1))
    )
    last_day = await http.post("/api/cases", json=registration_data(notice_date=date.today(), last_working_day=LATER))
    team = registration_data(
        notice_date=date.today(),
        last_working_day=date.today() + timedelta(days=30),
        team_email="team@example.org",
        team_announcement_date=LATER.isoformat(),
    )
    announced = await http.post("/api/cases", json=team)

    assert locations(far) == {("body", "departure", "notice_date")}
    assert far.json()["detail"][0]["msg"].startswith("the notice date (9999-06-01) is more than two years from today")
    assert locations(ancient) == {("body", "departure", "notice_date")}
    assert locations(last_day) == {("body", "departure", "last_working_day")}
    assert locations(announced) == {("body", "team_announcement_date")}


def test_the_cli_refuses_a_notice_date_far_from_today(offline_env):
    result = offboarding(
        ["register", *registration_flags(notice_date="9999-06-01", last_day="9999-12-31")], offline_env
    )

    assert result.exit_code == 2
    [line] = errors(result)
    assert line.startswith(
        f"--notice-date: the notice date (9999-06-01) is more than two years from today ({date.today()})"
    )


def test_a_csv_row_with_a_notice_date_far_from_today_imports_nothing(offline_env, tmp_path):
    path = tmp_path / "departures.csv"
    path.write_bytes(csv_bytes([row(), row(notice_date="9999-06-01", last_working_day="9999-12-31")]))

    result = offboarding(["import", "departures", str(path), "--dry-run"], offline_env)

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(
        "row 3, departure.notice_date: the notice date (9999-06-01) is more than two years from today"
    )


async def test_an_event_with_a_notice_date_far_from_today_is_rejected(http):
    response = await send(
        http, cloud_event("employee.resigned", registration_data(notice_date=FAR, last_working_day=LATER))
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["data", "departure", "notice_date"]


# Addresses.


async def test_addresses_given_in_capitals_are_stored_in_lower_case(http, worker, sessions):
    data = registration_data(successor={"name": "Sam Peeters", "email": "Sam.Peeters@Example.ORG"})
    data["employee"]["work_email"] = data["employee"]["work_email"].upper()
    data["manager"]["email"] = "Bram.Janssens@Example.org"

    response = await http.post("/api/cases", json=data)

    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]

    async def stored():
        async with sessions() as session:
            return (await session.execute(select(Case).where(Case.id == case_id))).scalar_one_or_none()

    case = await eventually(stored)
    assert (case.work_email, case.manager_email) == (
        data["employee"]["work_email"].lower(),
        "bram.janssens@example.org",
    )
    assert case.registration["successor"]["email"] == "sam.peeters@example.org"


# Recorded data is read back as it was.


async def test_a_history_recorded_with_capitals_and_controls_reads_back_unchanged():
    """A case registered before these rules keeps its registration in its history; it must replay exactly
    (whole recorded cases: tests/workflows/test_replay.py)."""
    data = registration_data(notice_date=date(2020, 1, 6), last_working_day=date(2020, 1, 31))
    data["employee"]["name"] = f"Anouk{RLO}seirV ed"
    data["manager"]["email"] = "Bram.Janssens@Example.org"
    recorded = Registration.model_validate(data, context=RECORDED)
    [payload] = await TEST_DATA_CONVERTER.encode([OffboardingInput(registration=recorded)])

    [read] = await TEST_DATA_CONVERTER.decode([payload], [OffboardingInput])

    assert read.registration.employee.name == f"Anouk{RLO}seirV ed"
    assert read.registration.manager.email == "Bram.Janssens@example.org"
    assert read.registration.departure.notice_date == date(2020, 1, 6)
    with pytest.raises(ValueError):
        Registration.model_validate(data)  # the same registration, new, is refused


async def test_the_employee_hears_in_their_language_that_a_decline_reason_holds_an_invisible_character(
    http, worker, mail_store
):
    case = await register(http, mail_store)
    await invited(case)
    url = await invitation_link(case)
    employee = another_client(http)
    token = await opened(employee, url)

    declined = await employee.post(f"{url}/decline", data={"reason": f"Liever{RLO} niet", "csrf_token": token})

    assert declined.status_code == 409
    assert "Haal het onzichtbare teken U+202E RIGHT-TO-LEFT OVERRIDE weg" in declined.text
    assert (await case.interview())["status"] == "invited"
    await employee.aclose()
