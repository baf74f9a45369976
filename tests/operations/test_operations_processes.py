"""The worker and the web app as they are run (``python worker.py``, ``python -m web.serve``) on the real Temporal
dev server: their metrics ports show the product's counters and the Temporal SDK's own after a case; their
readiness turns 503, naming Temporal, when the server is gone; and both refuse to start on a database that a
newer release has migrated."""

import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from operations.schema import EXIT_SCHEMA
from tests.support import eventually, free_port, registration_data
from tests.support.auth import api_token, make_account, unique_email
from tests.support.environment import fresh_database
from tests.support.process import COMMANDS, Parts

# Real processes and real time: `make test-fast` leaves this module out.
pytestmark = pytest.mark.slow


class Processes(Parts):
    """The worker and the web app with their metrics ports, logging JSON."""

    def __init__(self, settings, task_queue: str, temporal_address: str, workdir: Path) -> None:
        self.web_metrics_port, self.worker_port = free_port(), free_port()
        super().__init__(
            settings,
            task_queue,
            temporal_address,
            workdir,
            {
                "OFFBOARDING_WEB_METRICS_PORT": str(self.web_metrics_port),
                "OFFBOARDING_WORKER_PORT": str(self.worker_port),
                "OFFBOARDING_LOG_FORMAT": "json",
            },
        )


@pytest.fixture
async def running(dev_server_env, settings, task_queue, tmp_path):
    settings.signing_key()
    parts = Processes(settings, task_queue, dev_server_env.client.service_client.config.target_host, tmp_path)
    try:
        parts.start("worker")
        parts.start("web")
        await parts.wait_answering(f"{parts.url}/health/ready", f"http://127.0.0.1:{parts.worker_port}/health/ready")
        yield parts
    finally:
        parts.stop()
        print(f"----- web -----\n{parts.tail('web')}\n----- worker -----\n{parts.tail('worker')}")


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return sum(v for (n, ls), v in found.items() if n == name and all((k, w) in ls for k, w in labels.items()))


async def test_the_metrics_ports_show_the_products_counters_and_the_sdks_after_a_case(
    running, sessions, dev_server_env
):
    hr = await make_account(sessions, unique_email("hr"), ["hr"])
    token = await api_token(sessions, hr)
    worker_metrics = f"http://127.0.0.1:{running.worker_port}/metrics"
    web_metrics = f"http://127.0.0.1:{running.web_metrics_port}/metrics"
    async with httpx.AsyncClient(
        base_url=running.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        created = await http.post("/api/cases", json=registration_data())
        assert created.status_code == 201, created.text
        case_id = created.json()["case_id"]

        async def worker_counted(name: str, **labels):
            found = samples((await http.get(worker_metrics)).text)
            return value(found, name, **labels) >= 1 and found

        await eventually(lambda: worker_counted("offboarding_cases_opened_total"), timeout=30)
        await eventually(lambda: worker_counted("offboarding_mails_total", kind="case", outcome="sent"), timeout=30)
        withdrawn = await http.post(f"/api/cases/{case_id}/withdraw", json={"reason": "Blijft toch"})
        assert withdrawn.status_code == 202, withdrawn.text
        found = await eventually(
            lambda: worker_counted("offboarding_cases_closed_total", outcome="withdrawn"), timeout=30
        )
        assert value(found, "offboarding_read_model_lag_seconds_count", source="case") >= 1
        assert value(found, "offboarding_read_model_lag_seconds_sum", source="case") < 60
        # The Temporal SDK's own runtime metrics, served on the same port.
        assert value(found, "temporal_workflow_task_execution_latency_count") >= 1
        assert value(found, "temporal_activity_execution_latency_count", activity_type="open_case") >= 1

        web = samples((await http.get(web_metrics)).text)
    assert value(web, "http_request_duration_seconds_count", handler="/api/cases", method="POST") == 1
    assert value(web, "http_request_duration_seconds_count", handler="/api/cases/{case_id}/withdraw") == 1
    assert not any(case_id in str(labels) for _, labels in web), "routes are templates, never a case's path"
    assert ("offboarding_open_cases", ()) in web
    assert ("offboarding_overdue_items", (("kind", "task"),)) in web


async def test_readiness_turns_false_naming_temporal_while_it_is_gone(running, dev_server_env):
    worker_ready = f"http://127.0.0.1:{running.worker_port}/health/ready"
    await dev_server_env.shutdown()
    async with httpx.AsyncClient(timeout=30) as http:
        for url in (f"{running.url}/health/ready", worker_ready):
            answer = await eventually(lambda: _not_ready(http, url), timeout=30)
            assert answer["temporal"].startswith("unreachable") and answer["database"] == "ok", answer
        assert (await http.get(f"{running.url}/health/live")).status_code == 200
        assert (await http.get(f"http://127.0.0.1:{running.worker_port}/health/live")).status_code == 200


async def _not_ready(http: httpx.AsyncClient, url: str):
    answer = await http.get(url)
    return answer.status_code == 503 and answer.json()


def test_the_worker_and_the_web_app_refuse_a_database_newer_than_their_code(tmp_path, settings):
    with fresh_database(tmp_path, "newer") as url:
        _stamp(url, "9999_from_a_newer_release")
        env = {
            **os.environ,
            "OFFBOARDING_DATABASE_URL": url,
            "OFFBOARDING_DATA_DIR": str(tmp_path),
            "OFFBOARDING_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        }
        for argv in COMMANDS.values():
            done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
            assert done.returncode == EXIT_SCHEMA, done.stdout + done.stderr
            assert re.search(r"9999_from_a_newer_release, which this release does not know", done.stdout + done.stderr)
            assert "newer release" in done.stderr


def _stamp(url: str, revision: str) -> None:
    import asyncio

    from db.engine import create_engine

    async def stamp():
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(
                sa.text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision}
            )
        await engine.dispose()

    asyncio.run(stamp())
