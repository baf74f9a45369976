"""Workflow payloads are encrypted: a case's history on the server holds none of the person's name,
addresses or free text, the case works as before, and keys can rotate."""

import base64
import json
import os
import stat

import pytest
from pydantic import ValidationError
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.exceptions import ApplicationError
from temporalio.worker import Replayer

from config import Settings
from models.handover import CompleteTask
from models.interview import DeclineInterview
from privacy.codec import (
    ENCODING,
    KEY_ID,
    EncryptionCodec,
    PayloadKeyMissing,
    decoded_history,
    encrypting_converter,
)
from tests.support.case_driver import HR, CaseDriver
from worker import WORKFLOWS, workflow_runner
from workflows.exit_interview import ExitInterviewWorkflow

COMMENT = "Wachtwoorden van de kluis overgedragen aan Sam Peeters"
DECLINE_REASON = "Ik heb een conflict met Bram gehad en wil er liever niet over praten"


def key(seed: int) -> bytes:
    return bytes([seed]) * 32


def plain(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(text).encode())


async def test_a_payload_is_sealed_and_opens_again():
    codec = EncryptionCodec([("k1", key(1))])
    original = plain("Anouk de Vries <anouk@example.org>")
    [sealed] = await codec.encode([original])
    assert sealed.metadata["encoding"] == ENCODING and sealed.metadata[KEY_ID] == b"k1"
    assert b"Anouk" not in sealed.data and b"json/plain" not in sealed.data
    assert (await codec.decode([sealed]))[0] == original


async def test_after_rotation_new_payloads_use_the_new_key_and_old_ones_still_open():
    old = EncryptionCodec([("2026", key(1))])
    [before] = await old.encode([plain("before")])
    rotated = EncryptionCodec([("2027", key(2)), ("2026", key(1))])
    [after] = await rotated.encode([plain("after")])

    assert after.metadata[KEY_ID] == b"2027"
    assert [p.data for p in await rotated.decode([before, after])] == [b'"before"', b'"after"']
    with pytest.raises(PayloadKeyMissing, match="2027"):
        await old.decode([after])


async def test_payloads_recorded_before_encryption_pass_through():
    codec = EncryptionCodec([("k1", key(1))])
    unencrypted = plain("recorded before encryption")
    assert (await codec.decode([unencrypted]))[0] == unencrypted


async def test_a_key_changed_under_the_same_id_is_named_not_garbled():
    [sealed] = await EncryptionCodec([("k1", key(1))]).encode([plain("x")])
    with pytest.raises(PayloadKeyMissing, match="changed under the same id"):
        await EncryptionCodec([("k1", key(9))]).decode([sealed])


def test_the_key_ring_setting_is_checked(tmp_path):
    good = base64.b64encode(key(3)).decode()
    ring = Settings(
        _env_file=None, data_dir=tmp_path, payload_keys=f"new:{good}, old:{base64.urlsafe_b64encode(key(4)).decode()}"
    ).payload_key_ring()
    assert ring == [("new", key(3)), ("old", key(4))]
    for value, problem in [
        ("justakey", "no ':'"),
        ("a:!!!", "not base64"),
        (f"a:{base64.b64encode(b'short').decode()}", "5 bytes"),
        (f"a:{good},a:{good}", "twice"),
    ]:
        with pytest.raises(ValidationError, match=problem):
            Settings(_env_file=None, data_dir=tmp_path, payload_keys=value)


def test_without_keys_one_is_made_once_in_the_data_folder(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, payload_keys="")
    first = settings.payload_key_ring()
    assert len(first) == 1 and len(first[0][1]) == 32
    assert Settings(_env_file=None, data_dir=tmp_path, payload_keys="").payload_key_ring() == first
    assert stat.S_IMODE(os.stat(tmp_path / "payload_key").st_mode) == 0o600


@pytest.fixture
async def case(time_skipping_env, worker, mail_store, sessions, task_queue):
    return await CaseDriver.start(
        time_skipping_env,
        mail_store,
        sessions,
        task_queue,
        successor={"name": "Sam Peeters", "email": "sam.peeters@example.org", "language": "nl"},
    )


async def test_the_history_on_the_server_holds_no_personal_data_and_the_case_still_works(
    case: CaseDriver, time_skipping_env
):
    employee = case.registration.employee
    view = await case.view()
    task = view.tasks[0]
    await case.act(CompleteTask(task_id=task.id, actor=HR, comment=COMMENT))
    await case.wait_for_mail("interview:invitation")
    await case.act(DeclineInterview(actor=case.employee, reason=DECLINE_REASON))
    await case.wait_for_mail("interview:interview_declined", to="hr@example.org")

    # The case works: the name shows, the task is done with its comment, the decline and its reason are kept.
    view = await case.view()
    assert view.employee_name == employee.name
    done = next(t for t in view.tasks if t.id == task.id)
    assert done.state == "done" and done.comments == [COMMENT]
    assert view.interview.status == "declined" and view.interview.reason == DECLINE_REASON
    assert case.mails("announcement", to="bram.janssens@example.org"), "mail went out"

    client = time_skipping_env.client
    codec = client.data_converter.payload_codec
    secrets = [
        employee.name,
        "Anouk",
        str(employee.work_email),
        str(employee.private_email),
        "Bram Janssens",
        "bram.janssens",
        "Sam Peeters",
        COMMENT,
        DECLINE_REASON,
    ]
    for workflow_id in (case.case_id, ExitInterviewWorkflow.id_for(case.case_id)):
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        stored = raw(history)
        for secret in secrets:
            assert secret.encode() not in stored, f"{secret!r} is in the history of {workflow_id}"
        # Opened with the key, the same history holds what the case was given, and it replays against the code.
        opened = raw(await decoded_history(history, codec))
        assert employee.name.encode() in opened and str(employee.work_email).encode() in opened
        await Replayer(
            workflows=WORKFLOWS, data_converter=client.data_converter, workflow_runner=workflow_runner()
        ).replay_workflow(history)
    case_history = raw(await decoded_history(await client.get_workflow_handle(case.case_id).fetch_history(), codec))
    assert COMMENT.encode() in case_history
    interview_history = raw(
        await decoded_history(
            await client.get_workflow_handle(ExitInterviewWorkflow.id_for(case.case_id)).fetch_history(), codec
        )
    )
    assert DECLINE_REASON.encode() in interview_history


def raw(history) -> bytes:
    """The history as the server keeps it: payload bytes as they are, not base64 as in its JSON form."""
    return b"".join(event.SerializeToString() for event in history.events)


async def test_an_error_message_naming_a_person_is_sealed_too():
    converter = encrypting_converter(EncryptionCodec([("k1", key(1))]))
    failure = Failure()
    await converter.encode_failure(
        ApplicationError("mail to anouk@example.org was refused", type="MailRejected"), failure
    )
    assert "anouk" not in failure.message and b"anouk" not in failure.SerializeToString()
    opened = await converter.decode_failure(failure)
    assert opened.message == "mail to anouk@example.org was refused" and opened.type == "MailRejected"
