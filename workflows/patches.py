"""Every change to running workflows, by its ``workflow.patched`` id, and when its old branch can go.

A case or interview that started before a change carries no marker for it and replays its old path; the old
branch of a patch can be removed once no execution that lacks the marker can still be running or replayed:
every case opened before the release that brought the patch has closed (a case runs at most two years after its
notice date, plus its interview's record period) and its history is no longer kept or replayed. Then the call
becomes ``workflow.deprecate_patch`` for one release, and after that it goes, with the histories of the old path
in ``tests/workflows/histories/``.

A workflow started under a patch that gathers the changes before it (``Changes``) records that one marker instead of
one per change: each marker costs the server an event and an update of the ``TemporalChangeVersion`` search attribute,
about thirty per case. When such a gathering patch's old branch goes, the changes it gathered go with it."""

from temporalio import workflow

# Outgoing webhooks: cases tell the configured URLs of their opening, each step done and their closing.
# Old branch: no webhook calls. Can go with the cases opened before 2026-11.
WEBHOOKS = "webhooks-v1"

# Mail that an update causes goes out after the update has answered (the person acting never waits for the
# mail server). Old branch: the update sends inside itself. Can go with the cases opened before 2026-12.
MAIL_AFTER_UPDATE = "mail-after-update-v1"

# The mails of one moment (the announcement with the task lists, a moved last day) in one activity.
# Old branch: one activity per mail. Can go with the cases opened before 2026-12.
MAIL_BATCHES = "mail-batches-v1"

# The case and its interview publish their state to the read model at every change (models/read_model.py),
# and the interview no longer writes its status with an activity of its own. Old branch: nothing published
# (such cases join by the ``refresh_read_model`` signal, which the worker sends at start). Can go with the
# cases opened before 2026-12-06.
READ_MODEL = "read-model-v1"

# Due dates never lie before the day a case opens or its last day moves (a task that would be due already is due
# on the next working day), and a moved last day lifts the escalation of what is no longer late.
# Old branch: due dates as counted back from the last day. Can go with the cases opened before 2026-12-06.
DUE_DATES = "due-dates-v1"

# The person's access ends at the end of the last working day, or at once on HR's word (workflows/access.py).
# Old branch: no access step. Can go with the cases opened before 2026-12-06.
ACCESS = "access-v1"

# Whoever takes items back besides IT/facilities (the fleet manager's mailbox for a lease car) is told at the
# announcement which items, with their asset tags; IT/facilities' mail names only its own items. Old branch: only
# IT/facilities is told, of every item. Can go with the cases opened before 2026-12-07.
CUSTODIANS_TOLD = "custodians-told-v1"

# The scheduled report works out its fixed period from the reports already stored (never two reports over the same
# day). Old branch: the period from the trigger's time alone. A trigger runs for seconds, so the old branch can go
# once the first release with this patch has run one.
REPORT_PLAN = "report-plan-from-stored-reports"

# The interview's calendar files as calendar programs expect them (RFC 5546): the invitation's proposed times carry
# none; the agreed time goes to the employee and the interviewer as one REQUEST (organizer, attendees, place or
# link), a new interviewer gets it too, and a decline, a withdrawal or a last day that moves the time away sends a
# CANCEL with the same UID; the SEQUENCE rises with every message. Old branch: a REQUEST for the first proposed
# time and for the agreed one, to the employee only, and never a CANCEL. Can go with the cases opened before 2026-12-08.
CALENDAR_MEETINGS = "calendar-meetings-v1"

# A case withdrawn without its own workflow (cases/withdrawal.py) cancels its agreed interview time in the employee's
# and the interviewer's calendars. Old branch: no CANCEL. That workflow runs for seconds, so the old branch can go
# once the first release with this patch has withdrawn one such case.
WITHDRAWN_CASE_CANCELS = "withdrawn-case-cancels-v1"

# With short notice, an online conversation on the last working day is offered in its morning, before its last
# working hours (seed 002). Old branch: its afternoon. Can go with the cases opened before 2026-12-08.
SHORT_NOTICE_MORNINGS = "short-notice-mornings-v1"

# With one working day left, a short online conversation (the policy's short_notice_online_minutes) is offered on the
# working day before the last, ahead of the last day's morning, so that the talk need not wait for the last day.
# Old branch: only the last day's morning. Can go once no case opened before the release that brought it is open
# or kept in Temporal.
SHORT_NOTICE_DAY_BEFORE = "short-notice-day-before-v1"

# A time the employee proposes is agreed at once only when the interviewer is free then: none of their other agreed
# interviews, nothing busy in their CalDAV free/busy where configured (activities/availability.py); otherwise it waits
# for the interviewer, who accepts it or asks the employee for another. Old branch: every usable proposed time is agreed
# at once. Can go with the cases opened before 2026-12-09.
INTERVIEWER_AVAILABILITY = "interviewer-availability-v1"

# The manager is told by mail when the employee agreed that the main points of the interview reach them, with a link to
# the page that shows only those (004: "koppel hoofdlijnen terug"), unless the manager held the interview themselves as
# HR's fallback. Old branch: no mail; the points showed on the manager's page of the case only. Can go with the cases
# opened before 2026-12-10.
MANAGER_MAIN_POINTS = "manager-main-points-v1"

# An action still open the day after its due date is escalated by mail to the reviewers and HR, with a link to it.
# Old branch: no escalation (the owner's reminder before the due date only). A review runs until its actions are
# done, so the old branch can go once no review started before the release with this patch is still running (at most
# ``MAX_ACTION_DAYS_AHEAD`` after its last action was given) or kept in Temporal.
REVIEW_ESCALATIONS = "review-escalations-v1"

# An action's owner or due date can be changed in a running review (``ReviewWorkflow.change_action``); the owner's
# reminder is planned from when they were told of the action last (given, or changed), so a date moved close gives no
# reminder on top of the change's mail. Old branch: from when the action was first given. A review runs until its
# actions are done, so the old branch can go once no review started before the release with this patch is still
# running (at most ``MAX_ACTION_DAYS_AHEAD`` after its last action was given) or kept in Temporal.
REVIEW_ACTION_CHANGES = "review-action-changes-v1"

# The record of an interview is added from its agreed time on, and "held on" is the agreed day unless the interviewer
# gives another (not in the future, not before the invitation); the consent keeps the moment it was given. A timer at
# the agreed start lets the interview's view say that it can now be recorded. Old branch: a record while invited or
# scheduled, held at the moment it was submitted. Can go with the cases opened before 2026-12-11.
RECORD_FROM_AGREED_TIME = "record-from-agreed-time-v1"

# A case opens with one activity (``CaseActivities.open_case``: the case stored, planned with its organisation,
# checklist and working days, its webhook URLs and how access ends) instead of four round trips through the server,
# and a case with this marker has every change below without a marker of its own. Old branch: ``store_case``,
# ``plan_case``, ``webhook_targets`` and ``access_method`` one after the other, and a marker per change. Can go once no
# case opened before the release that brought it is open or kept in Temporal, and the changes in
# ``CASE_CHANGES_AT_OPENING`` with it.
OPENING_IN_ONE = "opening-in-one-v1"
CASE_CHANGES_AT_OPENING = frozenset(
    {WEBHOOKS, MAIL_AFTER_UPDATE, MAIL_BATCHES, READ_MODEL, DUE_DATES, ACCESS, CUSTODIANS_TOLD}
)

# An interview started with this marker has every change below without a marker of its own. Old branch: a marker
# per change. Can go once no case opened before the release that brought it is open or kept in Temporal, and the
# changes in ``INTERVIEW_CHANGES_AT_START`` with it.
INTERVIEW_CHANGES_TOGETHER = "interview-changes-together-v1"
INTERVIEW_CHANGES_AT_START = frozenset(
    {
        READ_MODEL,
        MAIL_AFTER_UPDATE,
        CALENDAR_MEETINGS,
        SHORT_NOTICE_MORNINGS,
        SHORT_NOTICE_DAY_BEFORE,
        INTERVIEWER_AVAILABILITY,
        MANAGER_MAIN_POINTS,
        RECORD_FROM_AGREED_TIME,
    }
)


class Changes:
    """Which changes a running workflow has: the ones ``gathered`` all at once when it started under ``gathering``'s
    marker, otherwise each by its own ``workflow.patched`` marker, as before that patch."""

    def __init__(self, gathering: str, gathered: frozenset[str]) -> None:
        self._gathering = gathering
        self._gathered = gathered
        self.gathered = False

    def start(self) -> None:
        """The first step of the workflow's run, before anything else: a workflow that was already running when the
        gathering patch came replays this without its marker and keeps asking change by change."""
        self.gathered = workflow.patched(self._gathering)

    def has(self, patch: str) -> bool:
        if self.gathered and patch in self._gathered:
            return True
        return workflow.patched(patch)
