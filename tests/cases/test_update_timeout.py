"""An action on a case answers in bounded time even when the case cannot finish it (its mail server or database
is down): the caller hears that the case did not answer in time instead of waiting without end."""

import asyncio
import time
import uuid
from datetime import timedelta

import pytest
from pydantic import BaseModel
from temporalio import workflow
from temporalio.worker import Worker

from cases import service
from cases.errors import CaseDidNotAnswer


class Nothing(BaseModel):
    pass


@workflow.defn(sandboxed=False)
class StuckWorkflow:
    """Accepts an update it can never finish, like a case whose next step waits on a part that is down."""

    def __init__(self) -> None:
        self._released = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self._released)

    @workflow.update
    async def act(self, _: Nothing) -> None:
        await workflow.wait_condition(lambda: self._released)


async def test_an_update_that_cannot_finish_times_out_for_the_caller(dev_server_env, task_queue):
    client = dev_server_env.client
    async with Worker(client, task_queue=task_queue, workflows=[StuckWorkflow]):
        handle = await client.start_workflow(StuckWorkflow.run, id=f"stuck-{uuid.uuid4().hex}", task_queue=task_queue)
        started = time.monotonic()
        with pytest.raises(CaseDidNotAnswer):
            # The outer limit only keeps a broken bound from hanging the test run.
            await asyncio.wait_for(
                service.execute_update(
                    client, handle.id, StuckWorkflow.act, Nothing(), lambda: None, rpc_timeout=timedelta(seconds=2)
                ),
                40,
            )
        assert time.monotonic() - started < 20, "the caller waited for the outer limit, not for the update's own"
        await handle.terminate()


async def test_an_update_nobody_picks_up_times_out_for_the_caller(dev_server_env, task_queue):
    client = dev_server_env.client
    async with Worker(client, task_queue=task_queue, workflows=[StuckWorkflow]):
        handle = await client.start_workflow(StuckWorkflow.run, id=f"stuck-{uuid.uuid4().hex}", task_queue=task_queue)
        await handle.describe()
    # No worker polls the queue any more, as when every worker is down.
    started = time.monotonic()
    with pytest.raises(CaseDidNotAnswer):
        await asyncio.wait_for(
            service.execute_update(
                client, handle.id, StuckWorkflow.act, Nothing(), lambda: None, rpc_timeout=timedelta(seconds=2)
            ),
            40,
        )
    assert time.monotonic() - started < 20, "the caller waited for the outer limit, not for the update's own"
    await handle.terminate()
