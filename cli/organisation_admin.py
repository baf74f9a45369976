"""What cases are drawn from: the checklist templates and the organisation's policy, kept in the database."""

import json
from datetime import time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from cli import backends, render
from cli.common import EXIT_INVALID, EXIT_UNKNOWN, echo_json, fail, run, settings
from cli.model_input import InvalidInput, Location, read_file, validate
from models.handover import ChecklistTemplateIn
from models.policy import Policy
from organisation import checklists, store

checklist_app = typer.Typer(
    help="Checklist templates: the handover tasks each new case starts with, by department or role.",
    no_args_is_help=True,
)
policy_app = typer.Typer(
    help="The organisation's policy: every timing of a case (reminders, interview, escalation).", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="Print it as JSON.")]
TemplateId = Annotated[
    int, typer.Argument(help="Template id, as `checklist list` shows it.", show_default=False, metavar="ID")
]
TEMPLATE_SHAPE = "the template's fields (name, department, job_title, items)"
POLICY_SHAPE = "the policy's fields (timezone, working_hours_start, interview_duration_minutes, ...)"


def _file_option(help: str) -> Any:
    return typer.Option("--file", "-f", help=help, show_default=False)


def _read(file: Path | None, shape: str) -> dict[str, Any]:
    if file is None:
        fail([f"--file: required; give {shape} in a JSON or YAML file"], EXIT_INVALID)
    try:
        return read_file(file, shape)
    except InvalidInput as err:
        fail(err.lines, EXIT_INVALID)


def _in_session(work: Any) -> Any:
    """Run the work in one session and commit it; exit 1 when the database cannot be used."""
    current = settings()

    async def committed(session: AsyncSession) -> Any:
        result = await work(session, current)
        await session.commit()
        return result

    return run(backends.with_session(current, committed))


# Checklist templates.


@checklist_app.command("list")
def list_templates(as_json: Json = False) -> None:
    """List the checklist templates.

    Exit codes: 0 listed (also when there are none); 1 database unreachable.
    """
    templates = _in_session(lambda session, _: checklists.all_templates(session))
    if as_json:
        typer.echo(json.dumps([template.model_dump(mode="json") for template in templates], indent=2))
    elif templates:
        typer.echo(render.checklist_table(templates))
    else:
        typer.echo("no checklist templates", err=True)


@checklist_app.command("add", no_args_is_help=True)
def add_template(
    file: Annotated[
        Path | None,
        _file_option(
            "JSON (.json) or YAML file with name, department and job_title (leave them out to apply to every department or role) "
            "and items: each a title, an assignee (manager, successor, hr, facilities, employee) and due_working_days_before."
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Add a checklist template; cases registered from now on draw their tasks from it.

    Exit codes: 0 added; 1 database unreachable; 2 invalid input (one line per problem on stderr, naming the dotted field of the file).
    """
    data = _read(file, TEMPLATE_SHAPE)
    try:
        template_in = validate(ChecklistTemplateIn, data, {}, {}, using_file=True)
    except InvalidInput as err:
        fail(err.lines, EXIT_INVALID)
    template = _in_session(lambda session, _: checklists.create(session, template_in))
    if as_json:
        echo_json(template)
    else:
        typer.echo(f"added: checklist template {template.id} ({template.name}, {len(template.items)} items)")


@checklist_app.command("show", no_args_is_help=True)
def show_template(template_id: TemplateId, as_json: Json = False) -> None:
    """Show one checklist template with its items.

    Exit codes: 0 shown; 1 database unreachable; 4 no such template.
    """
    template = _in_session(lambda session, _: checklists.get(session, template_id))
    if template is None:
        fail([f"no checklist template {template_id}"], EXIT_UNKNOWN)
    if as_json:
        echo_json(template)
    else:
        typer.echo(render.checklist(template))


@checklist_app.command("delete", no_args_is_help=True)
def delete_template(template_id: TemplateId) -> None:
    """Delete a checklist template. Cases already running keep their tasks.

    Exit codes: 0 deleted; 1 database unreachable; 4 no such template.
    """

    async def work(session: AsyncSession, _: Any) -> Any:
        template = await checklists.get(session, template_id)
        if template is not None:
            await checklists.delete(session, template_id)
        return template

    template = _in_session(work)
    if template is None:
        fail([f"no checklist template {template_id}"], EXIT_UNKNOWN)
    typer.echo(f"deleted: checklist template {template_id} ({template.name})")


# The policy.


@policy_app.command("show")
def show_policy(as_json: Json = False) -> None:
    """Show the policy in force.

    Exit codes: 0 shown; 1 database unreachable.
    """
    organisation = _in_session(store.load)
    if as_json:
        echo_json(organisation.policy)
    else:
        typer.echo(render.policy(organisation.policy))


@policy_app.command("set", no_args_is_help=True)
def set_policy(
    file: Annotated[
        Path | None,
        _file_option(
            "JSON (.json) or YAML file with the policy fields to change; the fields it leaves out keep their current values. "
            "`offboarding policy show --json` prints a complete file to start from."
        ),
    ] = None,
) -> None:
    """Change the policy. Cases registered from now on follow it.

    Exit codes: 0 changed (or already so); 1 database unreachable; 2 invalid input (one line per problem on stderr, naming the field).
    """
    data = _read(file, POLICY_SHAPE)
    checks = _policy_checks(data)

    async def work(session: AsyncSession, current_settings: Any) -> tuple[Policy, Policy]:
        before = (await store.load(session, current_settings)).policy
        # A value already found wrong is left out, so that it cannot also fail the checks across fields.
        changes = {name: value for name, value in data.items() if (name,) not in checks}
        after = validate(Policy, {**before.model_dump(mode="json"), **changes}, {}, {}, using_file=True, checks=checks)
        await store.update_policy(session, current_settings, after)
        return before, after

    try:
        before, after = _in_session(work)
    except InvalidInput as err:
        fail(err.lines, EXIT_INVALID)
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    changed = [
        f"  {name}: {render.plain(old[name])} → {render.plain(new[name])}" for name in new if old[name] != new[name]
    ]
    typer.echo("policy updated" if changed else "policy unchanged: it already says so")
    for line in changed:
        typer.echo(line)


def _policy_checks(data: dict[str, Any]) -> dict[Location, str]:
    """What pydantic does not see in a policy file: unknown fields, YAML's reading of 17:00, time zone names; in the file's order."""
    checks: dict[Location, str] = {}
    for name, value in data.items():
        field = Policy.model_fields.get(name)
        if field is None:
            checks[(name,)] = f"{name}: unknown field; expected one of: {', '.join(Policy.model_fields)}"
        elif field.annotation is time and isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 17:00 as the sexagesimal number 1020.
            hours, minutes = divmod(value, 60)
            checks[(name,)] = (
                f"{name}: YAML read {hours}:{minutes:02} as the number {value}; put the time in quotes: '{hours:02}:{minutes:02}'"
            )
        elif name == "timezone" and isinstance(value, str) and not _known_zone(value):
            checks[(name,)] = (
                f"timezone: unknown time zone {value!r}; use a name such as Europe/Amsterdam or Europe/Brussels"
            )
    return checks


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
