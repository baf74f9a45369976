"""Mail about a step the employee takes through their link when the case's own workflows may have ended: written
answers in place of a conversation, a consent withdrawn after the interview. The page that records the step starts
this workflow and answers at once; the mail follows, however long the mail server is down, and goes out once."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.mail import CaseNotice
    from workflows.activity_calls import deliver_all


# The steps told of, one notice each per case (part of the notice's workflow id).
WRITTEN_ANSWERS = "written-answers"
CONSENT_REVOKED = "consent-revoked"
STEPS = (WRITTEN_ANSWERS, CONSENT_REVOKED)


@workflow.defn
class CaseNoticeWorkflow:
    @staticmethod
    def id_for(case_id: str, what: str) -> str:
        return f"{case_id}-notice-{what}"

    @workflow.run
    async def run(self, input: CaseNotice) -> list[str | None]:
        """For each mail, None when it went out, else why it could not be delivered."""
        return await deliver_all(input.mails)
