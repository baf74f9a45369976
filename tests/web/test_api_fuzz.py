"""Every operation of /openapi.json, fed by schemathesis with what the schema allows and what it does not: never
a server error, and where the product declares a response, the response conforms to it.

The app runs in-process behind schemathesis's ASGI transport, as HR with an API token, on a database of its own
(what the fuzzer creates stays out of the other tests' way), with a worker on the time-skipping server so the case
routes reach live workflows. Per operation: a fixed sample of schemathesis's coverage cases (boundaries, formats,
each constraint broken in turn), then generated cases, some aimed at a registered case and at the checklist
templates and reports made on the way, so the routes behind the 404 are reached too.

Against a running ``make run`` (all coverage cases, more examples)::

    TOKEN=$(.venv/bin/offboarding accounts token create <hr email> --name schemathesis)
    .venv/bin/st run http://127.0.0.1:8000/openapi.json -H "Authorization: Bearer $TOKEN" \
        --checks not_a_server_error,response_schema_conformance,content_type_conformance \
        --max-examples 20 --phases examples,coverage,fuzzing
"""

import asyncio
import logging
import random
import time
import uuid
from datetime import date, timedelta

import hypothesis
import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from accounts import tokens as api_tokens
from db.engine import create_engine, create_sessionmaker
from models.tables import Account
from privacy.audit import Auditor
from tests.support import environment, registration_data
from tests.support.auth import make_account, unique_email
from worker import build_worker

log = logging.getLogger(__name__)

EXAMPLES_PER_OPERATION = 20
COVERAGE_CASES_PER_OPERATION = 40
# Each PDF takes seconds to render; a few are enough to cover the route.
FEWER_EXAMPLES = {"GET /reports/{report_id}.pdf": 4}
# Longer than any answer should take: an update waits for its workflow, a stuck one would hold the run for minutes.
REQUEST_TIMEOUT_SECONDS = 20
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def own_database(tmp_path):
    """A fresh database of the same kind as the run's (SQLite file, or a new database on the PostgreSQL server)."""
    with environment.fresh_database(tmp_path, "fuzz") as url:
        yield url


@pytest.fixture
async def fuzzed(own_database, settings, time_skipping_env):
    """The app's settings, an HR API token, and a worker, all on the test's own database and task queue."""
    settings = settings.model_copy(
        update={"database_url": own_database, "task_queue": f"fuzz-{uuid.uuid4().hex}", "events_secret": "fuzz-secret"}
    )
    engine = create_engine(own_database)
    sessions = create_sessionmaker(engine)
    try:
        email = await make_account(sessions, unique_email("hr"), ["hr"])
        async with sessions.begin() as session:
            account = (await session.execute(sa.select(Account).where(Account.email == email))).scalar_one()
            token = (
                await api_tokens.issue(session, account, "schemathesis", made_by=Auditor(email, frozenset({"hr"})))
            ).token
        async with build_worker(time_skipping_env.client, settings, sessions, task_queue=settings.task_queue):
            yield settings, token
    finally:
        await engine.dispose()


def _cases(operation, known: dict[str, str]):
    """What the schema allows, what it does not, and the allowed aimed at things that exist (past the 404)."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    names = {parameter.name for parameter in operation.path_parameters}
    if names and names <= known.keys():
        strategies.append(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters={name: known[name] for name in names})
        )
    return st.one_of(strategies)


def _describe(err: BaseException) -> str:
    notes = "\n".join(getattr(err, "__notes__", []))
    return f"{err}\n{notes}".strip()


def _coverage(schema, operation) -> list:
    """A fixed sample of schemathesis's coverage cases (boundaries, formats, each constraint broken in turn)."""
    cases = list(
        schema.iter_coverage_cases(
            operation,
            generation_modes=list(GenerationMode),
            generation_config=schema.config.generation_for(operation=operation),
        )
    )
    return random.Random(operation.label).sample(cases, min(COVERAGE_CASES_PER_OPERATION, len(cases)))


def _found(client, headers: dict[str, str]) -> dict[str, str]:
    """Ids of what the fuzzing made so far (checklist templates, reports), to aim later operations at."""
    found = {}
    templates = client.get("/api/checklists", headers=headers)
    if templates.status_code == 200 and templates.json():
        found["template_id"] = str(templates.json()[0]["id"])
    reports = client.get("/api/reports", headers=headers)
    if reports.status_code == 200 and reports.json():
        found["report_id"] = reports.json()[0]["report_id"]
    return found


def _fuzz(app, token: str, known: dict[str, str]) -> list[str]:
    """Runs in a thread: schemathesis's ASGI transport drives the app on an event loop of its own."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40, "the schema lost operations"

    with schemathesis_asgi.get_client(app) as client:
        for operation in operations:
            answers: dict[int, int] = {}

            def exchange(case) -> None:
                response = case.call(headers=headers, timeout=REQUEST_TIMEOUT_SECONDS)
                answers[response.status_code] = answers.get(response.status_code, 0) + 1
                case.validate_response(response, checks=CHECKS, headers=headers)

            fuzz = hypothesis.given(case=_cases(operation, {**known, **_found(client, headers)}))(
                hypothesis.settings(
                    max_examples=FEWER_EXAMPLES.get(operation.label, EXAMPLES_PER_OPERATION),
                    deadline=None,
                    database=None,
                    derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )(exchange)
            )

            started = time.monotonic()
            for case in _coverage(schema, operation):
                try:
                    exchange(case)
                except (Exception, BaseExceptionGroup) as err:
                    failures.append(f"{operation.label} (coverage): {_describe(err)}")
                    break
            try:
                fuzz()
            except (
                Exception,
                BaseExceptionGroup,
            ) as err:  # every operation is tried; the failures are reported together
                failures.append(f"{operation.label}: {_describe(err)}")
            log.info("%s: %.1f s, answers %s", operation.label, time.monotonic() - started, answers)
    return failures


# Tens of seconds by itself: `make test-fast` leaves it out, `make test` starts it early.
@pytest.mark.slow
async def test_no_operation_answers_with_a_server_error(fuzzed, time_skipping_env):
    from web.app import create_app

    settings, token = fuzzed
    app = create_app(settings=settings, client=time_skipping_env.client)
    # One real case, so a case id in the path can name something that exists.
    data = registration_data(notice_date=date.today(), last_working_day=date.today() + timedelta(days=30))
    try:
        with schemathesis_asgi.get_client(app) as client:
            created = await asyncio.to_thread(
                client.post, "/api/cases", json=data, headers={"Authorization": f"Bearer {token}"}
            )
        assert created.status_code == 201, created.text
        known = {
            "case_id": created.json()["case_id"],
            "task_id": "t1",
            "item_id": "e1",
            "employee_id": data["employee"]["id"],
            "action_id": "a1",
        }
        failures = await asyncio.to_thread(_fuzz, app, token, known)
    finally:
        await asyncio.to_thread(schemathesis_asgi.shutdown_lifespans)
    assert not failures, "\n\n".join(failures)
