"""Access at the end of employment, against a real SCIM 2.0 server (``scim2-server`` from PyPI, run as its own
process) and on the time-skipping Temporal server: the account is switched off (``PATCH active=false``, never
deleted) at the end of the last working day in the organisation's time zone, or at once on HR's word; a moved last
day moves it, a withdrawal cancels it; not found, a refused token and a server that keeps failing reach HR and
IT/facilities. Without a SCIM endpoint the moment is a signed ``access.revoke`` webhook and a task for
IT/facilities. The evidence is on the case, its page, the API, the audit log and the person's export."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from activities.access import ACCESS_RETRY
from cases.service import ActionRejected
from models.access import ACCESS_TASK_TITLES, AccessRevocation, RevokeAccessNow
from models.actors import Actor, Role
from models.audit import AuditLogRow
from models.handover import MoveLastDay, Withdraw
from tests.support import eventually, unique
from tests.support.api import register
from tests.support.auth import another_client, post_form, signed_in_as
from tests.support.case_driver import HR, CaseDriver
from tests.support.scim import TOKEN, FaultProxy, ScimServer
from tests.support.webhooks import SECRET, Receiver, valid_signature
from worker import build_worker

ZONE = ZoneInfo("Europe/Amsterdam")  # the default policy's time zone


@pytest.fixture
def scim():
    server = ScimServer().start()
    yield server
    server.stop()


def scim_settings(settings, url: str, token: str = TOKEN):
    return settings.model_copy(update={"scim_url": url, "scim_token": SecretStr(token)})


@pytest.fixture
async def scim_worker(time_skipping_env, settings, sessions, task_queue, scim):
    async with build_worker(
        time_skipping_env.client, scim_settings(settings, scim.url), sessions, task_queue=task_queue
    ) as running:
        yield running


async def start_case(env, mail_store, sessions, task_queue, employee_id: str) -> CaseDriver:
    return await CaseDriver.start(env, mail_store, sessions, task_queue, employee_id=employee_id)


def local(day, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZONE)


async def evidence(sessions, case_id: str) -> AccessRevocation | None:
    async with sessions() as session:
        return (
            await session.execute(select(AccessRevocation).where(AccessRevocation.case_id == case_id))
        ).scalar_one_or_none()


async def audit_entries(sessions, employee_id: str, action: str) -> list[AuditLogRow]:
    async with sessions() as session:
        query = select(AuditLogRow).where(AuditLogRow.subject == employee_id, AuditLogRow.action == action)
        return list((await session.execute(query)).scalars())


async def access_state(case: CaseDriver, state: str):
    async def reached():
        view = await case.view()
        return view if view.access is not None and view.access.state == state else None

    return await eventually(reached, timeout=30)


async def test_a_moved_last_day_moves_the_end_of_access_to_the_end_of_the_new_day(
    time_skipping_env, scim_worker, scim, mail_store, sessions, task_queue
):
    employee_id = unique()
    account = await scim.add_user(f"{employee_id.lower()}@example.org")
    case = await start_case(time_skipping_env, mail_store, sessions, task_queue, employee_id)
    first = (await case.view()).last_working_day
    later = first + timedelta(days=7)
    await case.act(MoveLastDay(actor=HR, last_working_day=later))

    await case.skip_until(local(first + timedelta(days=1), time(8)))
    assert (await scim.user(account)).active is True, "the old last day no longer ends access"
    await case.skip_until(local(later, time(23, 50)))
    assert (await scim.user(account)).active is True, "still the last working day"
    view = await case.view()
    assert view.access.state == "scheduled" and view.access.due_at == local(later + timedelta(days=1), time(0))

    await case.skip_until(local(later + timedelta(days=1), time(0, 10)))
    view = await access_state(case, "deactivated")
    user = await scim.user(account)
    assert user.active is False and user.id == account, "switched off, not deleted"
    row = await evidence(sessions, case.case_id)
    assert (row.outcome, row.account_id, row.response_status, row.immediate) == ("deactivated", account, 204, False)
    assert f"PATCH /Users/{account} → 204" in row.answer and row.done_at == view.access.done_at
    assert view.access.account_id == account and any(entry.event == "access_deactivated" for entry in view.timeline)
    [entry] = await audit_entries(sessions, employee_id, "access.revoked")
    assert entry.actor == "system" and entry.detail["account_id"] == account and entry.detail["status"] == 204
    await case.skip(20)
    await case.wait_for_status("closed", timeout=30)
    assert not case.mails("access_failed")


async def test_hr_ends_access_at_once_and_only_hr_may(
    time_skipping_env, scim_worker, scim, mail_store, sessions, task_queue
):
    employee_id = unique()
    account = await scim.add_user(f"{employee_id.lower()}@example.org")
    case = await start_case(time_skipping_env, mail_store, sessions, task_queue, employee_id)

    with pytest.raises(ActionRejected, match="only HR"):
        await case.act(RevokeAccessNow(actor=case.manager, reason="x"))
    answer = await case.act(RevokeAccessNow(actor=HR, reason="Ontslag op staande voet"))
    assert answer.immediate and answer.requested_by == "hr@example.org"

    await access_state(case, "deactivated")
    assert (await scim.user(account)).active is False
    row = await evidence(sessions, case.case_id)
    assert (row.outcome, row.immediate, row.requested_by) == ("deactivated", True, "hr@example.org")
    [entry] = await audit_entries(sessions, employee_id, "access.revoked")
    assert entry.actor == "hr@example.org" and entry.actor_role == "hr" and entry.detail["immediate"] is True
    with pytest.raises(ActionRejected, match="access is already deactivated"):
        await case.act(RevokeAccessNow(actor=HR))


async def test_a_withdrawal_cancels_the_end_of_access(
    time_skipping_env, scim_worker, scim, mail_store, sessions, task_queue
):
    employee_id = unique()
    account = await scim.add_user(f"{employee_id.lower()}@example.org")
    case = await start_case(time_skipping_env, mail_store, sessions, task_queue, employee_id)

    await case.act(Withdraw(actor=HR, reason="Blijft toch"))
    await case.wait_for_status("withdrawn", timeout=30)
    # The case has ended: nothing is left that could switch the account off later.
    await time_skipping_env.client.get_workflow_handle(case.case_id).result()

    assert (await scim.user(account)).active is True
    assert await evidence(sessions, case.case_id) is None
    assert (await case.view()).access.state == "cancelled"


async def test_an_account_that_is_not_found_is_escalated_to_hr_and_it(
    time_skipping_env, scim_worker, scim, mail_store, sessions, task_queue
):
    employee_id = unique()
    await scim.add_user("someone.else@example.org")
    case = await start_case(time_skipping_env, mail_store, sessions, task_queue, employee_id)

    await case.act(RevokeAccessNow(actor=HR))
    view = await access_state(case, "escalated")

    assert view.access.outcome == "not_found"
    mails = await case.wait_for_mail("access_failed", count=2)
    assert {mail.to for mail in mails} == {"hr@example.org", "facilities@example.org"}
    row = await evidence(sessions, case.case_id)
    assert (row.outcome, row.account_id, row.response_status, row.attempts) == ("not_found", None, 200, 1)
    assert "GET /Users" in row.answer and f"{employee_id.lower()}@example.org" in row.answer
    [entry] = await audit_entries(sessions, employee_id, "access.revoke_failed")
    assert entry.detail["outcome"] == "not_found"
    assert (await scim.users('userName eq "someone.else@example.org"'))[0].active is True


async def test_a_refused_token_is_escalated_at_once(
    time_skipping_env, settings, sessions, task_queue, scim, mail_store
):
    employee_id = unique()
    account = await scim.add_user(f"{employee_id.lower()}@example.org")
    wrong = scim_settings(settings, scim.url, token="a-token-the-server-does-not-know")
    async with build_worker(time_skipping_env.client, wrong, sessions, task_queue=task_queue):
        case = await start_case(time_skipping_env, mail_store, sessions, task_queue, employee_id)
        await case.act(RevokeAccessNow(actor=HR))
        view = await access_state(case, "escalated")
        mails = await case.wait_for_mail("access_failed", count=2)

    assert view.access.outcome == "refused"
    row = await evidence(sessions, case.case_id)
    assert (row.outcome, row.response_status, row.attempts) == ("refused", 401, 1), "a refused token is not asked again"
    assert "a-token-the-server-does-not-know" not in row.answer and TOKEN not in row.answer
    assert {mail.to for mail in mails} == {"hr@example.org", "facilities@example.org"}
    assert "refuses our token" in next(mail.text for mail in mails if mail.to == "facilities@example.org")
    assert (await scim.user(account)).active is True


async def test_server_errors_are_retried_until_the_account_is_switched_off(
    time_skipping_env, settings, sessions, task_queue, scim, mail_store
):
    employee_id = unique()
    account = await scim.add_user(f"{employee_id.lower()}@example.org")
    async with (
        FaultProxy(scim.port) as proxy,
        build_worker(time_skipping_env.client, scim_settings(settings, proxy.url), sessions, task_queue=task_queue),
    ):
        case = await start_case(time_skipping_env, mail_store, sessions, task_queue, employee_id)
        proxy.failures = 2
        await case.act(RevokeAccessNow(actor=HR))
        await case.skip(1 / 24)  # the retries' backoff, on the skipping clock
        await access_state(case, "deactivated")

    assert proxy.refused == 2
    assert (await scim.user(account)).active is False
    row = await evidence(sessions, case.case_id)
    assert (row.outcome, row.attempts, row.response_status) == ("deactivated", 3, 204)
    assert not case.mails("access_failed")


async def test_a_server_that_stays_down_is_escalated_after_the_last_attempt(
    time_skipping_env, settings, sessions, task_queue, scim, mail_store
):
    employee_id = unique()
    account = await scim.add_user(f"{employee_id.lower()}@example.org")
    async with (
        FaultProxy(scim.port) as proxy,
        build_worker(time_skipping_env.client, scim_settings(settings, proxy.url), sessions, task_queue=task_queue),
    ):
        case = await start_case(time_skipping_env, mail_store, sessions, task_queue, employee_id)
        proxy.failures = 1000
        await case.act(RevokeAccessNow(actor=HR))
        await case.skip(1 / 24)  # every retry's backoff, on the skipping clock
        view = await access_state(case, "escalated")
        await case.wait_for_mail("access_failed", count=2)

    assert view.access.outcome == "failed" and "503" in view.access.answer
    row = await evidence(sessions, case.case_id)
    assert (row.outcome, row.attempts, row.response_status) == ("failed", ACCESS_RETRY.maximum_attempts, 503)
    assert row.done_at is not None
    [entry] = await audit_entries(sessions, employee_id, "access.revoke_failed")
    assert entry.detail["outcome"] == "failed"
    assert (await scim.user(account)).active is True


async def test_the_account_is_found_by_external_id_when_so_configured(
    time_skipping_env, settings, sessions, task_queue, scim, mail_store
):
    employee_id = unique()
    account = await scim.add_user("a.devries@example.org", external_id=employee_id)
    by_id = scim_settings(settings, scim.url).model_copy(update={"scim_match": "external_id"})
    async with build_worker(time_skipping_env.client, by_id, sessions, task_queue=task_queue):
        case = await start_case(time_skipping_env, mail_store, sessions, task_queue, employee_id)
        await case.act(RevokeAccessNow(actor=Actor(email="hr@example.org", role=Role.HR)))
        await access_state(case, "deactivated")

    assert (await scim.user(account)).active is False
    assert (await evidence(sessions, case.case_id)).account_id == account


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
async def event_worker(time_skipping_env, settings, sessions, task_queue, receiver):
    told = settings.model_copy(update={"webhook_urls": [receiver.url], "webhook_secret": SECRET})
    async with build_worker(time_skipping_env.client, told, sessions, task_queue=task_queue) as running:
        yield running


async def test_without_scim_the_moment_is_a_signed_event_and_it_has_a_task(
    time_skipping_env, event_worker, receiver, mail_store, sessions, task_queue
):
    employee_id = unique()
    case = await start_case(time_skipping_env, mail_store, sessions, task_queue, employee_id)
    view = await case.view()
    [task] = [task for task in view.tasks if task.source == "access"]
    assert task.assignee_email == "facilities@example.org" and task.due_date == view.last_working_day
    assert task.title == (
        "End Anouk de Vries's access at the end of the last working day (switch accounts off, do not delete them)"
    ), "in IT/facilities' language"
    assert view.access.method == "event" and view.access.task_id == task.id
    listing = await case.wait_for_mail("tasks_assigned", to="facilities@example.org")
    assert "End Anouk de Vries's access at the end of the last working day" in listing[0].text

    await case.skip_until(local(view.last_working_day, time(23, 50)))
    assert not receiver.events("access.revoke")
    await case.skip_until(local(view.last_working_day + timedelta(days=1), time(0, 10)))
    await access_state(case, "published")
    [request] = await eventually(lambda: receiver.events("access.revoke"))
    assert valid_signature(request)
    data = request["event"]["data"]
    assert (data["employee_id"], data["work_email"], data["immediate"]) == (
        employee_id,
        f"{employee_id.lower()}@example.org",
        False,
    )
    row = await evidence(sessions, case.case_id)
    assert (row.method, row.outcome, row.account_id) == ("event", "published", None)
    [entry] = await audit_entries(sessions, employee_id, "access.revoked")
    assert entry.detail["method"] == "event"


async def test_without_scim_hr_ending_access_at_once_tells_it_now(
    time_skipping_env, event_worker, receiver, mail_store, sessions, task_queue
):
    case = await start_case(time_skipping_env, mail_store, sessions, task_queue, unique())

    await case.act(RevokeAccessNow(actor=HR, reason="Ontslag op staande voet"))

    [mail] = await case.wait_for_mail("access_now", to="facilities@example.org")
    assert "with immediate effect" in mail.text and "Ontslag op staande voet" in mail.text
    [request] = await eventually(lambda: receiver.events("access.revoke"))
    assert request["event"]["data"]["immediate"] is True


async def test_hr_ends_access_from_the_case_page_and_the_api_shows_the_evidence(http, worker, mail_store, sessions):
    case = await register(http, mail_store)
    refused = await case.post("access/revoke-now", {"actor": {"email": "bram.janssens@example.org", "role": "manager"}})
    assert refused.status_code == 409 and refused.json()["code"] == "hr_only"

    browser = another_client(http)
    await signed_in_as(browser, sessions, ["hr"], language="nl")
    page = await browser.get(f"/cases/{case.id}")
    assert "Toegang" in page.text and "Gepland" in page.text and "Toegang nu beëindigen" in page.text
    done = await post_form(
        browser, f"/cases/{case.id}", f"/cases/{case.id}/access/revoke-now", {"reason": "Ontslag op staande voet"}
    )
    assert done.status_code == 303

    async def evidence_shown():
        detail = (await http.get(case.url)).json()
        return detail if detail["access_evidence"] and detail["live"]["access"]["state"] == "published" else None

    detail = await eventually(evidence_shown)
    assert detail["access_evidence"]["outcome"] == "published" and detail["access_evidence"]["immediate"] is True
    assert detail["live"]["access"]["state"] == "published" and detail["live"]["access"]["requested_by"].startswith(
        "hr"
    )
    page = await browser.get(f"/cases/{case.id}")
    assert "Doorgegeven aan IT/facilitair en andere systemen" in page.text and 'id="revoke-access-now"' not in page.text
    again = await case.post("access/revoke-now", {"actor": {"email": "hr@example.org", "role": "hr"}})
    assert again.status_code == 409 and again.json()["code"] == "access_already_ending"


async def test_the_evidence_is_in_the_persons_export_and_goes_with_anonymisation(
    time_skipping_env, scim_worker, scim, mail_store, sessions, task_queue
):
    from privacy import retention
    from privacy.audit import SYSTEM
    from privacy.export import export_person

    employee_id = unique()
    account = await scim.add_user(f"{employee_id.lower()}@example.org")
    case = await start_case(time_skipping_env, mail_store, sessions, task_queue, employee_id)
    await case.act(RevokeAccessNow(actor=HR))
    await access_state(case, "deactivated")

    async with sessions() as session:
        exported = await export_person(session, employee_id)
    assert exported.cases[0].access["account_id"] == account and exported.cases[0].access["outcome"] == "deactivated"
    async with sessions.begin() as session:
        assert await retention.anonymise_case(session, case.case_id, reason="retention", by=SYSTEM)
    assert await evidence(sessions, case.case_id) is None
    async with sessions() as session:
        assert (
            not (await session.execute(select(AccessRevocation).where(AccessRevocation.account_id == account)))
            .scalars()
            .all()
        )


def test_dutch_it_reads_the_access_task_in_dutch_from_the_catalogue():
    assert ACCESS_TASK_TITLES["nl"] % {"name": "Anouk de Vries"} == (
        "Toegang van Anouk de Vries beëindigen aan het einde van de laatste werkdag (accounts uitschakelen, niet "
        "verwijderen)"
    )
