"""The worker (``worker.main``) under cProfile, for finding where its time goes while cases open.

    python -m bench.profiled_worker OUT_PREFIX

Profiles the event loop's thread (activities, the payload codec, the connection to Temporal) and every thread of
the workflow task pool (the sandbox, workflow code, payload conversion) apart; when stopped (SIGTERM) it writes
``OUT_PREFIX-loop.pstats``, ``OUT_PREFIX-workflows.pstats`` and a text summary ``OUT_PREFIX.txt`` of both. cProfile
slows what it measures (roughly twice the CPU): the shares count, not the totals."""

import asyncio
import concurrent.futures
import cProfile
import io
import pstats
import sys
import threading
from pathlib import Path

import worker

_thread_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _profile_this_thread() -> None:
    """A pool thread's initialiser: the profile stays on for the thread's life."""
    profile = cProfile.Profile()
    profile.enable()
    with _lock:
        _thread_profiles.append(profile)


def summary(title: str, stats: pstats.Stats, lines: int = 45) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    out.write(f"==== {title}: by own time ====\n")
    stats.sort_stats("tottime").print_stats(lines)
    out.write(f"==== {title}: by cumulative time ====\n")
    stats.sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def main() -> None:
    prefix = Path(sys.argv[1])
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=64, initializer=_profile_this_thread)
    loop_profile = cProfile.Profile()
    loop_profile.enable()
    try:
        asyncio.run(worker.main(workflow_task_executor=pool))
    finally:
        loop_profile.disable()
        pool.shutdown()
        loop_stats = pstats.Stats(loop_profile)
        loop_stats.dump_stats(f"{prefix}-loop.pstats")
        text = summary("event loop thread", loop_stats)
        with _lock:
            profiles = list(_thread_profiles)
        if profiles:
            workflow_stats = pstats.Stats(profiles[0])
            for profile in profiles[1:]:
                workflow_stats.add(profile)
            workflow_stats.dump_stats(f"{prefix}-workflows.pstats")
            text += summary(f"workflow task threads ({len(profiles)})", workflow_stats)
        Path(f"{prefix}.txt").write_text(text)


if __name__ == "__main__":
    main()
