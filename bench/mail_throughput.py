"""Mail throughput: the product's mail activities against bare aiosmtplib loops, to the same kind of sink.

    .venv/bin/python -m bench.mail_throughput [--count 1000] [--concurrency 1 8] [--backend sqlite postgresql]

The product's paths run as the worker runs them (in an activity context from
``temporalio.testing.ActivityEnvironment``): ``MailActivities.send_mail``, one mail per activity (the template
rendered, the (case, purpose, recipient) row looked up in the database, one SMTP conversation, the answer
recorded), and ``MailActivities.send_mails``, the mails of one case's moment in one activity (one lookup for the
batch, one SMTP conversation for all of them, each answer recorded as it comes), as a case's announcement goes
out. Each is set against the bare loop that talks to the mail server the same way: ``aiosmtplib.send`` per
already built message of the same size (a conversation per mail), or one ``aiosmtplib.SMTP`` conversation per
batch. Each path sends to its own instance of the product's mail sink (aiosmtpd writing a Maildir, in its own
process); every path runs at each concurrency (mails, or batches, in flight at once)."""

import argparse
import asyncio
import copy
import math
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosmtplib
from temporalio.testing import ActivityEnvironment

from bench import harness

TARGET_FACTOR = 2.0
# A case's announcement: manager, HR, IT/facilities and the task lists of about five assignees.
RECIPIENTS_PER_CASE = 8


def mail_context(case_id: str, today: date) -> dict:
    """What OffboardingWorkflow passes to an announcement (see its ``_mail_context``)."""
    return {
        "case_id": case_id,
        "case_url": f"http://localhost:8000/cases/{case_id}",
        "organisation_name": "Example Organisation",
        "employee_id": case_id.rsplit("-", 4)[-4],
        "employee_name": "Anouk de Vries",
        "job_title": "Controller",
        "department": "Finance",
        "manager_name": "Bram Janssens",
        "departure_type": "resignation",
        "notice_date": today.isoformat(),
        "last_working_day": (today + timedelta(days=60)).isoformat(),
        "equipment": ["Laptop", "Badge"],
        "timezone": "Europe/Amsterdam",
    }


async def seed_cases(sessions, case_ids: list[str], today: date) -> None:
    """The cases the mails belong to (sent_mails points at cases)."""
    from bench.seed_reports import closed_case

    async with sessions.begin() as session:
        for case_id in case_ids:
            case = closed_case(closed_at=datetime.now(UTC), case_id=case_id, interview_status=None)
            case.status, case.closed_at = "open", None
            session.add(case)


def requests_for(case_ids: list[str], count: int, today: date, round_id: str):
    from models.mail import MailRequest

    for index in range(count):
        case_id = case_ids[index // RECIPIENTS_PER_CASE]
        yield MailRequest(
            case_id=case_id,
            purpose=f"announcement-{round_id}",
            template="announcement_manager",
            to=f"person{index % RECIPIENTS_PER_CASE}@example.org",
            language="nl",
            context=mail_context(case_id, today),
        )


async def timed(items: list, concurrency: int, one) -> float:
    """Seconds to run ``one(item)`` for every item, at most ``concurrency`` at a time."""
    began = time.perf_counter()
    await harness.bounded(len(items), concurrency, lambda index: one(items[index]))
    return time.perf_counter() - began


def by_case(items: list) -> list[list]:
    return [items[start : start + RECIPIENTS_PER_CASE] for start in range(0, len(items), RECIPIENTS_PER_CASE)]


async def product_round(mail, requests: list, concurrency: int) -> float:
    """Seconds for ``send_mail`` to send each request in its own activity, ``concurrency`` activities at a time."""
    env = ActivityEnvironment()

    async def one(request) -> None:
        receipt = await env.run(mail.send_mail, request)
        if receipt.already_sent:
            raise RuntimeError(f"{request.purpose} to {request.to} counted as sent before: the run is not fresh")

    return await timed(requests, concurrency, one)


async def product_batch_round(mail, requests: list, concurrency: int) -> float:
    """Seconds for ``send_mails`` to send the requests a case at a time, ``concurrency`` activities at a time."""
    from models.mail import MailBatch

    env = ActivityEnvironment()

    async def one(batch) -> None:
        receipts = await env.run(mail.send_mails, MailBatch(requests=batch))
        if any(receipt.already_sent for receipt in receipts):
            raise RuntimeError(f"a mail of {batch[0].case_id} counted as sent before: the run is not fresh")

    return await timed(by_case(requests), concurrency, one)


def bare_messages(template_message, count: int, round_id: str) -> list:
    """``count`` copies of the built message, each to its own recipient with its own Message-ID; made before the clock runs."""
    messages = []
    for index in range(count):
        message = copy.copy(template_message)
        del message["To"], message["Message-ID"]
        message["To"] = f"person{index % RECIPIENTS_PER_CASE}@example.org"
        message["Message-ID"] = f"<{round_id}.{index}@bench>"
        messages.append(message)
    return messages


async def bare_round(template_message, port: int, count: int, concurrency: int, round_id: str) -> float:
    """Seconds for ``aiosmtplib.send`` to send ``count`` messages, a conversation each, ``concurrency`` at a time."""

    async def one(message) -> None:
        await aiosmtplib.send(message, hostname="127.0.0.1", port=port, timeout=30)

    return await timed(bare_messages(template_message, count, round_id), concurrency, one)


async def bare_batch_round(template_message, port: int, count: int, concurrency: int, round_id: str) -> float:
    """Seconds to send ``count`` messages in conversations of RECIPIENTS_PER_CASE messages, ``concurrency`` at a time."""

    async def one(batch) -> None:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30) as smtp:
            for message in batch:
                await smtp.send_message(message)

    return await timed(by_case(bare_messages(template_message, count, round_id)), concurrency, one)


# (label, product round, bare round): each product path against the bare loop that talks to the server as it does.
PATHS = (
    ("one mail per activity", product_round, bare_round),
    (f"a case's {RECIPIENTS_PER_CASE} mails per activity", product_batch_round, bare_batch_round),
)


def delivered(mailbox: Path) -> int:
    new = mailbox / "new"
    return sum(1 for _ in new.iterdir()) if new.exists() else 0


async def one_backend(backend: str, args: argparse.Namespace, folder: Path) -> list[tuple[str, int, float, float]]:
    """(path, concurrency, product seconds, bare seconds) for each path and concurrency, with the product's bookkeeping on ``backend``."""
    from activities.mail import MailActivities, message_id_for
    from activities.mail_templates import MailTemplates
    from db.engine import create_engine, create_sessionmaker

    today = date.today()
    results: list[tuple[str, int, float, float]] = []
    (folder / "ours").mkdir()
    (folder / "bare").mkdir()
    async with (
        harness.database(backend, folder, args.postgres_url) as url,
        harness.product(folder / "ours", "127.0.0.1:7233", database_url=url) as ours,
    ):
        # Two sinks of the same kind, one per path, so each count is checked on its own.
        bare = harness.Product(
            folder=folder / "bare",
            database_url=ours.database_url,
            temporal_address="127.0.0.1:7233",
            smtp_port=harness.free_port(),
        )
        try:
            await ours.mail_sink()
            await bare.mail_sink()
            settings = ours.settings()
            engine = create_engine(settings.database_url)
            sessions = create_sessionmaker(engine)
            try:
                templates = MailTemplates()
                mail = MailActivities(settings, sessions, templates)
                cases_needed = math.ceil((args.count + args.warm_up) / RECIPIENTS_PER_CASE)
                case_ids = [f"offboarding-M{uuid.uuid4().hex[:10]}-{today.isoformat()}" for _ in range(cases_needed)]
                await seed_cases(sessions, case_ids, today)
                sample = next(requests_for(case_ids, 1, today, "sample"))
                template_message = templates.render(
                    sample.template,
                    sample.language,
                    sample.context,
                    sender=settings.mail_from,
                    to=str(sample.to),
                    message_id=message_id_for(sample),
                )
                template_message["X-Offboarding-Case"] = sample.case_id
                template_message["X-Offboarding-Purpose"] = sample.purpose
                sent = 0
                for label, product_path, bare_path in PATHS:
                    for concurrency in args.concurrency:
                        round_id = uuid.uuid4().hex[:6]
                        if args.warm_up:
                            await product_path(
                                mail, list(requests_for(case_ids, args.warm_up, today, "warm-" + round_id)), concurrency
                            )
                            await bare_path(
                                template_message, bare.smtp_port, args.warm_up, concurrency, "warm-" + round_id
                            )
                        requests = list(requests_for(case_ids, args.count, today, round_id))
                        # Alternate the order so that neither path always runs on a warmer machine.
                        if len(results) % 2 == 0:
                            ours_s = await product_path(mail, requests, concurrency)
                            bare_s = await bare_path(
                                template_message, bare.smtp_port, args.count, concurrency, round_id
                            )
                        else:
                            bare_s = await bare_path(
                                template_message, bare.smtp_port, args.count, concurrency, round_id
                            )
                            ours_s = await product_path(mail, requests, concurrency)
                        sent += args.count + args.warm_up
                        results.append((label, concurrency, ours_s, bare_s))
                # aiosmtpd answers 250 once the handler stored the message: every mail must be there.
                for name, box in (("product", ours.mailbox), ("bare", bare.mailbox)):
                    if delivered(box) != sent:
                        raise RuntimeError(f"the {name} sink holds {delivered(box)} mails, expected {sent}")
            finally:
                await engine.dispose()
        finally:
            bare.stop_all()
    return results


async def run(args: argparse.Namespace) -> harness.Section:
    section = harness.Section("mail_throughput", "Mail throughput")
    worst: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as tmp:
        for backend in args.backend:
            folder = Path(tmp) / backend
            folder.mkdir()
            label = harness.backend_label(backend)
            for path, concurrency, ours_s, bare_s in await one_backend(backend, args, folder):
                ours_rate, bare_rate = args.count / ours_s, args.count / bare_s
                factor = bare_rate / ours_rate
                worst[path] = max(worst.get(path, 0.0), factor)
                prefix = f"{label}, {path}, concurrency {concurrency}"
                section.figure(
                    f"{prefix}: product", f"{ours_rate:.0f} mails/s ({ours_s * 1000 / args.count:.1f} ms each)"
                )
                section.figure(
                    f"{prefix}: bare aiosmtplib", f"{bare_rate:.0f} mails/s ({bare_s * 1000 / args.count:.1f} ms each)"
                )
                section.figure(f"{prefix}: bare / product", f"{factor:.2f}×", f"≤ {TARGET_FACTOR:.0f}×")
    section.note(
        f"{args.count} mails per path, database and concurrency ({args.warm_up} more as warm-up); the product's bookkeeping on each "
        "database in turn, the bare loop beside it in the same run; each mail is the Dutch announcement to the manager (text and HTML), "
        "to the product's mail sink in its own process. "
        f"One mail per activity is set against `aiosmtplib.send` per message; {RECIPIENTS_PER_CASE} mails per activity (how a case's "
        f"announcement goes out) against one `aiosmtplib.SMTP` conversation per {RECIPIENTS_PER_CASE} messages. Concurrency counts "
        "activities (bare: conversations) in flight."
    )
    verdicts = [
        f"{path}: {'within' if factor <= TARGET_FACTOR else 'SLOWER than'} {TARGET_FACTOR:.0f}× its bare loop (worst {factor:.2f}×)"
        for path, factor in worst.items()
    ]
    section.note("Verdict: " + "; ".join(verdicts) + ".")
    return section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="mails per path and concurrency (default 1000)")
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[1, 8],
        help="sends in flight at once; several values run one after the other (default 1 8)",
    )
    parser.add_argument(
        "--warm-up", type=int, default=20, help="mails per path sent before the clock runs (default 20)"
    )
    harness.add_backend_options(parser)
    parser.add_argument(
        "--results",
        type=Path,
        default=harness.DEFAULT_RESULTS,
        help="the results file to update (default bench/RESULTS.md)",
    )
    args = parser.parse_args()
    if args.count < 1 or min(args.concurrency) < 1 or args.warm_up < 0:
        parser.error("--count and --concurrency must be at least 1, --warm-up at least 0")
    harness.install_sigterm()
    section = asyncio.run(run(args))
    section.write(args.results)


if __name__ == "__main__":
    main()
