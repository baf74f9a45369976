"""Who holds the data folder: ``make run`` locks ``<data_dir>/.running`` for as long as it runs, so that a
backup or a restore of the embedded installation can tell that the Temporal dev server and the worker are
writing their files, and refuse rather than copy them half-way through a change."""

import fcntl
import os
from pathlib import Path
from typing import IO

LOCK_FILE = ".running"


def hold(data_dir: Path) -> IO[str] | None:
    """Lock the folder for this process (released when it exits); None when another process holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    file = open(data_dir / LOCK_FILE, "a+")  # noqa: SIM115 (held open: the lock lasts as long as the file)
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.close()
        return None
    file.seek(0)
    file.truncate()
    file.write(f"{os.getpid()}\n")
    file.flush()
    return file


def holder(data_dir: Path) -> str | None:
    """The process id written by whoever holds the folder now, or None when nobody does."""
    path = data_dir / LOCK_FILE
    if not path.exists():
        return None
    with open(path, "a+") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            return file.read().strip() or "?"
        fcntl.flock(file, fcntl.LOCK_UN)
    return None
