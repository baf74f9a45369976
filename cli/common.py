"""What every command shares: exit codes, settings read afresh, one event loop per command, and acting on a case."""

import asyncio
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from temporalio.client import Client

from cases import service
from cli import backends
from config import Settings

EXIT_UNAVAILABLE = 1
EXIT_INVALID = 2  # the code click gives a malformed command line, so scripts see one code for bad input
EXIT_DUPLICATE = 3
EXIT_UNKNOWN = 4
EXIT_REJECTED = 5

T = TypeVar("T")


def fail(lines: list[str], code: int) -> NoReturn:
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    # Not get_settings(): its cache is for long-running processes; a command reads the environment as it is now.
    try:
        return Settings()
    except ValidationError as err:
        fail(
            [f"setting OFFBOARDING_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors()],
            EXIT_UNAVAILABLE,
        )


def run(work: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(work)
    except backends.Unavailable as err:
        fail([str(err)], EXIT_UNAVAILABLE)


def case_url(settings: Settings, case_id: str) -> str:
    return f"{settings.public_url.rstrip('/')}/cases/{case_id}"


# An update waits for the worker to run it; without one (or with mail that keeps failing) it would wait for ever.
ACTION_TIMEOUT_SECONDS = 60.0


class _NoInterview(Exception):
    """The case exists but its exit interview does not (yet)."""


def act(case_id: str, payload: BaseModel) -> Any:
    """Ask the case (or its exit interview) to take ``payload`` and return what it answers; exit 4 or 5 when it cannot."""
    current = settings()
    interview = service.ACTIONS[type(payload)].interview

    async def work(client: Client) -> Any:
        try:
            return await asyncio.wait_for(service.act(client, case_id, payload), ACTION_TIMEOUT_SECONDS)
        except (TimeoutError, service.CaseDidNotAnswer):
            # wait_for's cancellation reaches the SDK, which reports it as its own timeout.
            raise backends.Unavailable(
                f"case {case_id} did not answer within {ACTION_TIMEOUT_SECONDS:g} seconds: is a worker running on task queue {current.task_queue}? "
                f"The change may still be made; check with `offboarding show {case_id}`"
            ) from None
        except service.CaseUnavailable as err:
            raise backends.Unavailable(f"case {case_id} cannot be reached right now: {err.__cause__ or err}") from None
        except service.CaseNotFound:
            if interview and await service.view(client, case_id) is not None:
                raise _NoInterview from None
            raise

    try:
        return run(backends.with_temporal(current, work))
    except service.ActionRejected as err:
        fail([f"rejected: {err}"], EXIT_REJECTED)
    except service.CaseNotFound:
        fail([f"no case {case_id}"], EXIT_UNKNOWN)
    except _NoInterview:
        fail([f"case {case_id} has no exit interview yet"], EXIT_UNKNOWN)


def echo_json(model: BaseModel) -> None:
    typer.echo(model.model_dump_json(indent=2))
