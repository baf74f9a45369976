"""What `offboarding demo` does: checks that the installation is empty and a worker runs, fills it, prints who signs in how."""

import asyncio

import typer
from sqlalchemy.exc import SQLAlchemyError
from temporalio.client import Client

from cases import client as temporal
from cases.errors import ActionRejected, CaseDidNotAnswer
from cli import backends
from cli.common import EXIT_REJECTED, fail, run, settings
from config import Settings
from db.engine import create_engine, create_sessionmaker
from demo import fill
from demo.people import ACCOUNTS

WORKER_WAIT_SECONDS = 10
NO_WORKER = (
    "no worker answers on task queue {queue} at Temporal {address}: start the product first (`make run` in another "
    "terminal, or `python worker.py`), then run `offboarding demo` again"
)


def main() -> None:
    current = settings()
    outcome = run(_with_temporal(current))
    _print(current, outcome)


async def _with_temporal(current: Settings) -> fill.Outcome:
    try:
        return await backends.with_temporal(current, lambda client: _fill(current, client))
    except backends.Unavailable as err:
        if str(err).startswith("cannot reach"):
            raise backends.Unavailable(
                f"{err}; start the product first (`make run` in another terminal), then run `offboarding demo` again"
            ) from None
        raise


async def _fill(current: Settings, client: Client) -> fill.Outcome:
    engine = create_engine(current.database_url)
    sessions = create_sessionmaker(engine)
    stalled = "is a worker running on task queue {queue}? The demo stopped half-way: empty the data folder (or the database) and start again"
    try:
        if await fill.case_count(sessions):
            raise fill.NotEmpty()
        if not await _worker_polls(client, current.task_queue):
            raise backends.Unavailable(NO_WORKER.format(queue=current.task_queue, address=current.temporal_address))
        return await fill.fill(current, client, sessions, progress=lambda line: typer.echo(f"  {line}", err=True))
    except fill.NotEmpty:
        fail(
            ["this installation already has cases: the demo fills only an empty one (a fresh data folder or database)"],
            EXIT_REJECTED,
        )
    except fill.NoWorker as err:
        raise backends.Unavailable(
            f"{err} within {fill.PATIENCE_SECONDS:g} seconds: {stalled.format(queue=current.task_queue)}"
        ) from None
    except CaseDidNotAnswer as err:
        raise backends.Unavailable(
            f"case {err} did not answer in time: {stalled.format(queue=current.task_queue)}"
        ) from None
    except ActionRejected as err:
        # The demo walks each case only through steps it allows; a refusal means the product changed under it.
        fail([f"the demo stopped half-way: a case refused a step: {err}"], EXIT_REJECTED)
    except (SQLAlchemyError, OSError) as err:
        raise backends.Unavailable(backends.database_problem(current.database_url, err)) from None
    finally:
        await engine.dispose()


async def _worker_polls(client: Client, task_queue: str) -> bool:
    # A worker that has just started shows among the pollers after a few seconds.
    for _ in range(WORKER_WAIT_SECONDS * 2):
        if await temporal.has_worker(client, task_queue):
            return True
        await asyncio.sleep(0.5)
    return False


def _print(current: Settings, outcome: fill.Outcome) -> None:
    url = current.public_url.rstrip("/")
    typer.echo(
        f"The demo organisation is ready: {len(outcome.cases)} departures"
        + (f", report {outcome.report} under review." if outcome.report else ".")
    )
    if outcome.report_note:
        typer.echo(f"No report made: {outcome.report_note}")
    typer.echo("")
    typer.echo(f"Sign in at {url}/login as")
    for person in ACCOUNTS:
        password = (
            outcome.password if person.email in outcome.created else "(account existed already; its own password)"
        )
        typer.echo(f"  {person.role.value:12} {person.name:16} {person.email:30} {password}")
    typer.echo("")
    typer.echo(f"Mail sent to everyone involved: {url}/mailbox")
