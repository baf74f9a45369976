"""Chaos: the worker killed (SIGKILL) again and again while cases open; what becomes of their mail.

    .venv/bin/python -m bench.chaos [--count 300] [--concurrency 16] [--kills 8] [--every 3 8]
                                    [--backend sqlite postgresql]

For each database, on a Temporal dev server, mail sink, web app and database of its own: one warm-up case (how many
mails a case sends on opening), then ``--count`` departures registered through ``POST /api/cases`` at
``--concurrency``, as HR with an API token, while the one worker is killed ``--kills`` times, every 3 to 8 seconds
(``--every``), and started again right after each kill. Then the run waits until every mail is in (or none came for
two minutes) and the worker is idle, and counts the mails expected, missing and duplicated (the same Message-ID
more than once).

Per kill it prints the SMTP conversations open at that moment (connections to the sink, from /proc/net/tcp) and the
duplicates it caused (copies of mails whose first copy landed before it and after the kill before):
a mail the server took in the moment before the kill, whose answer the worker had not yet recorded, is sent again
by the next attempt (the limit of SMTP: at most one such mail per conversation in flight)."""

import argparse
import asyncio
import os
import random
import signal
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bench import harness

STALLED_SECONDS = 120.0


@dataclass
class Kill:
    at: float  # wall clock
    conversations: int
    duplicates: int = 0


@dataclass
class Outcome:
    label: str
    expected: int
    distinct: int
    received: int
    duplicates: int
    kills: list[Kill] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.distinct)


def open_conversations(port: int) -> int:
    """Established connections to ``port`` on this machine, seen from the listening side."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


def landed(watch: harness.MailWatch) -> dict[str, list[float]]:
    """Each Message-ID's arrival times in the sink, in order."""
    import email.parser

    parser = email.parser.BytesHeaderParser()
    times: dict[str, list[float]] = {}
    for entry in os.scandir(watch.new):
        with open(entry.path, "rb") as file:
            message_id = str(parser.parse(file).get("Message-ID", entry.name))
        times.setdefault(message_id, []).append(entry.stat().st_mtime)
    return {key: sorted(value) for key, value in times.items()}


def attribute(kills: list[Kill], arrivals: dict[str, list[float]]) -> None:
    """Each copy of a mail goes to the first kill after its first copy landed: the kill that caught the worker before
    it recorded the server's answer (the copy itself lands later, once a restarted worker retries the send, which
    may be after further kills). A copy with no kill after its first goes nowhere."""
    for times in arrivals.values():
        after = [kill for kill in kills if kill.at >= times[0]]
        if len(times) > 1 and after:
            after[0].duplicates += len(times) - 1


async def one_backend(args, backend: str, rng: random.Random) -> Outcome:
    run_id = uuid.uuid4().hex[:6]
    today = date.today()
    label = harness.backend_label(backend)
    print(f"--- {label}: {args.count} cases, {args.kills} kills", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-chaos-") as tmp:
        folder = Path(tmp)
        _, extra_env = harness.worker_cache(args)
        async with (
            harness.dev_server(folder, args.dev_server_pragmas) as env,
            harness.database(backend, folder, args.postgres_url) as url,
            harness.product(folder, harness.address_of(env.client), database_url=url, extra_env=extra_env) as product,
        ):
            token = await harness.hr_token(product.database_url)
            sink = await product.mail_sink()
            worker = await product.worker("worker-0")
            web = await product.web()
            watch = harness.MailWatch(product.mailbox)
            http = await harness.api_client(product.base_url, token, connections=args.concurrency)
            try:
                warm = harness.registration(f"W{run_id}", today=today)
                if (await http.post("/api/cases", json=warm)).status_code != 201:
                    raise RuntimeError("the warm-up case was refused")
                await harness.wait_until(lambda: watch.scan() > 0, "the warm-up case's mail", 120, alive=[sink, worker])
                await harness.idle([worker], timeout=120)
                per_case = watch.scan()
                failures: list[str] = []

                async def register(index: int) -> None:
                    body = harness.registration(f"C{run_id}{index:06d}", today=today)
                    answer = await http.post("/api/cases", json=body)
                    if answer.status_code != 201:
                        failures.append(f"{answer.status_code} {answer.text[:200]}")

                began = time.perf_counter()
                registering = asyncio.ensure_future(harness.bounded(args.count, args.concurrency, register))
                kills: list[Kill] = []
                for number in range(1, args.kills + 1):
                    await asyncio.sleep(rng.uniform(*args.every))
                    worker.check_alive()
                    conversations = open_conversations(product.smtp_port)
                    os.killpg(worker.proc.pid, signal.SIGKILL)
                    kills.append(Kill(at=time.time(), conversations=conversations))
                    worker.stop()
                    print(
                        f"kill {number}: {conversations} SMTP conversations open, {watch.scan()} mails in", flush=True
                    )
                    worker = await product.worker(f"worker-{number}")
                await registering
                if failures:
                    raise RuntimeError(f"{len(failures)} registrations failed, the first: {failures[0]}")
                expected = per_case * (args.count + 1)
                last, last_change = -1, time.monotonic()
                while watch.scan() < expected and time.monotonic() - last_change < STALLED_SECONDS:
                    worker.check_alive()
                    if len(watch.seen) != last:
                        last, last_change = len(watch.seen), time.monotonic()
                    await asyncio.sleep(0.5)
                await harness.idle([worker], timeout=600)
                seconds = time.perf_counter() - began
                watch.scan()
                web.check_alive()
            finally:
                await http.aclose()
            attribute(kills, landed(watch))
    outcome = Outcome(
        label=label,
        expected=expected,
        distinct=len(watch.message_ids),
        received=len(watch.seen),
        duplicates=watch.duplicates(),
        kills=kills,
        seconds=seconds,
    )
    for number, kill in enumerate(kills, start=1):
        print(
            f"{label} kill {number}: {kill.conversations} conversations open, {kill.duplicates} duplicates", flush=True
        )
    return outcome


async def run(args: argparse.Namespace) -> harness.Section:
    section = harness.Section("chaos", "Chaos: the worker killed while cases open")
    rng = random.Random(args.seed)
    for backend in args.backend:
        o = await one_backend(args, backend, rng)
        section.figure(
            f"{o.label}: mails expected / missing / duplicated",
            f"{o.expected} / {o.missing} / {o.duplicates} ({o.received} received, in {o.seconds:.0f} s)",
            "none missing; duplicates ≤ conversations in flight",
        )
        section.figure(
            f"{o.label}: per kill, duplicates (SMTP conversations open)",
            ", ".join(f"{kill.duplicates} ({kill.conversations})" for kill in o.kills),
        )
        beyond = sum(max(0, kill.duplicates - kill.conversations) for kill in o.kills)
        section.figure(
            f"{o.label}: duplicates beyond one per open conversation",
            f"{beyond} (all kills: {o.duplicates} duplicates, {sum(kill.conversations for kill in o.kills)} conversations open)",
            "0",
        )
    section.note(
        f"{args.count} cases through `POST /api/cases` at concurrency {args.concurrency} after one warm-up case; one "
        f"worker, killed with SIGKILL {args.kills} times every {args.every[0]:g}–{args.every[1]:g} s (seed {args.seed}) "
        "and started again after each kill. Conversations open: established connections to the sink at the kill. A "
        "duplicate counts against the first kill after its first copy landed."
    )
    return section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="departures registered meanwhile (default 300)")
    parser.add_argument("--concurrency", type=int, default=16, help="registrations in flight at once (default 16)")
    parser.add_argument("--kills", type=int, default=8, help="times the worker is killed (default 8)")
    parser.add_argument(
        "--every", type=float, nargs=2, default=[3.0, 8.0], metavar=("MIN", "MAX"), help="seconds between kills (3 8)"
    )
    parser.add_argument("--seed", type=int, default=19, help="random seed for the moments of the kills")
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
    if args.count < 1 or args.concurrency < 1 or args.kills < 0 or not 0 < args.every[0] <= args.every[1]:
        parser.error("--count and --concurrency must be at least 1, --kills at least 0, --every MIN ≤ MAX")
    harness.install_sigterm()
    section = asyncio.run(run(args))
    section.write(args.results)


if __name__ == "__main__":
    main()
