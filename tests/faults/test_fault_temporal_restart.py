"""The Temporal server goes down and comes back, with its state in its SQLite file.

The real dev server is killed while a case is open and one of its timers (a task reminder) is pending,
stays down past the moment the timer was due, and is started again on the same port and file. The
worker process and the web app are left alone: they find the server again by themselves, the overdue
timer fires once, people's actions work again, and every mail of the case arrived exactly once.
While the server is down, the web app answers 503 for what needs it and shows the stored case."""

from datetime import UTC, datetime, time, timedelta

import pytest

from mailsink.server import MaildirHandler
from mailsink.store import MailStore
from tests.support import eventually, serve
from tests.support.fault import (
    DevServer,
    SmtpServer,
    act,
    assert_every_mail_once,
    departure,
    live,
    local_clock,
    mail_counts,
    mail_settled,
    midday_zone,
    policy,
    register,
    worker_process,
)

# Real processes and real time: `make test-fast` leaves this module out.
pytestmark = pytest.mark.slow

DOWN = "The service that runs the cases cannot be reached right now. Please try again in a moment."
# From setting the policy to stopping the server: registering, planning and adding a task, on a loaded machine.
TIMER_AFTER_SECONDS = 75


async def test_cases_resume_after_the_temporal_server_restarts(settings, sessions, task_queue, tmp_path):
    store = MailStore(tmp_path / "mail")
    smtp = SmtpServer(MaildirHandler(store)).start()
    server = await DevServer(tmp_path / "temporal.db").start()
    client = await server.connect()
    app_settings = settings.model_copy(
        update={"smtp_port": smtp.port, "task_queue": task_queue, "temporal_address": server.address}
    )
    zone = midday_zone()
    try:
        async with (
            worker_process(app_settings, task_queue, server.address, tmp_path / "worker.log") as worker,
            serve(app_settings, client) as http,
        ):
            # Working hours start a minute from now (in a zone where it is about noon), and a task is reminded on
            # its due date when they start: a task due today is reminded in a minute, by a durable timer.
            due_at, start_clock = local_clock(zone, TIMER_AFTER_SECONDS)
            today = due_at.astimezone(zone).date()
            async with policy(
                sessions,
                settings,
                timezone=zone.key,
                working_hours_start=start_clock,
                working_hours_end=time(23, 0),
                task_reminder_days_before_due=0,
            ):
                data = departure()
                data["departure"]["notice_date"] = today.isoformat()
                case_id = await register(http, data)
                case = await live(
                    http,
                    case_id,
                    lambda view: (
                        view["steps"]["announcement"] == "done"
                        and view["interview"]
                        and view["interview"]["invitations_sent"]
                    ),
                )
            task = await act(
                http,
                case_id,
                "tasks",
                {"title": "Sleutelkast leegmaken", "assignee_email": "sam@example.org", "due_date": today.isoformat()},
                expected=201,
            )
            reminder = (f"task_reminder:{task['id']}:{today}:sam@example.org", "sam@example.org")
            await worker.wait_for(lambda: mail_settled(client, case_id), timeout=60)
            next_deadline = (await live(http, case_id))["live"]["next_deadline"]
            assert datetime.fromisoformat(next_deadline.replace("Z", "+00:00")) == due_at, (
                "the reminder is the case's next timer"
            )
            assert datetime.now(UTC) < due_at - timedelta(seconds=5), (
                "the setup took longer than the timer leaves: nothing is tested"
            )
            assert reminder not in mail_counts(store, case_id)

            await server.stop()
            # Down: registering answers 503, the case shows its stored record, and the timer's moment passes.
            refused = await http.post("/api/cases", json=departure())
            assert (refused.status_code, refused.json()) == (503, {"detail": DOWN})
            stored = await http.get(f"/api/cases/{case_id}")
            assert (
                stored.status_code == 200
                and stored.json()["live"] is None
                and stored.json()["record"]["status"] == "open"
            )
            await eventually(
                lambda: datetime.now(UTC) > due_at + timedelta(seconds=5),
                timeout=TIMER_AFTER_SECONDS + 30,
                interval=1,
            )
            assert worker.alive(), worker.output()
            assert reminder not in mail_counts(store, case_id)

            await server.start()
            # The same worker process and web app, reconnected: the overdue timer fires, once.
            await worker.wait_for(lambda: reminder in mail_counts(store, case_id), timeout=120)
            after = await live(http, case_id, timeout=60)
            assert after["status"] == "open"
            done = await act(http, case_id, f"tasks/{task['id']}/complete", {"comment": "leeg"})
            assert done["state"] == "done"
            moved = (await live(http, case_id))["live"]
            assert next(t for t in moved["tasks"] if t["id"] == task["id"])["state"] == "done"
            assert (await http.post("/api/cases", json=departure())).status_code == 201

            await worker.wait_for(lambda: mail_settled(client, case_id), timeout=60)
            counts = await assert_every_mail_once(store, sessions, case_id)
            assert counts[reminder] == 1
            assert {
                ("announcement", "hr@example.org"),
                ("interview:invitation", case["record"]["work_email"]),
                (f"task_assigned:{task['id']}", "sam@example.org"),
            } <= set(counts)
            assert worker.alive()
    finally:
        await server.stop()
        smtp.stop()
