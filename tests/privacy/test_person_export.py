"""Right of access: HR exports everything held about one person as JSON (API, case page, CLI); the export is audited."""

import asyncio
import json
import os
import stat

from typer.testing import CliRunner

from cli.main import app as cli
from tests.support import unique
from tests.support.auth import another_client, csrf_token, signed_in_as
from tests.support.privacy import (
    FREE_TEXT,
    audit_entries,
    interviewed_case,
    stored_case,
    with_traces,
)


async def test_the_export_holds_everything_about_the_person_and_nothing_of_others(http, sessions):
    registration = await interviewed_case(sessions)
    await with_traces(sessions, registration)
    someone_else = await interviewed_case(sessions)
    hr = await signed_in_as(http, sessions, ["hr"])
    employee = registration.employee

    response = await http.get(f"/api/people/{employee.id}/export")

    assert response.status_code == 200, response.text
    export = response.json()
    assert export["employee_id"] == employee.id
    [case] = export["cases"]
    assert case["case"]["id"] == registration.case_id and case["case"]["employee_name"] == employee.name
    assert case["registration"]["employee"]["private_email"] == str(employee.private_email)
    # Mails sent to the person themselves: the one to the manager is not theirs to see.
    assert [(m["purpose"], m["recipient"]) for m in case["mails"]] == [
        ("interview:invitation", str(employee.work_email))
    ]
    assert case["mails"][0]["subject"] and case["mails"][0]["created_at"]
    assert case["interview"]["record"]["went_well"] == FREE_TEXT
    assert (
        case["interview"]["consent"]["scope"] == "advice_and_experiences"
        and case["interview"]["consent"]["text_version"] == "2026-11"
    )
    assert case["interview_draft"]["answers"]["went_well"].endswith(FREE_TEXT)
    assert {event["type"] for event in export["events"]} == {"employee.resigned", "employee.last_day_changed"}
    assert someone_else.case_id not in json.dumps(export)
    # The export is on the audit log, and the export shows it.
    [entry] = await audit_entries(sessions, action="person.exported", subject=employee.id)
    assert entry.actor == hr and entry.actor_role == "hr" and entry.detail == {"cases": 1, "events": 2}
    assert "person.exported" in [e["action"] for e in export["audit_log"]]


async def test_only_hr_may_export_and_an_unknown_person_is_not_found(http, sessions):
    registration = await stored_case(sessions)
    assert (await http.get(f"/api/people/{registration.employee.id}/export")).status_code == 401, (
        "never without an account"
    )
    async with another_client(http) as other:
        await signed_in_as(other, sessions, ["manager", "admin"])
        assert (await other.get(f"/api/people/{registration.employee.id}/export")).status_code == 403
    await signed_in_as(http, sessions, ["hr"])
    missing = await http.get(f"/api/people/{unique()}/export")
    assert missing.status_code == 404 and "Nothing is held" in missing.json()["detail"]
    assert (await http.get("/api/people/not%20an%20id/export")).status_code == 422
    assert not await audit_entries(sessions, action="person.exported", subject=registration.employee.id)


async def test_hr_downloads_the_export_from_the_case_page(http, sessions):
    registration = await interviewed_case(sessions)
    await signed_in_as(http, sessions, ["hr"])

    page = await http.get(f"/cases/{registration.case_id}")
    assert page.status_code == 200 and 'id="person-export"' in page.text and 'id="person-erase"' in page.text
    download = await http.post(f"/people/{registration.employee.id}/export", data={"csrf_token": csrf_token(page.text)})

    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith(
        f'attachment; filename="personal-data-{registration.employee.id}-'
    )
    assert download.json()["cases"][0]["interview"]["record"]["went_well"] == FREE_TEXT
    refused = await http.post(
        f"/people/{registration.employee.id}/export", data={"csrf_token": "wrong"}, headers={"X-CSRF-Token": "wrong"}
    )
    assert refused.status_code == 403


async def test_the_command_line_writes_the_export_to_a_file_only_its_user_reads(settings, sessions, tmp_path):
    registration = await interviewed_case(sessions)
    out = tmp_path / "export.json"
    env = {
        "OFFBOARDING_DATABASE_URL": settings.database_url,
        "OFFBOARDING_DATA_DIR": str(settings.data_dir),
        "OFFBOARDING_TEMPORAL_ADDRESS": "127.0.0.1:1",
    }
    runner = CliRunner()

    result = await asyncio.to_thread(
        runner.invoke, cli, ["person", "export", registration.employee.id, "--out", str(out)], env=env
    )

    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["cases"][0]["case"]["id"] == registration.case_id
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    [entry] = await audit_entries(sessions, action="person.exported", subject=registration.employee.id)
    assert entry.actor.startswith("command line (")

    unknown = await asyncio.to_thread(runner.invoke, cli, ["person", "export", unique()], env=env)
    assert unknown.exit_code == 4 and "nothing is held" in unknown.output
