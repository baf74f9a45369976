"""Mass departure: a collective dismissal imported at once, until every mail of every case is in the sink.

    .venv/bin/python -m bench.mass_departure [--count 1000] [--backend sqlite postgresql] [--paths import]
                                             [--workers 1 2] [--concurrency 16] [--section NAME]

For each database, registration path and number of worker processes, on a Temporal dev server, mail sink, web app
and database of its own: one case first (a warm-up, which also tells how many mails a case sends on opening), then
``--count`` departures, either as one CSV file through ``POST /api/imports/departures`` (``import``) or one by one
through ``POST /api/cases`` at ``--concurrency`` (``register``), as HR with an API token. The clock runs from the
request until the last announcement and task mail of every case is in the sink; then the run waits until the
workers are idle and counts the mails expected, received, missing and duplicated (the same Message-ID twice).

In the same run a skeleton of a case's opening (``bench/skeleton.py``: the same calls to Temporal, bodies that do
nothing, default converter and sandbox) opens ``--count`` cases in a worker of its own: the product's worker CPU per
case is set against the skeleton's, and the dev server's CPU per skeleton case says what Temporal's own part of an
opening costs on this machine, whatever the activities do. And the worker's memory per cached workflow: its RSS
once idle, less its RSS after the warm-up, over the workflows its cache then holds (the SDK's
``temporal_sticky_cache_size``).

``--profile PREFIX`` runs the (first) worker under cProfile (``bench/profiled_worker.py``) and writes its profile
next to PREFIX; the figures of such a run say little."""

import argparse
import asyncio
import csv
import io
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import harness
from launcher.processes import free_port

TARGET_SECONDS = 60
TARGET_CPU_RATIO = 2.0
TARGET_KIB_PER_WORKFLOW = 100
STALLED_SECONDS = 120.0  # no new mail for this long while mails are missing: report what came
OPENING_PURPOSES = ("announcement", "tasks_assigned")


@dataclass
class Outcome:
    label: str
    count: int
    per_case: int
    expected: int
    received: int
    distinct: int
    duplicates: int
    request_seconds: float
    announced_seconds: float | None  # every announcement and task mail in
    all_in_seconds: float | None  # every opening mail (with the interview invitation) in
    worker_cpu: float
    server_cpu: float
    web_cpu: float
    worker_peak_kib: int
    rss_growth_kib: int
    cached: int
    failed_attempts: int  # activity attempts the workers completed as failed (each retried)
    cache_misses: int  # workflow tasks whose workflow was not in the worker's cache: replayed from its history
    evictions: int  # workflows put out of a full cache to make room

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.distinct)


def failed_attempts(worker_log: str) -> int:
    """The activity attempts a worker's log shows as failed: the SDK logs each once, with its error, before the retry."""
    return worker_log.count("Completing activity as failed")


def departures_csv(employee_ids: list[str], today: date) -> bytes:
    """The rows of a collective dismissal as HR exports them: notice today, last day two months on."""
    from intake.csv_import import COLUMNS

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for employee_id in employee_ids:
        writer.writerow(
            {
                "employee_id": employee_id,
                "name": "Anouk de Vries",
                "work_email": f"{employee_id.lower()}@example.org",
                "private_email": "anouk@example.net",
                "language": "nl",
                "department": "Finance",
                "job_title": "Controller",
                "manager_name": "Bram Janssens",
                "manager_email": "bram.janssens@example.org",
                "manager_language": "en",
                "type": "resignation",
                "notice_date": today.isoformat(),
                "last_working_day": (today + timedelta(days=60)).isoformat(),
                "equipment": "Laptop; Badge",
            }
        )
    return out.getvalue().encode()


async def register(http, path: str, employee_ids: list[str], concurrency: int, today: date) -> None:
    if path == "import":
        answer = await http.post(
            "/api/imports/departures", content=departures_csv(employee_ids, today), headers={"Content-Type": "text/csv"}
        )
        if answer.status_code != 200 or answer.json()["registered"] != len(employee_ids):
            raise RuntimeError(f"the import answered {answer.status_code}: {answer.text[:300]}")
        return
    failures: list[str] = []

    async def one(index: int) -> None:
        answer = await http.post("/api/cases", json=harness.registration(employee_ids[index], today=today))
        if answer.status_code != 201:
            failures.append(f"{answer.status_code} {answer.text[:200]}")

    await harness.bounded(len(employee_ids), concurrency, one)
    if failures:
        raise RuntimeError(f"{len(failures)} of {len(employee_ids)} registrations failed, the first: {failures[0]}")


async def wait_for_mail(watch: harness.MailWatch, expected: int, timeout: float, alive) -> None:
    """Until ``expected`` mails are in, or none came for STALLED_SECONDS, or ``timeout``: the count says which."""
    deadline = time.monotonic() + timeout
    last, last_change = -1, time.monotonic()
    while watch.scan() < expected:
        for process in alive:
            process.check_alive()
        now = time.monotonic()
        if len(watch.seen) != last:
            last, last_change = len(watch.seen), now
        elif now - last_change > STALLED_SECONDS or now > deadline:
            return
        await asyncio.sleep(0.5)


def metric_sum(ports: list[int], name: str) -> int:
    """A metric of the SDK's summed over every worker (``OFFBOARDING_WORKER_PORT``'s ``/metrics``)."""
    return int(sum(harness.prometheus_value(port, name) for port in ports))


def cached_workflows(ports: list[int]) -> int:
    return metric_sum(ports, "temporal_sticky_cache_size")


async def product_run(args, backend: str, path: str, workers: int) -> Outcome:
    run_id = uuid.uuid4().hex[:6]
    today = date.today()
    label = f"{harness.backend_label(backend)}, {path}, {workers} worker{'s' if workers > 1 else ''}"
    print(f"--- {label}: {args.count} cases", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-mass-") as tmp:
        folder = Path(tmp)
        _, extra_env = harness.worker_cache(args)
        async with (
            harness.dev_server(folder, args.dev_server_pragmas) as env,
            harness.database(backend, folder, args.postgres_url) as url,
            harness.product(folder, harness.address_of(env.client), database_url=url, extra_env=extra_env) as product,
        ):
            token = await harness.hr_token(product.database_url)
            server = harness.server_usage(folder)
            sink = await product.mail_sink()
            ports = [free_port() for _ in range(workers)]
            procs = []
            for number, port in enumerate(ports, start=1):
                argv = None
                if args.profile and number == 1:
                    prefix = f"{args.profile}-{backend}-{path}-{workers}"
                    argv = [sys.executable, "-m", "bench.profiled_worker", str(Path(prefix).resolve())]
                procs.append(await product.worker(f"worker{number}", argv, env={"OFFBOARDING_WORKER_PORT": str(port)}))
            web = await product.web()
            watch = harness.MailWatch(product.mailbox)
            http = await harness.api_client(product.base_url, token, connections=args.concurrency)
            try:
                # One case first: connections, imports and caches warm; and how many mails a case sends on opening.
                await register(http, "register", [f"W{run_id}"], 1, today)
                await harness.wait_until(lambda: watch.scan() > 0, "the warm-up case's mail", 120, alive=[sink, *procs])
                await harness.idle(procs, timeout=120)
                per_case = watch.scan()
                rss_before = sum(process.rss_kib() for process in procs)
                cached_before = cached_workflows(ports)
                misses_before = metric_sum(ports, "temporal_sticky_cache_miss_total")
                evictions_before = metric_sum(ports, "temporal_sticky_cache_total_forced_eviction_total")
                cpu_before = sum(process.cpu_seconds() for process in procs)
                server_before, web_before = server.cpu_seconds(), web.cpu_seconds()

                employee_ids = [f"M{run_id}{index:06d}" for index in range(args.count)]
                wall_start = time.time()
                began = time.perf_counter()
                await register(http, path, employee_ids, args.concurrency, today)
                request_seconds = time.perf_counter() - began
                expected = per_case * (args.count + 1)
                await wait_for_mail(watch, expected, args.mail_timeout, [sink, web, *procs])
                complete = watch.scan() >= expected
                await harness.idle(procs, timeout=600)
                watch.scan()
                worker_cpu = sum(process.cpu_seconds() for process in procs) - cpu_before
                server_cpu, web_cpu = server.cpu_seconds() - server_before, web.cpu_seconds() - web_before
                rss_growth = sum(process.rss_kib() for process in procs) - rss_before
                cached = cached_workflows(ports) - cached_before
                misses = metric_sum(ports, "temporal_sticky_cache_miss_total") - misses_before
                evictions = metric_sum(ports, "temporal_sticky_cache_total_forced_eviction_total") - evictions_before
                peak = max(process.peak_rss_kib() for process in procs)
            finally:
                await http.aclose()
            announced = max(watch.last_at.get(purpose, 0.0) for purpose in OPENING_PURPOSES) - wall_start
            all_in = max(watch.last_at.values()) - wall_start
    outcome = Outcome(
        label=label,
        count=args.count,
        per_case=per_case,
        expected=expected,
        received=len(watch.seen),
        distinct=len(watch.message_ids),
        duplicates=watch.duplicates(),
        request_seconds=request_seconds,
        announced_seconds=announced if complete else None,
        all_in_seconds=all_in if complete else None,
        worker_cpu=worker_cpu,
        server_cpu=server_cpu,
        web_cpu=web_cpu,
        worker_peak_kib=peak,
        rss_growth_kib=rss_growth,
        cached=cached,
        failed_attempts=sum(failed_attempts(process.output()) for process in procs),
        cache_misses=misses,
        evictions=evictions,
    )
    print(outcome, flush=True)
    return outcome


async def skeleton_run(args) -> tuple[float, float, float, int, int]:
    """Seconds until every skeleton case waits, the skeleton worker's and the dev server's CPU for them, the worker's
    RSS growth and cached workflows."""
    run_id = uuid.uuid4().hex[:6]
    print(f"--- skeleton: {args.count} cases", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-skeleton-") as tmp:
        folder = Path(tmp)
        async with (
            harness.dev_server(folder, args.dev_server_pragmas) as env,
            harness.product(folder, harness.address_of(env.client)) as product,
        ):
            from temporalio.client import Client

            from bench.skeleton import SkeletonCase

            worker = await product.worker("skeleton", [sys.executable, "-m", "bench.skeleton"])
            server = harness.server_usage(folder)
            client = await Client.connect(harness.address_of(env.client))

            def opened() -> int:
                return worker.output().count("opened ")

            async def start(case_id: str) -> None:
                await client.start_workflow(SkeletonCase.run, case_id, id=case_id, task_queue=product.task_queue)

            await start(f"skeleton-{run_id}-warm")
            await harness.wait_until(lambda: opened() >= 1, "the skeleton's warm-up case", 60, alive=[worker])
            await harness.idle([worker], timeout=60)
            cpu_before, rss_before, server_before = worker.cpu_seconds(), worker.rss_kib(), server.cpu_seconds()
            began = time.perf_counter()
            await harness.bounded(args.count, args.concurrency, lambda i: start(f"skeleton-{run_id}-{i}"))
            await harness.wait_until(
                lambda: opened() >= args.count + 1,
                lambda: f"{args.count} skeleton cases (have {opened() - 1})",
                args.mail_timeout,
                alive=[worker],
                interval=0.5,
            )
            seconds = time.perf_counter() - began
            await harness.idle([worker], timeout=300)
            worker_cpu, server_cpu = worker.cpu_seconds() - cpu_before, server.cpu_seconds() - server_before
            return seconds, worker_cpu, server_cpu, worker.rss_kib() - rss_before, 2 * args.count


def report(section: harness.Section, outcomes: list[Outcome], skeleton, args) -> None:
    skeleton_cpu_per_case = None
    if skeleton is not None:
        seconds, cpu, server_cpu, growth, workflows = skeleton
        skeleton_cpu_per_case = cpu / args.count
        section.figure(
            "Skeleton: every case waiting",
            f"{seconds:.1f} s ({args.count / seconds:.1f} cases/s), worker CPU {cpu_per(cpu, args.count)} per case",
        )
        section.figure("Skeleton: CPU per case of Temporal", cpu_per(server_cpu, args.count))
        section.figure(
            "Skeleton: worker RSS growth per workflow", f"{growth / max(1, workflows):.1f} KiB ({workflows} workflows)"
        )
    by_label = {}
    for outcome in outcomes:
        by_label[outcome.label] = outcome
        o, prefix = outcome, outcome.label
        announced = f"{o.announced_seconds:.1f} s" if o.announced_seconds is not None else "NOT ALL"
        section.figure(
            f"{prefix}: every announcement and task mail in",
            f"{announced} ({o.count / o.announced_seconds:.1f} cases/s)" if o.announced_seconds else announced,
            f"< {TARGET_SECONDS} s",
        )
        section.figure(
            f"{prefix}: mails expected / received / missing / duplicated",
            f"{o.expected} / {o.received} / {o.missing} / {o.duplicates}",
            "none missing, none twice",
        )
        section.figure(f"{prefix}: activity attempts failed (and retried)", str(o.failed_attempts), "0")
        section.figure(
            f"{prefix}: workflow tasks replayed from history (cache misses), workflows evicted from a full cache",
            f"{o.cache_misses}, {o.evictions}",
        )
        section.figure(
            f"{prefix}: request, every opening mail in",
            f"{o.request_seconds:.1f} s, "
            + (f"{o.all_in_seconds:.1f} s" if o.all_in_seconds is not None else "NOT ALL")
            + f" ({o.per_case} mails per case)",
        )
        ratio = ""
        if skeleton_cpu_per_case:
            ratio = f", {o.worker_cpu / o.count / skeleton_cpu_per_case:.2f}× the skeleton's"
        section.figure(
            f"{prefix}: worker CPU per case",
            f"{cpu_per(o.worker_cpu, o.count)}{ratio}",
            f"≤ {TARGET_CPU_RATIO:.0f}× the skeleton's",
        )
        section.figure(
            f"{prefix}: CPU per case of Temporal, the web app",
            f"{cpu_per(o.server_cpu, o.count)}, {cpu_per(o.web_cpu, o.count)}",
        )
        per_workflow = f"{o.rss_growth_kib / o.cached:.1f} KiB" if o.cached > 0 else "–"
        section.figure(
            f"{prefix}: worker RSS growth per cached workflow",
            f"{per_workflow} ({o.cached} cached; peak RSS {harness.fmt_kib(o.worker_peak_kib)})",
            f"≤ {TARGET_KIB_PER_WORKFLOW} KiB",
        )
    for outcome in outcomes:
        if outcome.label.endswith(" worker"):
            continue
        single = by_label.get(outcome.label.rsplit(", ", 1)[0] + ", 1 worker")
        if single and single.announced_seconds and outcome.announced_seconds:
            section.figure(
                f"{outcome.label}: gain over one worker",
                f"{single.announced_seconds / outcome.announced_seconds:.2f}× as fast",
            )


def cpu_per(seconds: float, count: int) -> str:
    return f"{seconds * 1000 / count:.0f} ms"


def section_of(args, outcomes: list[Outcome], skeleton) -> harness.Section:
    title = "Mass departure" + (f" ({args.section.replace('_', ' ')})" if args.section else "")
    section = harness.Section("mass_departure" + (f"_{args.section}" if args.section else ""), title)
    report(section, outcomes, skeleton, args)
    cache, _ = harness.worker_cache(args)
    section.note(
        f"{args.count} departures per run after one warm-up case, each run on a dev server, database and mail sink of "
        f"its own; `import`: one CSV through `POST /api/imports/departures`; `register`: `POST /api/cases` at "
        f"concurrency {args.concurrency}; as HR with an API token. The clock runs from the request; a case's opening "
        "mails are its announcement (manager, HR, IT/facilities), each assignee's task list and the interview invitation. "
        "Duplicates: copies with a Message-ID already in the sink, counted once the workers were idle."
    )
    section.note(
        "Skeleton: `bench/skeleton.py`, the Temporal calls of a case's opening (a change marker, the opening activity, a "
        "local one and the mail activity in the case; a child with a change marker, a local activity, a signal and an "
        "activity; then timers) with empty bodies, default converter "
        f"and sandbox, started straight through the client at concurrency {args.concurrency}. Worker CPU per case: "
        "every worker process's CPU from the request until idle, over the cases."
    )
    section.note(
        f"Memory: worker RSS once idle less its RSS after the warm-up, over the workflows its cache took on meanwhile "
        f"(`temporal_sticky_cache_size`); at most {cache} cached workflows per worker"
        f"{'' if args.max_cached_workflows is not None else ' (the default)'}. An upper bound: it counts whatever "
        "else the run left in the worker's heap (connection pools, caches, freed memory Python keeps)."
    )
    return section


async def run(args: argparse.Namespace) -> None:
    """Each run's figures go into the results as soon as it is done: a long matrix cut short keeps what it measured."""
    began = datetime.now(UTC)
    load_at_start = harness.load_average()
    skeleton = await skeleton_run(args) if not args.no_skeleton else None
    outcomes: list[Outcome] = []
    for backend in args.backend:
        for path in args.paths:
            for workers in args.workers:
                outcomes.append(await product_run(args, backend, path, workers))
                section = section_of(args, outcomes, skeleton)
                section.started, section.load_at_start = began, load_at_start
                section.write(args.results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="departures per run (default 1000)")
    parser.add_argument(
        "--paths",
        nargs="+",
        choices=["import", "register"],
        default=["import"],
        help="import: one CSV file (default); register: POST /api/cases one by one at --concurrency",
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="worker processes, one run each (default 1 2)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="registrations in flight at once (default 16)")
    parser.add_argument("--no-skeleton", action="store_true", help="leave out the skeleton's run")
    parser.add_argument(
        "--mail-timeout", type=float, default=1800.0, help="seconds to wait for every mail at most (default 1800)"
    )
    parser.add_argument(
        "--section",
        default="",
        help="write the figures to a section of their own, `mass_departure_<SECTION>` (default: `mass_departure`)",
    )
    parser.add_argument("--profile", default=None, help="profile the first worker, files named after this prefix")
    harness.add_backend_options(parser)
    harness.add_worker_cache_option(parser)
    harness.add_dev_server_option(parser)
    parser.add_argument(
        "--results",
        type=Path,
        default=harness.DEFAULT_RESULTS,
        help="the results file to update (default bench/RESULTS.md)",
    )
    args = parser.parse_args()
    if args.count < 1 or args.concurrency < 1 or min(args.workers) < 1:
        parser.error("--count, --concurrency and --workers must be at least 1")
    harness.install_sigterm()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
