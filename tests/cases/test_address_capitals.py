"""One mailbox is one address, however it is capitalised: the interviewer rule, and every check of who may act,
cannot be got round by writing an address in capitals, also in cases registered before addresses were kept in
lower case. Against the time-skipping server with the real worker, database and web app."""

from datetime import date

from models.case import OffboardingInput
from models.recorded import RECORDED
from models.registration import Registration
from tests.support import registration_data, unique
from tests.support.api import HR, Case, invited, register
from tests.support.auth import another_client, signed_in_as
from tests.support.case_driver import last_day_in
from workflows.offboarding import OffboardingWorkflow

MANAGER = "bram.janssens@example.org"


async def assign(case: Case, email: str):
    return await case.post(
        "interview/assign", {"actor": HR, "interviewer": {"name": "Iemand", "email": email, "language": "nl"}}
    )


async def test_hr_cannot_make_the_manager_or_the_employee_the_interviewer_by_writing_capitals(
    http, worker, mail_store, sessions
):
    case = await register(http, mail_store)
    await invited(case)
    manager = another_client(http)
    await signed_in_as(manager, sessions, ["manager", "interviewer"], email=MANAGER)

    as_manager = await assign(case, "Bram.Janssens@Example.ORG")
    as_employee = await assign(case, case.data["employee"]["work_email"].upper())
    as_private = await assign(case, "Anouk@Example.NET")

    assert as_manager.status_code == 409 and as_manager.json()["code"] == "interviewer_is_manager"
    assert as_employee.status_code == 409 and as_employee.json()["code"] == "interviewer_is_employee"
    assert as_private.status_code == 409 and as_private.json()["code"] == "interviewer_is_employee"
    assert (await case.interview())["interviewer"] is None
    # 404 when the manager's account also has the interviewer role, 403 when an earlier test made it a manager's only.
    assert (await manager.get(f"/interviews/{case.id}")).status_code in (403, 404), (
        "the manager does not open the questionnaire"
    )
    await manager.aclose()


async def test_a_case_registered_with_capitals_keeps_its_rules_and_its_people(
    http, worker, time_skipping_env, task_queue, mail_store, sessions
):
    """A case from before addresses were kept in lower case holds them as they were typed; its checks still match."""
    data = registration_data(employee_id=unique(), notice_date=date.today(), last_working_day=last_day_in(30))
    data["manager"]["email"] = "Bram.Janssens@Example.org"
    data["equipment"] = [{"name": "Leaseauto", "custodian_email": "Fleet@Example.org"}]
    data["extra_tasks"] = [{"title": "Klantdossiers overdragen", "assignee_email": "Bram.Janssens@Example.org"}]
    registration = Registration.model_validate(data, context=RECORDED)
    assert registration.manager.email == "Bram.Janssens@example.org"
    await time_skipping_env.client.start_workflow(
        OffboardingWorkflow.run,
        OffboardingInput(registration=registration),
        id=registration.case_id,
        task_queue=task_queue,
    )
    case = Case(http, mail_store, data, registration.case_id)
    await invited(case)

    as_manager = await assign(case, MANAGER)
    task = next(task for task in (await case.live())["tasks"] if task["title"] == "Klantdossiers overdragen")
    manager = another_client(http)
    await signed_in_as(manager, sessions, ["manager"], email=MANAGER)
    done = await manager.post(f"/api/cases/{case.id}/tasks/{task['id']}/complete", json={})
    fleet = another_client(http)
    await signed_in_as(fleet, sessions, ["custodian"], email="fleet@example.org")
    returned = await fleet.post(f"/api/cases/{case.id}/equipment/e1/return", json={})

    assert as_manager.status_code == 409 and as_manager.json()["code"] == "interviewer_is_manager"
    assert done.status_code == 200, done.text
    assert returned.status_code == 200, returned.text
    for client in (manager, fleet):
        await client.aclose()
