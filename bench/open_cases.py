"""Open cases held: the worker's memory per open case, and update latency while they are open.

    .venv/bin/python -m bench.open_cases [--count 10000] [--samples 200]

Starts the Temporal dev server, the mail sink, the worker (``python worker.py``, its own process, so
its memory can be read from /proc) and the web app, registers ``--count`` departures through the case
service and lets each reach its waiting state: announcement sent, exit interview invited, the case
and its interview both waiting on their timers and on people's updates. At most ``--window`` cases are
opening at any moment (a quarter of the worker's workflow cache by default): a burst of more opening
cases than the cache holds makes the worker replay each case's history at every step. Then ``--samples`` handover
tasks of randomly chosen open cases are completed one at a time through ``POST
/api/cases/{id}/tasks/{task}/complete`` with an HR account's API token, each timed from request to answer."""

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from bench import harness

TARGET_KIB_PER_CASE = 50
TARGET_P95_MS = 250
SETTLE_SECONDS = 3.0  # the worker counts as idle after this long below IDLE_CPU
IDLE_CPU = 0.05  # CPU seconds per second
STALLED_SECONDS = 300.0  # no new mail for this long while cases are opening: something is stuck


async def idle(worker: harness.Process, timeout: float) -> None:
    """Wait until the worker has used (almost) no CPU for SETTLE_SECONDS: every workflow is waiting."""
    deadline = time.monotonic() + timeout
    quiet_since, last_cpu, last_at = None, worker.cpu_seconds(), time.monotonic()
    while True:
        await asyncio.sleep(0.5)
        worker.check_alive()
        cpu, now = worker.cpu_seconds(), time.monotonic()
        busy = (cpu - last_cpu) / (now - last_at)
        last_cpu, last_at = cpu, now
        quiet_since = (quiet_since or now) if busy < IDLE_CPU else None
        if quiet_since is not None and now - quiet_since >= SETTLE_SECONDS:
            return
        if now > deadline:
            raise TimeoutError(f"the worker is still busy ({busy:.2f} CPU) after {timeout:.0f}s")


async def register(client, task_queue: str, employee_id: str, today: date) -> None:
    from cases import service
    from models.registration import Registration

    result = await service.register(
        client, Registration.model_validate(harness.registration(employee_id, today=today)), task_queue
    )
    if not result.created:
        raise RuntimeError(f"case {result.case_id} already existed")


async def open_in_window(
    client,
    task_queue: str,
    employee_ids: list[str],
    window: int,
    concurrency: int,
    today: date,
    watch,
    alive,
    *,
    registered: int = 0,
) -> None:
    """Register every case after the first ``registered``, keeping at most ``window`` of them between registration and their interview invitation."""
    last_progress, last_seen = time.monotonic(), -1
    while True:
        watch.scan()
        opened = watch.by_purpose["interview"]
        if opened >= len(employee_ids):
            return
        if len(watch.seen) != last_seen:
            last_seen, last_progress = len(watch.seen), time.monotonic()
        elif time.monotonic() - last_progress > STALLED_SECONDS:
            raise TimeoutError(
                f"no new mail for {STALLED_SECONDS:.0f} s: {opened} of {registered} registered cases invited"
            )
        for process in alive:
            process.check_alive()
        room = min(window - (registered - opened), len(employee_ids) - registered)
        if room > 0:
            batch = employee_ids[registered : registered + room]
            await harness.bounded(
                len(batch), concurrency, lambda i, batch=batch: register(client, task_queue, batch[i], today)
            )
            registered += len(batch)
        await asyncio.sleep(0.5)


async def run(args: argparse.Namespace) -> harness.Section:
    section = harness.Section("open_cases", "Open cases held")
    run_id = uuid.uuid4().hex[:6]
    today = date.today()
    employee_ids = [f"O{run_id}{index:06d}" for index in range(args.count)]
    latencies: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-open-") as tmp:
        folder = Path(tmp)
        cache, extra_env = harness.worker_cache(args)
        window = args.window or max(10, cache // 4)
        async with (
            harness.dev_server(folder, args.dev_server_pragmas) as env,
            harness.product(folder, harness.address_of(env.client), extra_env=extra_env) as product,
        ):
            from cases.client import connect

            # The product's own client: its data converter encrypts payloads as the web app's does.
            client = await connect(product.settings())
            token = await harness.hr_token(product.database_url)
            server = harness.server_usage(folder)
            sink = await product.mail_sink()
            worker = await product.worker()
            web = await product.web()
            watch = harness.MailWatch(product.mailbox)
            await idle(worker, timeout=60)
            baseline = worker.rss_kib()

            # One case alone first: once its interview invitation is in, every mail a case sends on opening is.
            began = time.perf_counter()
            await register(client, product.task_queue, employee_ids[0], today)
            await watch.wait_for("interview", 1, timeout=120, alive=[sink, worker])
            per_case = watch.scan()
            await open_in_window(
                client,
                product.task_queue,
                employee_ids,
                window,
                args.concurrency,
                today,
                watch,
                [sink, worker],
                registered=1,
            )
            expected = per_case * args.count
            # The invitation is a case's last mail on opening; its other mails are in by then, the count says so.
            await harness.wait_until(
                lambda: watch.scan() >= expected,
                lambda: f"{expected} mails (have {len(watch.seen)})",
                120,
                alive=[sink, worker],
                interval=1.0,
            )
            await idle(worker, timeout=300)
            settled = time.perf_counter() - began
            peak, holding = worker.peak_rss_kib(), worker.rss_kib()
            server_rss = server.rss_kib()

            http = await harness.api_client(product.base_url, token, connections=4)
            try:
                chosen = random.Random(args.seed).sample(range(args.count), min(args.samples, args.count))
                for index in chosen:
                    case_id = harness.case_id_of(employee_ids[index], today)
                    sent = time.perf_counter()
                    answer = await http.post(
                        f"/api/cases/{case_id}/tasks/t1/complete", json={"comment": "done (bench)"}
                    )
                    latencies.append((time.perf_counter() - sent) * 1000)
                    if answer.status_code != 200:
                        raise RuntimeError(
                            f"completing t1 of {case_id} answered {answer.status_code}: {answer.text[:300]}"
                        )
            finally:
                await http.aclose()
            after_updates = worker.rss_kib()
            worker_cpu = worker.cpu_seconds()
            web.check_alive()

    raw, net = peak / args.count, (peak - baseline) / args.count
    p50, p95 = harness.percentile(latencies, 0.50), harness.percentile(latencies, 0.95)
    section.figure("Open cases", f"{args.count} (each with its interview: {2 * args.count} waiting workflows)")
    section.figure("Worker RSS idle (baseline)", harness.fmt_kib(baseline))
    section.figure("Worker peak RSS", harness.fmt_kib(peak))
    section.figure("Worker RSS holding the open cases", harness.fmt_kib(holding))
    section.figure("Peak RSS per open case, raw", f"{raw:.1f} KiB")
    section.figure("Peak RSS per open case, net of baseline", f"{net:.1f} KiB", f"< {TARGET_KIB_PER_CASE} KiB")
    section.figure(f"complete_task via the API, p50 ({len(latencies)} samples)", f"{p50:.0f} ms")
    section.figure("complete_task via the API, p95", f"{p95:.0f} ms", f"< {TARGET_P95_MS} ms")
    section.figure("complete_task via the API, max", f"{max(latencies):.0f} ms")
    section.figure(
        "Until every case waits", f"{settled:.0f} s ({args.count / settled:.1f} cases/s, {per_case} mails per case)"
    )
    section.figure(
        "Worker CPU for the whole run", f"{worker_cpu:.0f} s; RSS after the updates {harness.fmt_kib(after_updates)}"
    )
    section.figure("Temporal dev server RSS holding the open cases", harness.fmt_kib(server_rss))
    section.note(
        f"Cases registered through `cases.service.register` at concurrency {args.concurrency}, at most {window} opening at once; "
        "a case counts as waiting once all "
        f"its opening mails are in the sink and the worker has been idle for {SETTLE_SECONDS:.0f} s. Updates: one at a time, "
        "each on another randomly chosen case, as HR with an API token (`Authorization: Bearer`)."
    )
    meets = net < TARGET_KIB_PER_CASE and p95 < TARGET_P95_MS
    section.note(
        f"Worker: at most {cache} cached workflows{'' if args.max_cached_workflows is not None else ' (the default)'}."
    )
    section.note(
        f"Dev server SQLite pragmas: {' '.join(harness.dev_server_args(args.dev_server_pragmas)) or 'none (SQLite defaults)'}."
    )
    section.note("Verdict: " + ("meets both targets." if meets else "misses a target (see the table)."))
    return section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10000, help="cases to hold open (default 10000)")
    parser.add_argument("--samples", type=int, default=200, help="updates to time while they are open (default 200)")
    parser.add_argument("--concurrency", type=int, default=32, help="registrations in flight at once (default 32)")
    harness.add_worker_cache_option(parser)
    parser.add_argument(
        "--window",
        type=int,
        default=None,
        help="cases opening at once, at most (default: a quarter of the worker's workflow cache)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed for choosing the updated cases")
    harness.add_dev_server_option(parser)
    parser.add_argument(
        "--results",
        type=Path,
        default=harness.DEFAULT_RESULTS,
        help="the results file to update (default bench/RESULTS.md)",
    )
    args = parser.parse_args()
    if args.count < 1 or args.samples < 1 or args.concurrency < 1 or (args.window is not None and args.window < 1):
        parser.error("--count, --samples, --concurrency and --window must be at least 1")
    harness.install_sigterm()
    section = asyncio.run(run(args))
    section.write(args.results)


if __name__ == "__main__":
    main()
