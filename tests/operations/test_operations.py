"""Operating the product, in-process: liveness and readiness of the web app, request ids, a trace that spans a
web request and the workflow's activities, and JSON log lines of a whole case that carry no personal text.

The worker and web processes, their ports and the SDK's metrics are tested in tests/operations/test_operations_processes.py."""

import io
import json
import logging
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY
from temporalio.client import Client

from models.handover import CompleteTask, ConfirmReturn
from models.interview import AcceptSlot, SubmitInterview
from models.questionnaire import ConsentChoice, InterviewRecord
from models.tables import Case, CaseItemRow, CaseTaskRow
from operations import logs, metrics, tracing
from tests.support import SAMPLE_RECORD, eventually, free_port, registration_data, serve
from tests.support.case_driver import FACILITIES, HR, CaseDriver
from worker import build_worker


async def test_liveness_and_readiness_when_everything_answers(http):
    assert (await http.get("/health")).json() == {"status": "ok"}
    assert (await http.get("/health/live")).json() == {"status": "ok"}
    ready = await http.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "ok", "temporal": "ok"}


async def test_readiness_names_the_database_while_it_cannot_be_reached(settings, time_skipping_env):
    nowhere = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/offboarding"
    async with serve(settings.model_copy(update={"database_url": nowhere}), time_skipping_env.client) as http:
        assert (await http.get("/health/live")).status_code == 200
        ready = await http.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["status"] == "not ready"
    assert ready.json()["database"].startswith("unreachable")
    assert ready.json()["temporal"] == "ok"


async def test_readiness_names_temporal_while_it_cannot_be_reached(settings):
    unreachable = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    async with serve(settings, unreachable) as http:
        ready = await http.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["database"] == "ok"
    assert ready.json()["temporal"].startswith("unreachable")


async def test_every_answer_carries_a_request_id_and_a_proxys_own_is_kept(http):
    first, second = await http.get("/health/live"), await http.get("/health/live")
    assert len(first.headers["x-request-id"]) == 32 and first.headers["x-request-id"] != second.headers["x-request-id"]
    assert (await http.get("/login", headers={"X-Request-ID": "lb-7f3a.1"})).headers["x-request-id"] == "lb-7f3a.1"
    assert (await http.get("/login", headers={"X-Request-ID": "bad id\n"})).headers["x-request-id"] != "bad id\n"


# --- traces ---------------------------------------------------------------------------------------


@pytest.fixture
def spans(monkeypatch, settings):
    """Traces switched on, received by the OpenTelemetry SDK's in-memory exporter."""
    received = InMemorySpanExporter()
    monkeypatch.setattr(tracing, "_providers", {})
    monkeypatch.setattr(tracing, "exporter", lambda endpoint: received)
    yield received
    tracing.flush()
    for provider in tracing._providers.values():
        provider.shutdown()


async def test_a_trace_spans_the_web_request_and_the_workflows_activities(
    spans, settings, time_skipping_env, sessions, task_queue
):
    traced = settings.model_copy(
        update={"otlp_endpoint": "http://collector.test:4318/v1/traces", "task_queue": task_queue}
    )
    client = Client(**{**time_skipping_env.client.config(), "interceptors": tracing.client_interceptors(traced)})
    async with build_worker(client, traced, sessions, task_queue=task_queue), serve(traced, client) as http:
        created = await http.post("/api/cases", json=registration_data())
        assert created.status_code == 201, created.text

        def finished(name: str):
            tracing.flush()
            return [span for span in spans.get_finished_spans() if span.name == name]

        server = (await eventually(lambda: finished("POST /api/cases")))[0]
        stored = (await eventually(lambda: finished("RunActivity:open_case")))[0]
    trace = server.context.trace_id
    names = {span.name for span in spans.get_finished_spans() if span.context.trace_id == trace}
    assert {
        "POST /api/cases",
        "StartWorkflow:OffboardingWorkflow",
        "RunWorkflow:OffboardingWorkflow",
        "StartActivity:open_case",
    } <= names
    assert stored.context.trace_id == trace
    assert server.attributes.get("http.route") == "/api/cases"


# --- logs -----------------------------------------------------------------------------------------

NAME, MANAGER_NAME = "Zwaantje Quirijnsdochter", "Barend Quakkelaar"
PRIVATE = "zq.thuisadres@voorbeeld.net"
TASK_COMMENT = "Wachtwoordkluis overgedragen aan Kwispeltaart"
FREE_TEXT = {
    "comment": "Vrijetekst-Ondersneeuwd-4711 over de sfeer",
    "advice": "Advies-Pimpelmees-0815 voor het team",
    "summary": "Samenvatting-Klokhuis-2203",
    "improve": "Verbeterpunt-Zeepaardje-9090",
}


def distinctive_record() -> InterviewRecord:
    record = json.loads(json.dumps(SAMPLE_RECORD))
    for experience in record["experiences"].values():
        experience["comment"] = FREE_TEXT["comment"]
    record["most_important_advice"] = FREE_TEXT["advice"]
    record["advice_summary"] = FREE_TEXT["summary"]
    return InterviewRecord.model_validate(record)


@pytest.fixture
def json_logs(settings):
    stream = io.StringIO()
    handler = logs.configure(settings.model_copy(update={"log_format": "json", "log_level": "DEBUG"}), stream)
    # The test's own mail server (aiosmtpd, in this process) logs every line of every mail at DEBUG; not ours.
    sink = logging.getLogger("mail.log")
    sink_level, sink.level = sink.level, logging.WARNING
    yield stream
    sink.setLevel(sink_level)
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)


async def test_json_logs_of_a_whole_case_carry_its_ids_and_no_personal_text(
    json_logs, settings, time_skipping_env, worker, mail_store, sessions, task_queue
):
    employee = {"name": NAME, "private_email": PRIVATE}
    case = await CaseDriver.start(
        time_skipping_env,
        mail_store,
        sessions,
        task_queue,
        employee={**registration_data()["employee"], **employee},
        manager={"name": MANAGER_NAME, "email": "barend@example.org", "language": "nl"},
    )
    async with serve(settings.model_copy(update={"task_queue": task_queue}), time_skipping_env.client) as http:
        assert (await http.get(f"/api/cases/{case.case_id}")).status_code == 200
        view = await case.view()
        for task in view.tasks:
            await case.act(CompleteTask(task_id=task.id, actor=HR, comment=TASK_COMMENT))
        for item in view.equipment:
            await case.act(ConfirmReturn(item_id=item.id, actor=FACILITIES))
        await case.wait_for_mail("interview:invitation")
        slot = (await case.view()).interview.proposed_slots[0]
        await case.act(AcceptSlot(actor=case.employee, start=slot.start))
        # Recorded after the last working day: the thank-you goes to the private address.
        await case.skip_until(
            datetime.combine(view.last_working_day + timedelta(days=1), time(8), tzinfo=ZoneInfo("Europe/Amsterdam"))
        )
        await case.act(
            SubmitInterview(
                actor=HR,
                record=distinctive_record(),
                consent=ConsentChoice(scope="advice_and_experiences", share_with_manager=True, text_version="2026-11"),
            )
        )
        await case.wait_for_mail("interview:interview_thank_you", to=PRIVATE)
        await case.wait_for_status("closed", timeout=60)
        assert (await http.get(f"/api/cases/{case.case_id}")).status_code == 200

    lines = [line for line in json_logs.getvalue().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any(r.get("case_id") == case.case_id and r.get("activity_type") for r in records), (
        "the worker's records name the case"
    )
    requests = [r for r in records if r["logger"] == "web.requests" and r.get("case_id") == case.case_id]
    assert requests and all(r.get("request_id") for r in requests), (
        "the web app's records name the request and the case"
    )
    forbidden = [
        NAME,
        *NAME.split(),
        MANAGER_NAME,
        *MANAGER_NAME.split(),
        PRIVATE,
        TASK_COMMENT,
        *FREE_TEXT.values(),
        str(case.registration.employee.work_email),
    ]
    leaks = [(word, line) for line in lines for word in forbidden if word.lower() in line.lower()]
    assert not leaks, leaks[:5]
    assert any("sent mail" in r["message"] and "<address " in r["message"] for r in records), (
        "addresses are masked, not left out"
    )


# --- gauges from the read model -------------------------------------------------------------------


GAUGES = [
    ("offboarding_overdue_items", {"kind": "task"}),
    ("offboarding_overdue_items", {"kind": "equipment"}),
    ("offboarding_open_cases", {}),
]


def _case(case_id: str, status: str, last_day: date) -> Case:
    return Case(
        id=case_id, employee_id=case_id[-8:], employee_name="X", work_email="x@example.org", language="nl", department="Finance", job_title="Controller",
        manager_name="M", manager_email="m@example.org", departure_type="resignation", notice_date=last_day - timedelta(days=30),
        last_working_day=last_day, status=status, registration={},
    )  # fmt: skip


def _task(case_id: str, task_id: str, due: date, state: str) -> CaseTaskRow:
    return CaseTaskRow(
        case_id=case_id,
        task_id=task_id,
        position=0,
        title="t",
        assignee_email="a@example.org",
        due_date=due,
        state=state,
        source="checklist",
        comments=[],
        escalated=False,
    )


def _item(case_id: str, item_id: str, state: str) -> CaseItemRow:
    return CaseItemRow(
        case_id=case_id,
        item_id=item_id,
        position=0,
        name="Laptop",
        custodian_email="f@example.org",
        state=state,
        note="",
        escalated=False,
    )


async def test_overdue_items_and_open_cases_are_read_from_the_read_model(sessions):
    await metrics.refresh_read_model_gauges(sessions)
    before = {(name, labels.get("kind", "")): REGISTRY.get_sample_value(name, labels) for name, labels in GAUGES}
    yesterday, suffix = date.today() - timedelta(days=1), uuid.uuid4().hex[:8]
    late, closed, later = (
        f"offboarding-L{suffix}-late",
        f"offboarding-C{suffix}-closed",
        f"offboarding-F{suffix}-future",
    )
    async with sessions.begin() as session:
        session.add_all(
            [
                _case(late, "open", yesterday),
                _case(closed, "closed", yesterday),
                _case(later, "open", date.today() + timedelta(days=20)),
            ]
        )
        await session.flush()
        session.add_all([
            _task(late, "t1", yesterday, "open"), _task(late, "t2", yesterday, "done"), _item(late, "e1", "out"), _item(late, "e2", "returned"),
            _task(closed, "t1", yesterday, "open"), _item(closed, "e1", "out"),  # a closed case's are no longer overdue
            _task(later, "t1", date.today(), "open"), _item(later, "e1", "out"),  # due today, last day ahead: not yet
        ])  # fmt: skip
    try:
        await metrics.refresh_read_model_gauges(sessions)
        after = {(name, labels.get("kind", "")): REGISTRY.get_sample_value(name, labels) for name, labels in GAUGES}
    finally:  # the other tests share the database: no late cases of ours left in their lists
        async with sessions.begin() as session:
            for row in (CaseTaskRow, CaseItemRow, Case):
                column = row.id if row is Case else row.case_id
                await session.execute(sa.delete(row).where(column.in_([late, closed, later])))
    assert after[("offboarding_overdue_items", "task")] - before[("offboarding_overdue_items", "task")] == 1
    assert after[("offboarding_overdue_items", "equipment")] - before[("offboarding_overdue_items", "equipment")] == 1
    assert after[("offboarding_open_cases", "")] - before[("offboarding_open_cases", "")] == 2
