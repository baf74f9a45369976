"""The human steps of a case from the command line: tasks, equipment, the case itself and its exit interview.

Each acting command says who acts with --as and --role (the web app takes these from the signed-in
user); the case decides whether that person may, and a refusal exits 5 with its reason."""

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from cases import service
from cli import backends, render
from cli.common import EXIT_INVALID, EXIT_UNKNOWN, act, echo_json, fail, run, settings
from cli.model_input import Flag, InvalidInput, Location, from_flags, merge, parse_moment, read_file, validate
from models import interview
from models.access import RevokeAccessNow
from models.actors import Role
from models.handover import AddTask, CompleteTask, ConfirmReturn, FlagForSettlement, MoveLastDay, ReassignTask, Withdraw

task_app = typer.Typer(help="Handover tasks: complete, reassign or add one.", no_args_is_help=True)
equipment_app = typer.Typer(help="Equipment: confirm that an item came back.", no_args_is_help=True)
case_app = typer.Typer(
    help="The case itself: move the last working day, withdraw the departure, or end access at once.",
    no_args_is_help=True,
)
interview_app = typer.Typer(
    help="The exit interview: HR confirms, skips, assigns, schedules and records; the employee accepts, proposes or declines.",
    no_args_is_help=True,
)

# `system` is the workflows' own role; nobody acts as it from a terminal.
ROLES = [role.value for role in Role if role != Role.SYSTEM]
ACTOR_FLAGS = {"actor_email": Flag("--as", ("actor", "email")), "actor_role": Flag("--role", ("actor", "role"))}
ACTING = "Acting as"

Text = str | None
CaseId = Annotated[str, typer.Argument(help="Case id, as `register` printed it.", show_default=False)]
As = Annotated[
    Text,
    typer.Option(
        "--as",
        help="Your email address: the person doing this.",
        metavar="EMAIL",
        rich_help_panel=ACTING,
        show_default=False,
    ),
]
RoleFlag = Annotated[
    Text,
    typer.Option(
        "--role",
        help=f"Your role in the case: {', '.join(ROLES)}.",
        metavar="ROLE",
        rich_help_panel=ACTING,
        show_default=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


EXIT_CODES = (
    "Exit codes: 0 {outcome}; 1 Temporal unreachable; 2 invalid input (one line per problem on stderr, naming the flag); "
    "4 no such case; 5 rejected by the case (`rejected: <reason>` on stderr: {refusals})."
)


def acting(
    app: typer.Typer, name: str, *, refusals: str, outcome: str = "done"
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command that acts on a case; its help ends with the exit codes all of them share."""

    def register(command: Callable[..., None]) -> Callable[..., None]:
        command.__doc__ = (
            f"{inspect.cleandoc(command.__doc__ or '')}\n\n{EXIT_CODES.format(outcome=outcome, refusals=refusals)}"
        )
        return app.command(name, no_args_is_help=True)(command)

    return register


def _option(name: str, help: str, metavar: str = "TEXT") -> Any:
    return typer.Option(name, help=help, metavar=metavar, show_default=False)


def _payload(
    model: type[BaseModel],
    params: dict[str, Any],
    flags: dict[str, Flag],
    *,
    file_data: dict[str, Any] | None = None,
    checks: dict[Location, str] | None = None,
) -> Any:
    """The update's input from the flags (laid over the file, if any) and --as/--role; exit 2 naming each bad flag."""
    flags = {**ACTOR_FLAGS, **flags}
    data, given = from_flags(params, flags)
    if file_data is not None:
        data = merge(file_data, data)
    checks = dict(checks or {})
    role = params.get("actor_role")
    if role is not None and role not in ROLES:
        checks[("actor", "role")] = f"--role: unknown value {role!r}; choose one of: {', '.join(ROLES)}"
    try:
        return validate(model, data, flags, given, using_file=file_data is not None, checks=checks)
    except InvalidInput as err:
        fail(err.lines, EXIT_INVALID)


def _payload_with_start(model: type[BaseModel], params: dict[str, Any], flags: dict[str, Flag]) -> Any:
    """As ``_payload``, for the commands whose --start is a moment: a bad one is named like any other bad flag."""
    checks: dict[Location, str] = {}
    start = params.get("start")
    if start is not None:
        moment, problem = parse_moment("--start", start)
        if problem:
            checks[("start",)] = problem
        else:
            params = {**params, "start": moment}
    return _payload(model, params, {"start": Flag("--start", ("start",)), **flags}, checks=checks)


REASON_FLAG = {"reason": Flag("--reason", ("reason",))}


def _show(result: BaseModel, as_json: bool, line: str) -> None:
    if as_json:
        echo_json(result)
    else:
        typer.echo(line)


# Handover tasks.


TaskIdArg = Annotated[
    str, typer.Argument(help="Task id (t1, t2, ...), as `offboarding show` lists it.", show_default=False)
]
Comment = Annotated[Text, _option("--comment", "A note kept with the task.")]
TASK_ID_FLAG = {"task_id": Flag("TASK_ID", ("task_id",))}
COMMENT_FLAG = {"comment": Flag("--comment", ("comment",))}


@acting(task_app, "complete", refusals="unknown task, not yours to do, already done, case closed...")
def complete_task(
    ctx: typer.Context,
    case_id: CaseId,
    task_id: TaskIdArg,
    comment: Comment = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Tick a task off. Its assignee, the manager or HR may."""
    flags = {**TASK_ID_FLAG, **COMMENT_FLAG}
    payload = _payload(CompleteTask, ctx.params, flags)
    task = act(case_id, payload)
    _show(task, as_json, f"task {task.id} is {task.state}: {task.title} (by {task.completed_by})")


@acting(task_app, "reassign", refusals="unknown task, not yours to do, already done, case closed...")
def reassign_task(
    ctx: typer.Context,
    case_id: CaseId,
    task_id: TaskIdArg,
    to: Annotated[Text, _option("--to", "Email address of the new assignee; they are told by mail.", "EMAIL")] = None,
    comment: Comment = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Hand a task to someone else. Its assignee, the manager or HR may."""
    flags = {**TASK_ID_FLAG, "to": Flag("--to", ("assignee_email",)), **COMMENT_FLAG}
    payload = _payload(ReassignTask, ctx.params, flags)
    task = act(case_id, payload)
    _show(task, as_json, f"task {task.id} is assigned to {task.assignee_email}, due {task.due_date}: {task.title}")


@acting(task_app, "add", outcome="added", refusals="not yours to do, due before the notice date, case closed...")
def add_task(
    ctx: typer.Context,
    case_id: CaseId,
    title: Annotated[Text, _option("--title", "What has to be done.")] = None,
    assignee: Annotated[
        Text, _option("--assignee", "Email address of who does it; they are told by mail.", "EMAIL")
    ] = None,
    due: Annotated[Text, _option("--due", "Due date. Give this or --working-days-before.", "YYYY-MM-DD")] = None,
    working_days_before: Annotated[
        Text,
        _option(
            "--working-days-before",
            "Due this many working days before the last working day (negative: after it); moves with it.",
            "N",
        ),
    ] = None,
    comment: Comment = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Add a handover task to the case. The manager or HR may."""
    flags = {
        "title": Flag("--title", ("title",)),
        "assignee": Flag("--assignee", ("assignee_email",)),
        "due": Flag("--due", ("due_date",)),
        "working_days_before": Flag("--working-days-before", ("due_working_days_before",)),
        **COMMENT_FLAG,
    }
    payload = _payload(AddTask, ctx.params, flags)
    task = act(case_id, payload)
    _show(task, as_json, f"task {task.id} added, assigned to {task.assignee_email}, due {task.due_date}: {task.title}")


# Equipment.


ItemIdArg = Annotated[
    str, typer.Argument(help="Item id (e1, e2, ...), as `offboarding show` lists it.", show_default=False)
]


@acting(equipment_app, "return", refusals="unknown item, not yours to confirm, already recorded, case closed...")
def confirm_return(
    ctx: typer.Context,
    case_id: CaseId,
    item_id: ItemIdArg,
    outcome: Annotated[
        Text,
        _option(
            "--outcome", "How it came back: returned (the default), returned_damaged, lost, or kept (by agreement)."
        ),
    ] = None,
    note: Annotated[Text, _option("--note", "A note kept with the item, e.g. its condition.")] = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Record how an item came back. Its custodian or HR may."""
    flags = {
        "item_id": Flag("ITEM_ID", ("item_id",)),
        "outcome": Flag("--outcome", ("outcome",)),
        "note": Flag("--note", ("note",)),
    }
    payload = _payload(ConfirmReturn, ctx.params, flags)
    item = act(case_id, payload)
    _show(item, as_json, f"{item.name} ({item.id}) is {item.state}, recorded by {item.confirmed_by}")


@acting(
    equipment_app, "settle", outcome="marked", refusals="only HR, unknown item, already marked that way, case closed..."
)
def flag_for_settlement(
    ctx: typer.Context,
    case_id: CaseId,
    item_id: ItemIdArg,
    note: Annotated[Text, _option("--note", "What is settled, e.g. the amount.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Take the mark off instead.")] = False,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Mark an item for the final settlement: its value set off against the final pay. HR may."""
    flags = {"item_id": Flag("ITEM_ID", ("item_id",)), "note": Flag("--note", ("note",))}
    payload = _payload(
        FlagForSettlement, {**ctx.params, "flagged": not remove}, {**flags, "flagged": Flag("--remove", ("flagged",))}
    )
    item = act(case_id, payload)
    _show(
        item,
        as_json,
        f"{item.name} ({item.id}) is {'marked' if item.settlement else 'no longer marked'} for the final settlement",
    )


# The case itself.


@acting(
    case_app,
    "move-last-day",
    outcome="moved",
    refusals="not yours to do, before the notice date, already that date, case closed...",
)
def move_last_day(
    ctx: typer.Context,
    case_id: CaseId,
    last_day: Annotated[
        Text,
        _option("--last-day", "The new last working day; due dates, reminders and the interview follow.", "YYYY-MM-DD"),
    ] = None,
    reason: Annotated[Text, _option("--reason", "Why it moved; told to the manager, HR and IT/facilities.")] = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Move the last working day. The manager or HR may."""
    flags = {"last_day": Flag("--last-day", ("last_working_day",)), **REASON_FLAG}
    payload = _payload(MoveLastDay, ctx.params, flags)
    view = act(case_id, payload)
    _show(
        view,
        as_json,
        f"case {view.case_id}: the last working day is now {view.last_working_day}; due dates and the interview follow",
    )


@acting(case_app, "withdraw", outcome="withdrawn", refusals="not yours to do, already withdrawn, case closed...")
def withdraw(
    ctx: typer.Context,
    case_id: CaseId,
    reason: Annotated[
        Text, _option("--reason", "Why, e.g. the resignation was taken back; told to everyone involved.")
    ] = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
) -> None:
    """Withdraw the departure: reminders stop, the interview is cancelled and everyone involved is told. HR may."""
    payload = _payload(Withdraw, ctx.params, REASON_FLAG)
    act(case_id, payload)
    typer.echo(f"case {case_id} is withdrawn; it winds down and tells the people involved")


@acting(
    case_app,
    "revoke-access-now",
    outcome="access is being ended",
    refusals="only HR, access already ended or ending, case closed...",
)
def revoke_access_now(
    ctx: typer.Context,
    case_id: CaseId,
    reason: Annotated[
        Text,
        _option(
            "--reason", "Why access ends before the last working day is over, e.g. a dismissal with immediate effect."
        ),
    ] = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """End the person's access now instead of at the end of the last working day. HR may, once."""
    payload = _payload(RevokeAccessNow, ctx.params, REASON_FLAG)
    view = act(case_id, payload)
    _show(
        view,
        as_json,
        f"case {case_id}: access is being ended now; `offboarding show {case_id}` gives the identity provider's answer",
    )


# The exit interview.


def _interview_action(case_id: str, payload: BaseModel, as_json: bool) -> None:
    view = act(case_id, payload)
    _show(view, as_json, render.interview_line(case_id, view))


@interview_app.command("show", no_args_is_help=True)
def show_interview(case_id: CaseId, as_json: Json = False) -> None:
    """Show the exit interview: status, interviewer, proposed and agreed times.

    Exit codes: 0 shown; 1 Temporal unreachable; 4 no such case (or no interview yet).
    """
    current = settings()

    async def work(client):
        view = await service.interview_view(client, case_id)
        exists = view is not None or await service.view(client, case_id) is not None
        return view, exists

    view, exists = run(backends.with_temporal(current, work))
    if view is None:
        fail([f"case {case_id} has no exit interview yet" if exists else f"no case {case_id}"], EXIT_UNKNOWN)
    _show(view, as_json, render.interview_view(case_id, view))


@acting(interview_app, "confirm", refusals="only HR, not awaiting confirmation...")
def confirm_interview(
    ctx: typer.Context, case_id: CaseId, actor_email: As = None, actor_role: RoleFlag = None, as_json: Json = False
) -> None:
    """After a dismissal or non-renewal: the conversation is still useful, invite the employee. HR only."""
    payload = _payload(
        interview.ConfirmInterview, {**ctx.params, "proceed": True}, {"proceed": Flag("proceed", ("proceed",))}
    )
    _interview_action(case_id, payload, as_json)


@acting(interview_app, "skip", refusals="only HR, not awaiting confirmation...")
def skip_interview(
    ctx: typer.Context,
    case_id: CaseId,
    reason: Annotated[
        Text,
        _option(
            "--reason",
            "Why the interview is skipped (required), e.g. the relationship with the manager does not allow it.",
        ),
    ] = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """After a dismissal or non-renewal: skip the interview, with a reason. HR only."""
    checks: dict[Location, str] = (
        {} if reason and reason.strip() else {("reason",): "--reason: required; say why the interview is skipped"}
    )
    flags = {"proceed": Flag("proceed", ("proceed",)), **REASON_FLAG}
    payload = _payload(interview.ConfirmInterview, {**ctx.params, "proceed": False}, flags, checks=checks)
    _interview_action(case_id, payload, as_json)


@acting(interview_app, "assign", refusals="only HR, the direct manager, the interview is over...")
def assign_interviewer(
    ctx: typer.Context,
    case_id: CaseId,
    name: Annotated[
        Text, _option("--name", "The interviewer's name: someone without a reporting line to the employee.")
    ] = None,
    email: Annotated[Text, _option("--email", "The interviewer's email address.", "EMAIL")] = None,
    language: Annotated[Text, _option("--language", "The interviewer's language: nl (default) or en.", "nl|en")] = None,
    manager_reason: Annotated[
        Text,
        _option(
            "--manager-reason",
            "Only to let the direct manager hold it, as the fallback: why no one without a reporting line can "
            "(on the timeline and the audit log).",
        ),
    ] = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Assign the interviewer. HR only; the direct manager only with --manager-reason."""
    flags = {
        "name": Flag("--name", ("interviewer", "name")),
        "email": Flag("--email", ("interviewer", "email")),
        "language": Flag("--language", ("interviewer", "language")),
        "manager_reason": Flag("--manager-reason", ("manager_reason",)),
    }
    payload = _payload(interview.AssignInterviewer, ctx.params, flags)
    _interview_action(case_id, payload, as_json)


START_HELP = "YYYY-MM-DDTHH:MM with a time zone, e.g. 2027-01-20T10:00+01:00"
Online = Annotated[bool, typer.Option("--online", help="An online conversation instead of on site.")]
ONLINE_FLAG = {"online": Flag("--online", ("online",))}


@acting(interview_app, "accept", refusals="not a proposed time, not the leaving employee, the interview is over...")
def accept_slot(
    ctx: typer.Context,
    case_id: CaseId,
    start: Annotated[
        Text, _option("--start", f"One of the proposed times, as `interview show` lists it ({START_HELP}).", "DATETIME")
    ] = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Accept one of the proposed times. The leaving employee (or HR on their behalf) may."""
    payload = _payload_with_start(interview.AcceptSlot, ctx.params, {})
    _interview_action(case_id, payload, as_json)


def _agree_time(model: type[BaseModel], start_help: str, doc: str) -> Callable[..., None]:
    """A command that agrees an interview time (--start, --online): proposing one and scheduling one differ only in who may."""

    def command(
        ctx: typer.Context,
        case_id: CaseId,
        start: Annotated[Text, _option("--start", f"{start_help} ({START_HELP}).", "DATETIME")] = None,
        online: Online = False,
        actor_email: As = None,
        actor_role: RoleFlag = None,
        as_json: Json = False,
    ) -> None:
        payload = _payload_with_start(model, ctx.params, ONLINE_FLAG)
        _interview_action(case_id, payload, as_json)

    command.__doc__ = doc
    return command


propose_slot = acting(
    interview_app, "propose", refusals="outside working hours, too late, not the leaving employee..."
)(
    _agree_time(
        interview.ProposeSlot,
        "The time the employee proposes",
        "Propose another time; it is agreed at once when it is usable. The leaving employee (or HR on their behalf) may.",
    )
)
schedule_interview = acting(interview_app, "schedule", refusals="only HR, outside working hours, too late...")(
    _agree_time(
        interview.ScheduleInterview,
        "The agreed time",
        "Schedule the interview at a time agreed with the employee. HR only.",
    )
)


@acting(interview_app, "decline", refusals="not the leaving employee, the interview is over...")
def decline_interview(
    ctx: typer.Context,
    case_id: CaseId,
    reason: Annotated[Text, _option("--reason", "Why, if the employee wants to say; told to HR.")] = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Decline the interview; participation is voluntary and reminders stop. The leaving employee (or HR on their behalf) may."""
    payload = _payload(interview.DeclineInterview, ctx.params, REASON_FLAG)
    _interview_action(case_id, payload, as_json)


@acting(
    interview_app, "ask-other-interviewer", refusals="not the leaving employee, already asked, the interview is over..."
)
def ask_other_interviewer(
    ctx: typer.Context,
    case_id: CaseId,
    reason: Annotated[Text, _option("--reason", "Why, if the employee wants to say; told to HR.")] = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Ask for someone else to hold the interview: HR is told and may assign another interviewer. The leaving employee
    (or HR on their behalf) may, once per interviewer."""
    payload = _payload(interview.AskOtherInterviewer, ctx.params, REASON_FLAG)
    _interview_action(case_id, payload, as_json)


@acting(interview_app, "answer-time", refusals="not the interviewer, no proposed time waiting, no longer usable...")
def answer_proposed_time(
    ctx: typer.Context,
    case_id: CaseId,
    accept: Annotated[
        bool,
        typer.Option(
            "--accept/--decline",
            help="Take the employee's proposed time after all, or ask them for another one.",
        ),
    ] = True,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Answer a time the employee proposed that clashed with the interviewer's agenda. The interviewer or HR may."""
    payload = _payload(interview.AnswerProposedTime, ctx.params, {"accept": Flag("--accept", ("accept",))})
    _interview_action(case_id, payload, as_json)


@acting(interview_app, "resend", outcome="sent", refusals="only HR, already answered...")
def resend_invitation(
    ctx: typer.Context, case_id: CaseId, actor_email: As = None, actor_role: RoleFlag = None, as_json: Json = False
) -> None:
    """Send the invitation again, with fresh proposed times. HR only, while it is unanswered."""
    payload = _payload(interview.ResendInvitation, ctx.params, {})
    _interview_action(case_id, payload, as_json)


RECORD_FILE_SHAPE = (
    "record: (the questionnaire) and consent: (scope, share_with_manager, text_version); held_on: if not the agreed day"
)
HELD_ON_FLAG = {"held_on": Flag("--held-on", ("held_on",))}


@interview_app.command("record", no_args_is_help=True)
def record_interview(
    ctx: typer.Context,
    case_id: CaseId,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help=f"JSON (.json) or YAML file with {RECORD_FILE_SHAPE}.",
            show_default=False,
        ),
    ] = None,
    held_on: Annotated[
        Text,
        _option(
            "--held-on",
            "The day it was held (YYYY-MM-DD), when not the agreed day; not in the future, not before the invitation.",
            "DATE",
        ),
    ] = None,
    actor_email: As = None,
    actor_role: RoleFlag = None,
    as_json: Json = False,
) -> None:
    """Record the held interview and the employee's consent; the employee gets a thank-you. HR or the assigned interviewer may,
    from the agreed time on. It was held on the agreed day unless --held-on (or held_on: in the file) gives another.

    Exit codes: 0 recorded; 1 Temporal or the database unreachable; 2 invalid input (one line per problem on stderr, naming the flag or the dotted field of the file); 4 no such case; 5 rejected by the case (`rejected: <reason>` on stderr: not the interviewer, no time agreed or before the agreed time, a held-on day in the future, outdated consent text, the interview is over...).
    """
    if file is None:
        fail(["--file: required; give the record and consent in a JSON or YAML file"], EXIT_INVALID)
    try:
        data = read_file(file, RECORD_FILE_SHAPE)
    except InvalidInput as err:
        fail(err.lines, EXIT_INVALID)
    payload = _payload(interview.SubmitInterview, ctx.params, HELD_ON_FLAG, file_data=data)
    _interview_action(case_id, payload, as_json)
