"""The words people read for the values a case carries.

Each table is built with the page's gettext function so that Babel extracts the strings and a
catalogue translates them. A value without a label (a step added to the workflow later) still
reads well through its fallback."""

from collections.abc import Callable

Gettext = Callable[[str], str]


def _readable(value: str) -> str:
    return str(value).replace("_", " ").capitalize()


class Labels:
    def __init__(self, _: Gettext) -> None:
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
            "withdrawn": _("Departure withdrawn"),
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
        self.item_states = {"open": _("Open"), "done": _("Done"), "out": _("Not returned"), "returned": _("Returned")}
        self.languages = {"nl": _("Dutch"), "en": _("English")}

    def departure_type(self, value: str) -> str:
        return self.departure_types.get(value) or _readable(value)

    def status(self, value: str) -> str:
        return self.statuses.get(value) or _readable(value)

    def step(self, value: str) -> str:
        return self.steps.get(value) or _readable(value)

    def step_state(self, value: str) -> str:
        return self.step_states.get(value) or _readable(value)

    def event(self, value: str) -> str:
        return self.events.get(value) or _readable(value)

    def interview_status(self, value: str) -> str:
        return self.interview_statuses.get(value) or _readable(value)

    def item_state(self, value: str) -> str:
        return self.item_states.get(value) or _readable(value)

    def language(self, value: str) -> str:
        return self.languages.get(value) or value
