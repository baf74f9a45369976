"""No mail goes out twice for the same purpose: not on a retried activity, not on an SMTP hiccup,
not when the worker process is killed in the middle of sending."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from datetime import timedelta
from aiosmtpd.controller import Controller
from sqlalchemy import select

from activities.mail import MailActivities
from activities.mail_templates import MailTemplates
from cases import service
from mailsink.server import MaildirHandler
from mailsink.store import MailStore
from models.mail import MailRequest
from models.registration import Registration
from models.tables import Case, SentMail
from tests.support import eventually, free_port, registration_data

ROOT = Path(__file__).resolve().parent.parent


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


class StallingHandler(MaildirHandler):
    """Holds the manager's announcement in the middle of the SMTP conversation until told to drop it."""

    def __init__(self, store: MailStore, stall_for: str) -> None:
        super().__init__(store)
        self.stall_for = stall_for
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.stall_for in envelope.rcpt_tos and not self.release.is_set():
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "421 4.4.2 Connection dropped"
        return await super().handle_DATA(server, session, envelope)


def _start_worker(settings, task_queue: str, address: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "OFFBOARDING_TEMPORAL_ADDRESS": address,
        "OFFBOARDING_TASK_QUEUE": task_queue,
        "OFFBOARDING_DATABASE_URL": settings.database_url,
        "OFFBOARDING_SMTP_PORT": str(settings.smtp_port),
        "OFFBOARDING_DATA_DIR": str(settings.data_dir),
        "OFFBOARDING_HR_EMAIL": settings.hr_email,
        "OFFBOARDING_FACILITIES_EMAIL": settings.facilities_email,
    }
    return subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def test_a_worker_killed_mid_send_leaves_every_mail_delivered_once(dev_server_env, settings, sessions, task_queue, tmp_path):
    store = MailStore(tmp_path / "stalling")
    registration = Registration.model_validate(registration_data())
    handler = StallingHandler(store, stall_for=registration.manager.email)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    worker_settings = settings.model_copy(update={"smtp_port": port})
    address = dev_server_env.client.service_client.config.target_host
    log = tmp_path / "worker.log"
    worker = _start_worker(worker_settings, task_queue, address, log)
    try:
        await service.register(dev_server_env.client, registration, task_queue)
        await eventually(handler.stalled.is_set, timeout=60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        handler.release.set()

        worker = _start_worker(worker_settings, task_queue, address, log)
        # The killed attempt misses its heartbeat on the server and is retried on the new worker.
        try:
            announcements = await eventually(lambda: len(_announcements(store)) == 3 and _announcements(store), timeout=180)
        except AssertionError as err:
            raise AssertionError(f"{err}\nworker output:\n{log.read_text()[-4000:]}") from None
    finally:
        worker.kill()
        worker.wait(timeout=10)
        controller.stop()

    assert sorted(m.to for m in announcements) == sorted([registration.manager.email, "hr@example.org", "facilities@example.org"])
    await asyncio.sleep(1)
    assert len(_announcements(store)) == 3
    async with sessions() as session:
        rows = (await session.execute(select(SentMail).where(SentMail.case_id == registration.case_id, SentMail.purpose == "announcement"))).scalars().all()
        assert sorted(row.status for row in rows) == ["sent", "sent", "sent"]
