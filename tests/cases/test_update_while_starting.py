"""An action sent just as its workflow starts reaches it: a review starts when its report is stored, and a reviewer
acting at that moment may find it missing at first and running a moment later. Such an action is taken, not refused
as if the review had ended; an action on a workflow that has ended is still refused."""

import uuid

import pytest
from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import Client, Interceptor, OutboundInterceptor, StartWorkflowUpdateInput
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from cases import service
from cases.errors import ActionRejected, CaseNotFound
from models.refusals import Refusal


class Note(BaseModel):
    text: str


@workflow.defn(sandboxed=False)
class NotebookWorkflow:
    """Takes notes until told to close, like a review that stays open while its actions are not done."""

    def __init__(self) -> None:
        self._notes: list[str] = []
        self._closed = False

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: self._closed)
        return self._notes

    @workflow.update
    async def add(self, note: Note) -> int:
        self._notes.append(note.text)
        return len(self._notes)

    @workflow.signal
    def close(self) -> None:
        self._closed = True


class _StartsWhenRefused(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, start) -> None:
        super().__init__(next)
        self._start = start

    async def start_workflow_update(self, input: StartWorkflowUpdateInput):
        try:
            return await self.next.start_workflow_update(input)
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND and self._start is not None:
                # The workflow starts after the server refused the update and before the caller looks again.
                start, self._start = self._start, None
                await start()
            raise


class StartsWhenRefused(Interceptor):
    """Starts the workflow between the refusal of the first update and the caller's next look: the moment a busy
    machine lets fall there now and then, here every time."""

    def __init__(self, start) -> None:
        self._start = start

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _StartsWhenRefused(next, self._start)


async def _ended() -> Refusal:
    return Refusal("review_ended", report="test")


async def test_an_update_sent_as_its_workflow_starts_is_taken(time_skipping_env, task_queue):
    base = time_skipping_env.client
    workflow_id = f"notebook-{uuid.uuid4().hex}"

    async def start() -> None:
        await base.start_workflow(NotebookWorkflow.run, id=workflow_id, task_queue=task_queue)

    racing = Client(
        base.service_client,
        namespace=base.namespace,
        data_converter=base.data_converter,
        interceptors=[StartsWhenRefused(start)],
    )
    async with Worker(base, task_queue=task_queue, workflows=[NotebookWorkflow]):
        taken = await service.execute_update(
            racing, workflow_id, NotebookWorkflow.add, Note(text="Als bestuurder gezien"), _ended
        )
        assert taken == 1
        handle = base.get_workflow_handle(workflow_id)
        await handle.signal(NotebookWorkflow.close)
        assert await handle.result() == ["Als bestuurder gezien"]

        # Ended, it refuses as ended; never started, it is not found.
        with pytest.raises(ActionRejected) as refused:
            await service.execute_update(base, workflow_id, NotebookWorkflow.add, Note(text="Te laat"), _ended)
        assert refused.value.code == "review_ended"
        with pytest.raises(CaseNotFound):
            await service.execute_update(
                base, f"notebook-{uuid.uuid4().hex}", NotebookWorkflow.add, Note(text="Niemand"), _ended
            )
