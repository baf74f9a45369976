"""The database is unavailable for a while.

PostgreSQL is reached through a TCP proxy that the test cuts (connections refused and dropped, as when
the server is down or restarting); SQLite gets its write lock taken by another program (a backup, a
long migration), which leaves reads working and makes every write wait and then fail. Meanwhile cases
wait (their activities retry, none fails), the web app answers 503 with a plain message (a page for
people, JSON for the API, never a stack trace), and afterwards all of it works again, with nothing
written half and no mail sent twice."""

import sqlite3
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from activities.interviews import InterviewActivities
from db.engine import create_engine, create_sessionmaker
from db.unavailable import is_unavailable
from mailsink.server import MaildirHandler
from mailsink.store import MailStore
from models.questionnaire import ConsentChoice
from models.records import StoreInterviewInput
from models.tables import InterviewRecordRow, InterviewText
from tests.support import serve
from tests.support.auth import (
    PASSWORD,
    another_client,
    csrf_token,
    make_account,
    sign_in,
    unique_email,
)
from tests.support.fault import (
    ANSWER_BOUND_SECONDS,
    DatabaseOutage,
    SmtpServer,
    answered,
    assert_every_mail_once,
    departure,
    live,
    mail_counts,
    mail_settled,
    pending_attempts,
    register,
    worker_process,
)
from tests.support.privacy import RECORD, audit_entries, stored_case

# Real processes and real time: `make test-fast` leaves this module out.
pytestmark = pytest.mark.slow

MANAGER = "bram.janssens@example.org"
ANNOUNCED = {("announcement", MANAGER), ("announcement", "hr@example.org"), ("announcement", "facilities@example.org")}
DOWN = "The database cannot be reached right now. Please try again in a moment."
DOWN_NL = "De database is nu niet bereikbaar. Probeer het zo dadelijk opnieuw."


@pytest.fixture
def outage(database_url):
    outage = DatabaseOutage(database_url)
    yield outage
    outage.restore()
    outage.close()


def _plain(response) -> None:
    """An answer for people or programs, not for developers."""
    assert (
        "Traceback" not in response.text and "sqlalchemy" not in response.text.lower() and 'File "' not in response.text
    )


async def test_cases_wait_for_the_database_and_the_web_app_says_it_is_unavailable(
    outage, dev_server_env, settings, sessions, task_queue, tmp_path
):
    store = MailStore(tmp_path / "mail")
    smtp = SmtpServer(MaildirHandler(store)).start()
    app_settings = settings.model_copy(
        update={"database_url": outage.url, "smtp_port": smtp.port, "task_queue": task_queue}
    )
    client = dev_server_env.client
    address = client.service_client.config.target_host
    hr = await make_account(sessions, unique_email("hr"), ["hr"], language="nl")
    try:
        async with (
            worker_process(app_settings, task_queue, address, tmp_path / "worker.log") as worker,
            serve(app_settings, client) as http,
        ):
            browser = another_client(http)
            await sign_in(browser, hr)
            form = await http.get("/login")

            outage.cut()
            case_id = await register(http, departure())

            async def retrying():
                pending = await pending_attempts(client, case_id, ("open_case",))
                return pending and pending[0][0] >= 2 and pending

            # The case waits for the database: its first step is tried again and again, and it has not failed.
            await worker.wait_for(retrying, timeout=120)

            # The web app: 503 and a plain message, JSON for the API, a page for a browser.
            policy = await answered(
                http.patch("/api/organisation/policy", json={"task_reminder_days_before_due": 2}), "changing the policy"
            )
            assert policy.status_code == 503, policy.text
            assert policy.json() == {"detail": DOWN} and policy.headers["retry-after"]
            _plain(policy)
            signing_in = http.post(
                "/login",
                data={"email": hr, "password": PASSWORD, "csrf_token": csrf_token(form.text)},
                headers={"Accept-Language": "nl"},
            )
            login = await answered(signing_in, "signing in")
            assert login.status_code == 503, login.text
            assert login.headers["content-type"].startswith("text/html")
            assert DOWN_NL in login.text and "<h1>Nu niet beschikbaar</h1>" in login.text
            _plain(login)
            if outage.reads_fail:
                listing = await http.get("/api/cases")
                assert (listing.status_code, listing.json()) == (503, {"detail": DOWN})
                page = await browser.get("/cases", headers={"Accept-Language": "en"})
                assert page.status_code == 503 and DOWN in page.text
                _plain(page)
            assert not mail_counts(store, case_id), "nothing goes out before the case is stored"

            outage.restore()
            case = await live(http, case_id, lambda view: view["steps"]["announcement"] == "done", timeout=120)
            assert case["record"]["case_id"] == case_id and case["status"] == "open"
            await worker.wait_for(lambda: set(mail_counts(store, case_id)) >= ANNOUNCED, timeout=60)
            await worker.wait_for(lambda: mail_settled(client, case_id), timeout=60)
            await assert_every_mail_once(store, sessions, case_id)

            # And the web app works again, without a restart.
            assert (await http.get("/api/cases")).status_code == 200
            await sign_in(http, hr)
            page = await http.get(f"/cases/{case_id}")
            assert (await browser.get("/cases")).status_code == 200, "the session signed in before is still good"
            assert page.status_code == 200 and "Anouk de Vries" in page.text
            described = await client.get_workflow_handle(case_id).describe()
            assert described.status.name == "RUNNING"
    finally:
        smtp.stop()


async def test_only_a_database_that_is_out_of_reach_counts_as_unavailable(outage, sessions):
    engine = create_engine(outage.url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text("SELECT 1"))
        outage.cut()
        with pytest.raises(Exception) as down:
            async with engine.begin() as connection:  # a write: SQLite's readers are not held up by the lock
                await connection.execute(sa.text("UPDATE organisations SET name = name"))
        assert is_unavailable(down.value), repr(down.value)
    finally:
        outage.restore()
        await engine.dispose()
    # An error of our own inside a transaction passes through the database's code on its way out: still ours.
    with pytest.raises(ConnectionRefusedError) as ours:
        async with sessions.begin() as session:
            await session.execute(sa.text("SELECT 1"))
            raise ConnectionRefusedError("the mail server refused the connection")
    assert not is_unavailable(ours.value)


class CuttingHandler(MaildirHandler):
    """Takes the manager's announcement, but takes the database away just before answering 250."""

    def __init__(self, store: MailStore, outage: DatabaseOutage) -> None:
        super().__init__(store)
        self.outage = outage
        self.cut = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if MANAGER in envelope.rcpt_tos and not self.cut.is_set():
            self.outage.cut()
            self.cut.set()
        return await super().handle_DATA(server, session, envelope)


async def test_a_mail_the_server_took_while_the_database_went_away_is_recorded_once_it_is_back(
    outage, dev_server_env, settings, sessions, task_queue, tmp_path
):
    store = MailStore(tmp_path / "mail")
    handler = CuttingHandler(store, outage)
    smtp = SmtpServer(handler).start()
    app_settings = settings.model_copy(
        update={"database_url": outage.url, "smtp_port": smtp.port, "task_queue": task_queue}
    )
    client = dev_server_env.client
    address = client.service_client.config.target_host
    try:
        async with (
            worker_process(app_settings, task_queue, address, tmp_path / "worker.log") as worker,
            serve(app_settings, client) as http,
        ):
            case_id = await register(http, departure())
            await worker.wait_for(handler.cut.is_set, timeout=120)
            # The mail is out, its row still says "sending": the activity keeps trying to record it.
            await worker.wait_for(
                lambda: f"purpose announcement, recipient {MANAGER}) yet" in worker.output(tail=10**7),
                timeout=ANSWER_BOUND_SECONDS,
            )
            outage.restore()

            await worker.wait_for(lambda: set(mail_counts(store, case_id)) >= ANNOUNCED, timeout=120)
            await worker.wait_for(lambda: mail_settled(client, case_id), timeout=60)
            await assert_every_mail_once(store, sessions, case_id)
            assert (await live(http, case_id, lambda view: view["steps"]["announcement"] == "done"))["status"] == "open"
    finally:
        smtp.stop()


async def test_an_interview_cut_off_in_the_middle_of_being_stored_leaves_no_part_of_it(outage, sessions):
    # The record, its texts for the reports and its audit entry are one transaction: the connection is lost
    # after the record's row went in and before the texts; afterwards none of them is there, and the retried
    # activity stores all of them once.
    registration = await stored_case(sessions)
    engine = create_engine(outage.url)
    statements: list[str] = []

    def lose_the_database_before_the_texts(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[2] if statement.startswith("INSERT") else statement.split()[0])
        if statement.startswith("INSERT INTO interview_texts") and "lost" not in statements:
            statements.append("lost")
            if outage.reads_fail:
                outage.cut()  # PostgreSQL: the proxy drops the connection under the statement
            else:
                raise sqlite3.OperationalError("disk I/O error")  # SQLite: the file fails under the write

    sa.event.listen(engine.sync_engine, "before_cursor_execute", lose_the_database_before_the_texts)
    store = InterviewActivities(create_sessionmaker(engine)).store_interview
    request = StoreInterviewInput(
        case_id=registration.case_id,
        interviewer_email="interviewer@example.org",
        record=RECORD,
        consent=ConsentChoice(scope="advice_and_experiences", share_with_manager=False, text_version="2026-11"),
        held_at=datetime.now(UTC),
    )
    try:
        with pytest.raises(Exception) as lost:
            await store(request)
        assert is_unavailable(lost.value) or isinstance(
            lost.value.__cause__ or lost.value, (sqlite3.OperationalError, sa.exc.OperationalError)
        ), repr(lost.value)
        assert "interview_records" in statements, "the record's row was written before the connection went"
        outage.restore()
        assert await _interview_parts(sessions, registration) == (0, 0, 0)

        await store(request)
        await store(request)  # a second retry finds it stored
    finally:
        outage.restore()
        await engine.dispose()
    records, texts, entries = await _interview_parts(sessions, registration)
    assert records == 1 and texts >= 1 and entries == 1


async def _interview_parts(sessions, registration) -> tuple[int, int, int]:
    async with sessions() as session:
        records = (
            (
                await session.execute(
                    sa.select(InterviewRecordRow.id).where(InterviewRecordRow.case_id == registration.case_id)
                )
            )
            .scalars()
            .all()
        )
        texts = (
            await session.execute(
                sa.select(sa.func.count()).select_from(InterviewText).where(InterviewText.interview_id.in_(records))
            )
        ).scalar_one()
    entries = await audit_entries(sessions, action="interview.recorded", subject=registration.employee.id)
    return len(records), texts, len(entries)
