"""`offboarding backup DIR` and `offboarding restore DIR`: the embedded installation's data folder, whole."""

from pathlib import Path
from typing import Annotated

import typer

from cli.common import EXIT_REJECTED, fail, settings


def backup(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A new (or empty) folder for the backup; it will hold the keys: keep it as safe as the data.",
            show_default=False,
        ),
    ],
) -> None:
    """Back up the embedded installation (`make run`'s data folder): the database, the Temporal dev server's file, the keys and the captured mail.

    Stop `make run` first: the command refuses while it runs. A PostgreSQL installation is backed up with pg_dump (README).

    Exit codes: 0 backed up; 5 refused (the reason on stderr).
    """
    from operations import backup as backups  # alembic and the backup code load for this command only

    try:
        result = backups.backup(settings(), folder)
    except backups.Refused as err:
        fail([f"not backed up: {err}"], EXIT_REJECTED)
    typer.echo(f"backed up {len(result.files)} files (schema revision {result.schema_revision}) to {result.folder}")


def restore(
    folder: Annotated[Path, typer.Argument(help="A folder made by `offboarding backup`.", show_default=False)],
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite the database and Temporal's file in the data folder.")
    ] = False,
) -> None:
    """Restore a backup made by `offboarding backup` into the data folder (OFFBOARDING_DATA_DIR).

    Stop `make run` first: the command refuses while it runs. The next `make run` migrates a backup of an earlier release.

    Exit codes: 0 restored; 5 refused (the reason on stderr).
    """
    from operations import backup as backups  # as in backup()

    try:
        result = backups.restore(settings(), folder, replace=replace)
    except backups.Refused as err:
        fail([f"not restored: {err}"], EXIT_REJECTED)
    typer.echo(
        f"restored {len(result.files)} files (schema revision {result.schema_revision}) from {result.folder}; start it with `make run`"
    )
