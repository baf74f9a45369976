"""No mail goes out twice for the same purpose: not on a retried activity, not on an SMTP hiccup, not when a batch
of mails is cut short. (A worker process killed in the middle of sending: tests/faults/test_fault_worker_killed.py.)"""

from collections import Counter
from datetime import timedelta

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller

from activities.mail import MailActivities
from activities.mail_templates import MailTemplates
from cases import service
from mailsink.server import MaildirHandler
from mailsink.store import MailStore
from models.mail import MailBatch
from models.registration import Registration
from tests.support import eventually, free_port, registration_data
from tests.support.fault import RefusingHandler, SmtpServer, sent_rows
from tests.support.mail import announcement


async def _store_case(sessions, registration: Registration) -> None:
    from activities.cases import CaseActivities
    from models.records import StoreCaseInput

    await CaseActivities(None, sessions).store_case(
        StoreCaseInput(case_id=registration.case_id, registration=registration)
    )


async def test_a_retried_send_does_not_mail_again(settings, sessions, mail_store):
    registration = Registration.model_validate(registration_data())
    await _store_case(sessions, registration)
    activities = MailActivities(settings, sessions, MailTemplates())
    request = announcement(registration.case_id, "hr@example.org")

    first = await activities.send_mail(request)
    second = await activities.send_mail(request)

    assert not first.already_sent and second.already_sent
    assert first.message_id == second.message_id
    assert len(mail_store.all()) == 1


class FlakyHandler(MaildirHandler):
    """Refuses the first message with a temporary error, as a busy mail server does."""

    def __init__(self, store: MailStore) -> None:
        super().__init__(store)
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refused == 0:
            self.refused += 1
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


async def test_a_temporary_smtp_failure_is_retried_and_delivered_once(
    time_skipping_env, settings, sessions, task_queue, tmp_path
):
    from worker import build_worker

    store = MailStore(tmp_path / "flaky")
    handler = FlakyHandler(store)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        flaky_settings = settings.model_copy(update={"smtp_port": port})
        async with build_worker(time_skipping_env.client, flaky_settings, sessions, task_queue=task_queue):
            registration = Registration.model_validate(registration_data())
            await service.register(time_skipping_env.client, registration, task_queue)
            await time_skipping_env.sleep(timedelta(minutes=2))
            announcements = await eventually(lambda: len(_announcements(store)) == 3 and _announcements(store))
    finally:
        controller.stop()
    assert handler.refused == 1
    assert len({m.to for m in announcements}) == 3


def _announcements(store: MailStore):
    return [m for m in store.all() if m.purpose == "announcement"]


class CountingHandler(RefusingHandler):
    """Counts the conversations (connections) and answers 451 to the DATA of one address a number of times."""

    def __init__(
        self, store: MailStore, *, unknown: set[str] = frozenset(), fail_data_for: str = "", failures: int = 0
    ) -> None:
        super().__init__(store, unknown=unknown)
        self.conversations = 0
        self.fail_data_for, self.failures = fail_data_for, failures

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.conversations += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.fail_data_for in envelope.rcpt_tos and self.failures > 0:
            self.failures -= 1
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


BATCH = ["manager@example.org", "hr@example.org", "facilities@example.org", "kim@example.org", "nobody@example.org"]


async def _send_batch(settings, sessions, handler: CountingHandler, case_id: str):
    smtp = SmtpServer(handler).start()
    try:
        mail = MailActivities(settings.model_copy(update={"smtp_port": smtp.port}), sessions, MailTemplates())
        return await mail.send_mails(MailBatch(requests=[announcement(case_id, to) for to in BATCH]))
    finally:
        smtp.stop()


async def test_a_batch_goes_out_in_one_conversation_and_a_refused_address_stops_nothing(settings, sessions, tmp_path):
    registration = Registration.model_validate(registration_data())
    await _store_case(sessions, registration)
    store = MailStore(tmp_path / "batch")
    handler = CountingHandler(store, unknown={"nobody@example.org"})

    receipts = await _send_batch(settings, sessions, handler, registration.case_id)

    assert handler.conversations == 1
    assert [receipt.refused is not None for receipt in receipts] == [False, False, False, False, True]
    assert receipts[-1].refused.startswith("550 5.1.1")
    assert sorted(m.to for m in store.all()) == sorted(BATCH[:-1])
    rows = await sent_rows(sessions, registration.case_id)
    assert {to: rows[("announcement", to)].status for to in BATCH} == {
        **dict.fromkeys(BATCH[:-1], "sent"),
        "nobody@example.org": "rejected",
    }

    # The same batch again (a retried activity, a replayed case): nothing goes out, each receipt says why.
    again = await _send_batch(
        settings, sessions, CountingHandler(store, unknown={"nobody@example.org"}), registration.case_id
    )
    assert all(receipt.already_sent for receipt in again)
    assert [receipt.refused for receipt in again] == [receipt.refused for receipt in receipts]
    assert len(store.all()) == 4


async def test_a_batch_cut_short_by_a_busy_server_sends_only_the_rest_when_retried(settings, sessions, tmp_path):
    registration = Registration.model_validate(registration_data())
    await _store_case(sessions, registration)
    store = MailStore(tmp_path / "batch")
    handler = CountingHandler(store, fail_data_for="facilities@example.org", failures=1)

    with pytest.raises(aiosmtplib.SMTPDataError) as busy:
        await _send_batch(settings, sessions, handler, registration.case_id)
    assert busy.value.code == 451
    assert sorted(m.to for m in store.all()) == ["hr@example.org", "manager@example.org"]

    retried = await _send_batch(settings, sessions, handler, registration.case_id)

    assert [receipt.already_sent for receipt in retried] == [True, True, False, False, False]
    counts = Counter(m.to for m in store.all())
    assert counts == Counter(dict.fromkeys(BATCH, 1))
    assert len({m.message_id for m in store.all()}) == len(BATCH)
