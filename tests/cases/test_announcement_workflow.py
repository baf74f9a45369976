"""The case starts and the announcement reaches manager, HR and IT/facilities, each in their language."""

from datetime import timedelta

from sqlalchemy import func, select

from cases import service
from models.case import CaseStatus, Step, StepState
from models.registration import Registration
from models.tables import Case, SentMail
from tests.support import eventually, registration_data
from workflows.offboarding import OffboardingWorkflow


async def test_announcement_mails_each_recipient_once_in_their_language(
    time_skipping_env, worker, mail_store, sessions, task_queue
):
    registration = Registration.model_validate(registration_data(manager_language="en"))
    client = time_skipping_env.client

    result = await service.register(client, registration, task_queue)
    assert result.created

    mails = await eventually(lambda: len(announcements(mail_store)) == 3 and announcements(mail_store))
    by_recipient = {mail.to: mail for mail in mails}
    assert set(by_recipient) == {"bram.janssens@example.org", "hr@example.org", "facilities@example.org"}
    manager_mail = by_recipient["bram.janssens@example.org"]
    assert manager_mail.language == "en"
    assert "Anouk de Vries (Finance) is leaving" in manager_mail.subject
    assert "Friday, 29 January 2027" in manager_mail.text
    assert f"http://offboarding.test/cases/{result.case_id}" in manager_mail.text
    hr_mail = by_recipient["hr@example.org"]
    assert hr_mail.language == "nl"
    assert hr_mail.subject.startswith("Nieuw vertrekdossier: Anouk de Vries")
    assert "Ontslag op eigen verzoek" in hr_mail.text
    assert "vrijdag 29 januari 2027" in hr_mail.text
    facilities_mail = by_recipient["facilities@example.org"]
    assert facilities_mail.language == "en"
    assert "Laptop, Badge" in facilities_mail.text

    case_view = await eventually(lambda: _announced(client, result.case_id))
    assert case_view.status == CaseStatus.OPEN
    assert case_view.employee_name == "Anouk de Vries"

    async with sessions() as session:
        case = await session.get(Case, result.case_id)
        assert case.status == "open"
        assert case.manager_email == "bram.janssens@example.org"
        sent = await session.scalar(
            select(func.count())
            .select_from(SentMail)
            .where(SentMail.case_id == result.case_id, SentMail.purpose == "announcement", SentMail.status == "sent")
        )
        assert sent == 3


def announcements(mail_store):
    return [mail for mail in mail_store.all() if mail.purpose == "announcement"]


async def _announced(client, case_id):
    view = await service.view(client, case_id)
    return view if view and view.steps[Step.ANNOUNCEMENT] == StepState.DONE else None


async def test_registering_the_same_departure_twice_keeps_one_case(time_skipping_env, worker, mail_store, task_queue):
    registration = Registration.model_validate(registration_data())
    client = time_skipping_env.client

    first = await service.register(client, registration, task_queue)
    second = await service.register(client, registration, task_queue)

    assert first.created and not second.created
    assert first.case_id == second.case_id
    await eventually(lambda: len(announcements(mail_store)) >= 3)
    await time_skipping_env.sleep(timedelta(minutes=5))
    assert len(announcements(mail_store)) == 3


async def test_case_closes_after_the_last_working_day(time_skipping_env, worker, sessions, task_queue):
    registration = Registration.model_validate(registration_data())
    client = time_skipping_env.client
    result = await service.register(client, registration, task_queue)

    await time_skipping_env.sleep(timedelta(days=90))
    outcome = await client.get_workflow_handle_for(OffboardingWorkflow.run, result.case_id).result()

    assert outcome.status == CaseStatus.CLOSED
    async with sessions() as session:
        case = await session.get(Case, result.case_id)
        assert case.status == "closed" and case.closed_at is not None
