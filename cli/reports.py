"""`offboarding report`: make the report of a period the schedule missed, list the reports, show one, export one."""

import json
from pathlib import Path
from typing import Annotated

import typer

from cli import backends
from cli.common import EXIT_INVALID, EXIT_REJECTED, EXIT_UNAVAILABLE, EXIT_UNKNOWN, fail, run, settings
from reports import service

report_app = typer.Typer(
    help="Periodic exit-interview reports, one per fixed period: make one the schedule missed, list, show and export them.",
    no_args_is_help=True,
)

FORMATS = ("pdf", "csv", "html")
LANGUAGES = ("nl", "en")
NO_RANGES = "reports cover only the organisation's fixed periods, never a range of dates; name the period with --period (2027-Q2, 2027-H1 or 2027)"


def _url(public_url: str, report_id: str) -> str:
    return f"{public_url.rstrip('/')}/reports/{report_id}"


@report_app.command(no_args_is_help=True)
def start(
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="The period the schedule missed: 2027-Q2, 2027-H1 or 2027, as the organisation reports.",
            metavar="PERIOD",
            show_default=False,
        ),
    ] = None,
    start_date: Annotated[str | None, typer.Option("--from", hidden=True)] = None,
    end_date: Annotated[str | None, typer.Option("--to", hidden=True)] = None,
) -> None:
    """Make the report of a fixed period the schedule missed, once the period has ended; it is stored and sent to
    the reviewers shortly after. The schedule makes every other report. A period is reported once.

    Exit codes: 0 started (or already being made: its id is printed); 1 Temporal or the database unreachable;
    2 invalid input (the flag is named); 5 the period has been reported already.
    """
    for flag, given in (("--from", start_date), ("--to", end_date)):
        if given is not None:
            fail([f"{flag}: {NO_RANGES}"], EXIT_INVALID)
    if period is None:
        fail(["--period: name the period, e.g. --period 2027-Q2"], EXIT_INVALID)
    current = settings()
    try:
        first, last = run(
            backends.with_session(current, lambda session: service.missed_period(session, current, period))
        )
    except service.PeriodRefused as err:
        fail([f"--period: {err.message}"], EXIT_REJECTED if err.code == "already_reported" else EXIT_INVALID)
    started = run(
        backends.with_temporal(
            current, lambda client: service.start_period(client, first, last, current.task_queue, "command line")
        )
    )
    typer.echo(
        f"{'started' if started.created else 'already being made'}: report {started.report_id} ({started.label})"
    )
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
            typer.echo(
                f"{r['report_id']}  {r['label'] or '':<10}  {r['period_start']} – {r['period_end']}  {r['status']}  r{r['revision']}"
            )
    else:
        typer.echo("no reports", err=True)


@report_app.command(no_args_is_help=True)
def show(
    report_id: Annotated[
        str, typer.Argument(help="Report id, as `report start` or `report list` printed it.", show_default=False)
    ],
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
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="Language of the PDF or HTML: nl (default) or en.", metavar="nl|en", show_default=False
        ),
    ] = None,
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
            return await service.report_pdf(
                session, report_id, language, current.organisation_name, current.organisation_country
            )
        if fmt == "csv":
            return (await service.report_csv(session, report_id)).encode("utf-8")
        return (
            await service.report_html(
                session, report_id, language, current.organisation_name, current.organisation_country
            )
        ).encode("utf-8")

    try:
        content = run(backends.with_session(current, render))
    except service.ReportNotFound:
        fail([f"no report {report_id}"], EXIT_UNKNOWN)
    try:
        out.write_bytes(content)
    except OSError as err:
        fail([f"--out: cannot write {out}: {err.strerror or err}"], EXIT_UNAVAILABLE)
    typer.echo(f"written: {out} ({fmt}, {len(content)} bytes)")
