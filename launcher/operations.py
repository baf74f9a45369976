"""What the launcher adds for whoever runs the installation: the hold on the data folder (backup and restore
refuse while it is held) and, on a fresh installation, where to make the first account."""

import asyncio
from pathlib import Path
from typing import IO

from config import Settings
from operations import data_lock


def hold_data_folder(data_dir: Path) -> IO[str] | None:
    return data_lock.hold(data_dir)


def first_run_lines(settings: Settings, web_url: str) -> list[str]:
    """Banner lines with the setup page and its code while the installation has no account; else none."""
    from accounts.first_run import needs_setup
    from db.engine import create_engine, create_sessionmaker

    async def empty() -> bool:
        engine = create_engine(settings.database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                return await needs_setup(session)
        finally:
            await engine.dispose()

    try:
        if not asyncio.run(empty()):
            return []
    except Exception:  # noqa: BLE001 - the banner goes on without this hint; the sign-in page gives it too
        return []
    return [
        f"  First run     {web_url}/setup   setup code: {settings.first_run_code()}",
        "                (makes the first admin/HR account; or: offboarding accounts add ...)",
    ]
