"""The product's Prometheus metrics, and the exposition that serves them with the Temporal SDK's own.

Counted where the work happens, in the worker: cases opened and closed, case and report mails sent, refused
for good and retried, and the read model's lag (from a workflow's change to its publication in the database).
Read from the read model when scraped, in the web app: open cases and overdue items. The web app also
measures each request's latency per route template (``http_request_duration_seconds{handler=...}``), and the
worker adds the Temporal SDK's runtime metrics (``temporal_*``: workflow and activity task latencies, polls,
slots, sticky cache), fetched from the SDK's exporter on a loopback port and served on the same endpoint."""

import asyncio
import logging
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from models.tables import Case, CaseItemRow, CaseTaskRow

log = logging.getLogger("operations.metrics")

CASES_OPENED = Counter("offboarding_cases_opened", "Cases stored by their workflow's first step.")
CASES_CLOSED = Counter("offboarding_cases_closed", "Cases wound down, by outcome.", ["outcome"])
MAILS = Counter(
    "offboarding_mails",
    "Mails by outcome: sent, refused for good by the server, or an attempt retried.",
    ["kind", "outcome"],
)
READ_MODEL_LAG = Histogram(
    "offboarding_read_model_lag_seconds",
    "Seconds from a workflow's change to its publication in the read model (the lists and the dashboard).",
    ["source"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
OPEN_CASES = Gauge("offboarding_open_cases", "Cases still open, from the read model.")
OVERDUE = Gauge(
    "offboarding_overdue_items",
    "Open tasks past their due date, and equipment still out after the last working day, of open cases.",
    ["kind"],
)

# A case's first write: one activity since opening-in-one-v1, store_case for the cases opened before it.
OPENING_ACTIVITIES = {"open_case", "store_case"}
MAIL_ACTIVITIES = {"send_mail": "case", "send_mails": "case", "send_report_mail": "report"}
PUBLISH_ACTIVITIES = {"publish_case": "case", "publish_interview": "interview"}


def _count_mails(kind: str, result: Any) -> None:
    for receipt in result if isinstance(result, list) else [result]:
        if getattr(receipt, "already_sent", True):
            continue
        MAILS.labels(kind, "refused" if receipt.refused else "sent").inc()


def observe_activity(activity_type: str, args: list[Any], result: Any, scheduled: datetime | None) -> None:
    """Count what a finished activity did, by its type and what it was given and gave back."""
    if activity_type in OPENING_ACTIVITIES:
        CASES_OPENED.inc()
    elif activity_type == "close_case" and args:
        CASES_CLOSED.labels(str(args[0].summary.status.value)).inc()
    elif activity_type in MAIL_ACTIVITIES:
        _count_mails(MAIL_ACTIVITIES[activity_type], result)
    elif activity_type in PUBLISH_ACTIVITIES and scheduled is not None:
        lag = (datetime.now(UTC) - scheduled).total_seconds()
        READ_MODEL_LAG.labels(PUBLISH_ACTIVITIES[activity_type]).observe(max(0.0, lag))


class _Counting(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        try:
            result = await super().execute_activity(input)
        except Exception as err:
            if info.activity_type in MAIL_ACTIVITIES and not (isinstance(err, ApplicationError) and err.non_retryable):
                MAILS.labels(MAIL_ACTIVITIES[info.activity_type], "retried").inc()
            raise
        try:
            observe_activity(info.activity_type, list(input.args), result, info.scheduled_time)
        except Exception:  # counting must never fail the work it counts
            log.exception("could not count activity %s", info.activity_type)
        return result


class CountingInterceptor(Interceptor):
    """The worker's interceptor that counts cases and mails and measures the read model's lag."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Counting(next)


async def refresh_read_model_gauges(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Open cases and overdue items as the read model has them now."""
    today = date.today()
    open_case = Case.status == "open"
    async with sessions() as session:
        open_cases = (await session.execute(select(func.count()).select_from(Case).where(open_case))).scalar_one()
        tasks = await session.execute(
            select(func.count())
            .select_from(CaseTaskRow)
            .join(Case, Case.id == CaseTaskRow.case_id)
            .where(open_case, CaseTaskRow.state == "open", CaseTaskRow.due_date < today)
        )
        items = await session.execute(
            select(func.count())
            .select_from(CaseItemRow)
            .join(Case, Case.id == CaseItemRow.case_id)
            .where(open_case, CaseItemRow.state == "out", Case.last_working_day < today)
        )
        OPEN_CASES.set(open_cases)
        OVERDUE.labels("task").set(tasks.scalar_one())
        OVERDUE.labels("equipment").set(items.scalar_one())


class _Families:
    def __init__(self, families: list) -> None:
        self._families = families

    def collect(self):
        return self._families


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=2) as answer:
        return answer.read().decode()


async def sdk_families(url: str | None) -> list:
    """The Temporal SDK's metrics from its exporter; none when it does not answer (the rest is still served)."""
    if not url:
        return []
    try:
        return list(text_string_to_metric_families(await asyncio.to_thread(_fetch, url)))
    except (OSError, ValueError) as err:
        log.warning("the Temporal SDK's metrics could not be read from %s: %s", url, err)
        return []


def endpoint(refresh: Callable[[], Awaitable[None]] | None = None, sdk_url: str | None = None):
    """The ``/metrics`` route: this process's metrics (refreshed first, when it has gauges to read) and the SDK's."""

    async def metrics(request: Request) -> Response:
        if refresh is not None:
            try:
                await refresh()
            except Exception as err:  # noqa: BLE001 - the counters are still worth serving with the database down
                log.warning("metrics from the read model could not be refreshed: %s", type(err).__name__)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Families(list(REGISTRY.collect()) + await sdk_families(sdk_url)))
        encoder, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encoder(registry), headers={"Content-Type": content_type})

    return metrics
