"""The skeleton of opening a case: the same calls to Temporal, with bodies that do nothing.

    python -m bench.skeleton     # a worker for it, on OFFBOARDING_TEMPORAL_ADDRESS and OFFBOARDING_TASK_QUEUE

What a case does with Temporal while it opens (``workflows/offboarding.py``, ``workflows/exit_interview.py``), call
for call: the case records its one change marker, opens (stored, planned, its webhook targets and how access ends: one
activity), publishes its state (a local activity) and sends its announcement with the task lists (one activity),
starts its exit interview as a child and then waits on its timers and for updates. The interview records its one
change marker, publishes its state (a local activity), tells the case its status (a signal), sends the invitation
(an activity) and waits on its timers. Default data converter,
default sandbox. The worker prints ``opened <case>`` when a case's interview has sent its invitation, the last
thing a case does on opening, so that the benchmark knows when every skeleton case waits."""

import asyncio
import logging
import os
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

ACTIVITY_TIMEOUT = timedelta(seconds=30)
WAIT = timedelta(days=60)  # the case's next timer: far beyond any run


@activity.defn(name="skeleton_open_case")
async def open_case(case_id: str) -> dict:
    return {}


@activity.defn(name="skeleton_publish")
async def publish(case_id: str) -> None:
    return None


@activity.defn(name="skeleton_send_mails")
async def send_mails(case_id: str) -> list[str]:
    return []


@activity.defn(name="skeleton_send_mail")
async def send_mail(case_id: str) -> str:
    print(f"opened {case_id.removesuffix('-interview')}", flush=True)
    return ""


async def _activity(fn, arg=None):
    args = [] if arg is None else [arg]
    return await workflow.execute_activity(fn, args=args, start_to_close_timeout=ACTIVITY_TIMEOUT)


@workflow.defn(name="SkeletonInterview")
class SkeletonInterview:
    @workflow.run
    async def run(self, case_id: str) -> str:
        interview_id = workflow.info().workflow_id
        workflow.patched("skeleton-interview-changes")
        await workflow.execute_local_activity(publish, interview_id, start_to_close_timeout=ACTIVITY_TIMEOUT)
        await workflow.get_external_workflow_handle(case_id).signal("interview_status_changed", "invited")
        await _activity(send_mail, interview_id)
        await workflow.wait_condition(lambda: False, timeout=WAIT)
        return "held"

    @workflow.update
    async def accept(self, slot: str) -> str:
        return slot


@workflow.defn(name="SkeletonCase")
class SkeletonCase:
    def __init__(self) -> None:
        self._status = ""

    @workflow.run
    async def run(self, case_id: str) -> str:
        workflow.patched("skeleton-opening")
        await _activity(open_case, case_id)
        await workflow.execute_local_activity(publish, case_id, start_to_close_timeout=ACTIVITY_TIMEOUT)
        await _activity(send_mails, case_id)
        await workflow.start_child_workflow(SkeletonInterview.run, case_id, id=f"{case_id}-interview")
        await workflow.wait_condition(lambda: False, timeout=WAIT)
        return "closed"

    @workflow.signal
    def interview_status_changed(self, status: str) -> None:
        self._status = status

    @workflow.update
    async def complete_task(self, task_id: str) -> str:
        return task_id


async def main() -> None:
    logging.basicConfig(level=logging.INFO)
    client = await Client.connect(os.environ["OFFBOARDING_TEMPORAL_ADDRESS"])
    queue = os.environ["OFFBOARDING_TASK_QUEUE"]
    async with Worker(
        client,
        task_queue=queue,
        workflows=[SkeletonCase, SkeletonInterview],
        activities=[open_case, publish, send_mails, send_mail],
    ):
        print(f"polling task queue {queue}", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
