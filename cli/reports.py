"""`offboarding report`: start the exit-interview report for a date range, list the reports, show one, export one."""

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli import backends
from cli.common import EXIT_INVALID, EXIT_UNAVAILABLE, EXIT_UNKNOWN, fail, run, settings
from reports import service

report_app = typer.Typer(help="Periodic exit-interview reports: start one for a period, list, show and export them.", no_args_is_help=True)

FORMATS = ("pdf", "csv", "html")
LANGUAGES = ("nl", "en")


def _date(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail([f"{option}: '{value}' is not a valid date; use YYYY-MM-DD"], EXIT_INVALID)


def _url(public_url: str, report_id: str) -> str:
    return f"{public_url.rstrip('/')}/reports/{report_id}"


@report_app.command(no_args_is_help=True)
def start(
    start_date: Annotated[str, typer.Option("--from", help="First day of the period (inclusive).", metavar="YYYY-MM-DD", show_default=False)],
    end_date: Annotated[str, typer.Option("--to", help="Last day of the period (inclusive).", metavar="YYYY-MM-DD", show_default=False)],
) -> None:
    """Start the report for a period; it is stored and sent to the reviewers shortly after.

    Exit codes: 0 started (or already running: its id is printed); 1 Temporal unreachable; 2 invalid input (the flag is named).
    """
    first, last = _date("--from", start_date), _date("--to", end_date)
    if last < first:
        fail([f"--to: {last} is before --from {first}"], EXIT_INVALID)
    current = settings()
    started = run(backends.with_temporal(current, lambda client: service.start_report(client, first, last, current.task_queue, requested_by="cli")))
    typer.echo(f"{'started' if started.created else 'already running'}: report {started.report_id}")
    typer.echo(f"see it at {_url(current.public_url, started.report_id)} once it is stored")


@report_app.command("list")
def list_reports(as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False) -> None:
    """List the stored reports, latest period first.

    Exit codes: 0 listed (also when there are none); 1 database unreachable.
    """
    current = settings()

    async def rows(session):
        return [
            {
                "report_id": row.id,
                "label": (row.figures or {}).get("label"),
                "period_start": row.period_start.isoformat(),
                "period_end": row.period_end.isoformat(),
                "status": row.status,
                "revision": row.revision,
                "approved_by": row.approved_by,
            }
            for row in await service.list_reports(session)
        ]

    reports = run(backends.with_session(current, rows))
    if as_json:
        typer.echo(json.dumps(reports, indent=2))
    elif reports:
        for r in reports:
            typer.echo(f"{r['report_id']}  {r['label'] or '':<10}  {r['period_start']} – {r['period_end']}  {r['status']}  r{r['revision']}")
    else:
        typer.echo("no reports", err=True)


@report_app.command(no_args_is_help=True)
def show(
    report_id: Annotated[str, typer.Argument(help="Report id, as `report start` or `report list` printed it.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print all the figures as JSON.")] = False,
) -> None:
    """Show a stored report's headline figures (all of them with --json).

    Exit codes: 0 shown; 1 database unreachable; 4 no such report (or not stored yet).
    """
    current = settings()
    try:
        figures = run(backends.with_session(current, lambda session: service.figures(session, report_id)))
    except service.ReportNotFound:
        fail([f"no report {report_id}"], EXIT_UNKNOWN)
    if as_json:
        typer.echo(figures.model_dump_json(indent=2))
        return
    rate = "-" if figures.response_rate is None else f"{figures.response_rate:.0%}"
    for label, value in [
        ("report", figures.report_id),
        ("period", f"{figures.label} ({figures.period_start} – {figures.period_end})"),
        ("departures", "-" if figures.departures_by_type.total is None else figures.departures_by_type.total),
        ("respondents", "-" if figures.respondents is None else figures.respondents),
        ("response rate", rate),
        ("generated", figures.generated_at.isoformat(timespec="seconds")),
        ("see it at", _url(current.public_url, figures.report_id)),
    ]:
        typer.echo(f"{label + ':':<15}{value}")


@report_app.command(no_args_is_help=True)
def export(
    report_id: Annotated[str, typer.Argument(help="Report id.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", help="pdf, csv or html.", metavar="pdf|csv|html", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="File to write (overwritten).", show_default=False)],
    lang: Annotated[Optional[str], typer.Option("--lang", help="Language of the PDF or HTML: nl (default) or en.", metavar="nl|en", show_default=False)] = None,
) -> None:
    """Write a stored report to a file as PDF, CSV (the aggregated figures) or HTML.

    Exit codes: 0 written; 1 database unreachable or the file cannot be written; 2 invalid input (the flag is named); 4 no such report.
    """
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        fail([f"--format: '{fmt}' is not one of {', '.join(FORMATS)}"], EXIT_INVALID)
    language = (lang or "nl").strip().lower()
    if language not in LANGUAGES:
        fail([f"--lang: '{lang}' is not one of {', '.join(LANGUAGES)}"], EXIT_INVALID)
    current = settings()

    async def render(session) -> bytes:
        if fmt == "pdf":
            return await service.report_pdf(session, report_id, language, current.organisation_name)
        if fmt == "csv":
            return (await service.report_csv(session, report_id)).encode("utf-8")
        return (await service.report_html(session, report_id, language, current.organisation_name)).encode("utf-8")

    try:
        content = run(backends.with_session(current, render))
    except service.ReportNotFound:
        fail([f"no report {report_id}"], EXIT_UNKNOWN)
    try:
        out.write_bytes(content)
    except OSError as err:
        fail([f"--out: cannot write {out}: {err.strerror or err}"], EXIT_UNAVAILABLE)
    typer.echo(f"written: {out} ({fmt}, {len(content)} bytes)")
