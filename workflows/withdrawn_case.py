"""The end of a withdrawn case whose own workflow could not wind it down: it failed, or its code fails on every
step. cases/withdrawal.py terminates that workflow and starts this one, which records the withdrawal in the
database and tells the manager, HR, IT/facilities and the successor, as the case would have; an agreed interview
time is cancelled in the employee's and the interviewer's calendars, as the interview would have done."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from models.case import WithdrawnCaseInput
    from models.mail import MailRequest
    from models.organisation import Organisation
    from models.records import LoadOrganisationInput, RecordWithdrawalInput
    from models.text import address_key
    from planning import interview_calendar
    from workflows.activity_calls import deliver_all, record
    from workflows.case_mail import case_mail_context
    from workflows.patches import WITHDRAWN_CASE_CANCELS


@workflow.defn
class WithdrawnCaseWorkflow:
    @staticmethod
    def id_for(case_id: str) -> str:
        return f"{case_id}-withdrawn"

    @workflow.run
    async def run(self, input: WithdrawnCaseInput) -> None:
        reg, reason = input.registration, input.withdrawal.reason
        if not await record(
            CaseActivities.record_withdrawal,
            RecordWithdrawalInput(case_id=input.case_id, registration=reg, reason=reason),
        ):
            return
        org = await record(CaseActivities.load_organisation, LoadOrganisationInput(case_id=input.case_id))
        people = [
            (reg.manager.email, reg.manager.language),
            (org.hr.email, org.hr.language),
            (org.facilities.email, org.facilities.language),
        ]
        if reg.successor is not None:
            people.append((reg.successor.email, reg.successor.language))
        context = {**case_mail_context(input.case_id, reg, org, reg.departure.last_working_day), "reason": reason}
        told: dict[str, MailRequest] = {}
        for email, language in people:
            told.setdefault(
                address_key(email),
                MailRequest(
                    case_id=input.case_id,
                    purpose="case_withdrawn",
                    template="case_withdrawn",
                    to=email,
                    language=language,
                    context=context,
                ),
            )
        await deliver_all(list(told.values()))
        if input.interview_calendar is not None and workflow.patched(WITHDRAWN_CASE_CANCELS):
            await deliver_all(self._cancellations(input, org, context))

    @staticmethod
    def _cancellations(input: WithdrawnCaseInput, org: Organisation, context: dict) -> list[MailRequest]:
        """The interview's CANCEL to its attendees: the employee, and the interviewer (HR's mailbox when none was assigned)."""
        meeting = input.interview_calendar
        assert meeting is not None, "called only for a case with an agreed interview time"
        cancelled = interview_calendar.cancellation(meeting, meeting.sequence + 1)
        employee, *others = meeting.everyone()
        slot = {
            "start": meeting.start.isoformat(),
            "end": meeting.end.isoformat(),
            "online": meeting.location == "Online",
        }
        extra = {**context, "slot": slot, "because": "withdrawn"}
        recipients = [(str(employee.email), input.registration.employee.language, True)]
        recipients += [(str(other.email), org.hr.language, False) for other in others] or [
            (str(org.hr.email), org.hr.language, False)
        ]
        return [
            MailRequest(
                case_id=input.case_id,
                purpose=f"interview:interview_cancelled:{cancelled.sequence}",
                template="interview_cancelled",
                to=to,
                language=language,
                context={**extra, "recipient_is_employee": is_employee},
                calendar=cancelled,
            )
            for to, language, is_employee in recipients
        ]
