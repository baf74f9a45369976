"""The mail server fails: it is down for a while, or it refuses an address for good.

On the real dev server, with the worker as its own process and a real aiosmtpd: a mail server that is
down is waited out (the case runs on, people keep acting and get their answer at once) and every mail
arrives exactly once when it is back; an address refused with 5xx is recorded, shown to HR and not
tried again, while a 4xx is retried until it goes through."""

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.cases import CaseActivities
from activities.mail import MailActivities, message_id_for
from activities.mail_templates import MailTemplates
from mailsink.server import MaildirHandler
from mailsink.store import MailStore
from models.mail import MailBatch
from models.records import StoreCaseInput
from models.registration import Registration
from models.tables import SentMail
from tests.support import free_port, registration_data, serve
from tests.support.auth import signed_in_as
from tests.support.fault import (
    RefusingHandler,
    SmtpServer,
    act,
    answered,
    assert_every_mail_once,
    departure,
    live,
    mail_counts,
    mail_settled,
    pending_attempts,
    register,
    sent_rows,
    task_of,
    worker_process,
)
from tests.support.mail import announcement
from workflows.activity_calls import MAIL_RETRY

# Real processes and real time: `make test-fast` leaves this module out.
pytestmark = pytest.mark.slow

MANAGER = "bram.janssens@example.org"
ANNOUNCED = {("announcement", MANAGER), ("announcement", "hr@example.org"), ("announcement", "facilities@example.org")}


def test_mail_retries_wait_out_an_outage_of_hours():
    # Attempts come ever further apart, up to a cap, and never stop: after an outage of any length the mail
    # follows within the cap; a refused address (MailRejected) is the only end.
    assert MAIL_RETRY.maximum_attempts == 0
    assert MAIL_RETRY.backoff_coefficient >= 1.5
    assert MAIL_RETRY.initial_interval <= timedelta(seconds=10)
    assert timedelta(minutes=1) <= MAIL_RETRY.maximum_interval <= timedelta(minutes=15)
    assert MAIL_RETRY.non_retryable_error_types == ["MailRejected"]


async def _stored_case(sessions) -> str:
    registration = Registration.model_validate(registration_data())
    await CaseActivities(None, sessions).store_case(
        StoreCaseInput(case_id=registration.case_id, registration=registration)
    )
    return registration.case_id


class RefusingData(MaildirHandler):
    """Takes the recipient, then refuses the message itself for good."""

    def __init__(self, store: MailStore) -> None:
        super().__init__(store)
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        self.refused += 1
        return "554 5.6.0 Message rejected: content policy"


async def test_a_mail_refused_for_good_is_recorded_and_not_sent_again(settings, sessions, tmp_path):
    case_id = await _stored_case(sessions)
    store = MailStore(tmp_path / "mail")
    unknown, refused = RefusingHandler(store, unknown={"nobody@example.org"}), RefusingData(store)
    for handler, to, reply in ((unknown, "nobody@example.org", "550 5.1.1"), (refused, "hr@example.org", "554 5.6.0")):
        smtp = SmtpServer(handler).start()
        try:
            mail = MailActivities(settings.model_copy(update={"smtp_port": smtp.port}), sessions, MailTemplates())
            first = await mail.send_mail(announcement(case_id, to))
            again = await mail.send_mail(announcement(case_id, to))
        finally:
            smtp.stop()
        assert first.refused.startswith(reply) and not first.already_sent
        assert again.already_sent and again.refused == first.refused
        row = (await sent_rows(sessions, case_id))[("announcement", to)]
        assert (row.status, row.error) == ("rejected", first.refused)
    assert unknown.refused["nobody@example.org"] == 1 and refused.refused == 1
    assert not store.all()


async def test_an_answer_a_timed_out_attempt_could_not_record_is_recorded_by_the_next_without_mailing_again(
    settings, sessions
):
    # The previous attempt had the server's 250 but not the database: it kept the answer in its heartbeat.
    case_id = await _stored_case(sessions)
    request = announcement(case_id, "hr@example.org")
    async with sessions.begin() as session:
        session.add(
            SentMail(
                case_id=case_id,
                purpose="announcement",
                recipient="hr@example.org",
                message_id=message_id_for(request),
                subject="x",
                status="sending",
            )
        )
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, heartbeat_details=["sent", None])
    nowhere = settings.model_copy(update={"smtp_port": free_port()})  # no mail server: nothing may be sent

    receipt = await env.run(MailActivities(nowhere, sessions, MailTemplates()).send_mail, request)

    assert receipt.already_sent and receipt.refused is None
    assert (await sent_rows(sessions, case_id))[("announcement", "hr@example.org")].status == "sent"


async def test_in_a_batch_the_answer_an_attempt_could_not_record_is_recorded_and_only_the_rest_is_sent(
    settings, sessions, tmp_path
):
    # The previous attempt sent the first two mails of the batch: the first is recorded, the server's 250 for the
    # second is only in that attempt's last heartbeat (the database went away), the third was never sent.
    case_id = await _stored_case(sessions)
    batch = [announcement(case_id, to) for to in ("manager@example.org", "hr@example.org", "facilities@example.org")]
    async with sessions.begin() as session:
        session.add(
            SentMail(
                case_id=case_id,
                purpose="announcement",
                recipient="manager@example.org",
                message_id=message_id_for(batch[0]),
                subject="x",
                status="sent",
            )
        )
    store = MailStore(tmp_path / "mail")
    smtp = SmtpServer(MaildirHandler(store)).start()
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, heartbeat_details=["sent", None, message_id_for(batch[1])])
    try:
        mail = MailActivities(settings.model_copy(update={"smtp_port": smtp.port}), sessions, MailTemplates())
        receipts = await env.run(mail.send_mails, MailBatch(requests=batch))
    finally:
        smtp.stop()

    assert [receipt.already_sent for receipt in receipts] == [True, True, False]
    assert [m.to for m in store.all()] == ["facilities@example.org"]
    rows = await sent_rows(sessions, case_id)
    assert {
        to: rows[("announcement", to)].status
        for to in ("manager@example.org", "hr@example.org", "facilities@example.org")
    } == dict.fromkeys(("manager@example.org", "hr@example.org", "facilities@example.org"), "sent")


async def _running(tmp_path, dev_server_env, settings, task_queue, smtp: SmtpServer):
    """The worker (a process) and the web app, both sending through ``smtp``'s port."""
    app_settings = settings.model_copy(update={"smtp_port": smtp.port, "task_queue": task_queue})
    address = dev_server_env.client.service_client.config.target_host
    return app_settings, worker_process(app_settings, task_queue, address, tmp_path / "worker.log")


async def test_a_case_registered_while_the_mail_server_is_down_waits_and_mails_each_once(
    dev_server_env, settings, sessions, task_queue, tmp_path
):
    store = MailStore(tmp_path / "mail")
    smtp = SmtpServer(MaildirHandler(store))  # not started: its port refuses connections
    client = dev_server_env.client
    app_settings, running_worker = await _running(tmp_path, dev_server_env, settings, task_queue, smtp)
    try:
        async with running_worker as worker, serve(app_settings, client) as http:
            case_id = await register(http, departure())

            async def retrying():
                pending = await pending_attempts(client, case_id)
                return pending and all(attempt >= 2 and "connect" in failure.lower() for attempt, failure in pending)

            # The announcements (one activity for the mails of that moment) are being retried and the case is running, not failed.
            await worker.wait_for(retrying, timeout=90)
            case = await live(http, case_id, lambda view: view["tasks"])
            assert case["status"] == "open" and case["live"]["steps"]["announcement"] == "running"

            # People act while the mail server is still down, and get their answer at once.
            task = task_of(case["live"], MANAGER)
            handed = await answered(
                act(http, case_id, f"tasks/{task['id']}/reassign", {"assignee_email": "kim@example.org"}),
                "handing a task on",
            )
            assert handed["assignee_email"] == "kim@example.org"
            later = date.fromisoformat(case["last_working_day"]) + timedelta(days=7)
            moving = act(
                http, case_id, "last-working-day", {"last_working_day": later.isoformat(), "reason": "overdracht"}
            )
            moved = await answered(moving, "moving the last day")
            assert moved["last_working_day"] == later.isoformat()
            assert not smtp.running and not mail_counts(store, case_id)

            smtp.start()
            expected = ANNOUNCED | {
                (f"task_assigned:{task['id']}", "kim@example.org"),
                (f"last_day_moved:{later}", MANAGER),
                (f"last_day_moved:{later}", "hr@example.org"),
                (f"last_day_moved:{later}", "facilities@example.org"),
                ("interview:invitation", departure_email(case)),
            }
            await worker.wait_for(lambda: expected <= set(mail_counts(store, case_id)), timeout=120)
            await worker.wait_for(lambda: mail_settled(client, case_id), timeout=60)
            counts = await assert_every_mail_once(store, sessions, case_id)
            # The interview started after the move: one invitation, planned with the new day.
            assert [key for key in counts if key[0].startswith("interview:invitation")] == [
                ("interview:invitation", departure_email(case))
            ]
            done = await live(http, case_id, lambda view: view["steps"]["announcement"] == "done")
            assert done["status"] == "open"
    finally:
        smtp.stop()


def departure_email(case: dict) -> str:
    return case["record"]["work_email"]


async def test_updates_answer_at_once_while_the_mail_server_is_down(
    dev_server_env, settings, sessions, task_queue, tmp_path
):
    store = MailStore(tmp_path / "mail")
    smtp = SmtpServer(MaildirHandler(store)).start()
    client = dev_server_env.client
    app_settings, running_worker = await _running(tmp_path, dev_server_env, settings, task_queue, smtp)
    try:
        async with running_worker as worker, serve(app_settings, client) as http:
            case_id = await register(http, departure())
            case = await live(
                http,
                case_id,
                lambda view: (
                    view["steps"]["announcement"] == "done"
                    and view["interview"]
                    and view["interview"]["invitations_sent"]
                ),
            )
            employee = departure_email(case)
            await worker.wait_for(lambda: ("interview:invitation", employee) in mail_counts(store, case_id), timeout=60)
            await worker.wait_for(lambda: mail_settled(client, case_id), timeout=60)
            smtp.stop()

            # HR hands a task on, sends the invitation again and moves the last day: each answers while no mail can go out.
            task = task_of(case["live"], MANAGER)
            handing = act(
                http,
                case_id,
                f"tasks/{task['id']}/reassign",
                {"assignee_email": "kim@example.org", "comment": "Kim neemt over"},
            )
            handed = await answered(handing, "handing a task on")
            assert handed["assignee_email"] == "kim@example.org"
            resent = await answered(act(http, case_id, "interview/resend", {}), "sending the invitation again")
            assert resent["invitations_sent"] == 2
            later = date.fromisoformat(case["last_working_day"]) + timedelta(days=7)
            moved = await answered(
                act(http, case_id, "last-working-day", {"last_working_day": later.isoformat()}), "moving the last day"
            )
            assert moved["last_working_day"] == later.isoformat()

            async def waiting_for_the_server():
                # The task's new assignee, and the three mails about the moved last day in one activity.
                pending = await pending_attempts(client, case_id)
                return len(pending) >= 2 and all(attempt >= 2 for attempt, _ in pending)

            await worker.wait_for(waiting_for_the_server, timeout=90)
            assert not smtp.running
            before = set(mail_counts(store, case_id))

            smtp.start()
            expected = {
                (f"task_assigned:{task['id']}", "kim@example.org"),
                (f"last_day_moved:{later}", MANAGER),
                (f"last_day_moved:{later}", "hr@example.org"),
                (f"last_day_moved:{later}", "facilities@example.org"),
                ("interview:invitation:resent:2", employee),
                (f"interview:invitation:{later}", employee),
            }
            assert not expected & before
            await worker.wait_for(lambda: expected <= set(mail_counts(store, case_id)), timeout=120)
            await worker.wait_for(lambda: mail_settled(client, case_id), timeout=60)
            await assert_every_mail_once(store, sessions, case_id)
    finally:
        smtp.stop()


async def test_an_address_the_mail_server_refuses_is_shown_to_hr_and_not_tried_again(
    dev_server_env, settings, sessions, task_queue, tmp_path
):
    store = MailStore(tmp_path / "mail")
    typo = "kim.jansen@exmaple.org"
    # facilities@ is busy (4xx) twice, then takes its mail; the mistyped address is unknown (5xx) for good.
    handler = RefusingHandler(store, unknown={typo}, busy={"facilities@example.org": 2})
    smtp = SmtpServer(handler).start()
    client = dev_server_env.client
    app_settings, running_worker = await _running(tmp_path, dev_server_env, settings, task_queue, smtp)
    try:
        async with running_worker as worker, serve(app_settings, client) as http:
            case_id = await register(http, departure())
            await worker.wait_for(lambda: set(mail_counts(store, case_id)) >= ANNOUNCED, timeout=120)
            assert handler.refused["facilities@example.org"] == 2

            case = await live(http, case_id, lambda view: view["tasks"])
            task = task_of(case["live"], MANAGER)
            await act(http, case_id, f"tasks/{task['id']}/reassign", {"assignee_email": typo})

            async def refused():
                case = (await http.get(f"/api/cases/{case_id}")).json()
                return case["refused_mails"] or None

            [mail] = await worker.wait_for(refused, timeout=60)
            assert mail["recipient"] == typo and mail["purpose"] == f"task_assigned:{task['id']}"
            assert mail["reply"].startswith("550 5.1.1") and "User unknown" in mail["reply"]
            async with sessions() as session:
                row = (
                    await session.execute(
                        select(SentMail).where(SentMail.case_id == case_id, SentMail.recipient == typo)
                    )
                ).scalar_one()
            assert (row.status, row.error) == ("rejected", mail["reply"])

            # The case goes on: the refusal is in its timeline, and the task can be handed to the right address.
            timeline = (
                await live(http, case_id, lambda view: any(e["event"] == "mail_failed" for e in view["timeline"]))
            )["live"]["timeline"]
            assert any(
                typo in entry["detail"] and "550" in entry["detail"]
                for entry in timeline
                if entry["event"] == "mail_failed"
            )
            await act(http, case_id, f"tasks/{task['id']}/reassign", {"assignee_email": "kim.jansen@example.org"})
            await worker.wait_for(
                lambda: (f"task_assigned:{task['id']}", "kim.jansen@example.org") in mail_counts(store, case_id),
                timeout=60,
            )
            await worker.wait_for(lambda: mail_settled(client, case_id), timeout=60)
            assert handler.refused[typo] == 1, "a refused address is not asked again"
            assert (await live(http, case_id))["status"] == "open"
            await assert_every_mail_once(store, sessions, case_id)

            # HR sees it on the case page, in their language.
            await signed_in_as(http, sessions, ["hr"], language="en")
            page = await http.get(f"/cases/{case_id}")
            assert page.status_code == 200
            assert f"Mail to {typo} about" in page.text and "was refused by the mail server: 550 5.1.1" in page.text
            dutch = await http.get(f"/cases/{case_id}?lang=nl")
            assert (
                f"De mail aan {typo} over" in dutch.text and "is door de mailserver geweigerd: 550 5.1.1" in dutch.text
            )
    finally:
        smtp.stop()
