"""No mail goes out twice for the same purpose: not on a retried activity, not on an SMTP hiccup.
(A worker process killed in the middle of sending: tests/test_fault_worker_killed.py.)"""

import pytest
from datetime import timedelta
from aiosmtpd.controller import Controller

from activities.mail import MailActivities
from activities.mail_templates import MailTemplates
from cases import service
from mailsink.server import MaildirHandler
from mailsink.store import MailStore
from models.mail import MailRequest
from models.registration import Registration
from models.tables import Case
from tests.support import eventually, free_port, registration_data


async def _store_case(sessions, registration: Registration) -> None:
    from activities.cases import CaseActivities
    from models.records import StoreCaseInput

    await CaseActivities(None, sessions).store_case(StoreCaseInput(case_id=registration.case_id, registration=registration))


async def test_a_retried_send_does_not_mail_again(settings, sessions, mail_store):
    registration = Registration.model_validate(registration_data())
    await _store_case(sessions, registration)
    activities = MailActivities(settings, sessions, MailTemplates())
    request = MailRequest(
        case_id=registration.case_id,
        purpose="announcement",
        template="announcement_hr",
        to="hr@example.org",
        language="nl",
        context={
            "case_url": "http://x/cases/1",
            "organisation_name": "Voorbeeld BV",
            "employee_id": "E1",
            "employee_name": "Anouk",
            "job_title": "Controller",
            "department": "Finance",
            "manager_name": "Bram",
            "departure_type": "resignation",
            "notice_date": "2027-01-04",
            "last_working_day": "2027-01-29",
            "equipment": [],
        },
    )

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


async def test_a_temporary_smtp_failure_is_retried_and_delivered_once(time_skipping_env, settings, sessions, task_queue, tmp_path):
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
