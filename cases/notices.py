"""Who is told of the steps the employee takes through their link after the interview's own workflow may have ended:
HR of written answers in place of a conversation (and the manager, where the employee agreed that the main points
reach them), the employee and HR of a withdrawn consent. Each notice runs as a ``CaseNoticeWorkflow``, started once
per case and step; the person on the page does not wait for the mail server."""

import logging
from datetime import datetime

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from models.mail import CaseNotice, MailRequest
from models.organisation import Organisation
from models.tables import Case
from workflows.case_notices import CaseNoticeWorkflow

log = logging.getLogger(__name__)


def _context(case: Case, organisation: Organisation) -> dict:
    url = organisation.public_url
    return {
        "case_id": case.id,
        "organisation_name": organisation.name,
        "employee_name": case.employee_name,
        "job_title": case.job_title,
        "department": case.department,
        "manager_name": case.manager_name,
        "last_working_day": case.last_working_day.isoformat(),
        "case_url": f"{url}/cases/{case.id}",
        "interview_url": f"{url}/cases/{case.id}/interview",
        "main_points_url": f"{url}/my/cases/{case.id}/main-points",
    }


def manager_language(case: Case) -> str:
    """The manager's language as registered; Dutch, the organisation's default, where the registration has none."""
    return str(((case.registration or {}).get("manager") or {}).get("language") or "nl")


def main_points_mail(case: Case, organisation: Organisation, purpose: str) -> MailRequest:
    """The manager is told that main points they may read are there (004: "koppel hoofdlijnen terug")."""
    return MailRequest(
        case_id=case.id,
        purpose=purpose,
        template="interview_main_points",
        to=case.manager_email,
        language=manager_language(case),
        context=_context(case, organisation),
    )


def written_answers(case: Case, organisation: Organisation, share_with_manager: bool) -> list[MailRequest]:
    hr = organisation.hr
    mails = [
        MailRequest(
            case_id=case.id,
            purpose="interview:written_answers",
            template="interview_written_answers",
            to=hr.email,
            language=hr.language,
            context=_context(case, organisation),
        )
    ]
    # Nobody held a conversation: even a manager HR had chosen as the fallback interviewer has not heard these answers.
    if share_with_manager:
        mails.append(main_points_mail(case, organisation, "interview:main_points"))
    return mails


def consent_revoked(case: Case, organisation: Organisation, employee_email: str, at: datetime) -> list[MailRequest]:
    context = {**_context(case, organisation), "revoked_on": at.date().isoformat()}
    hr = organisation.hr
    return [
        MailRequest(
            case_id=case.id,
            purpose="consent_revoked",
            template="consent_revoked",
            to=employee_email,
            language=case.language,
            context={**context, "recipient_is_employee": True},
        ),
        MailRequest(
            case_id=case.id,
            purpose="consent_revoked",
            template="consent_revoked_hr",
            to=hr.email,
            language=hr.language,
            context=context,
        ),
    ]


async def send(client: Client, task_queue: str, case_id: str, what: str, mails: list[MailRequest]) -> None:
    """Start the notice; one per case and ``what``. The step it tells of is recorded already and stands: a Temporal
    that cannot be reached now is logged for the operators, not shown to the employee."""
    try:
        await client.start_workflow(
            CaseNoticeWorkflow.run,
            CaseNotice(case_id=case_id, mails=mails),
            id=CaseNoticeWorkflow.id_for(case_id, what),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        log.info("case %s: the %s notice went out before", case_id, what)
    except RPCError:
        log.exception("case %s: the %s notice could not be started", case_id, what)
