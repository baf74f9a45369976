"""Backing up and restoring the embedded installation: the data folder of ``make run``.

What belongs together is copied together, with everything stopped: the SQLite database (cases, accounts, the
read model, the audit log), the Temporal dev server's SQLite file (the running workflows, their timers and
histories), the keys that make sense of both (``secret_key`` signs the employee's links, ``payload_key``
opens the encrypted workflow payloads) and the captured mail. Each SQLite file is copied with SQLite's own
backup API, so a copy is whole even of a file in write-ahead mode; a manifest lists every file with its
SHA-256 and the database's schema revision. ``make run`` holds the data folder while it runs
(``operations.data_lock``): both commands refuse then, because the app's database and Temporal's could not be
copied at one and the same moment.

A PostgreSQL installation is backed up with PostgreSQL's own tools (``pg_dump``, ``pg_restore``; see the
README), and the Temporal cluster with its operator's means."""

import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from config import Settings
from operations import data_lock, schema

MANIFEST = "manifest.json"
APP_DATABASE = "offboarding.db"
TEMPORAL_DATABASE = "temporal.db"
KEY_FILES = ("secret_key", "payload_key", "setup_code")
MAILBOX = "mailbox"
FORMAT = 1


class Refused(Exception):
    """The backup or restore cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Result:
    folder: Path
    files: dict[str, str]
    schema_revision: str


def embedded_database(settings: Settings) -> Path:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise Refused(
            "the database is not the embedded SQLite file but "
            f"{url.render_as_string(hide_password=True)}: back it up with pg_dump and restore it with pg_restore "
            "(README, 'Backup, restore and upgrade'); the Temporal cluster with its operator's means."
        )
    return Path(url.database)


def _stopped(data_dir: Path) -> None:
    holder = data_lock.holder(data_dir)
    if holder is not None:
        raise Refused(
            f"`make run` (pid {holder}) is using {data_dir}: its Temporal dev server and worker write there while it runs, "
            "so the database and Temporal's file could not be copied at one moment. Stop it (Ctrl-C), then run this again."
        )


def _sqlite_copy(source: Path, target: Path) -> None:
    """A whole copy of an SQLite file, write-ahead log included, through SQLite's backup API."""
    reader = sqlite3.connect(source)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _revision(database: Path) -> str:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError as err:
        raise Refused(f"{database} is not a database of this product ({err})") from None
    finally:
        connection.close()
    return ",".join(sorted(row[0] for row in rows))


def _private_file(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def backup(settings: Settings, folder: Path) -> Result:
    data_dir = settings.data_dir.expanduser().resolve()
    database = embedded_database(settings)
    _stopped(data_dir)
    temporal = data_dir / TEMPORAL_DATABASE
    for needed in (database, temporal):
        if not needed.exists():
            raise Refused(f"{needed} does not exist: is {data_dir} the data folder of a run? (OFFBOARDING_DATA_DIR)")
    folder = folder.expanduser().resolve()
    if folder.exists() and any(folder.iterdir()):
        raise Refused(f"{folder} is not empty: back up into a new folder")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)  # it holds the keys
    _sqlite_copy(database, folder / APP_DATABASE)
    _sqlite_copy(temporal, folder / TEMPORAL_DATABASE)
    for name in KEY_FILES:
        if (data_dir / name).exists():
            _private_file(folder / name, (data_dir / name).read_bytes())
    if (data_dir / MAILBOX).is_dir():
        shutil.copytree(data_dir / MAILBOX, folder / MAILBOX)
    files = {path.relative_to(folder).as_posix(): _sha256(path) for path in sorted(folder.rglob("*")) if path.is_file()}
    revision = _revision(folder / APP_DATABASE)
    manifest = {
        "format": FORMAT,
        "made_at": datetime.now(UTC).isoformat(),
        "schema_revision": revision,
        "files": files,
    }
    _private_file(folder / MANIFEST, json.dumps(manifest, indent=2).encode())
    return Result(folder, files, revision)


def _manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise Refused(f"{folder} holds no {MANIFEST}: it is not a backup made by `offboarding backup`") from None
    if manifest.get("format") != FORMAT:
        raise Refused(f"{folder} was made in a backup format this release does not read ({manifest.get('format')})")
    for name, digest in manifest["files"].items():
        path = folder / name
        if not path.is_file() or _sha256(path) != digest:
            raise Refused(f"{path} is missing or changed since the backup was made: the backup is damaged")
    return manifest


def restore(settings: Settings, folder: Path, *, replace: bool = False) -> Result:
    data_dir = settings.data_dir.expanduser().resolve()
    database = embedded_database(settings)
    folder = folder.expanduser().resolve()
    manifest = _manifest(folder)
    known, _ = schema.known_revisions()
    unknown = set(manifest["schema_revision"].split(",")) - known
    if unknown:
        raise Refused(
            f"the backup's database is at schema revision {', '.join(sorted(unknown))}, which this release does not know: restore it with the release that made it, or a newer one"
        )
    _stopped(data_dir)
    temporal = data_dir / TEMPORAL_DATABASE
    present = [path for path in (database, temporal) if path.exists()]
    if present and not replace:
        raise Refused(
            f"{', '.join(map(str, present))} already exist: restore into an empty data folder, or give --replace to overwrite them"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    for target, name in ((database, APP_DATABASE), (temporal, TEMPORAL_DATABASE)):
        _sqlite_copy(folder / name, target)
    for name in KEY_FILES:
        if (folder / name).exists():
            _private_file(data_dir / name, (folder / name).read_bytes())
    if (folder / MAILBOX).is_dir():
        shutil.rmtree(data_dir / MAILBOX, ignore_errors=True)
        shutil.copytree(folder / MAILBOX, data_dir / MAILBOX)
    return Result(folder, manifest["files"], manifest["schema_revision"])
