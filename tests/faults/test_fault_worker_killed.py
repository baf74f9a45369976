"""The worker process dies (SIGKILL) and another one takes over.

On the real dev server, with ``python worker.py`` processes and a real aiosmtpd: a worker killed in the
middle of sending, or while a case waits between its steps, leaves nothing lost and nothing doubled. The
case goes on under the new worker, people's actions still work (also one asked for while no worker ran),
the case runs to its close, and each mail arrived exactly once."""

import asyncio
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mailsink.server import MaildirHandler
from mailsink.store import MailStore
from models.tables import Case, CaseTaskRow, SentMail
from tests.support import serve
from tests.support.fault import (
    SmtpServer,
    WorkerProcess,
    act,
    assert_every_mail_once,
    departure,
    live,
    mail_counts,
    mail_settled,
    register,
    sent_rows,
    task_of,
)

# Real processes and real time: `make test-fast` leaves this module out.
pytestmark = pytest.mark.slow

MANAGER = "bram.janssens@example.org"
FACILITIES = "facilities@example.org"


class StallingHandler(MaildirHandler):
    """Holds the mail to one address in the middle of the SMTP conversation until told to drop it."""

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


async def test_a_worker_killed_mid_send_leaves_every_mail_delivered_once(
    dev_server_env, settings, sessions, task_queue, tmp_path
):
    store = MailStore(tmp_path / "mail")
    handler = StallingHandler(store, stall_for=FACILITIES)
    smtp = SmtpServer(handler).start()
    app_settings = settings.model_copy(update={"smtp_port": smtp.port, "task_queue": task_queue})
    address = dev_server_env.client.service_client.config.target_host
    log = tmp_path / "worker.log"
    first = WorkerProcess(app_settings, task_queue, address, log).start()
    second = WorkerProcess(app_settings, task_queue, address, log)
    try:
        async with serve(app_settings, dev_server_env.client) as http:
            case_id = await register(http, departure())
            # The announcement's mails go out one after the other over one connection: manager, HR, facilities, then the task lists.
            before = {("announcement", MANAGER), ("announcement", "hr@example.org")}

            async def stalled_after_the_first_two():
                rows = await sent_rows(sessions, case_id)
                return (
                    handler.stalled.is_set()
                    and set(rows) == before
                    and all(row.status == "sent" for row in rows.values())
                )

            # Killed while the facilities mail is in the middle of the SMTP conversation (the two before it are done).
            await first.wait_for(stalled_after_the_first_two, timeout=90)
            first.kill()
            handler.release.set()

            second.start()
            # The killed attempt misses its heartbeat on the server and is retried on the new worker.
            announced = {
                ("announcement", MANAGER),
                ("announcement", "hr@example.org"),
                ("announcement", "facilities@example.org"),
            }
            await second.wait_for(lambda: announced <= set(mail_counts(store, case_id)), timeout=180)
            await second.wait_for(lambda: mail_settled(dev_server_env.client, case_id), timeout=60)
            counts = await assert_every_mail_once(store, sessions, case_id)
            assert any(purpose == "tasks_assigned" for purpose, _ in counts)
            async with sessions() as session:
                rows = (
                    (
                        await session.execute(
                            select(SentMail).where(SentMail.case_id == case_id, SentMail.purpose == "announcement")
                        )
                    )
                    .scalars()
                    .all()
                )
            assert sorted(row.status for row in rows) == ["sent", "sent", "sent"]
    finally:
        first.kill()
        second.kill()
        smtp.stop()


async def test_a_worker_killed_between_steps_leaves_the_case_to_the_next_one_which_closes_it(
    dev_server_env, settings, sessions, task_queue, tmp_path
):
    store = MailStore(tmp_path / "mail")
    smtp = SmtpServer(MaildirHandler(store)).start()
    app_settings = settings.model_copy(update={"smtp_port": smtp.port, "task_queue": task_queue})
    address = dev_server_env.client.service_client.config.target_host
    log = tmp_path / "worker.log"
    first = WorkerProcess(app_settings, task_queue, address, log).start()
    second = WorkerProcess(app_settings, task_queue, address, log)
    # Given two weeks ago: the last working day can later be moved to yesterday, which lets the case close today.
    notice = date.today() - timedelta(days=14)
    data = departure()
    data["departure"]["notice_date"] = notice.isoformat()
    try:
        async with serve(app_settings, dev_server_env.client) as http:
            await first.polling()
            case_id = await register(http, data)
            employee = data["employee"]["work_email"]
            # Announced, tasks handed out, interview invited: the case now waits for people and its timers.
            case = await live(
                http,
                case_id,
                lambda view: (
                    view["steps"]["announcement"] == "done"
                    and view["interview"]
                    and view["interview"]["invitations_sent"]
                ),
            )
            assignees = {task["assignee_email"] for task in case["live"]["tasks"]}
            await first.wait_for(lambda: ("interview:invitation", employee) in mail_counts(store, case_id), timeout=60)
            await first.wait_for(lambda: mail_settled(dev_server_env.client, case_id), timeout=60)

            first.kill()
            # HR acts while no worker runs: the update waits on the server for the next worker.
            manager_task = task_of(case["live"], MANAGER)
            hr_task = task_of(case["live"], "hr@example.org")
            pending = asyncio.create_task(act(http, case_id, f"tasks/{hr_task['id']}/complete", {"comment": "klaar"}))
            await asyncio.sleep(0)
            second.start()
            done = await asyncio.wait_for(pending, timeout=120)
            assert done["state"] == "done" and done["completed_by"] == "hr@example.org"

            # The manager ticks off their own task; HR does the rest, takes the equipment back and notes the declined interview.
            manager = {"email": MANAGER, "role": "manager"}
            ticked = await http.post(
                f"/api/cases/{case_id}/tasks/{manager_task['id']}/complete", json={"actor": manager}
            )
            assert ticked.status_code == 200, ticked.text
            for task in (await live(http, case_id))["live"]["tasks"]:
                if task["state"] == "open":
                    await act(http, case_id, f"tasks/{task['id']}/complete", {})
            for item in case["live"]["equipment"]:
                await act(http, case_id, f"equipment/{item['id']}/return", {})
            declined = await act(http, case_id, "interview/decline", {"reason": "geen behoefte"})
            assert declined["status"] == "declined"
            yesterday = date.today() - timedelta(days=1)
            await act(
                http, case_id, "last-working-day", {"last_working_day": yesterday.isoformat(), "reason": "eerder weg"}
            )

            async def closed():
                case = await http.get(f"/api/cases/{case_id}")
                record = case.json()["record"] if case.status_code == 200 else None
                return record if record and record["status"] == "closed" else None

            final = await second.wait_for(closed, timeout=120)
            assert final["summary"]["open_tasks"] == [] and final["summary"]["missing_equipment"] == []
            await second.wait_for(lambda: ("case_closed", "hr@example.org") in mail_counts(store, case_id), timeout=60)
            await second.wait_for(lambda: mail_settled(dev_server_env.client, case_id), timeout=60)

        counts = await assert_every_mail_once(store, sessions, case_id)
        moved = f"last_day_moved:{yesterday}"
        expected = {
            ("announcement", MANAGER),
            ("announcement", "hr@example.org"),
            ("announcement", "facilities@example.org"),
            *(("tasks_assigned", assignee) for assignee in assignees),
            ("interview:invitation", employee),
            ("interview:interview_declined", "hr@example.org"),
            (moved, MANAGER),
            (moved, "hr@example.org"),
            (moved, "facilities@example.org"),
            ("case_closed", "hr@example.org"),
        }
        assert set(counts) == expected
        # The workflow ends after the closing mail: it publishes the closed case once more and lets its handlers finish.
        handle = dev_server_env.client.get_workflow_handle(case_id)

        async def completed():
            return (await handle.describe()).status.name == "COMPLETED"

        await second.wait_for(completed, timeout=60)
        # The read model converged on what the case holds, although a worker died between its writes.
        async with sessions() as session:
            row = await session.get(Case, case_id)
            await session.refresh(row)
            tasks = (await session.execute(select(CaseTaskRow).where(CaseTaskRow.case_id == case_id))).scalars().all()
        assert (row.status, row.tasks_done, row.tasks_total, row.items_returned, row.items_total) == (
            "closed",
            len(tasks),
            len(tasks),
            2,
            2,
        )
        assert all(task.state == "done" for task in tasks) and row.last_working_day == yesterday
        assert second.alive()
    finally:
        first.kill()
        second.kill()
        smtp.stop()
