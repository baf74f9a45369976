"""Logging for the worker and the web app: readable text by default, JSON lines with ``log_format=json``.

A JSON line is one event: time, level, logger, message, and where it belongs: the request id (the web app's
``X-Request-ID``), the case id (the workflow's id in the worker, the path's case in the web app), the workflow
and activity. It never carries interview content or personal free text: only these fields are written (no
arbitrary extras), e-mail addresses in messages and errors are masked to a short fingerprint, and SQL errors
carry no row values (``db.engine`` hides them). The fingerprint is the first 8 hex digits of the SHA-256 of the
lower-cased address, so whoever knows an address can find its lines."""

import hashlib
import logging
import re
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from typing import IO, Any

from pythonjsonlogger.json import JsonFormatter
from temporalio import activity as temporal_activity

from config import Settings

# Libraries whose debug and info records quote queries with their values: never below WARNING.
CHATTY = ("aiosqlite", "asyncpg", "sqlalchemy.engine")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")

# Workflows whose id is a case's (or its interview's): their records name the case.
CASE_WORKFLOWS = {"OffboardingWorkflow", "ExitInterviewWorkflow"}

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# The request's ASGI scope: once routed, its path parameters say which case a record is about.
request_scope: ContextVar[Mapping[str, Any] | None] = ContextVar("request_scope", default=None)


def fingerprint(address: str) -> str:
    return "<address " + hashlib.sha256(address.lower().encode()).hexdigest()[:8] + ">"


def mask_addresses(text: str) -> str:
    return ADDRESS.sub(lambda match: fingerprint(match.group(0)), text)


class Context(logging.Filter):
    """Adds where a record belongs: the request (web app) or the workflow and activity (worker)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        scope = request_scope.get()
        case_id: str | None = (scope.get("path_params") or {}).get("case_id") if scope else None
        workflow_id: str | None = None
        workflow_type: str | None = None
        activity_type: str | None = None
        workflow = getattr(record, "temporal_workflow", None)
        activity = getattr(record, "temporal_activity", None)
        if isinstance(workflow, dict):
            workflow_id, workflow_type = workflow.get("workflow_id"), workflow.get("workflow_type")
        if isinstance(activity, dict):
            workflow_id, workflow_type = activity.get("workflow_id"), activity.get("workflow_type")
            activity_type = activity.get("activity_type")
        elif temporal_activity.in_activity():  # a module's own logger, inside an activity
            info = temporal_activity.info()
            workflow_id, workflow_type, activity_type = info.workflow_id, info.workflow_type, info.activity_type
        if case_id is None and workflow_id and workflow_type in CASE_WORKFLOWS:
            case_id = case_of(workflow_id)
        record.case_id, record.workflow_id, record.workflow_type, record.activity_type = (
            case_id,
            workflow_id,
            workflow_type,
            activity_type,
        )
        return True


def case_of(workflow_id: str) -> str:
    """The case a workflow belongs to: the case's own id, or its interview's (``<case id>-interview``)."""
    return workflow_id.removesuffix("-interview")


class JsonLines(JsonFormatter):
    """One JSON object per line, with the fields below and nothing else (no extras a caller may have passed)."""

    KEPT = (
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "case_id",
        "workflow_id",
        "workflow_type",
        "activity_type",
        "exc_info",
        "stack_info",
    )
    MASKED = ("message", "exc_info", "stack_info")

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            json_ensure_ascii=False,
        )

    def process_log_record(self, log_data: dict) -> dict:
        kept = {name: log_data[name] for name in self.KEPT if log_data.get(name) not in (None, "")}
        for name in self.MASKED:
            if name in kept:
                kept[name] = mask_addresses(str(kept[name]))
        return kept


def configure(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record of this process to ``stream`` (standard error) in the settings' format and level."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(Context())
    handler.setFormatter(JsonLines() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "offboarding", False):
            root.removeHandler(old)
    handler.offboarding = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    return handler
