"""The audit log: reading interview content and every admin change leave an entry, whoever acts through the
pages, the API or the command line; the database refuses to change or remove an entry; only admins read it."""

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from cli.main import app as cli
from models.audit import AuditLogRow
from privacy import audit
from privacy.audit import Auditor
from tests.support.auth import (
    another_client,
    make_account,
    post_form,
    sign_in,
    signed_in_as,
    unique_email,
)
from tests.support.privacy import audit_entries, interviewed_case


async def test_hr_reading_an_interview_record_is_logged_before_it_is_shown(http, sessions):
    registration = await interviewed_case(sessions)
    hr = await signed_in_as(http, sessions, ["hr"])

    page = await http.get(f"/cases/{registration.case_id}/interview")

    assert page.status_code == 200
    [entry] = await audit_entries(sessions, action="interview.read", subject=registration.employee.id)
    assert (entry.actor, entry.actor_role, entry.subject_type) == (hr, "hr", "person")
    assert entry.detail == {"case_id": registration.case_id}
    assert "Het team" not in str(entry.detail), "no free text in the log"


async def test_a_manager_shown_the_shared_points_is_logged(http, sessions):
    registration = await interviewed_case(sessions, manager_language="en")
    await make_account(sessions, str(registration.manager.email), ["manager"])
    await sign_in(http, str(registration.manager.email))

    page = await http.get(f"/my/cases/{registration.case_id}")

    assert page.status_code == 200
    [entry] = await audit_entries(sessions, action="interview.read", subject=registration.employee.id)
    assert entry.actor == str(registration.manager.email) and entry.actor_role == "manager"
    assert entry.detail["part"] == "manager_feedback"


async def test_admin_changes_to_accounts_are_logged_with_the_admin(http, sessions):
    admin = await signed_in_as(http, sessions, ["admin"])
    email = unique_email("new")
    created = await post_form(
        http,
        "/admin/accounts",
        "/admin/accounts",
        {"email": email, "name": "Nieuw", "roles": ["hr"], "language": "nl", "password": "long enough password"},
    )
    assert created.status_code == 303
    [entry] = await audit_entries(sessions, action="account.created", subject=email)
    assert (entry.actor, entry.actor_role) == (admin, "admin")
    assert entry.detail == {"roles": ["hr"], "password": True}, "the password itself is never logged"

    async with sessions() as session:
        account_id = (
            await session.execute(
                sa.select(sa.text("id")).select_from(sa.text("accounts")).where(sa.text("email = :e")), {"e": email}
            )
        ).scalar_one()
    switched = await post_form(http, "/admin/accounts", f"/admin/accounts/{account_id}/active")
    assert switched.status_code == 303
    [off] = await audit_entries(sessions, action="account.deactivated", subject=email)
    assert off.actor == admin


async def test_policy_and_checklist_changes_are_logged_with_what_changed(http, sessions):
    admin = await signed_in_as(http, sessions, ["admin"])
    changed = await http.patch(
        "/api/organisation/policy", json={"invitation_reminder_count": 3, "personal_data_retention_months": 36}
    )
    assert changed.status_code == 200, changed.text
    entry = (await audit_entries(sessions, action="policy.changed"))[-1]
    assert entry.actor == admin and entry.detail == {
        "changed": ["invitation_reminder_count", "personal_data_retention_months"]
    }

    template = {
        "name": "Sales",
        "department": "Sales",
        "items": [{"title": "Klanten overdragen", "assignee": "successor", "due_working_days_before": 5}],
    }
    # Ids of deleted templates come back on SQLite, so only what follows counts.
    before = max((e.id for e in await audit_entries(sessions)), default=0)
    created = await http.post("/api/checklists", json=template)
    assert created.status_code == 201, created.text
    template_id = str(created.json()["id"])
    assert (await http.delete(f"/api/checklists/{template_id}")).status_code == 204
    actions = [
        e.action for e in await audit_entries(sessions, subject=template_id, subject_type="checklist") if e.id > before
    ]
    assert actions == ["checklist.created", "checklist.deleted"]
    await http.patch(
        "/api/organisation/policy", json={"invitation_reminder_count": 2, "personal_data_retention_months": 24}
    )

    usual = {
        "hr": {"email": "hr@example.org", "language": "nl"},
        "facilities": {"email": "facilities@example.org", "language": "en"},
    }
    assert (await http.put("/api/organisation/contacts", json=usual)).status_code == 200
    assert (
        await http.put(
            "/api/organisation/contacts",
            json={**usual, "facilities": {"email": "it-desk@example.org", "language": "en"}},
        )
    ).status_code == 200
    entry = (await audit_entries(sessions, action="contacts.changed"))[-1]
    assert entry.actor == admin and entry.detail == {"changed": ["facilities_email"]}
    await http.put("/api/organisation/contacts", json=usual)


async def test_the_command_line_is_named_as_the_actor(settings, sessions):
    email = unique_email("cli")
    env = {"OFFBOARDING_DATABASE_URL": settings.database_url, "OFFBOARDING_DATA_DIR": str(settings.data_dir)}
    args = [
        "accounts",
        "add",
        "--email",
        email,
        "--name",
        "Via CLI",
        "--role",
        "hr",
        "--password",
        "long enough password",
    ]
    result = await asyncio.to_thread(CliRunner().invoke, cli, args, env=env)
    assert result.exit_code == 0, result.output

    [entry] = await audit_entries(sessions, action="account.created", subject=email)
    assert entry.actor.startswith("command line (") and entry.actor_role == "command_line"


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"])
async def test_the_database_refuses_to_change_or_remove_an_entry(sessions, statement):
    async with sessions.begin() as session:
        await audit.record(
            session,
            audit.AuditAction.POLICY_CHANGED,
            audit.SubjectType.POLICY,
            "default",
            by=Auditor("tester", frozenset({"admin"})),
        )
    async with sessions() as session:
        before = (await session.execute(sa.select(sa.func.count()).select_from(AuditLogRow))).scalar_one()
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(sa.text(statement))
        await session.rollback()
        after = (await session.execute(sa.select(sa.func.count()).select_from(AuditLogRow))).scalar_one()
        assert after == before
        assert (
            await session.execute(sa.text("SELECT count(*) FROM audit_log WHERE actor = 'someone else'"))
        ).scalar_one() == 0


async def test_only_admins_see_the_audit_log(http, sessions):
    registration = await interviewed_case(sessions)
    hr_client = another_client(http)
    async with hr_client:
        await signed_in_as(hr_client, sessions, ["hr"])
        assert (await hr_client.get(f"/cases/{registration.case_id}/interview")).status_code == 200
        assert (await hr_client.get("/admin/audit")).status_code == 403
        assert (await hr_client.get("/api/audit")).status_code == 403

    # No session: the audit log's API stays closed, whatever api_trust_body_actor says.
    assert (await http.get("/api/audit")).status_code == 401
    anonymous_page = await http.get("/admin/audit")
    assert anonymous_page.status_code in (302, 303, 307) and "/login" in anonymous_page.headers["location"]

    await signed_in_as(http, sessions, ["admin"])
    page = await http.get("/admin/audit", params={"subject": registration.employee.id})
    assert page.status_code == 200
    assert "Interview content read" in page.text and registration.employee.id in page.text

    api = await http.get("/api/audit", params={"action": "interview.read", "subject": registration.employee.id})
    assert api.status_code == 200
    body = api.json()
    assert body["total"] == 1 and body["entries"][0]["action"] == "interview.read"


async def test_the_log_filters_and_pages(http, sessions):
    by = Auditor(unique_email("paging"), frozenset({"admin"}))
    async with sessions.begin() as session:
        for number in range(3):
            await audit.record(
                session,
                audit.AuditAction.CHECKLIST_CREATED,
                audit.SubjectType.CHECKLIST,
                f"9{number}",
                {"name": f"T{number}"},
                by=by,
            )
    await signed_in_as(http, sessions, ["admin"])

    first = (await http.get("/api/audit", params={"actor": by.who.upper(), "per_page": 2})).json()
    second = (await http.get("/api/audit", params={"actor": by.who, "per_page": 2, "page": 2})).json()
    assert first["total"] == 3 and [e["subject"] for e in first["entries"]] == ["92", "91"], "newest first"
    assert [e["subject"] for e in second["entries"]] == ["90"]
    assert (await http.get("/api/audit", params={"actor": by.who, "action": "checklist."})).json()["total"] == 3
    assert (await http.get("/api/audit", params={"actor": by.who, "action": "account."})).json()["total"] == 0
    assert (await http.get("/api/audit", params={"since": "2020-01-01T00:00:00"})).status_code == 422

    page = await http.get("/admin/audit", params={"actor": by.who})
    assert page.status_code == 200 and "92" in page.text and "Checklist template added" in page.text


async def test_the_page_speaks_dutch(http, sessions):
    await signed_in_as(http, sessions, ["admin"], language="nl")
    page = await http.get("/admin/audit")
    assert page.status_code == 200
    assert "Auditlog" in page.text and "Filteren" in page.text
