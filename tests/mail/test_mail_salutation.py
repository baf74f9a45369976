"""The organisation's policy decides how mails greet the leaving employee: by their full name (the default) or by
their first name. The mail activity reads it when the mail goes out, so running cases follow a change."""

from activities.cases import CaseActivities
from activities.mail import MailActivities
from activities.mail_templates import MailTemplates
from models.mail import MailRequest
from models.records import StoreCaseInput
from models.registration import Registration
from models.tables import OrganisationRow
from organisation import store
from tests.support import registration_data
from tests.support.mail import COMMON


async def _set_salutation(sessions, settings, salutation: str) -> str:
    """The salutation in force before."""
    async with sessions.begin() as session:
        await store.load(session, settings)
        row = await session.get(OrganisationRow, store.DEFAULT_ID)
        before = row.policy.get("salutation", "full_name")
        row.policy = {**row.policy, "salutation": salutation}
    return before


def _reminder(case_id: str, purpose: str) -> MailRequest:
    return MailRequest(
        case_id=case_id,
        purpose=purpose,
        template="equipment_reminder",
        to="anouk.devries@example.org",
        language="nl",
        context={**COMMON, "case_id": case_id, "items": ["Laptop"]},
    )


async def test_mails_to_the_employee_greet_as_the_policy_says(settings, sessions, mail_store):
    registration = Registration.model_validate(registration_data())
    case_id = registration.case_id
    await CaseActivities(None, sessions).store_case(StoreCaseInput(case_id=case_id, registration=registration))
    activities = MailActivities(settings, sessions, MailTemplates())
    before = await _set_salutation(sessions, settings, "first_name")
    try:
        await activities.send_mail(_reminder(case_id, "first"))
        await _set_salutation(sessions, settings, "full_name")
        await activities.send_mail(_reminder(case_id, "full"))
    finally:
        await _set_salutation(sessions, settings, before)

    texts = {mail.purpose: mail.text for mail in mail_store.all() if mail.case_id == case_id}
    assert texts["first"].startswith("Beste Anouk,\r\n")
    assert texts["full"].startswith("Beste Anouk de Vries,\r\n")
