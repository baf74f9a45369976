"""The words people read for the values a case carries.

Each table is built with the page's gettext function so that Babel extracts the strings and a
catalogue translates them. A value without a label (a step added to the workflow later) still
reads well through its fallback."""

from collections.abc import Callable

Gettext = Callable[[str], str]
# ``pgettext(context, message)``: a word that reads otherwise in one place than on the pages. (Babel's own returns
# a translated ``str`` but is typed to return ``object``.)
Pgettext = Callable[[str, str], object]


def _readable(value: str) -> str:
    return str(value).replace("_", " ").capitalize()


def _without_context(_: Gettext) -> Pgettext:
    """Where a page has no use for the words of another context: the message as the pages translate it."""
    return lambda context, message: _(message)


class Labels:
    def __init__(self, _: Gettext, pgettext: Pgettext | None = None) -> None:
        pgettext = pgettext or _without_context(_)
        self.departure_types = {
            "resignation": _("Resignation"),
            "end_of_contract": _("End of fixed-term contract"),
            "dismissal": _("Dismissal"),
            "retirement": _("Retirement"),
            "mutual_agreement": _("Mutual agreement"),
        }
        self.statuses = {"open": _("Open"), "closed": _("Closed"), "withdrawn": _("Withdrawn")}
        self.steps = {
            "announcement": _("Announcement"),
            "handover": _("Task handover"),
            "equipment": _("Equipment return"),
            "exit_interview": _("Exit interview"),
            "closing": _("Closing the case"),
        }
        self.step_states = {
            "pending": _("Pending"),
            "running": _("In progress"),
            "done": _("Done"),
            "escalated": _("Escalated to HR"),
            "failed": _("Failed"),
            "skipped": _("Skipped"),
            "cancelled": _("Cancelled"),
        }
        self.events = {
            "case_opened": _("Case opened"),
            "case_closed": _("Case closed"),
            "mail_sent": _("Mail sent"),
            "mail_failed": _("Mail could not be sent"),
            "task_added": _("Task added"),
            "task_done": _("Task done"),
            "task_reassigned": _("Task reassigned"),
            "task_overdue": _("Task overdue"),
            "equipment_returned": _("Equipment returned"),
            "equipment_missing": _("Equipment missing"),
            "last_day_moved": _("Last working day moved"),
            "last_day_over": _("Last working day over"),
            "withdrawn": _("Departure withdrawn"),
            "task_reopened": _("Task opened again"),
            "equipment_reopened": _("Equipment not returned after all"),
            "equipment_returned_damaged": _("Equipment returned damaged"),
            "equipment_lost": _("Equipment lost"),
            "equipment_kept": _("Equipment kept by agreement"),
            "equipment_flagged_for_settlement": _("Equipment marked for the final settlement"),
            "equipment_settlement_flag_removed": _("Final-settlement mark taken off"),
            "interview_already_finished": _("Interview already finished"),
            "interview_invited": _("Employee invited to the exit interview"),
            "interview_invited_again": _("Interview invitation sent again"),
            "interview_confirmed_by_hr": _("HR confirmed the exit interview"),
            "interview_skipped": _("Exit interview skipped"),
            "interviewer_assigned": _("Interviewer assigned"),
            "interviewer_manager_chosen": _("Direct manager chosen as the interviewer, with a reason"),
            "interviewer_change_asked": _("Employee asked for another interviewer"),
            "interview_time_awaits_interviewer": _("Proposed time waits for the interviewer"),
            "interview_time_accepted_by_interviewer": _("Interviewer accepted the proposed time"),
            "interview_time_declined_by_interviewer": _("Interviewer asked for another time"),
            "interview_scheduled": _("Interview time agreed"),
            "interview_declined": _("Employee declined the interview"),
            "interview_reminder_sent": _("Interview invitation reminder sent"),
            "interview_held": _("Interview held and recorded"),
            "interview_no_response": _("No answer to the invitation"),
            "interview_not_held": _("Interview not held in time"),
            "interview_cancelled": _("Interview cancelled"),
            "access_end_now": _("HR ends access at once"),
            "access_deactivated": _("Account switched off at the identity provider"),
            "access_revoke_published": _("End of access told to IT/facilities and other systems"),
            "access_escalated": _("Access could not be ended: HR and IT/facilities told"),
            "access_cancelled": _("End of access cancelled"),
        }
        # How the person's access ends (models/access.py).
        self.access_states = {
            "scheduled": _("Planned"),
            "deactivated": _("Account switched off"),
            "published": _("Told to IT/facilities and other systems"),
            "escalated": _("Not ended: handed to HR and IT/facilities"),
            "cancelled": _("Cancelled: the departure was withdrawn"),
        }
        self.access_outcomes = {
            "deactivated": _("switched off"),
            "already_inactive": _("was already switched off"),
            "not_found": _("no account found"),
            "ambiguous": _("more than one account matches"),
            "refused": _("the identity provider refused our token"),
            "failed": _("no usable answer from the identity provider"),
            "published": _("no SCIM endpoint: told by event and task"),
        }
        # What a mail in the timeline was about (the mail templates in templates/mail).
        self.mails = {
            "announcement_manager": _("Announcement to the manager"),
            "announcement_hr": _("Announcement to HR"),
            "announcement_facilities": _("Announcement to IT/facilities"),
            "announcement_custodian": _("Announcement to whoever takes equipment back"),
            "team_announcement": _("Announcement to the team"),
            "tasks_assigned": _("Handover tasks"),
            "task_reminder": _("Task reminder"),
            "task_overdue": _("Task overdue"),
            "equipment_reminder": _("Equipment reminder"),
            "equipment_missing": _("Equipment missing"),
            "last_day_moved": _("Last working day moved"),
            "case_withdrawn": _("Departure withdrawn"),
            "case_closed": _("Case closed"),
            "interview_invitation": _("Interview invitation"),
            "interview_invitation_reminder": _("Interview invitation reminder"),
            "interview_confirm_request": _("Interview: HR asked to confirm"),
            "interview_confirmed": _("Interview confirmed"),
            "interview_scheduled": _("Interview scheduled"),
            "interview_reminder": _("Interview reminder"),
            "interview_declined": _("Interview declined"),
            "interview_other_interviewer": _("Interview: another interviewer asked for"),
            "interview_time_proposed": _("Interview: proposed time for the interviewer"),
            "interview_no_response": _("Interview: no response"),
            "interview_thank_you": _("Thank-you after the interview"),
            "access_failed": _("Access could not be ended"),
            "access_now": _("End access now"),
        }
        self.interview_statuses = {
            "awaiting_hr": _("Waiting for HR"),
            "invited": _("Invited"),
            "scheduled": _("Scheduled"),
            "held": _("Held"),
            "declined": _("Declined"),
            "skipped": _("Skipped"),
            "no_response": _("No response"),
            "not_held": _("Not held"),
            "cancelled": _("Cancelled"),
        }
        self.item_states = {
            "open": _("Open"),
            "done": _("Done"),
            "out": _("Not returned"),
            "returned": _("Returned"),
            "returned_damaged": _("Returned damaged"),
            "lost": _("Lost"),
            "kept": _("Kept by agreement"),
        }
        self.item_kinds = {
            "laptop": _("Laptop"),
            "phone": _("Phone"),
            "badge": _("Badge"),
            "keys": _("Keys"),
            "car": _("Car"),
            "card": _("Card"),
            "other": _("Other"),
        }
        self.languages = {"nl": _("Dutch"), "en": _("English")}
        # The interview questionnaire (models/questionnaire.py) and consent.
        self.areas = {
            "work_content": _("Work content"),
            "working_conditions": _("Working conditions"),
            "working_relations": _("Working relations"),
            "terms_of_employment": _("Terms of employment"),
            "work_organisation": _("Work organisation"),
        }
        self.area_questions = {
            "work_content": _("The work itself: what gave energy, and what was too much, too little or difficult?"),
            "working_conditions": _("Workplace, tools, workload and the balance between work and private life."),
            "working_relations": _("Working with colleagues and with the manager."),
            "terms_of_employment": _("Pay, working hours, and the chances to learn and grow."),
            "work_organisation": _("Clear expectations, meetings, information and decisions."),
        }
        self.reasons = {
            "career_opportunity": _("Career opportunity elsewhere"),
            "pay_and_benefits": _("Pay and benefits"),
            "work_content": _("Work content"),
            "workload": _("Workload"),
            "work_life_balance": _("Work-life balance"),
            "manager": _("Relationship with the manager"),
            "colleagues_and_culture": _("Colleagues and culture"),
            "learning_and_development": _("Learning and development"),
            "organisation_change": _("Changes in the organisation"),
            "job_security": _("Job security"),
            "commute": _("Commute"),
            "relocation": _("Moving house"),
            "studies": _("Studies"),
            "health": _("Health"),
            "personal_circumstances": _("Personal circumstances"),
            "retirement": _("Retirement"),
            "end_of_contract": _("End of contract"),
            "dismissal": _("Dismissal"),
            "other": _("Other"),
        }
        self.influences = {
            "gender_bias": _("Gender bias"),
            "sense_of_belonging": _("Sense of belonging"),
            "professional_self_confidence": _("Professional self-confidence"),
            "work_life_balance": _("Work-life balance"),
        }
        self.consent_scopes = {
            "nothing": _("Nothing: the answers stay with HR"),
            "advice_only": _("Only the advice, anonymised"),
            "advice_and_experiences": _("The advice and the experiences, anonymised"),
        }
        # A periodic report and its management review (models/report.py).
        self.report_statuses = {
            "compiled": _("Made, not yet in review"),
            "in_review": _("In review"),
            "sent_back": _("Sent back to HR"),
            "approved": _("Approved"),
            "published": _("Published"),
        }
        self.review_action_states = {"open": _("Open"), "done": _("Done"), "late": _("Overdue")}
        self.report_periods = {"quarter": _("Quarter"), "half_year": _("Half-year"), "year": _("Year")}
        self.pool_windows = {"year": _("A rolling year"), "two_years": _("A rolling two years")}
        self.genders = {"woman": _("Woman"), "man": _("Man"), "non_binary": _("Non-binary")}
        # The periodic report's figures (reports/render.py, reports/summary.py and the trends page).
        self.interview_outcomes = {
            "held": self.interview_statuses["held"],
            "written": _("Answered in writing"),
            "declined": self.interview_statuses["declined"],
            "skipped": _("Skipped by HR"),
            "no_response": self.interview_statuses["no_response"],
            "other": _("Other (not held, cancelled)"),
        }
        self.metrics = {
            **self.areas,
            "felt_safe": _("Felt safe"),
            "felt_at_home": _("Felt at home"),
            "felt_valued": _("Felt valued"),
            "recommend": _("Recommend score"),
            # The number of departures as a measure ("Vertrek"), not the people who left ("Vertrekkers").
            "departures": str(pgettext("report", "Departures")),
            "response_rate": _("Response rate"),
        }
        # A chart's bar or a sentence of the report names a reason short: "Leidinggevende (9)".
        self.reasons_in_short = {**self.reasons, "manager": _("Manager")}
        self.breakdown_dimensions = {
            "department": _("Department"),
            "gender": _("Gender"),
            "age_band": _("Age"),
            "tenure_band": _("Years of service"),
        }
        # The groups of a breakdown; age bands ("25-34") and departments read as they are.
        self.breakdown_groups = {
            **self.genders,
            "not_given": _("Not given"),
            "<1": _("Less than 1 year"),
            "1-2": _("1 to 2 years"),
            "2-5": _("2 to 5 years"),
            "5-10": _("5 to 10 years"),
            "10+": _("10 years or more"),
            "yes": _("Yes"),
            "no": _("No"),
        }
        self.free_text_topics = {
            "advice": _("Most important advice"),
            "went_well": _("What went well"),
            "should_improve": _("What should improve"),
            "reasons": _("On the reasons"),
            "experiences": _("On the five A's"),
            "belonging": _("On belonging"),
            "remember": _("What they will remember with pleasure"),
        }
        self.roles = {
            "hr": _("HR"),
            "manager": _("Manager"),
            "custodian": _("IT/facilities"),
            "interviewer": _("Interviewer"),
            "reviewer": _("Reviewer"),
            "admin": _("Admin"),
        }

    def departure_type(self, value: str) -> str:
        return self.departure_types.get(value) or _readable(value)

    def status(self, value: str) -> str:
        return self.statuses.get(value) or _readable(value)

    def report_status(self, value: str) -> str:
        return self.report_statuses.get(value) or _readable(value)

    def step(self, value: str) -> str:
        return self.steps.get(value) or _readable(value)

    def step_state(self, value: str) -> str:
        return self.step_states.get(value) or _readable(value)

    def event(self, value: str) -> str:
        return self.events.get(value) or _readable(value)

    def event_detail(self, event: str, detail: str) -> str:
        """A timeline entry's detail; for a mail, what it was about in words rather than the template's name."""
        if event in ("mail_sent", "mail_failed") and " → " in detail:
            template, rest = detail.split(" → ", 1)
            return f"{self.mails.get(template) or _readable(template)} → {rest}"
        return detail

    def access_state(self, value: str) -> str:
        return self.access_states.get(value) or _readable(value)

    def access_outcome(self, value: str) -> str:
        return self.access_outcomes.get(value) or _readable(value)

    def interview_status(self, value: str) -> str:
        return self.interview_statuses.get(value) or _readable(value)

    def item_kind(self, value: str) -> str:
        return self.item_kinds.get(value) or _readable(value)

    def item_state(self, value: str) -> str:
        return self.item_states.get(value) or _readable(value)

    def language(self, value: str) -> str:
        return self.languages.get(value) or value

    def area(self, value: str) -> str:
        return self.areas.get(value) or _readable(value)

    def reason(self, value: str) -> str:
        return self.reasons.get(value) or _readable(value)

    def influence(self, value: str) -> str:
        return self.influences.get(value) or _readable(value)

    def consent_scope(self, value: str) -> str:
        return self.consent_scopes.get(value) or _readable(value)

    def role(self, value: str) -> str:
        return self.roles.get(value) or _readable(value)
