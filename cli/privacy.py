"""`offboarding person`: everything held about one person (right of access), and erasing it on request.

Every command runs on the audit log's record as ``command line (<user>@<host>)``: ``identify`` is the
main app's callback, so the service code's audit entries name who ran the command."""

import asyncio
import getpass
import os
import socket
from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from cases.client import connect
from cli import backends
from cli.common import EXIT_INVALID, EXIT_REJECTED, EXIT_UNAVAILABLE, EXIT_UNKNOWN, fail, run, settings
from cli.runtime import command_runtime
from models.registration import Identifier
from privacy import audit
from privacy.audit import Auditor
from privacy.erasure import ErasureUnderway, NothingToErase, PersonStillActive, erase_person
from privacy.export import NothingHeld, export_person

person_app = typer.Typer(
    help="One person's data: export everything held about them, or erase it now.", no_args_is_help=True
)

EmployeeId = Annotated[
    str,
    typer.Argument(
        help="The employee number the departure was registered with.", metavar="EMPLOYEE_ID", show_default=False
    ),
]
# The export reads the live part of open cases when Temporal answers; the stored part does not wait for it.
LIVE_CONNECT_SECONDS = 5


def identify(ctx: typer.Context) -> None:
    """Register departures, follow their offboarding cases and act on them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid {os.getuid()}"
    token = audit.start_acting_as(Auditor(f"command line ({user}@{socket.gethostname()})", frozenset({"command_line"})))
    ctx.call_on_close(lambda: audit.stop_acting(token))


def _employee(value: str) -> str:
    try:
        return TypeAdapter(Identifier).validate_python(value)
    except ValidationError:
        fail(
            [f"EMPLOYEE_ID: '{value}' is not an employee number (letters, digits, '.', '_', '-'; at most 64)"],
            EXIT_INVALID,
        )


@person_app.command("export", no_args_is_help=True)
def export(
    employee_id: EmployeeId,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the JSON to this file (readable by you only) instead of printing it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Export everything held about one person as JSON; the export is on the audit log.

    It holds their cases with the registration, tasks and equipment, the mails sent to them, the interview record and consent, drafts, the events received about them and the audit log's entries about them.

    Exit codes: 0 exported; 1 database unreachable; 2 invalid employee number or file; 4 nothing is held about them.
    """
    employee = _employee(employee_id)
    current = settings()

    async def work(session):
        try:
            client = await asyncio.wait_for(connect(current, command_runtime()), LIVE_CONNECT_SECONDS)
        except Exception:  # the live part is a bonus: the export is what the database holds
            typer.echo(
                f"Temporal at {current.temporal_address} does not answer: the export holds the stored data without the live state of open cases",
                err=True,
            )
            client = None
        return await export_person(session, employee, client)

    try:
        document = run(backends.with_session(current, work))
    except NothingHeld:
        fail([f"nothing is held about employee {employee}"], EXIT_UNKNOWN)
    text = document.model_dump_json(indent=2)
    if out is None:
        typer.echo(text)
        return
    try:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text + "\n")
    except OSError as err:
        fail([f"--out: cannot write {out}: {err.strerror}"], EXIT_INVALID)
    typer.echo(f"exported: {len(document.cases)} case(s) of employee {employee} to {out}", err=True)


@person_app.command("erase", no_args_is_help=True)
def erase(
    employee_id: EmployeeId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase one person's data now, as retention does after its period; refused while one of their cases still runs.

    Names, addresses, the employee number, the registration, mails, links, events, the interview's free text and the Temporal histories go; the anonymous figures the reports count stay.

    Exit codes: 0 erased; 1 Temporal or the database unreachable, or not finished in time (it completes on its own);
    2 invalid employee number; 4 nothing is held about them; 5 a case of theirs is still running.
    """
    employee = _employee(employee_id)
    if not yes:
        typer.confirm(f"Erase the personal data of employee {employee}? This cannot be undone", abort=True)
    current = settings()

    async def work(client):
        return await backends.with_session(
            current, lambda session: erase_person(client, session, employee, current.task_queue)
        )

    try:
        outcome = run(backends.with_temporal(current, work))
    except NothingToErase:
        fail([f"nothing is held about employee {employee}"], EXIT_UNKNOWN)
    except PersonStillActive as err:
        fail([f"refused: {err}"], EXIT_REJECTED)
    except ErasureUnderway as err:
        fail([str(err)], EXIT_UNAVAILABLE)
    typer.echo(
        f"erased: employee {employee}: {outcome.cases_anonymised} case(s) anonymised, {outcome.events_deleted} received event(s) deleted"
    )
