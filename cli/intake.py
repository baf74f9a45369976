"""`offboarding import`: departures in bulk, for organisations without an HR feed."""

import json
from pathlib import Path
from typing import Annotated

import typer

from cli import backends
from cli.common import EXIT_DUPLICATE, EXIT_INVALID, EXIT_UNAVAILABLE, case_url, fail, run, settings
from intake import csv_import
from intake.csv_import import ImportInterrupted, InvalidImport, RowResult

import_app = typer.Typer(help="Import departures in bulk from a file.", no_args_is_help=True)


def _lines(results: list[RowResult]) -> list[str]:
    return [f"row {r.row}: {'registered' if r.created else 'already registered'}: case {r.case_id}" for r in results]


@import_app.command("departures", no_args_is_help=True)
def departures(
    file: Annotated[
        Path,
        typer.Argument(
            help="The CSV file, one departure per row, the first row naming the columns.",
            show_default=False,
            metavar="FILE.csv",
        ),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row and register nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Register every departure in a CSV file, or none of them.

    Columns (any order; the first row names them): employee_id, name, work_email, department, job_title, manager_name, manager_email, type, notice_date, last_working_day; optional: private_email, language, start_date, manager_language, successor_name, successor_email, equipment. Dates as YYYY-MM-DD (DD-MM-YYYY is read too); equipment items separated by semicolons, each 'name' or 'name | kind | asset tag | returned to'; columns separated by commas or semicolons; UTF-8.

    Every row is checked first: one bad row and nothing is registered. A departure registered before is reported and left alone, so importing the same file again is safe.

    Exit codes: 0 every row registered (with --dry-run: every row valid); 1 Temporal unreachable (the rows registered before are listed; import again to finish); 2 invalid file, one line per problem on stderr (`row 3, departure.last_working_day: ...`), nothing registered; 3 some rows were registered before (listed; the others are registered now).
    """
    try:
        data = file.read_bytes()
    except OSError as err:
        fail([f"{file}: cannot read it: {err.strerror or err}"], EXIT_INVALID)
    try:
        rows = csv_import.read(data)
    except InvalidImport as err:
        count = len(err.problems)
        fail(
            [
                *map(str, err.problems),
                f"nothing imported: fix {'this problem' if count == 1 else f'these {count} problems'} in {file} and run again",
            ],
            EXIT_INVALID,
        )
    if dry_run:
        if as_json:
            typer.echo(
                json.dumps(
                    {"dry_run": True, "rows": [{"row": r.row, "case_id": r.case_id, "result": "valid"} for r in rows]},
                    indent=2,
                )
            )
        else:
            for r in rows:
                typer.echo(f"row {r.row}: valid: would register case {r.case_id}")
            typer.echo(f"dry run: {len(rows)} valid row{'s' if len(rows) != 1 else ''}; nothing registered", err=True)
        return

    current = settings()
    try:
        results = run(
            backends.with_temporal(current, lambda client: csv_import.register_all(client, rows, current.task_queue))
        )
    except ImportInterrupted as err:
        for line in _lines(err.done):
            typer.echo(line)
        fail(
            [
                f"row {err.row}: cases cannot be reached ({err.reason}); {len(err.done)} rows registered before it",
                "import the file again to finish: registered rows are kept",
            ],
            EXIT_UNAVAILABLE,
        )
    registered = sum(r.created for r in results)
    repeated = len(results) - registered
    if as_json:
        report = [
            {
                "row": r.row,
                "case_id": r.case_id,
                "result": "registered" if r.created else "already_registered",
                "url": case_url(current, r.case_id),
            }
            for r in results
        ]
        typer.echo(
            json.dumps(
                {"dry_run": False, "registered": registered, "already_registered": repeated, "rows": report}, indent=2
            )
        )
    else:
        for line in _lines(results):
            typer.echo(line)
        typer.echo(f"{registered} registered, {repeated} already registered", err=True)
    if repeated:
        raise typer.Exit(EXIT_DUPLICATE)
