"""Recorded histories of whole cases replay against today's workflow code.

A change that would break cases already running (a new activity, timer or update order without
``workflow.patched``) fails here. Re-record with
``OFFBOARDING_RECORD_HISTORIES=tests/histories pytest tests/test_case_lifecycle.py`` only for a
deliberate, versioned change."""

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.conftest import TEST_DATA_CONVERTER
from worker import WORKFLOWS, sandbox_runner

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_checked_in():
    names = {path.name.split(".")[0] for path in HISTORIES}
    assert {"normal_path_from_registration_to_closing-0", "no_answer_at_all_reminds_then_stops_and_escalates-0", "withdrawal_cancels_the_case_and_tells_people-0"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_history_replays(path: Path):
    recorded = json.loads(path.read_text())
    history = WorkflowHistory.from_json(recorded.pop("workflow_id"), recorded)
    # The product's own converter: histories recorded before payloads were encrypted pass through its codec unchanged.
    replayer = Replayer(workflows=WORKFLOWS, data_converter=TEST_DATA_CONVERTER, workflow_runner=sandbox_runner())
    await replayer.replay_workflow(history)
