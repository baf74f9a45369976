"""The management review of one report: reviewers record findings and actions and approve, or send the report back
to HR with a remark, which HR answers once it is taken up; the other side is told by mail each time.

Reviewers who have not acted are reminded; each action's owner is reminded before its due date, and an action still
open the day after it is escalated to the reviewers and HR.
The review stays open after approval until every action is done, so actions can be completed
here and their reminders keep their timers; the next report reads their state from the database."""

import asyncio
from collections.abc import Iterable
from datetime import time, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.reports import ReportActivities
    from models.actors import Actor, Role
    from models.organisation import Contact
    from models.report import (
        AddAction,
        AddFinding,
        AnswerRemark,
        Approval,
        ApproveReport,
        ChangeAction,
        CompleteAction,
        Finding,
        ReportMailRequest,
        ReportStatus,
        ReportStatusInput,
        ReviewAction,
        ReviewInput,
        ReviewOutcome,
        ReviewView,
        SendBackReport,
        SetReviewers,
        StoreActionInput,
        StoreFindingInput,
    )
    from reports import periods
    from workflows import patches
    from workflows.activity_calls import MAIL_HEARTBEAT, MAIL_RETRY, MAIL_TIMEOUT, record, rejected
    from workflows.agenda import Due, due_now, local_moment, pending, perform_due, wait_until_due

# Owners are reminded at the start of a working morning.
REMINDER_CLOCK = time(9, 0)


async def send_report_mail(request: ReportMailRequest) -> bool:
    """Mail for a report; a mail that cannot go out is logged and does not stop the report."""
    try:
        receipt = await workflow.execute_activity_method(
            ReportActivities.send_report_mail,
            request,
            start_to_close_timeout=MAIL_TIMEOUT,
            heartbeat_timeout=MAIL_HEARTBEAT,
            retry_policy=MAIL_RETRY,
        )
    except ActivityError as err:
        workflow.logger.warning("report mail %s to %s failed: %s", request.purpose, request.to, err.cause)
        return False
    if receipt.refused:
        workflow.logger.warning("report mail %s to %s was refused: %s", request.purpose, request.to, receipt.refused)
        return False
    return True


@workflow.defn
class ReviewWorkflow:
    @staticmethod
    def id_for(report_id: str) -> str:
        return f"{report_id}-review"

    @workflow.init
    def __init__(self, input: ReviewInput) -> None:
        self._input = input
        self._reviewers = {str(r.email).lower(): r for r in input.reviewers}
        self._findings: list[Finding] = []
        self._actions: dict[str, ReviewAction] = {}
        self._approval: Approval | None = None
        self._acted: set[str] = set()
        self._done: set[str] = set()
        self._reminders_sent = 0
        self._sent_back = 0
        self._answered = 0  # answers HR gave to remarks
        self._remark_open = False  # a remark sent the report back and HR has not answered it yet
        self._changed = False
        self._escalates = False
        self._replans = False
        self._action_changes = 0

    @workflow.run
    async def run(self, input: ReviewInput) -> ReviewOutcome:
        # Asked once, first: a review started before escalations replays without them all its life.
        self._escalates = workflow.patched(patches.REVIEW_ESCALATIONS)
        self._replans = workflow.patched(patches.REVIEW_ACTION_CHANGES)
        while not self._finished():
            await perform_due(self._agenda, self._perform, self._done, stop=lambda: False)
            upcoming = self._agenda()
            if self._finished() or due_now(upcoming):
                continue
            self._changed = False
            await wait_until_due(upcoming, lambda: self._changed)
        await workflow.wait_condition(workflow.all_handlers_finished)
        done = sum(1 for a in self._actions.values() if a.done_at is not None)
        return ReviewOutcome(approval=self._approval, actions_done=done, actions_total=len(self._actions))

    @workflow.query
    def view(self) -> ReviewView:
        return ReviewView(
            report_id=self._input.report_id,
            label=self._input.label,
            reviewers=list(self._reviewers),
            findings=self._findings,
            actions=list(self._actions.values()),
            approval=self._approval,
            reminders_sent=self._reminders_sent,
        )

    # What reviewers do.
    @workflow.update
    async def add_finding(self, input: AddFinding) -> Finding:
        finding = Finding(
            id=f"f{len(self._findings) + 1}", text=input.text, author_email=self._email(input.actor), at=workflow.now()
        )
        self._findings.append(finding)
        self._note_acted(input.actor)
        await record(
            ReportActivities.store_finding,
            StoreFindingInput(report_id=self._report_id, revision=self._input.revision, finding=finding),
        )
        return finding

    @add_finding.validator
    def _check_finding(self, input: AddFinding) -> None:
        self._require_reviewer(input.actor)
        self._require_not_approved()

    @workflow.update
    async def add_action(self, input: AddAction) -> ReviewAction:
        action = ReviewAction(
            id=f"a{len(self._actions) + 1}",
            text=input.text,
            owner_email=str(input.owner_email),
            owner_language=input.owner_language,
            due_date=input.due_date,
            created_by=self._email(input.actor),
            created_at=workflow.now(),
        )
        self._actions[action.id] = action
        self._note_acted(input.actor)
        await self._store_and_tell_owner(action, f"action_assigned:{action.id}")
        return action

    @add_action.validator
    def _check_action(self, input: AddAction) -> None:
        self._require_reviewer(input.actor)
        self._require_not_approved()
        if input.due_date <= self._today():
            raise rejected("action_due_not_in_future", due_date=input.due_date.isoformat())

    @workflow.update
    async def approve(self, input: ApproveReport) -> ReviewView:
        # Set before the first await, so a second approval arriving meanwhile is refused.
        self._approval = Approval(by=self._email(input.actor), at=workflow.now(), comment=input.comment)
        self._note_acted(input.actor)
        # The comment rides along in the same activity (an optional field), so earlier histories replay as they are.
        status = ReportStatusInput(
            report_id=self._report_id,
            status=ReportStatus.APPROVED,
            approved_by=self._approval.by,
            comment=self._approval.comment,
        )
        await record(ReportActivities.set_report_status, status)
        hr = self._input.hr
        await self._send(
            "report_approved",
            "report_approved",
            str(hr.email),
            hr.language,
            approved_by=self._approval.by,
            comment=input.comment,
            findings=[f.text for f in self._findings],
            actions=[self._action_context(a) for a in self._actions.values()],
        )
        return self.view()

    @approve.validator
    def _check_approve(self, input: ApproveReport) -> None:
        self._require_reviewer(input.actor)
        self._require_not_approved()

    @workflow.update
    async def send_back(self, input: SendBackReport) -> None:
        """HR is told by mail what the reviewer wants looked at; the remark itself is kept beside the review
        (``reports.review``), where HR reads it on the review page."""
        self._sent_back += 1
        self._remark_open = True
        self._note_acted(input.actor)
        hr = self._input.hr
        await self._send(
            f"sent_back:{self._sent_back}",
            "report_sent_back",
            str(hr.email),
            hr.language,
            sent_back_by=self._email(input.actor),
            remark=input.remark,
        )

    @send_back.validator
    def _check_send_back(self, input: SendBackReport) -> None:
        self._require_reviewer(input.actor)
        self._require_not_approved()

    # What HR does.
    @workflow.update
    async def set_reviewers(self, input: SetReviewers) -> ReviewView:
        """HR chose other reviewers in the report settings: a reviewer added gets the report with its PDF, as the
        first ones did, and is reminded like them; one taken off may no longer act on this review and is not reminded."""
        chosen = {str(r.email).lower(): r for r in input.reviewers}
        added = [reviewer for email, reviewer in chosen.items() if email not in self._reviewers]
        self._reviewers = chosen
        self._changed = True
        ready = {**self._input.mail_context, "has_review": True}
        await self._send_each("report_ready", "report_ready", added, attach_report=True, **ready)
        return self.view()

    @set_reviewers.validator
    def _check_reviewers(self, input: SetReviewers) -> None:
        if input.actor.role != Role.HR:
            raise rejected("reviewers_are_for_hr", email=input.actor.email)
        self._require_not_approved()

    @workflow.update
    async def answer_remark(self, input: AnswerRemark) -> None:
        """Every reviewer is told by mail how HR took the remark up, with the way back to the review; the answer
        itself is kept beside the review (``reports.review``), under the remark it answers."""
        self._answered += 1
        self._remark_open = False
        await self._send_each(
            f"answered:{self._answered}",
            "report_remark_answered",
            self._reviewers.values(),
            answered_by=self._email(input.actor),
            answer=input.answer,
        )

    @answer_remark.validator
    def _check_answer(self, input: AnswerRemark) -> None:
        if input.actor.role != Role.HR:
            raise rejected("answer_is_for_hr", email=input.actor.email)
        self._require_not_approved()
        if not self._remark_open:
            raise rejected("no_remark_to_answer", report=self._input.label)

    @workflow.update
    async def complete_action(self, input: CompleteAction) -> ReviewAction:
        action = self._actions[input.action_id]
        action.done_at = workflow.now()
        action.done_by = self._email(input.actor)
        self._changed = True
        await self._store(action)
        return action

    @complete_action.validator
    def _check_complete(self, input: CompleteAction) -> None:
        action = self._open_action(input.action_id)
        email = self._email(input.actor)
        # A reviewer of a later report (``reviewer_of``, checked by reports.review) follows the action up from that
        # report's review. A validator only decides what is accepted from now on; replay does not run it.
        allowed = input.actor.role == Role.HR or input.reviewer_of is not None
        if not allowed and email != action.owner_email.lower() and email not in self._reviewers:
            raise rejected("not_action_owner", email=input.actor.email, action_id=action.id)

    def _open_action(self, action_id: str) -> ReviewAction:
        """The action a follow-up names, refused when there is none or it is done already."""
        action = self._actions.get(action_id)
        if action is None:
            raise rejected("action_unknown", action_id=action_id)
        if action.done_at is not None:
            raise rejected("action_already_done", action_id=action.id, on=action.done_at.date().isoformat())
        return action

    @workflow.update
    async def change_action(self, input: ChangeAction) -> ReviewAction:
        """Another owner, or a moved due date: the owner (the new one) is mailed the action as it now stands, and its
        reminder and escalation are planned anew from the due date (their keys carry it)."""
        action = self._actions[input.action_id]
        if input.owner_email is not None:
            action.owner_email = str(input.owner_email)
            action.owner_language = input.owner_language
        if input.due_date is not None:
            action.due_date = input.due_date
        action.changed_at = workflow.now()
        self._action_changes += 1
        self._changed = True
        await self._store_and_tell_owner(action, f"action_changed:{action.id}:{self._action_changes}")
        return action

    @change_action.validator
    def _check_change(self, input: ChangeAction) -> None:
        self._open_action(input.action_id)
        email = self._email(input.actor)
        # HR and the reviewers (of this report, or of a later one that lists it) decide who does what by when.
        if input.actor.role != Role.HR and input.reviewer_of is None and email not in self._reviewers:
            raise rejected("not_a_reviewer", email=input.actor.email, report=self._input.label)
        if input.due_date is not None and input.due_date <= self._today():
            raise rejected("action_due_not_in_future", due_date=input.due_date.isoformat())

    # Reminders.
    def _agenda(self) -> list[Due]:
        timing, items = self._input.timing, []
        if self._approval is None:
            started = workflow.info().start_time
            for number in range(1, timing.reminder_count + 1):
                items.append(
                    Due(
                        started + timedelta(days=timing.reminder_interval_days * number),
                        f"review_reminder:{number}",
                        "remind_reviewers",
                    )
                )
        for action in self._actions.values():
            if action.done_at is not None:
                continue
            at = local_moment(
                action.due_date - timedelta(days=timing.action_reminder_days_before_due),
                REMINDER_CLOCK,
                self._input.timezone,
            )
            # An action given (or changed) with less notice than the reminder lead has just been announced: no reminder
            # on top.
            told = action.changed_at if self._replans and action.changed_at else action.created_at
            if at > told:
                items.append(Due(at, f"action_reminder:{action.id}:{action.due_date}", "remind_owner", action.id))
            if self._escalates:
                late = local_moment(action.due_date + timedelta(days=1), REMINDER_CLOCK, self._input.timezone)
                items.append(Due(late, f"action_overdue:{action.id}:{action.due_date}", "escalate", action.id))
        return pending(items, self._done)

    async def _perform(self, due: Due) -> None:
        if due.action == "remind_reviewers":
            waiting = [r for email, r in self._reviewers.items() if email not in self._acted]
            self._reminders_sent += 1 if waiting else 0
            await self._send_each(due.key, "report_review_reminder", waiting)
        elif due.action == "escalate":
            action = self._actions[due.ref]
            hr = self._input.hr
            told = [*self._reviewers.values(), *([] if str(hr.email).lower() in self._reviewers else [hr])]
            await self._send_each(due.key, "report_action_overdue", told, **self._action_context(action))
        else:
            action = self._actions[due.ref]
            await self._send(
                due.key,
                "report_action_reminder",
                action.owner_email,
                action.owner_language,
                **self._action_context(action),
            )

    def _finished(self) -> bool:
        return self._approval is not None and all(a.done_at is not None for a in self._actions.values())

    # Shared plumbing.
    def _action_context(self, action: ReviewAction) -> dict:
        return {
            "action_id": action.id,
            "text": action.text,
            "owner_email": action.owner_email,
            "due_date": action.due_date.isoformat(),
        }

    async def _send(
        self, purpose: str, template: str, to: str, language: str, attach_report: bool = False, **extra
    ) -> bool:
        request = ReportMailRequest(
            report_id=self._report_id,
            purpose=f"r{self._input.revision}:{purpose}",
            template=template,
            to=to,
            language=language,
            context={**self._input.mail_context, **extra},
            attach_report=attach_report,
            reply_to=self._input.hr.email,
        )
        return await send_report_mail(request)

    async def _send_each(self, purpose: str, template: str, people: Iterable[Contact], **extra) -> None:
        """The same mail to each of ``people``, side by side, each in their own language."""
        await asyncio.gather(
            *(self._send(purpose, template, str(person.email), person.language, **extra) for person in people)
        )

    async def _store_and_tell_owner(self, action: ReviewAction, purpose: str) -> None:
        """The action kept as it now stands, then its owner mailed it."""
        await self._store(action)
        await self._send(
            purpose, "report_action_assigned", action.owner_email, action.owner_language, **self._action_context(action)
        )

    async def _store(self, action: ReviewAction) -> None:
        await record(
            ReportActivities.store_action,
            StoreActionInput(report_id=self._report_id, revision=self._input.revision, action=action),
        )

    def _note_acted(self, actor: Actor) -> None:
        self._acted.add(self._email(actor))
        self._changed = True

    def _require_reviewer(self, actor: Actor) -> None:
        if self._email(actor) not in self._reviewers:
            raise rejected("not_a_reviewer", email=actor.email, report=self._input.label)

    def _require_not_approved(self) -> None:
        if self._approval is not None:
            raise rejected("report_already_approved", by=self._approval.by, on=self._approval.at.date().isoformat())

    def _today(self):
        return periods.local_date(workflow.now(), self._input.timezone)

    @staticmethod
    def _email(actor: Actor) -> str:
        return str(actor.email).lower()

    @property
    def _report_id(self) -> str:
        return self._input.report_id
