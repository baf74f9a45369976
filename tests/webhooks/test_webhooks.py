"""Outgoing webhooks: case events delivered to a real local HTTP receiver, signed, once, retried after a failure.

The receiver verifies each delivery with the `standardwebhooks` library (the Standard Webhooks reference
implementation), as an integrator would."""

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from activities.webhooks import WebhookActivities
from cases import service
from models.actors import Actor, Role
from models.events import WebhookDelivery, WebhookEvent, WebhookRequest
from models.handover import Withdraw
from models.registration import Registration
from tests.support import eventually, registration_data, scheduled_activities
from tests.support.webhooks import SECRET, Receiver, valid_signature


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def settings(settings, receiver):
    return settings.model_copy(update={"webhook_urls": [receiver.url], "webhook_secret": SECRET})


async def start_case(client, task_queue: str) -> str:
    registration = Registration.model_validate(registration_data())
    result = await service.register(client, registration, task_queue)
    assert result.created
    return result.case_id


async def test_a_webhook_is_delivered_once_with_a_valid_signature_after_the_receiver_failed_first(
    receiver, worker, time_skipping_env, task_queue, sessions, settings
):
    receiver.answers = [500]
    case_id = await start_case(time_skipping_env.client, task_queue)

    delivered = await eventually(lambda: receiver.events("case.opened", status=200), timeout=30)

    attempts = receiver.events("case.opened")
    assert [request["status"] for request in attempts] == [500, 200]
    assert len(delivered) == 1
    [request] = delivered
    assert valid_signature(request)
    assert not valid_signature(request, "whsec_" + base64.b64encode(b"another-key-another-key-32-bytes").decode())
    assert request["headers"]["webhook-id"] == f"{case_id}/case.opened"
    assert request["path"] == "/hooks/offboarding"
    assert request["headers"]["Content-Type"] == "application/cloudevents+json"
    event = request["event"]
    assert event["specversion"] == "1.0"
    assert event["id"] == f"{case_id}/case.opened"
    assert event["source"] == "http://offboarding.test"
    assert event["subject"] == case_id
    assert event["data"]["case_id"] == case_id
    assert event["data"]["status"] == "open"
    assert "employee_name" not in event["data"] and "Anouk" not in request["body"].decode()
    # Both attempts carried the same event, each signed at its own time.
    assert json.loads(attempts[0]["body"])["id"] == event["id"]

    async def delivery_row():
        async with sessions() as session:
            row = (
                await session.execute(select(WebhookDelivery).where(WebhookDelivery.event_id == event["id"]))
            ).scalar_one()
        # The receiver has answered a moment before the activity records it.
        return row.status == "delivered" and row

    row = await eventually(delivery_row)
    assert (row.attempts, row.response_status, row.url) == (2, 200, receiver.url)

    # The announcement step is told once it is done; nothing is told twice.
    [announced] = await eventually(lambda: receiver.events("case.step_done", status=200))
    assert announced["event"]["data"]["step"] == "announcement"
    assert announced["event"]["id"] == f"{case_id}/case.step_done/announcement/1"
    assert valid_signature(announced)

    # A withdrawal ends the case: case.closed, with the status it ended in.
    await service.act(
        time_skipping_env.client, case_id, Withdraw(actor=Actor(email="hr@example.org", role=Role.HR), reason="stays")
    )
    [closed] = await eventually(lambda: receiver.events("case.closed", status=200))
    assert closed["event"]["data"]["status"] == "withdrawn"
    assert valid_signature(closed)
    await time_skipping_env.client.get_workflow_handle(case_id).result()
    ids = [request["event"]["id"] for request in receiver.events(status=200)]
    assert len(ids) == len(set(ids))


async def test_a_receiver_that_refuses_is_not_asked_again_and_the_case_notes_it(
    receiver, worker, time_skipping_env, task_queue
):
    receiver.answers = [410]
    case_id = await start_case(time_skipping_env.client, task_queue)

    async def noted():
        view = await service.view(time_skipping_env.client, case_id)
        return [entry for entry in view.timeline if entry.event == "webhook_failed"]

    [entry] = await eventually(noted, timeout=30)

    assert entry.detail.startswith(f"case.opened → {receiver.url}:")
    assert "410" in entry.detail
    assert [request["status"] for request in receiver.events("case.opened")] == [410]


async def test_a_delivery_run_again_after_it_succeeded_posts_nothing(receiver, settings, sessions):
    activities = WebhookActivities(settings, sessions)
    event = WebhookEvent(
        id=f"test-{time.time_ns()}/case.opened",
        type="case.opened",
        time=datetime.now(UTC),
        case_id="offboarding-X-2027-01-04",
        data={"case_id": "x"},
    )
    request = WebhookRequest(url=receiver.url, event=event)

    first = await activities.deliver_webhook(request)
    second = await activities.deliver_webhook(request)

    assert (first.status_code, first.already_delivered) == (200, False)
    assert second.already_delivered
    assert len(receiver.events()) == 1


async def test_without_urls_no_webhook_activity_runs_beyond_asking(
    time_skipping_env, settings, sessions, task_queue, receiver, mail_store
):
    from worker import build_worker

    quiet = settings.model_copy(update={"webhook_urls": []})
    async with build_worker(time_skipping_env.client, quiet, sessions, task_queue=task_queue):
        case_id = await start_case(time_skipping_env.client, task_queue)
        await eventually(lambda: [m for m in mail_store.all() if m.case_id == case_id and m.purpose == "announcement"])
        history = await time_skipping_env.client.get_workflow_handle(case_id).fetch_history()

    scheduled = scheduled_activities(history)
    # The URLs are asked once, with the rest of what a case needs to open.
    assert scheduled.count("open_case") == 1 and "webhook_targets" not in scheduled
    assert "deliver_webhook" not in scheduled
    assert receiver.requests == []


async def test_a_secret_set_before_whsec_secrets_still_signs_verifiably(receiver, settings, sessions):
    """An earlier secret without the whsec_ prefix signs with its UTF-8 bytes, which the library takes as they are."""
    plain = "an-earlier-plain-secret"
    activities = WebhookActivities(settings.model_copy(update={"webhook_secret": plain}), sessions)
    event = WebhookEvent(
        id=f"test-{time.time_ns()}/case.opened",
        type="case.opened",
        time=datetime.now(UTC),
        case_id="offboarding-X-2027-01-04",
        data={"case_id": "x"},
    )

    await activities.deliver_webhook(WebhookRequest(url=receiver.url, event=event))

    [request] = receiver.events()
    assert valid_signature(request, plain.encode())
    assert not valid_signature(request, b"a-different-secret")


def test_a_whsec_secret_that_is_not_base64_is_refused_at_start(settings):
    from config import Settings

    with pytest.raises(ValueError, match="whsec_"):
        Settings(_env_file=None, webhook_urls=["http://127.0.0.1:9/hook"], webhook_secret="whsec_not base64!")
    with pytest.raises(ValueError, match="24 to 64 bytes"):
        Settings(
            _env_file=None,
            webhook_urls=["http://127.0.0.1:9/hook"],
            webhook_secret="whsec_" + base64.b64encode(b"short").decode(),
        )
