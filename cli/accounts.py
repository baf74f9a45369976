"""`offboarding accounts`: the people who sign in to the web app (the first HR or admin account is made here)."""

import json
import sys
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import store as accounts
from accounts import tokens as api_tokens
from cli import backends
from cli.common import EXIT_DUPLICATE, EXIT_INVALID, EXIT_UNKNOWN, fail, run, settings
from models.accounts import AccountRole, NewAccount

accounts_app = typer.Typer(
    help="Accounts for the web app: who signs in, with which roles (hr, manager, custodian, interviewer, reviewer, admin).",
    no_args_is_help=True,
)

ROLES = ", ".join(role.value for role in AccountRole)


def _in_session(work):
    current = settings()

    async def committed(session: AsyncSession):
        result = await work(session)
        await session.commit()
        return result

    return run(backends.with_session(current, committed))


def _password(given: str | None, from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n") or None
    if given is not None:
        return given or None
    return (
        typer.prompt(
            "Password (empty: OIDC sign-in only)",
            default="",
            hide_input=True,
            confirmation_prompt=True,
            show_default=False,
        )
        or None
    )


@accounts_app.command("add")
def add(
    email: Annotated[str, typer.Option("--email", help="Email address; the sign-in name.", show_default=False)],
    name: Annotated[str, typer.Option("--name", help="Full name, as pages show it.", show_default=False)],
    role: Annotated[list[str], typer.Option("--role", help=f"Role (repeat for more): {ROLES}.", show_default=False)],
    language: Annotated[str, typer.Option("--language", help="Language of the pages: nl or en.")] = "nl",
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="Password (at least 10 characters). Left out: asked for without echo.",
            show_default=False,
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
    ] = False,
) -> None:
    """Create an account.

    Exit codes: 0 created; 1 database unreachable; 2 invalid input; 3 the email address already has an account.
    """

    try:
        new = NewAccount.model_validate(
            {
                "email": email,
                "name": name,
                "roles": role,
                "language": language,
                "password": _password(password, password_stdin),
            }
        )
    except ValidationError as err:
        fail(
            [
                f"--{'.'.join(str(p) for p in e['loc'][:1]).replace('_', '-')}: {e['msg'].removeprefix('Value error, ')}"
                for e in err.errors()
            ],
            EXIT_INVALID,
        )

    async def create(session: AsyncSession):
        try:
            return await accounts.create(session, new)
        except accounts.AccountExists:
            return None

    account = _in_session(create)
    if account is None:
        fail([f"there is already an account for {new.email}"], EXIT_DUPLICATE)
    typer.echo(f"account {account.email} created with roles {', '.join(account.roles)}")


@accounts_app.command("list")
def list_accounts(as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False) -> None:
    """List the accounts.

    Exit codes: 0 listed; 1 database unreachable.
    """

    rows = _in_session(accounts.all_accounts)
    data = [
        {
            "email": a.email,
            "name": a.name,
            "roles": a.roles,
            "language": a.language,
            "active": a.active,
            "password": a.password_hash is not None,
        }
        for a in rows
    ]
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    for item in data:
        typer.echo(
            f"{item['email']:40} {item['name']:30} {','.join(item['roles']):30} {item['language']}  {'active' if item['active'] else 'off'}"
        )


def _change(email: str, change) -> None:

    async def work(session: AsyncSession):
        account = await accounts.by_email(session, email)
        if account is None:
            return None
        await change(session, account)
        return account

    if _in_session(work) is None:
        fail([f"no account {email}"], EXIT_UNKNOWN)


@accounts_app.command("disable")
def disable(email: Annotated[str, typer.Argument(help="The account's email address.", show_default=False)]) -> None:
    """Switch an account off; its sessions end at once.

    Exit codes: 0 done; 1 database unreachable; 4 no such account.
    """

    _change(email, lambda session, account: accounts.set_active(session, account, False))
    typer.echo(f"account {email} is switched off")


@accounts_app.command("enable")
def enable(email: Annotated[str, typer.Argument(help="The account's email address.", show_default=False)]) -> None:
    """Switch an account on again.

    Exit codes: 0 done; 1 database unreachable; 4 no such account.
    """

    _change(email, lambda session, account: accounts.set_active(session, account, True))
    typer.echo(f"account {email} is switched on")


@accounts_app.command("password")
def set_password(
    email: Annotated[str, typer.Argument(help="The account's email address.", show_default=False)],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
    ] = False,
) -> None:
    """Reset the password (asked for without echo): every session of the account ends and every API token of it is revoked.

    Exit codes: 0 done; 1 database unreachable; 2 too short; 4 no such account.
    """

    password = _password(None, password_stdin) or ""
    if len(password) < 10:
        fail(["--password: use at least 10 characters"], EXIT_INVALID)

    async def reset(session: AsyncSession):
        account = await accounts.by_email(session, email)
        return None if account is None else await accounts.reset_password(session, account, password)

    result = _in_session(reset)
    if result is None:
        fail([f"no account {email}"], EXIT_UNKNOWN)
    typer.echo(
        f"password of {email} is set; {result.sessions_ended} session(s) ended, {result.tokens_revoked} API token(s) revoked"
    )


token_app = typer.Typer(
    help="API tokens: programs send one as `Authorization: Bearer <token>` and act as its account, with its roles.",
    no_args_is_help=True,
)
accounts_app.add_typer(token_app, name="token")


@token_app.command("create")
def create_token(
    email: Annotated[str, typer.Argument(help="The account the token acts as.", show_default=False)],
    name: Annotated[str, typer.Option("--name", help="Which program uses it, e.g. 'HR system'.", show_default=False)],
    expires_days: Annotated[int, typer.Option("--expires-days", help="Days until it expires (1 to 3650).")] = 365,
) -> None:
    """Make a token and print it (on standard output, alone: `TOKEN=$(offboarding accounts token create ...)`).
    It is shown this once; only its SHA-256 is kept. The audit log names you (the command line's user and host)
    as its maker, when it is made and whenever it is used.

    Exit codes: 0 made; 1 database unreachable; 2 invalid input; 4 no such active account.
    """

    if not name.strip() or len(name.strip()) > 200:
        fail(["--name: give 1 to 200 characters saying which program uses the token"], EXIT_INVALID)
    if not 1 <= expires_days <= api_tokens.MAX_DAYS:
        fail([f"--expires-days: a token lasts 1 to {api_tokens.MAX_DAYS} days"], EXIT_INVALID)

    async def issue(session: AsyncSession):
        account = await accounts.by_email(session, email)
        if account is None or not account.active:
            return None
        return await api_tokens.issue(session, account, name, expires_days)

    issued = _in_session(issue)
    if issued is None:
        fail([f"no active account {email}"], EXIT_UNKNOWN)
    typer.echo(
        f"token {issued.row.id[:12]} ({issued.row.name}) for {email}, expires {issued.row.expires_at:%Y-%m-%d %H:%M} UTC; "
        "it is shown only now, keep it where the program keeps its secrets:",
        err=True,
    )
    typer.echo(issued.token)


@token_app.command("list")
def list_tokens(
    email: Annotated[str | None, typer.Argument(help="Only this account's tokens.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """List the tokens (never the tokens themselves): id, account, name, made, expires, last used, state.

    Exit codes: 0 listed; 1 database unreachable; 4 no such account.
    """

    async def rows(session: AsyncSession):
        account_id = None
        if email:
            account = await accounts.by_email(session, email)
            if account is None:
                return None
            account_id = account.id
        return await api_tokens.listing(session, account_id)

    found = _in_session(rows)
    if found is None:
        fail([f"no account {email}"], EXIT_UNKNOWN)

    def when(value) -> str | None:
        return value.isoformat(timespec="seconds") if value else None

    data = [
        {
            "id": token.id[:12],
            "account": account.email,
            "name": token.name,
            "created_at": when(token.created_at),
            "expires_at": when(token.expires_at),
            "last_used_at": when(token.last_used_at),
            "made_by": token.created_by,
            "state": api_tokens.state(token),
        }
        for token, account in found
    ]
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    for item in data:
        typer.echo(
            f"{item['id']}  {item['account']:32} {item['name']:24} {item['state']:8} expires {item['expires_at'] or 'never'}  last used {item['last_used_at'] or 'never'}"
        )


@token_app.command("revoke")
def revoke_token(
    token_id: Annotated[
        str,
        typer.Argument(help="The token's id as the list shows it (its first 12 characters do).", show_default=False),
    ],
) -> None:
    """Revoke a token at once.

    Exit codes: 0 revoked (or already); 1 database unreachable; 2 the id fits several tokens; 4 no such token.
    """

    async def revoke(session: AsyncSession):
        try:
            return await api_tokens.revoke(session, token_id)
        except (api_tokens.UnknownToken, api_tokens.AmbiguousToken) as err:
            return err

    result = _in_session(revoke)
    if isinstance(result, api_tokens.AmbiguousToken):
        fail([f"{token_id} fits more than one token; give more of the id"], EXIT_INVALID)
    if isinstance(result, api_tokens.UnknownToken):
        fail([f"no API token {token_id}"], EXIT_UNKNOWN)
    typer.echo(f"token {result.id[:12]} ({result.name}) is revoked")
