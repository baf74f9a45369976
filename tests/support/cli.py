"""The command line as the tests run it: in this process or a thread of its own, the flags of a registration, the
error lines, and the environments (`offline_env`, `cli_env` fixtures)."""

import asyncio

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from tests.support import free_port, unique
from tests.support.environment import organisation_env

runner = CliRunner()


def offboarding(args: list[str], env: dict[str, str]) -> Result:
    return runner.invoke(app, args, env=env)


async def offboarding_in_thread(args: list[str], env: dict[str, str]) -> Result:
    # The command runs its own event loop with asyncio.run; the test's loop keeps serving the worker meanwhile.
    return await asyncio.to_thread(offboarding, args, env)


def registration_flags(employee_id: str | None = None, **changes: str | None) -> list[str]:
    """Flags for the departure tests.support.registration_data() describes; a change of None leaves the flag out."""
    employee_id = employee_id or unique()
    values: dict[str, str | None] = {
        "employee-id": employee_id,
        "name": "Anouk de Vries",
        "work-email": f"{employee_id.lower()}@example.org",
        "private-email": "anouk@example.net",
        "language": "nl",
        "department": "Finance",
        "job-title": "Controller",
        "start-date": "2019-03-01",
        "type": "resignation",
        "notice-date": "2027-01-04",
        "last-day": "2027-01-29",
        "manager-name": "Bram Janssens",
        "manager-email": "bram.janssens@example.org",
        "manager-language": "en",
    }
    values.update({key.replace("_", "-"): value for key, value in changes.items()})
    flags = [f"--{key}={value}" for key, value in values.items() if value is not None]
    return [*flags, "--equipment", "Laptop", "--equipment", "Badge"]


def errors(result: Result) -> list[str]:
    return result.stderr.splitlines()


@pytest.fixture
def offline_env(tmp_path) -> dict[str, str]:
    # Nothing listens here, so input that wrongly passed validation ends in exit 1 instead of reaching a server.
    return {
        "OFFBOARDING_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "OFFBOARDING_DATA_DIR": str(tmp_path),
    }


@pytest.fixture
def cli_env(time_skipping_env, settings, task_queue) -> dict[str, str]:
    return {
        "OFFBOARDING_TEMPORAL_ADDRESS": time_skipping_env.client.service_client.config.target_host,
        "OFFBOARDING_TASK_QUEUE": task_queue,
        "OFFBOARDING_DATABASE_URL": settings.database_url,
        "OFFBOARDING_DATA_DIR": str(settings.data_dir),
        "OFFBOARDING_PUBLIC_URL": "http://offboarding.test",
        **organisation_env(settings),
    }
