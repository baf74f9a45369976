"""How a workflow keeps its part of the read model current (models/read_model.py, activities/read_model.py).

A publication goes out only when the state differs from the last one published, numbered one higher, with the
timeline entries not sent before. It runs as a local activity: a quick database write that needs no round trip
through the server's task queue, recorded in the history so that a replay does not write again."""

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.case import TimelineEntry
    from models.read_model import CaseSnapshot, InterviewSnapshot, PublishedEvent

PUBLISH_TIMEOUT = timedelta(seconds=30)


class Publisher:
    def __init__(self, method: Any) -> None:
        self._method = method
        self.enabled = False
        self._version = 0
        self._events_sent = 0
        self._last = ""

    def start_over(self) -> None:
        """Publish everything again at the next chance (the read model of the case was lost, or never written)."""
        self.enabled = True
        self._last, self._events_sent = "", 0

    async def publish(self, snapshot: CaseSnapshot | InterviewSnapshot, timeline: list[TimelineEntry]) -> None:
        """Publish ``snapshot`` (its ``version`` and ``events`` are filled here) if anything changed."""
        if not self.enabled:
            return
        state = snapshot.model_dump_json(exclude={"version", "events"})
        if state == self._last and self._events_sent == len(timeline):
            return
        self._version += 1
        snapshot.version = self._version
        snapshot.events = [
            PublishedEvent(
                seq=seq, at=entry.at, event=entry.event, detail=entry.detail, by=entry.by, by_role=entry.by_role
            )
            for seq, entry in enumerate(timeline[self._events_sent :], start=self._events_sent)
        ]
        self._last, self._events_sent = state, len(timeline)
        await workflow.execute_local_activity_method(self._method, snapshot, start_to_close_timeout=PUBLISH_TIMEOUT)
