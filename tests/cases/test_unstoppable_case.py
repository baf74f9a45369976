"""Every case can be stopped: one whose workflow fails on every step, or has failed or been terminated, is still
withdrawn by HR and its person still erased; and no date a case is given can make its workflow fail. The stuck
cases run on the real Temporal dev server (its refusal of updates to a failing workflow is what HR met)."""

from datetime import date, timedelta

import pytest
import vobject
from sqlalchemy import select
from temporalio.client import WorkflowExecutionStatus

from cases.liveness import Liveness, liveness
from models.case import OffboardingInput
from models.recorded import RECORDED
from models.registration import Registration
from models.tables import Case
from tests.support import eventually, registration_data, serve, unique
from tests.support.api import HR, MANAGER, invited, register
from tests.support.auth import another_client, signed_in_as
from worker import build_worker
from workflows.exit_interview import ExitInterviewWorkflow
from workflows.offboarding import OffboardingWorkflow
from workflows.withdrawn_case import WithdrawnCaseWorkflow


@pytest.fixture
async def app(dev_server_env, settings, sessions, task_queue):
    """The worker and the web app on the dev server; ``http`` names the actor in the body, ``hr`` is signed in."""
    client = dev_server_env.client
    async with build_worker(client, settings, sessions, task_queue=task_queue):
        async with serve(settings.model_copy(update={"task_queue": task_queue}), client) as http:
            hr = another_client(http)
            await signed_in_as(hr, sessions, ["hr"])
            yield client, http, hr
            await hr.aclose()


async def start_unchecked(client, task_queue: str, **dates: date) -> Registration:
    """A case started straight on Temporal with a registration the API would refuse today (as one from before the
    rule): its last working day in 9999 makes the workflow's date arithmetic overflow on every attempt."""
    data = registration_data(employee_id=unique(), **dates)
    registration = Registration.model_validate(data, context=RECORDED)
    await client.start_workflow(
        OffboardingWorkflow.run,
        OffboardingInput(registration=registration),
        id=registration.case_id,
        task_queue=task_queue,
    )
    return registration


async def stuck(client, case_id: str) -> bool:
    return await liveness(client, case_id) == Liveness.STUCK


async def stored(sessions, case_id: str) -> Case | None:
    async with sessions() as session:
        return await session.get(Case, case_id)


def withdrawal_mails(mail_store, case_id: str) -> set[str]:
    return {mail.to for mail in mail_store.all() if mail.case_id == case_id and mail.purpose == "case_withdrawn"}


async def test_a_case_stuck_on_a_failing_step_is_withdrawn_and_its_person_erased(app, sessions, mail_store, task_queue):
    client, http, hr = app
    registration = await start_unchecked(
        client, task_queue, notice_date=date(9999, 6, 1), last_working_day=date(9999, 12, 31)
    )
    case_id, url = registration.case_id, f"/api/cases/{registration.case_id}"
    await eventually(lambda: stuck(client, case_id), timeout=60)
    # The workflow stored the case before it failed; every read still shows the stored case.
    assert (await http.get(url)).json()["status"] == "open"

    by_the_manager = await http.post(f"{url}/withdraw", json={"actor": MANAGER, "reason": "teruggekomen"})
    withdrawn = await hr.post(f"{url}/withdraw", json={"reason": "Opzegging ingetrokken"})

    assert by_the_manager.status_code == 409 and by_the_manager.json()["code"] == "not_permitted"
    assert withdrawn.status_code == 202, withdrawn.text
    assert (await client.get_workflow_handle(case_id).describe()).status == WorkflowExecutionStatus.TERMINATED
    case = await eventually(lambda: _withdrawn(http, url), timeout=60)
    assert case["record"]["summary"]["reason"] == "Opzegging ingetrokken"
    told = await eventually(
        lambda: len(withdrawal_mails(mail_store, case_id)) == 3 and withdrawal_mails(mail_store, case_id), timeout=60
    )
    assert told == {"bram.janssens@example.org", "hr@example.org", "facilities@example.org"}
    again = await hr.post(f"{url}/withdraw", json={})
    assert again.status_code == 409 and again.json()["code"] == "case_not_open"

    erased = await hr.post(f"/api/people/{registration.employee.id}/erase")

    assert erased.status_code == 200, erased.text
    assert erased.json()["cases_anonymised"] == 1
    assert await stored(sessions, case_id) is None
    for workflow_id in (case_id, WithdrawnCaseWorkflow.id_for(case_id)):
        # The server deletes the executions in the background, within a minute or so.
        await eventually(lambda: _gone(client, workflow_id), timeout=120)
    assert (await http.get(url)).status_code == 404


async def test_a_case_whose_workflow_was_terminated_is_withdrawn_or_erased(app, sessions, mail_store):
    client, http, hr = app
    first = await register(http, mail_store)
    second = await register(http, mail_store)
    for case in (first, second):
        await client.get_workflow_handle(case.id).terminate(reason="stopped by hand in the Temporal UI")

    withdrawn = await hr.post(f"{first.url}/withdraw", json={"reason": "Blijft toch"})
    assert withdrawn.status_code == 202, withdrawn.text
    await eventually(lambda: _withdrawn(http, first.url), timeout=60)
    assert (
        await client.get_workflow_handle(ExitInterviewWorkflow.id_for(first.id)).describe()
    ).status == WorkflowExecutionStatus.TERMINATED

    # Erasure needs no withdrawal first: the case no longer runs, whatever its stored status says.
    erased = await hr.post(f"/api/people/{second.data['employee']['id']}/erase")
    assert erased.status_code == 200, erased.text
    async with sessions() as session:
        kept = (
            (
                await session.execute(
                    select(Case).where(
                        Case.department == "Finance", Case.employee_id == "", Case.closed_at.is_not(None)
                    )
                )
            )
            .scalars()
            .all()
        )
    assert await stored(sessions, second.id) is None
    assert any(row.status == "withdrawn" for row in kept), "the anonymous form of an open case is kept as ended"


async def test_a_running_case_still_holds_an_erasure_back(app, mail_store):
    client, http, hr = app
    case = await register(http, mail_store)

    refused = await hr.post(f"/api/people/{case.data['employee']['id']}/erase")

    assert refused.status_code == 409 and "still running" in refused.json()["detail"]


async def _withdrawn(http, url: str) -> dict | None:
    response = await http.get(url)
    body = response.json() if response.status_code == 200 else {}
    return body if body.get("status") == "withdrawn" and body.get("record", {}).get("summary") else None


async def _gone(client, workflow_id: str) -> bool:
    return await liveness(client, workflow_id) == Liveness.MISSING


# A date that would overflow cannot get in.


async def test_a_task_due_ages_after_the_last_day_is_refused_and_the_case_goes_on(http, worker, mail_store):
    case = await register(http, mail_store)
    far = await case.post(
        "tasks", {"actor": HR, "title": "Archief", "assignee_email": "sam@example.org", "due_date": "9999-12-31"}
    )
    moved = await case.post("last-working-day", {"actor": HR, "last_working_day": "9999-12-30"})

    assert far.status_code == 409 and far.json()["code"] == "due_too_late"
    assert moved.status_code == 409 and moved.json()["code"] == "last_day_too_far"
    later = (date.today() + timedelta(days=60)).isoformat()
    added = await case.post(
        "tasks", {"actor": HR, "title": "Archief", "assignee_email": "sam@example.org", "due_date": later}
    )
    assert added.status_code == 201, added.text
    assert any(task["title"] == "Archief" for task in (await case.live())["tasks"])


async def test_an_interview_time_ages_away_is_refused_naming_the_field(http):
    case_url = "/api/cases/offboarding-E1-2027-01-04"
    scheduled = await http.post(
        f"{case_url}/interview/schedule", json={"actor": HR, "start": "9999-12-31T23:30:00+00:00"}
    )

    assert scheduled.status_code == 422
    assert [tuple(error["loc"]) for error in scheduled.json()["detail"]] == [("body", "start")]


async def test_a_terminated_case_withdrawn_by_hr_cancels_its_agreed_interview_time(app, mail_store):
    client, http, hr = app
    case = await register(http, mail_store)
    start = (await invited(case))["proposed_slots"][0]["start"]
    assert (await case.post("interview/accept", {"actor": case.employee, "start": start})).status_code == 200
    agreed = vobject.readOne((await case.wait_for_mail("interview:interview_confirmed"))[0].calendars[0]).vevent
    await client.get_workflow_handle(case.id).terminate(reason="stopped by hand in the Temporal UI")

    assert (await hr.post(f"{case.url}/withdraw", json={"reason": "Blijft toch"})).status_code == 202
    cancelled = await eventually(
        lambda: len(found := case.mails("interview:interview_cancelled")) >= 2 and found, timeout=60
    )
    assert {m.to for m in cancelled} == {case.employee["email"], "hr@example.org"}
    for mail in cancelled:
        calendar = vobject.readOne(mail.calendars[0])
        event = calendar.vevent
        assert (calendar.method.value, event.status.value, event.uid.value) == ("CANCEL", "CANCELLED", agreed.uid.value)
        assert int(event.sequence.value) == int(agreed.sequence.value) + 1
