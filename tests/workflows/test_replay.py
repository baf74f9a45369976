"""Recorded histories of whole cases replay against today's workflow code.

A change that would break cases already running (a new activity, timer or update order without
``workflow.patched``) fails here. After a deliberate, versioned change, record the new path beside the old
ones (``OFFBOARDING_RECORD_HISTORIES=<dir> pytest tests/cases/test_case_lifecycle.py -k ...``, or
``tests/reports/test_report_workflow.py -k past_its_due`` or ``-k another_owner`` for a report and its review, then copy them in
under a name saying which change they carry, e.g. ``-mail-after-update``): the older histories stay, so
cases started before the change keep being checked too."""

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.support.environment import TEST_DATA_CONVERTER
from worker import WORKFLOWS, workflow_runner

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_checked_in():
    names = {path.name.split(".")[0] for path in HISTORIES}
    assert {
        "normal_path_from_registration_to_closing-0",
        "no_answer_at_all_reminds_then_stops_and_escalates-0",
        "withdrawal_cancels_the_case_and_tells_people-0",
    } <= names
    # Cases that took the "mail after the update" path (workflow.patched("mail-after-update-v1")).
    assert {
        "normal_path_from_registration_to_closing-mail-after-update",
        "task_updates_are_validated-mail-after-update",
    } <= names
    # Cases that send the mails of one moment in one activity (workflow.patched("mail-batches-v1")).
    assert {
        "normal_path_from_registration_to_closing-mail-batches",
        "last_day_moved_earlier_reinvites_and_closes_sooner-mail-batches",
    } <= names
    # Cases that publish to the read model, with floored due dates and the access step (read-model-v1, due-dates-v1, access-v1).
    assert {
        "normal_path_from_registration_to_closing-read-model",
        "withdrawal_cancels_the_case_and_tells_people-read-model",
    } <= names
    # Cases that end the person's access (workflow.patched("access-v1")): at the end of the (moved) last day, or cancelled.
    assert {
        "normal_path_from_registration_to_closing-access",
        "last_day_moved_later_moves_due_dates_and_closing-access",
        "withdrawal_cancels_the_case_and_tells_people-access",
    } <= names
    # Cases that tell every custodian of their own items (workflow.patched("custodians-told-v1")).
    assert {
        "normal_path_from_registration_to_closing-custodians-told",
        "no_answer_at_all_reminds_then_stops_and_escalates-custodians-told",
    } <= names
    # Interviews whose calendar files are one event, cancelled when it goes (calendar-meetings-v1), and whose short
    # notice keeps out of the last working hours (short-notice-mornings-v1).
    assert {
        "normal_path_from_registration_to_closing-calendar-meetings",
        "a_moved_last_day_cancels_the_agreed_time_and_a_withdrawal_the_next_one-calendar-meetings",
        "one_day_notice_offers_an_online_talk_before_the_last_working_hours-calendar-meetings",
    } <= names
    # One working day's notice: a short online talk the day before comes first (short-notice-day-before-v1), and the
    # employee takes it.
    assert {"one_day_notice_offers_an_online_talk_before_the_last_working_hours-short-notice-day-before"} <= names
    # Interviews whose proposed times wait for a busy interviewer (interviewer-availability-v1), with the employee asking
    # for someone else and HR choosing the direct manager as the fallback.
    assert {
        "who_holds_the_interview_and_when_they_are_free-interviewer-availability",
        "who_holds_the_interview_and_when_they_are_free-interviewer-availability-agreed",
    } <= names
    # Interviews whose record tells the manager that main points they may read are there (manager-main-points-v1), and
    # one the manager held as HR's fallback, which tells them nothing.
    assert {
        "normal_path_from_registration_to_closing-manager-main-points",
        "who_holds_the_interview_and_when_they_are_free-manager-main-points",
    } <= names
    # Interviews recorded from their agreed time on, held on the agreed day (record-from-agreed-time-v1): the normal
    # path, and the one the manager held as HR's fallback.
    assert {
        "normal_path_from_registration_to_closing-record-from-agreed-time",
        "who_holds_the_interview_and_when_they_are_free-record-from-agreed-time",
    } <= names
    # Cases opened in one activity, with every earlier change under one marker (opening-in-one-v1), and their
    # interviews likewise (interview-changes-together-v1).
    assert {
        "normal_path_from_registration_to_closing-opening-in-one",
        "withdrawal_cancels_the_case_and_tells_people-opening-in-one",
        "last_day_moved_later_moves_due_dates_and_closing-opening-in-one",
        "who_holds_the_interview_and_when_they_are_free-opening-in-one-agreed",
    } <= names
    # A report's review whose action ran past its due date: before escalations, and with them (review-escalations-v1).
    assert {"an_action_past_its_due_date-0", "an_action_past_its_due_date-escalations"} <= names
    # A review whose open action was given to another owner with a later due date (review-action-changes-v1).
    assert "an_action_given_to_another_owner-action-changes" in names


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_history_replays(path: Path):
    recorded = json.loads(path.read_text())
    history = WorkflowHistory.from_json(recorded.pop("workflow_id"), recorded)
    # The product's own converter: histories recorded before payloads were encrypted pass through its codec unchanged.
    replayer = Replayer(workflows=WORKFLOWS, data_converter=TEST_DATA_CONVERTER, workflow_runner=workflow_runner())
    await replayer.replay_workflow(history)
