"""`offboarding`: register departures, follow and act on cases, keep checklists and policy, and migrate the database."""

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from operations.startup import loading

# The product's modules load with the collector held back (operations/startup.py): 0.9 s of CPU for a command, not 1.4.
with loading():
    import typer
    from sqlalchemy.exc import SQLAlchemyError

    from cases import queries, service
    from cli import actions, backends, backup, demo, organisation_admin, render
    from cli.accounts import accounts_app
    from cli.common import EXIT_DUPLICATE, EXIT_INVALID, EXIT_UNAVAILABLE, EXIT_UNKNOWN
    from cli.common import case_url as _case_url
    from cli.common import fail as _fail
    from cli.common import run as _run
    from cli.common import settings as _settings
    from cli.intake import import_app
    from cli.privacy import identify, person_app
    from cli.registration_input import FLAGS, InvalidInput, build, read_file
    from cli.reports import report_app
    from models.case import CaseStatus
    from models.registration import DepartureType
    from planning import notice

app = typer.Typer(
    help="Register departures, follow their offboarding cases and act on them.",
    no_args_is_help=True,
    add_completion=False,
    # Locals would print the settings, SMTP password included.
    pretty_exceptions_show_locals=False,
)


def _flag(param: str, help: str, panel: str, metavar: str = "TEXT") -> Any:
    return typer.Option(FLAGS[param].option, help=help, rich_help_panel=panel, metavar=metavar, show_default=False)


Text = str | None
Texts = list[str] | None
EMPLOYEE, DEPARTURE, MANAGER, SUCCESSOR, HANDOVER = (
    "Employee",
    "Departure",
    "Manager",
    "Successor (optional)",
    "Handover (optional)",
)
DEPARTURE_TYPES = ", ".join(kind.value for kind in DepartureType)


@app.command(no_args_is_help=True)
def register(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help="JSON (.json) or YAML file holding the registration in its nested shape (employee, departure, manager, ...). Flags given as well override its values; --equipment and --task replace its lists.",
            show_default=False,
        ),
    ] = None,
    employee_id: Annotated[
        Text, _flag("employee_id", "Employee number (letters, digits, '.', '_', '-').", EMPLOYEE, "ID")
    ] = None,
    name: Annotated[Text, _flag("name", "Full name of the leaving employee.", EMPLOYEE)] = None,
    work_email: Annotated[Text, _flag("work_email", "Work email address.", EMPLOYEE, "EMAIL")] = None,
    private_email: Annotated[
        Text, _flag("private_email", "Private email address, used once the work mailbox is gone.", EMPLOYEE, "EMAIL")
    ] = None,
    language: Annotated[
        Text, _flag("language", "Language of the employee's messages: nl (default) or en.", EMPLOYEE, "nl|en")
    ] = None,
    department: Annotated[Text, _flag("department", "Department.", EMPLOYEE)] = None,
    job_title: Annotated[Text, _flag("job_title", "Job title.", EMPLOYEE)] = None,
    start_date: Annotated[Text, _flag("start_date", "First day of employment.", EMPLOYEE, "YYYY-MM-DD")] = None,
    departure_type: Annotated[
        Text, _flag("departure_type", f"Departure type: {DEPARTURE_TYPES}.", DEPARTURE, "TYPE")
    ] = None,
    notice_date: Annotated[
        Text, _flag("notice_date", "Date the departure was announced.", DEPARTURE, "YYYY-MM-DD")
    ] = None,
    last_day: Annotated[
        Text,
        _flag("last_day", "Last working day (remaining leave already taken into account).", DEPARTURE, "YYYY-MM-DD"),
    ] = None,
    manager_name: Annotated[Text, _flag("manager_name", "Manager's name.", MANAGER)] = None,
    manager_email: Annotated[Text, _flag("manager_email", "Manager's email address.", MANAGER, "EMAIL")] = None,
    manager_language: Annotated[
        Text, _flag("manager_language", "Manager's language: nl (default) or en.", MANAGER, "nl|en")
    ] = None,
    successor_name: Annotated[Text, _flag("successor_name", "Successor's name.", SUCCESSOR)] = None,
    successor_email: Annotated[Text, _flag("successor_email", "Successor's email address.", SUCCESSOR, "EMAIL")] = None,
    successor_language: Annotated[
        Text, _flag("successor_language", "Successor's language: nl (default) or en.", SUCCESSOR, "nl|en")
    ] = None,
    equipment: Annotated[
        Texts,
        _flag(
            "equipment",
            "Equipment the employee holds, one flag per item: 'name', or 'name | kind | asset tag | returned to' (kind: laptop, phone, badge, keys, car, card, other).",
            HANDOVER,
            "ITEM",
        ),
    ] = None,
    task: Annotated[
        Texts, _flag("task", "Extra handover task title (repeat for each task).", HANDOVER, "TITLE")
    ] = None,
    team_announcement_date: Annotated[
        Text, _flag("team_announcement_date", "Date to announce the departure to the team.", HANDOVER, "YYYY-MM-DD")
    ] = None,
    team_email: Annotated[
        Text,
        _flag(
            "team_email",
            "Team address for the team announcement (needed with --team-announcement-date).",
            HANDOVER,
            "EMAIL",
        ),
    ] = None,
    note: Annotated[Text, _flag("note", "Short note for HR.", HANDOVER)] = None,
) -> None:
    """Register a departure and start its case.

    Give the departure with flags, with --file, or both. The case id follows from the employee id and the notice date, so registering the same departure again starts no second case.

    A last working day earlier than the statutory notice period allows is printed as `warning: ...` on stderr; the case is registered all the same.

    Exit codes: 0 registered; 1 Temporal unreachable; 2 invalid input (one line per problem on stderr, naming the flag or file field); 3 already registered (the existing case id is printed).
    """
    try:
        registration = build(ctx.params, read_file(file) if file else None)
    except InvalidInput as err:
        _fail(err.lines, EXIT_INVALID)
    settings = _settings()
    result = _run(
        backends.with_temporal(settings, lambda client: service.register(client, registration, settings.task_queue))
    )
    url = _case_url(settings, result.case_id)
    if not result.created:
        _fail([f"already registered: case {result.case_id}", f"see it at {url}"], EXIT_DUPLICATE)
    typer.echo(f"registered: case {result.case_id}")
    typer.echo(f"see it at {url}")
    for warning in notice.check(registration, settings.organisation_country):
        typer.echo(f"warning: {warning.message}", err=True)


@app.command()
def show(
    case_id: Annotated[str, typer.Argument(help="Case id, as `register` printed it.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the case as JSON.")] = False,
) -> None:
    """Show a case as it is now: status, steps and timeline.

    Exit codes: 0 shown; 1 Temporal unreachable; 4 no such case.
    """
    settings = _settings()
    view = _run(backends.with_temporal(settings, lambda client: service.view(client, case_id)))
    if view is None:
        _fail([f"no case {case_id}"], EXIT_UNKNOWN)
    typer.echo(view.model_dump_json(indent=2) if as_json else render.case_view(view, _case_url(settings, case_id)))


@app.command("list")
def list_cases(
    status: Annotated[CaseStatus | None, typer.Option(help="Only cases with this status.", show_default=False)] = None,
    department: Annotated[Text, typer.Option(help="Only cases of this department.", show_default=False)] = None,
    due_before: Annotated[
        Text,
        typer.Option(
            "--due-before",
            help="Only cases whose last working day is on or before this date.",
            metavar="YYYY-MM-DD",
            show_default=False,
        ),
    ] = None,
    search: Annotated[
        Text, typer.Option("--search", help="Part of the employee's name or number.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=queries.MAX_PAGE, help="At most this many cases.")] = 200,
    offset: Annotated[int, typer.Option(min=0, help="Pass over this many matching cases first.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the cases as JSON.")] = False,
) -> None:
    """List cases from the database, soonest last working day first; says how many match in all.

    Exit codes: 0 listed (also when none match); 1 database unreachable; 2 invalid input (the flag is named).
    """
    last_day = _date("--due-before", due_before)
    settings = _settings()
    wanted = queries.CaseFilter(
        search=search or "", status=status.value if status else None, department=department, last_day_until=last_day
    )
    page = _run(
        backends.with_session(settings, lambda session: queries.list_cases(session, wanted, offset=offset, limit=limit))
    )
    if as_json:
        typer.echo(json.dumps([render.case_record(case) for case in page.items], indent=2))
    elif page.items:
        typer.echo(render.case_table(page.items))
    if not as_json:
        shown = (
            f"{page.offset + 1}-{page.offset + len(page.items)} of {page.total}"
            if page.items
            else f"none of {page.total}"
        )
        more = f"; the next page: --offset {page.next_offset}" if page.next_offset is not None else ""
        typer.echo(f"{shown} cases{more}" if page.total else "no cases", err=True)


def _date(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        _fail([f"{option}: '{value}' is not a valid date; use YYYY-MM-DD"], EXIT_INVALID)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date; safe to run again.

    Exit codes: 0 up to date; 1 the database could not be migrated.
    """
    # Alembic is loaded by this command alone: every other command starts that much sooner.
    from alembic.util import CommandError

    from db import migrate as db_migrate

    settings = _settings()
    try:
        db_migrate.upgrade(settings.database_url)
    except (SQLAlchemyError, OSError, CommandError) as err:
        _fail([backends.database_problem(settings.database_url, err)], EXIT_UNAVAILABLE)
    typer.echo(f"database {backends.safe_url(settings.database_url)} is up to date")


# Acting on cases, and what the cases are drawn from; listed after the commands above in --help.
for sub_app, name in [
    (actions.task_app, "task"),
    (actions.equipment_app, "equipment"),
    (actions.case_app, "case"),
    (actions.interview_app, "interview"),
    (organisation_admin.checklist_app, "checklist"),
    (organisation_admin.policy_app, "policy"),
]:
    app.add_typer(sub_app, name=name)
app.add_typer(import_app, name="import")
app.add_typer(accounts_app, name="accounts")
app.add_typer(report_app, name="report")
app.add_typer(person_app, name="person")
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.command("demo")(demo.demo)
# Names who runs each command in the audit log.
app.callback()(identify)
