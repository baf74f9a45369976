"""What the launcher adds for whoever runs the installation: the hold on the data folder (backup and restore
refuse while it is held), the metrics and health endpoints when they are switched on and, on a fresh
installation, where to make the first account and how to fill it with the demo organisation."""

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
        "  Demo          make demo   (in another terminal: fills this empty installation with a demo organisation)",
    ]


def banner_lines(settings: Settings, web_url: str) -> list[str]:
    lines = []
    host = "localhost" if settings.metrics_host in ("127.0.0.1", "0.0.0.0", "::", "") else settings.metrics_host
    if settings.web_metrics_port:
        lines.append(
            f"  Metrics       http://{host}:{settings.web_metrics_port}/metrics   (web app; health at {web_url}/health/ready)"
        )
    if settings.worker_port:
        lines.append(f"  Worker        http://{host}:{settings.worker_port}/metrics   (and /health/ready)")
    return lines + first_run_lines(settings, web_url)
