"""A case opened today carries one change marker where it used to carry one per change (workflows/patches.py)."""

import json

from temporalio.api.enums.v1 import EventType

from tests.support import scheduled_activities
from tests.support.case_driver import CaseDriver
from workflows.patches import INTERVIEW_CHANGES_TOGETHER, OPENING_IN_ONE


async def _history(client, workflow_id: str):
    return await client.get_workflow_handle(workflow_id).fetch_history()


def _patches(history) -> list[str]:
    found = []
    for event in history.events:
        if event.event_type != EventType.EVENT_TYPE_MARKER_RECORDED:
            continue
        attributes = event.marker_recorded_event_attributes
        if attributes.marker_name == "core_patch":
            found.append(json.loads(attributes.details["patch-data"].payloads[0].data)["id"])
    return found


async def test_a_new_case_opens_in_one_activity_under_one_marker_and_its_interview_under_one(
    time_skipping_env, worker, mail_store, sessions, task_queue
):
    case = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue)
    await case.wait_for_mail("interview:invitation", to=case.registration.employee.work_email)
    client = time_skipping_env.client

    opened = await _history(client, case.case_id)
    assert _patches(opened) == [OPENING_IN_ONE]
    assert scheduled_activities(opened)[:2] == ["open_case", "send_mails"], (
        "stored, planned and asked in one round trip"
    )
    upserts = [e for e in opened.events if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]
    assert len(upserts) == 1

    interview = await _history(client, f"{case.case_id}-interview")
    assert _patches(interview) == [INTERVIEW_CHANGES_TOGETHER]
