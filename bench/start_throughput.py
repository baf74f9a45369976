"""Start throughput: cases registered per second through the REST API, against bare Temporal starts.

    .venv/bin/python -m bench.start_throughput [--count 2000] [--concurrency 16]

Starts the Temporal dev server, the mail sink, the worker and the web app (uvicorn) as the launcher
does, and registers ``--count`` departures with ``POST /api/cases`` as HR (an API token), at most
``--concurrency`` at a time; then waits until every announcement mail (manager, HR, IT/facilities) is
in the sink. In the same run, on the same server, the same number of a no-op workflow is started
straight through the Temporal client with the same concurrency. The ratio of the two rates says what the
product's own path (HTTP, authentication, validation, the case's start) costs the starts; what a case costs the
worker is set against a skeleton of the same Temporal calls in ``bench.mass_departure``."""

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from bench import harness

WARM_UP = 5  # starts of each kind before the clock runs: first connections, imports, caches
ANNOUNCEMENTS_PER_CASE = 3  # manager, HR, IT/facilities


@workflow.defn(name="BenchNoop")
class NoopWorkflow:
    """The bare workflow: no input worth the name, no activity, done at once."""

    @workflow.run
    async def run(self) -> None:
        return None


async def bare_starts(client, count: int, concurrency: int, run_id: str) -> float:
    """Seconds to start ``count`` no-op workflows, on their own task queue with their own in-process worker."""
    queue = f"bench-noop-{run_id}"

    async def start(index: int, prefix: str = "noop") -> None:
        await client.start_workflow(
            NoopWorkflow.run,
            id=f"{prefix}-{run_id}-{index}",
            task_queue=queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )

    async with Worker(client, task_queue=queue, workflows=[NoopWorkflow], workflow_runner=UnsandboxedWorkflowRunner()):
        await harness.bounded(WARM_UP, concurrency, lambda i: start(i, "noop-warm"))
        began = time.perf_counter()
        await harness.bounded(count, concurrency, start)
        return time.perf_counter() - began


async def case_starts(http, count: int, concurrency: int, run_id: str) -> float:
    """Seconds to register ``count`` departures through the API; every answer must be 201."""
    today = date.today()
    failures: list[str] = []

    async def register(index: int, prefix: str = "B") -> None:
        answer = await http.post("/api/cases", json=harness.registration(f"{prefix}{run_id}{index:06d}", today=today))
        if answer.status_code != 201:
            failures.append(f"{answer.status_code} {answer.text[:200]}")

    await harness.bounded(WARM_UP, concurrency, lambda i: register(i, "W"))
    began = time.perf_counter()
    await harness.bounded(count, concurrency, register)
    elapsed = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"{len(failures)} of {count + WARM_UP} registrations failed, the first: {failures[0]}")
    return elapsed


async def run(args: argparse.Namespace) -> harness.Section:
    if args.worker_after_starts:
        section = harness.Section(
            "start_throughput_worker_after", "Start throughput, the worker started after the starts"
        )
    else:
        section = harness.Section("start_throughput", "Start throughput and overhead")
    run_id = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        folder = Path(tmp)
        cache, extra_env = harness.worker_cache(args)
        async with (
            harness.dev_server(folder, args.dev_server_pragmas) as env,
            harness.product(folder, harness.address_of(env.client), extra_env=extra_env) as product,
        ):
            token = await harness.hr_token(product.database_url)
            server = harness.server_usage(folder)
            sink = await product.mail_sink()
            worker = None if args.worker_after_starts else await product.worker()
            web = await product.web()
            watch = harness.MailWatch(product.mailbox)

            server_cpu_before = server.cpu_seconds()
            bare = await bare_starts(env.client, args.count, args.concurrency, run_id)
            server_cpu_bare = server.cpu_seconds() - server_cpu_before

            http = await harness.api_client(product.base_url, token, connections=args.concurrency)
            try:
                web_cpu_before = web.cpu_seconds()
                worker_cpu_before = worker.cpu_seconds() if worker else 0.0
                server_cpu_before = server.cpu_seconds()
                wall_start = time.time()
                ours = await case_starts(http, args.count, args.concurrency, run_id)
                web_cpu_starts = web.cpu_seconds() - web_cpu_before
                worker_cpu_starts = worker.cpu_seconds() - worker_cpu_before if worker else 0.0
                server_cpu_starts = server.cpu_seconds() - server_cpu_before
            finally:
                await http.aclose()
            bare_busy = None
            if worker is not None:
                # The same bare starts again, now while the worker opens the cases just registered: what the
                # server's load alone leaves of the bare rate, apart from the product's own path.
                bare_busy = await bare_starts(env.client, args.count, args.concurrency, run_id + "busy")
            if worker is None:
                worker = await product.worker()
            expected = (args.count + WARM_UP) * ANNOUNCEMENTS_PER_CASE
            print(
                f"cases {args.count / ours:.1f}/s, bare {args.count / bare:.1f}/s; waiting for {expected} announcement mails",
                flush=True,
            )
            try:
                last = await watch.wait_for(
                    "announcement", expected, timeout=args.mail_timeout, alive=[sink, worker, web]
                )
                # The clock for the mails starts with the first counted registration; the warm-up's mails landed before.
                mails_after = f"{last - wall_start:.1f} s after the first registration ({expected} mails)"
            except TimeoutError:
                mails_after = f"NOT ALL after {time.time() - wall_start:.0f} s: {watch.by_purpose['announcement']} of {expected} mails"
            worker_peak = worker.peak_rss_kib()
            worker_cpu = worker.cpu_seconds()

    ours_rate, bare_rate = args.count / ours, args.count / bare
    ratio = ours_rate / bare_rate
    section.figure("Cases started through the API", f"{ours_rate:.1f} cases/s ({args.count} in {ours:.1f} s)")
    section.figure("Bare no-op workflow starts", f"{bare_rate:.1f} starts/s ({args.count} in {bare:.1f} s)")
    section.figure("Ratio ours / bare", f"{ratio:.2f}")
    if bare_busy is not None:
        busy_rate = args.count / bare_busy
        section.figure(
            "Bare starts while the worker opens the cases",
            f"{busy_rate:.1f} starts/s ({args.count} in {bare_busy:.1f} s, right after the registrations)",
        )
        section.figure("Ratio ours / bare under the same load", f"{ours_rate / busy_rate:.2f}")
    section.figure("Every announcement mail in the sink", mails_after)
    section.figure(
        "CPU while the cases were started",
        f"web app {web_cpu_starts:.1f} s ({web_cpu_starts * 1000 / args.count:.1f} ms per case), "
        f"Temporal {server_cpu_starts:.1f} s, worker {worker_cpu_starts:.1f} s",
    )
    section.figure("CPU of Temporal while the bare workflows were started", f"{server_cpu_bare:.1f} s")
    section.figure(
        "Worker: peak RSS, CPU for the whole run",
        f"{harness.fmt_kib(worker_peak)}, {worker_cpu:.0f} s ({worker_cpu * 1000 / (args.count + WARM_UP):.0f} ms per case)",
    )
    section.note(
        f"Concurrency {args.concurrency} for both; {WARM_UP} warm-up starts of each kind before the clock runs. "
        "Cases: `POST /api/cases` over HTTP to uvicorn, as HR with an API token (`Authorization: Bearer`); "
        "the worker is `python worker.py` in its own process"
        + (
            ", started only once every case was registered. "
            if args.worker_after_starts
            else ", running (and busy with the cases) during the starts. "
        )
        + "Bare: `client.start_workflow` of a no-op workflow from the benchmark's process, run by an in-process worker "
        "on its own task queue, before the cases"
        + (
            "; and once more right after them, while the worker is busy opening the cases."
            if not args.worker_after_starts
            else "."
        )
    )
    section.note(
        f"Worker: at most {cache} cached workflows{'' if args.max_cached_workflows is not None else ' (the default)'}."
    )
    section.note(
        f"Dev server SQLite pragmas: {' '.join(harness.dev_server_args(args.dev_server_pragmas)) or 'none (SQLite defaults)'}."
    )
    section.note(
        "The cost target is no longer this ratio (a bare start leaves the worker nothing to do): it is the worker's "
        "CPU per case against a skeleton of the same Temporal calls, in the mass departure section."
    )
    return section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="cases to start, and bare workflows (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="starts in flight at once (default 16)")
    parser.add_argument(
        "--mail-timeout",
        type=float,
        default=3600.0,
        help="seconds to wait for every announcement mail before reporting how many came (default 3600)",
    )
    parser.add_argument(
        "--worker-after-starts",
        action="store_true",
        help="start the worker only once every case is registered: the API's own rate, without the worker's work beside it (own section)",
    )
    harness.add_worker_cache_option(parser)
    harness.add_dev_server_option(parser)
    parser.add_argument(
        "--results",
        type=Path,
        default=harness.DEFAULT_RESULTS,
        help="the results file to update (default bench/RESULTS.md)",
    )
    args = parser.parse_args()
    if args.count < 1 or args.concurrency < 1:
        parser.error("--count and --concurrency must be at least 1")
    harness.install_sigterm()
    section = asyncio.run(run(args))
    section.write(args.results)


if __name__ == "__main__":
    main()
