"""Why a case, an interview or a review refuses an action: a stable code, its parameters, and the English
sentence the API and the CLI show.

The sentences are also the message ids of the page catalogue (``i18n/locale``), so the pages show each refusal
in the reader's language by its code (``web.refusals``); the parameters fill the named placeholders. A code
once given keeps its meaning: API clients may act on it."""

from collections.abc import Mapping


def N_(message: str) -> str:
    """Marks a sentence for the page catalogue; the pages translate it when they show the refusal."""
    return message


MESSAGES: dict[str, str] = {
    # The case (workflows/offboarding.py).
    "case_not_open": N_("the case is %(case_status)s"),
    "case_ended": N_("the case has ended"),
    "case_starting": N_("the case is still starting; try again in a moment"),
    "not_permitted": N_("%(email)s may not do this in case %(case_id)s"),
    "task_unknown": N_("unknown task %(task_id)s"),
    "task_already_done": N_("task %(task_id)s (%(title)s) is already done"),
    "task_already_assigned": N_("task %(task_id)s is already assigned to %(assignee)s"),
    "task_not_done": N_("task %(task_id)s (%(title)s) is still open"),
    "due_before_notice": N_("the due date is before the notice date"),
    "due_too_late": N_("the due date cannot be more than a year after the last working day"),
    "equipment_unknown": N_("unknown equipment item %(item_id)s"),
    "equipment_already_returned": N_("%(item)s was already returned"),
    "equipment_not_returned": N_("%(item)s is not recorded as returned"),
    "equipment_already_recorded": N_("%(item)s is already recorded (%(item_state)s)"),
    "settlement_unchanged": N_("%(item)s is already marked that way for the final settlement"),
    "last_day_before_notice": N_("the last working day cannot be before the notice date"),
    "last_day_unchanged": N_("the last working day is already that date"),
    "last_day_too_far": N_("the last working day cannot be more than two years after the notice date"),
    "access_not_available": N_("this case was started before access could be ended from it"),
    "access_already_ending": N_("access is already %(access_state)s"),
    # The exit interview (workflows/exit_interview.py and planning/interview_slots.py).
    "hr_only": N_("only HR can do this"),
    "interview_not_awaiting_hr": N_("the interview is %(interview_status)s, not awaiting HR's confirmation"),
    "skip_reason_missing": N_("give a reason for skipping the interview"),
    "interviewer_is_manager": N_(
        "the direct manager does not conduct the exit interview; choose someone without a reporting line"
    ),
    "interviewer_is_employee": N_("the leaving employee cannot be the interviewer"),
    "no_proposed_time": N_("no proposed time is waiting for the interviewer"),
    "other_interviewer_already_asked": N_("you have already asked for someone else; HR will let you know who it is"),
    "not_the_employee": N_("%(email)s is not the leaving employee of this case"),
    "not_the_interviewer": N_("%(email)s is not the interviewer of this case"),
    "interview_not_answerable": N_("the interview is %(interview_status)s"),
    "interview_finished": N_("the interview is %(interview_status)s"),
    "interview_ended": N_("the interview has ended"),
    "invitation_already_answered": N_(
        "the interview is %(interview_status)s; only an unanswered invitation can be sent again"
    ),
    "record_not_possible": N_("the interview is %(interview_status)s; a record cannot be added"),
    "record_before_agreed_time": N_("the interview can be recorded from its agreed time on, %(start)s"),
    "record_without_agreed_time": N_(
        "no time is agreed for the interview in the product; give the day it was held (held_on)"
    ),
    "held_on_in_future": N_("the day it was held, %(held_on)s, is in the future"),
    "held_on_before_invitation": N_("the day it was held, %(held_on)s, is before the invitation of %(invited_on)s"),
    "consent_text_outdated": N_("the consent was given on text version %(given)s; the current version is %(current)s"),
    "slot_not_proposed": N_("that time is not one of the proposed times"),
    "slot_passed": N_("the proposed time has already passed"),
    "slot_not_working_day": N_("the proposed day is not a working day"),
    "slot_outside_working_hours": N_("the interview must fall within working hours (%(start)s-%(end)s)"),
    "slot_in_last_working_hours": N_(
        "an interview on site must be before the last working hours; choose an earlier day or an online conversation"
    ),
    "slot_online_in_last_working_hours": N_(
        "on the last working day a conversation must end by %(until)s, before its last working hours; choose an earlier time or day"
    ),
    "slot_too_late": N_("the proposed time is too long after the last working day"),
    # The management review of a report (workflows/review.py).
    "not_a_reviewer": N_("%(email)s is not a reviewer of report %(report)s"),
    "report_already_approved": N_("the report was already approved by %(by)s on %(on)s"),
    "action_due_not_in_future": N_("the due date %(due_date)s is not in the future"),
    "action_unknown": N_("unknown action %(action_id)s"),
    "action_already_done": N_("action %(action_id)s was already done on %(on)s"),
    "not_action_owner": N_("%(email)s is neither the owner of action %(action_id)s nor a reviewer"),
    "reviewers_are_for_hr": N_("only HR chooses who reviews; %(email)s is not HR"),
    "answer_is_for_hr": N_("only HR answers a remark that sent the report back; %(email)s is not HR"),
    "no_remark_to_answer": N_("no remark on report %(report)s waits for HR's answer"),
    "review_ended": N_("the review of %(report)s has ended: the report is approved and every action is done"),
}


class Refusal(str):
    """The English sentence (a ``str``, so it reads and compares as before), carrying its code and parameters.

    Parameters are kept as text: they travel in the workflow's answer and in the API's JSON as they are."""

    code: str
    params: dict[str, str]

    def __new__(cls, code: str, **params: object) -> "Refusal":
        text = {name: str(value) for name, value in params.items()}
        refusal = super().__new__(cls, MESSAGES[code] % text)
        refusal.code = code
        refusal.params = text
        return refusal

    @classmethod
    def received(cls, message: str, details: object) -> "Refusal | str":
        """The refusal as a workflow sent it (its ``ApplicationError`` message and details); the bare message when
        the details name no code (a workflow that refused before refusals had codes)."""
        if not (isinstance(details, Mapping) and isinstance(details.get("code"), str)):
            return message
        params = details.get("params")
        refusal = super().__new__(cls, message)
        refusal.code = details["code"]
        refusal.params = (
            {str(name): str(value) for name, value in params.items()} if isinstance(params, Mapping) else {}
        )
        return refusal

    def details(self) -> dict[str, object]:
        return {"code": self.code, "params": dict(self.params)}
