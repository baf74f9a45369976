"""The exit interview of one case: invitation, reminders, the employee's answer, the record and consent.

Everyone leaving is invited; after a dismissal or non-renewal HR first confirms or skips. The
invitation goes out at once, aiming at about a week before the last working day and never in its
last working hours; reminders stop at the cut-off, on a decline, or when a time is agreed."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from temporalio import workflow
from temporalio.exceptions import ApplicationError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from activities.interviews import InterviewActivities
    from activities.read_model import ReadModelActivities
    from models.actors import Actor, Role
    from models.case import TimelineEntry
    from models.interview import (
        FINISHED,
        AcceptSlot,
        AnswerProposedTime,
        AskOtherInterviewer,
        AssignInterviewer,
        ConfirmInterview,
        DeclineInterview,
        InterviewInput,
        InterviewOutcome,
        InterviewStatus,
        InterviewView,
        LastDayChanged,
        ProposeSlot,
        ResendInvitation,
        ScheduleInterview,
        Slot,
        SubmitInterview,
    )
    from models.mail import ActionLink, CalendarAttendee, CalendarInvite, CalendarWords, MailRequest
    from models.read_model import InterviewSnapshot
    from models.records import (
        Availability,
        AvailabilityInput,
        InterviewStatusInput,
        ManagerChosenInput,
        StoreInterviewInput,
    )
    from models.registration import DepartureType
    from models.text import address_key, same_address
    from planning import interview_calendar, interview_slots
    from workflows.activity_calls import Background, deliver, record, rejected
    from workflows.agenda import Due, due_now, end_of_day, pending, perform_due, wait_until_due
    from workflows.patches import (
        CALENDAR_MEETINGS,
        INTERVIEW_CHANGES_AT_START,
        INTERVIEW_CHANGES_TOGETHER,
        INTERVIEWER_AVAILABILITY,
        MAIL_AFTER_UPDATE,
        MANAGER_MAIN_POINTS,
        READ_MODEL,
        RECORD_FROM_AGREED_TIME,
        SHORT_NOTICE_DAY_BEFORE,
        SHORT_NOTICE_MORNINGS,
        Changes,
    )
    from workflows.publishing import Publisher

# The database and a CalDAV server each answer within seconds; a calendar that does not is read as unreachable.
AVAILABILITY_TIMEOUT = timedelta(seconds=30)
NEEDS_HR_CONFIRMATION = frozenset({DepartureType.DISMISSAL, DepartureType.END_OF_CONTRACT})
INVITATION_LINK = ActionLink(purpose="interview", path="/invitation")
CONSENT_LINK = ActionLink(purpose="consent", path="/consent")


async def _ignoring_an_ended_case(signal) -> None:
    try:
        await signal
    except Exception:  # the case has ended: nobody is left to tell
        workflow.logger.info("the case ended before it heard of the interview's status")


@workflow.defn
class ExitInterviewWorkflow:
    @staticmethod
    def id_for(case_id: str) -> str:
        return f"{case_id}-interview"

    @workflow.init
    def __init__(self, input: InterviewInput) -> None:
        self._input = input
        self._last_day = input.last_working_day
        self._status = (
            InterviewStatus.AWAITING_HR if input.departure_type in NEEDS_HR_CONFIRMATION else InterviewStatus.INVITED
        )
        self._interviewer = input.interviewer
        self._slots: list[Slot] = []
        self._scheduled: Slot | None = None
        self._short_notice = False
        self._invited_at: datetime | None = None
        self._invitations_sent = 0
        self._reminders_sent = 0
        self._calendar_sequence = 0
        # The agreed time's calendar event as last sent, and where the interviewer's copy went (calendar-meetings-v1).
        self._meeting: CalendarInvite | None = None
        self._meeting_interviewer: tuple[str, str] | None = None
        self._calendar_meetings = False
        self._last_day_mornings = False
        self._day_before_talks = False
        # record-from-agreed-time-v1: the record only from the agreed time on, held on the agreed day unless told otherwise.
        self._record_from_agreed_time = False
        self._reason = ""
        # Who holds it: the manager only as HR's explicit fallback; the employee may ask for someone else.
        self._interviewer_is_manager = False
        self._other_asked: str | None = None
        # A time the employee proposed that clashes with the interviewer's agenda waits for them (interviewer-availability-v1).
        self._pending: Slot | None = None
        self._pending_conflict = ""
        self._record_id: int | None = None
        self._done: set[str] = set()
        self._mail_failures: list[str] = []
        self._changed = False
        # mail-after-update-v1: mail an update causes goes out after it has answered.
        self._mail_after_update = Background()
        # read-model-v1: the interview's state in the database, with its events on the case's timeline.
        self._publisher = Publisher(ReadModelActivities.publish_interview)
        self._tell_case = Background()
        self._timeline: list[TimelineEntry] = []
        # interview-changes-together-v1: an interview started under it has every earlier change without asking for each.
        self._changes = Changes(INTERVIEW_CHANGES_TOGETHER, INTERVIEW_CHANGES_AT_START)

    @workflow.run
    async def run(self, input: InterviewInput) -> InterviewOutcome:
        self._changes.start()
        self._publisher.enabled = self._changes.has(READ_MODEL)
        self._calendar_meetings = self._changes.has(CALENDAR_MEETINGS)
        self._last_day_mornings = self._changes.has(SHORT_NOTICE_MORNINGS)
        self._day_before_talks = self._changes.has(SHORT_NOTICE_DAY_BEFORE)
        self._record_from_agreed_time = self._changes.has(RECORD_FROM_AGREED_TIME)
        try:
            if self._status == InterviewStatus.AWAITING_HR:
                hr = input.organisation.hr
                await self._send("interview_confirm_request", "interview_confirm_request", hr.email, hr.language)
            else:
                await self._invite()
            await self._follow_up()
        except BaseException as err:
            # The case was withdrawn: the interview simply ends, also when the cancellation reached it
            # inside an activity; the case tells the people involved. Only a cancellation the server delivered
            # counts: the worker putting the workflow out of its cache cancels its tasks too, and work begun then
            # would keep the eviction (and a worker's shutdown) from ever finishing.
            if not is_cancelled_exception(err) or workflow.cancellation_reason() is None:
                raise
            if self._calendar_meetings and self._status == InterviewStatus.SCHEDULED:
                await self._cancel_meeting("withdrawn")
            self._status = InterviewStatus.CANCELLED
            self._note("interview_cancelled")
            await self._publish()
            return InterviewOutcome(status=self._status, record_id=self._record_id)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._mail_after_update.settled()
        await self._tell_case.settled()
        return InterviewOutcome(status=self._status, record_id=self._record_id)

    @workflow.query
    def view(self) -> InterviewView:
        return InterviewView(
            status=self._status,
            interviewer=self._interviewer,
            proposed_slots=self._slots,
            scheduled=self._scheduled,
            short_notice=self._short_notice,
            invitations_sent=self._invitations_sent,
            reminders_sent=self._reminders_sent,
            reason=self._reason,
            consent_given=self._status == InterviewStatus.HELD,
            mail_failures=self._mail_failures,
            interviewer_is_manager=self._interviewer_is_manager,
            other_interviewer_asked=self._other_asked is not None,
            other_interviewer_reason=self._other_asked or "",
            pending_slot=self._pending,
            pending_conflict=self._pending_conflict,
            recordable=self._record_refusal() is None,
            record_from=self._scheduled.start
            if self._record_from_agreed_time and self._status == InterviewStatus.SCHEDULED and self._scheduled
            else None,
            held_on_asked=self._record_from_agreed_time,
            held_on_required=self._record_from_agreed_time and not self._has_agreed_time(),
        )

    @workflow.query
    def calendar_event(self) -> CalendarInvite | None:
        """The agreed time's calendar event exactly as last mailed, for the employee's link page."""
        return self._meeting if self._status == InterviewStatus.SCHEDULED else None

    @workflow.signal
    def refresh_read_model(self) -> None:
        """Publish the interview's state to the read model, all of it, and from now on at every change (see the case's)."""
        self._publisher.start_over()
        self._changed = True

    # The invitation: personal, with the proposed times and the preparatory questions.
    async def _invite(self, purpose: str = "invitation", *, later: bool = False, **context: Any) -> None:
        plan = interview_slots.propose(
            workflow.now(),
            self._last_day,
            self._policy,
            self._input.calendar,
            last_day_mornings=self._last_day_mornings,
            day_before_talks=self._day_before_talks,
        )
        self._slots, self._short_notice = plan.slots, plan.short_notice
        self._pending, self._pending_conflict = None, ""
        self._invited_at = self._invited_at or workflow.now()
        self._invitations_sent += 1
        self._note("interview_invited" if self._invitations_sent == 1 else "interview_invited_again")
        await self._set_status(InterviewStatus.INVITED)
        # calendar-meetings-v1: proposed times are not meetings; the calendar file comes with the agreed time.
        calendar = None if self._calendar_meetings else self._calendar(self._slots[0])
        extra = {"calendar_attached": False} if self._calendar_meetings else {}
        await self._send_to_employee(
            purpose,
            "interview_invitation",
            calendar=calendar,
            link=INVITATION_LINK,
            later=later,
            **self._invitation_context(),
            **extra,
            **context,
        )

    def _invitation_context(self) -> dict:
        return {
            "slots": [slot.model_dump(mode="json") for slot in self._slots],
            "short_notice": self._short_notice,
            "duration_minutes": self._policy.interview_duration_minutes,
            "short_talk_minutes": self._short_talk_minutes(),
            "appreciation_token": self._policy.appreciation_token,
            "interviewer_name": self._interviewer.name if self._interviewer else "",
            **self._place(),
        }

    def _short_talk_minutes(self) -> int:
        """The length of a shorter talk offered beside full-length times (short-notice-day-before-v1), else 0."""
        full = timedelta(minutes=self._policy.interview_duration_minutes)
        shorter = [slot.end - slot.start for slot in self._slots if slot.end - slot.start < full]
        return round(min(shorter).total_seconds() / 60) if shorter else 0

    def _preparation_url(self) -> str:
        return f"{self._input.organisation.public_url}/interviews/{self._input.case_id}/preparation"

    def _place(self) -> dict[str, str]:
        """Where it is held, on site or online, as the calendar event names it too (planning/interview_calendar.py)."""
        org = self._input.organisation
        return {"place": org.policy.interview_place or org.name, "online_link": org.policy.interview_online_link}

    @workflow.update
    async def confirm(self, input: ConfirmInterview) -> InterviewView:
        if input.proceed:
            self._changed = True
            self._note("interview_confirmed_by_hr", str(input.actor.email))
            await self._invite(later=self._changes.has(MAIL_AFTER_UPDATE))
        else:
            self._reason = input.reason
            self._note("interview_skipped", f"{input.reason} ({input.actor.email})")
            await self._set_status(InterviewStatus.SKIPPED)
        return self.view()

    @confirm.validator
    def _check_confirm(self, input: ConfirmInterview) -> None:
        self._require_hr(input.actor)
        if self._status != InterviewStatus.AWAITING_HR:
            raise rejected("interview_not_awaiting_hr", interview_status=self._status.value)
        if not input.proceed and not input.reason:
            raise rejected("skip_reason_missing")

    @workflow.update
    async def assign_interviewer(self, input: AssignInterviewer) -> InterviewView:
        former = self._interviewer
        self._interviewer = input.interviewer
        asked, self._other_asked = self._other_asked is not None, None
        self._interviewer_is_manager = same_address(input.interviewer.email, self._input.manager_email)
        if self._interviewer_is_manager and input.manager_reason:
            # Only with HR's reason, which no earlier case's input carried: a path they never take, so no patch.
            self._note(
                "interviewer_manager_chosen", f"{input.interviewer.name}: {input.manager_reason} ({input.actor.email})"
            )
            await record(
                InterviewActivities.audit_manager_chosen,
                ManagerChosenInput(
                    case_id=self._input.case_id,
                    manager_email=str(input.interviewer.email),
                    reason=input.manager_reason,
                    chosen_by=input.actor,
                ),
            )
        else:
            self._note("interviewer_assigned", f"{input.interviewer.name} ({input.actor.email})")
        if self._scheduled is not None and self._calendar_meetings and self._status == InterviewStatus.SCHEDULED:
            await self._meeting_with_new_interviewer(former)
        elif self._scheduled is not None:
            await self._tell_interviewer(
                f"interview_scheduled:{self._scheduled.start.isoformat()}", later=self._changes.has(MAIL_AFTER_UPDATE)
            )
        elif asked and self._status == InterviewStatus.INVITED:
            # The employee asked for someone else: the invitation again, now from the new interviewer (a path only
            # cases with the request take).
            await self._invite(purpose=f"invitation:interviewer:{self._invitations_sent + 1}", later=True)
        await self._publish()
        return self.view()

    @assign_interviewer.validator
    def _check_assign(self, input: AssignInterviewer) -> None:
        self._require_hr(input.actor)
        self._require_not_finished()
        # Addresses compare in any spelling of capitals (validators only: running cases replay unchanged).
        if same_address(input.interviewer.email, self._input.manager_email) and not input.manager_reason.strip():
            raise rejected("interviewer_is_manager")
        if address_key(input.interviewer.email) in self._employee_addresses():
            raise rejected("interviewer_is_employee")

    @workflow.update
    async def ask_other_interviewer(self, input: AskOtherInterviewer) -> InterviewView:
        """HR hears of it and may assign someone else; until then the interview goes on as it is."""
        self._other_asked = input.reason
        self._note("interviewer_change_asked", str(input.actor.email))
        hr = self._input.organisation.hr
        await self._send(
            f"interviewer_change_asked:{len(self._timeline)}",
            "interview_other_interviewer",
            hr.email,
            hr.language,
            reason=input.reason,
            interviewer_name=self._interviewer.name if self._interviewer else "",
            later=True,
        )
        await self._publish()
        return self.view()

    @ask_other_interviewer.validator
    def _check_ask_other(self, input: AskOtherInterviewer) -> None:
        self._require_employee(input.actor)
        self._require_answerable()
        if self._other_asked is not None:
            raise rejected("other_interviewer_already_asked")

    # The employee's answer.
    @workflow.update
    async def accept_slot(self, input: AcceptSlot) -> InterviewView:
        slot = next(slot for slot in self._slots if slot.start == input.start)
        await self._schedule(slot, later=self._changes.has(MAIL_AFTER_UPDATE))
        return self.view()

    @accept_slot.validator
    def _check_accept(self, input: AcceptSlot) -> None:
        self._require_employee(input.actor)
        self._require_answerable()
        if not any(slot.start == input.start for slot in self._slots):
            raise rejected("slot_not_proposed")

    @workflow.update
    async def propose_slot(self, input: ProposeSlot) -> InterviewView:
        slot = interview_slots.slot_at(input.start, self._policy, input.online)
        later = self._changes.has(MAIL_AFTER_UPDATE)
        if self._interviewer is not None and self._changes.has(INTERVIEWER_AVAILABILITY):
            # By name: the activity's module brings the CalDAV client, which the workflow has no use for.
            availability = await workflow.execute_activity(
                "interviewer_availability",
                AvailabilityInput(
                    case_id=self._input.case_id,
                    interviewer_email=self._interviewer.email,
                    start=slot.start,
                    end=slot.end,
                ),
                result_type=Availability,
                start_to_close_timeout=AVAILABILITY_TIMEOUT,
            )
            if not availability.fits:
                await self._await_interviewer(slot, availability.conflict)
                return self.view()
        await self._schedule(slot, later=later)
        return self.view()

    async def _await_interviewer(self, slot: Slot, conflict: str) -> None:
        """The proposed time clashes with the interviewer's agenda: they decide, and hear of it at once."""
        self._pending, self._pending_conflict = slot, conflict
        self._changed = True
        self._note("interview_time_awaits_interviewer", slot.start.isoformat() + (" (online)" if slot.online else ""))
        to, language = self._interviewer_address()
        await self._send(
            f"interview_time_proposed:{slot.start.isoformat()}:{len(self._timeline)}",
            "interview_time_proposed",
            to,
            language,
            slot=slot.model_dump(mode="json"),
            conflict=conflict,
            interviewer_name=self._interviewer.name if self._interviewer else "",
            preparation_url=self._preparation_url(),
            later=True,
        )
        await self._publish()

    @workflow.update
    async def answer_proposed_time(self, input: AnswerProposedTime) -> InterviewView:
        slot, self._pending, self._pending_conflict = self._pending, None, ""
        assert slot is not None  # the validator made sure
        if input.accept:
            self._note("interview_time_accepted_by_interviewer", str(input.actor.email))
            await self._schedule(slot, later=True)
        else:
            self._note("interview_time_declined_by_interviewer", str(input.actor.email))
            await self._invite(
                purpose=f"invitation:time_declined:{self._invitations_sent + 1}",
                later=True,
                proposal_declined=slot.model_dump(mode="json"),
            )
        return self.view()

    @answer_proposed_time.validator
    def _check_answer_proposed(self, input: AnswerProposedTime) -> None:
        if input.actor.role != Role.HR and not (
            self._interviewer and same_address(input.actor.email, self._interviewer.email)
        ):
            raise rejected("not_the_interviewer", email=input.actor.email)
        if self._pending is None or self._status != InterviewStatus.INVITED:
            raise rejected("no_proposed_time")
        if input.accept:
            self._require_usable(self._pending.start, self._pending.online)

    @propose_slot.validator
    def _check_propose(self, input: ProposeSlot) -> None:
        self._require_employee(input.actor)
        self._require_answerable()
        self._require_usable(input.start, input.online)

    @workflow.update
    async def schedule(self, input: ScheduleInterview) -> InterviewView:
        await self._schedule(
            interview_slots.slot_at(input.start, self._policy, input.online), later=self._changes.has(MAIL_AFTER_UPDATE)
        )
        return self.view()

    @schedule.validator
    def _check_schedule(self, input: ScheduleInterview) -> None:
        self._require_hr(input.actor)
        self._require_answerable()
        self._require_usable(input.start, input.online)

    @workflow.update
    async def decline(self, input: DeclineInterview) -> InterviewView:
        self._reason = input.reason
        self._note("interview_declined", str(input.actor.email))
        agreed = self._status == InterviewStatus.SCHEDULED
        await self._set_status(InterviewStatus.DECLINED)
        hr = self._input.organisation.hr
        await self._send(
            "interview_declined",
            "interview_declined",
            hr.email,
            hr.language,
            reason=input.reason,
            later=self._changes.has(MAIL_AFTER_UPDATE),
        )
        if self._calendar_meetings and agreed:
            await self._cancel_meeting("declined", later=True)
        return self.view()

    @decline.validator
    def _check_decline(self, input: DeclineInterview) -> None:
        self._require_employee(input.actor)
        self._require_answerable()

    @workflow.update
    async def resend_invitation(self, input: ResendInvitation) -> InterviewView:
        await self._invite(
            purpose=f"invitation:resent:{self._invitations_sent + 1}", later=self._changes.has(MAIL_AFTER_UPDATE)
        )
        return self.view()

    @resend_invitation.validator
    def _check_resend(self, input: ResendInvitation) -> None:
        self._require_hr(input.actor)
        if self._status != InterviewStatus.INVITED:
            raise rejected("invitation_already_answered", interview_status=self._status.value)

    async def _schedule(self, slot: Slot, *, later: bool = False) -> None:
        self._scheduled = slot
        self._pending, self._pending_conflict = None, ""
        self._changed = True
        self._note("interview_scheduled", slot.start.isoformat() + (" (online)" if slot.online else ""))
        await self._set_status(InterviewStatus.SCHEDULED)
        key = slot.start.isoformat()
        if self._calendar_meetings:
            # One event for both: the same UID and SEQUENCE in the employee's and the interviewer's calendar.
            meeting = self._new_meeting(slot)
            await asyncio.gather(
                self._confirm_to_employee(f"interview_confirmed:{key}", meeting, later),
                self._tell_interviewer(f"interview_scheduled:{key}", later=later, calendar=meeting),
            )
            return
        invite = self._calendar(slot)
        self._meeting = invite
        await asyncio.gather(
            self._confirm_to_employee(f"interview_confirmed:{key}", invite, later),
            self._tell_interviewer(f"interview_scheduled:{key}", later=later),
        )

    async def _confirm_to_employee(self, purpose: str, calendar: CalendarInvite, later: bool) -> None:
        interviewer = self._interviewer.name if self._interviewer else ""
        slot = self._agreed.model_dump(mode="json")
        await self._send_to_employee(
            purpose,
            "interview_confirmed",
            calendar=calendar,
            link=INVITATION_LINK,
            slot=slot,
            interviewer_name=interviewer,
            later=later,
            **self._place(),
        )

    async def _tell_interviewer(
        self, purpose: str, *, later: bool = False, calendar: CalendarInvite | None = None
    ) -> None:
        to, language = self._interviewer_address()
        interviewer = self._interviewer.name if self._interviewer else ""
        extra = {"calendar_attached": True} if calendar is not None else {}
        slot = self._agreed.model_dump(mode="json")
        await self._send(
            purpose,
            "interview_scheduled",
            to,
            language,
            calendar=calendar,
            slot=slot,
            interviewer_name=interviewer,
            later=later,
            preparation_url=self._preparation_url(),
            **extra,
        )

    # The agreed time in people's calendars (calendar-meetings-v1).
    def _new_meeting(self, slot: Slot) -> CalendarInvite:
        self._calendar_sequence += 1
        employee = CalendarAttendee(email=self._employee_address(), name=self._input.employee.name)
        interviewer = (
            CalendarAttendee(email=self._interviewer.email, name=self._interviewer.name) if self._interviewer else None
        )
        self._meeting = interview_calendar.meeting(
            self._input.case_id,
            self._calendar_sequence,
            slot,
            self._input.organisation,
            employee,
            interviewer,
        )
        self._meeting_interviewer = self._interviewer_address()
        return self._meeting

    async def _meeting_with_new_interviewer(self, former) -> None:
        """The new interviewer and the employee get the updated event; a former interviewer gets it cancelled."""
        had = self._meeting_interviewer
        meeting = self._new_meeting(self._agreed)
        key = f"{self._agreed.start.isoformat()}:{meeting.sequence}"
        now_with = self._interviewer_address()
        later = self._changes.has(MAIL_AFTER_UPDATE)
        await asyncio.gather(
            self._confirm_to_employee(f"interview_confirmed:{key}", meeting, later),
            self._tell_interviewer(f"interview_scheduled:{key}", later=later, calendar=meeting),
        )
        if former is not None and had is not None and not same_address(had[0], now_with[0]):
            self._calendar_sequence += 1
            gone = interview_calendar.cancellation(
                meeting, self._calendar_sequence, [CalendarAttendee(email=former.email, name=former.name)]
            )
            await self._send(
                f"interview_cancelled:{gone.sequence}",
                "interview_cancelled",
                had[0],
                had[1],
                calendar=gone,
                slot=self._agreed.model_dump(mode="json"),
                recipient_is_employee=False,
                because="interviewer_changed",
                later=later,
            )

    async def _cancel_meeting(self, because: str, *, later: bool = False) -> None:
        """The agreed time taken out of both calendars: a CANCEL with the same UID and a higher SEQUENCE."""
        meeting, interviewer = self._meeting, self._meeting_interviewer
        if meeting is None or interviewer is None:
            return
        self._meeting = None
        self._calendar_sequence += 1
        cancelled = interview_calendar.cancellation(meeting, self._calendar_sequence)
        key = f"interview_cancelled:{cancelled.sequence}"
        slot = self._agreed.model_dump(mode="json")
        employee = meeting.attendees[0]
        context: dict[str, Any] = {"calendar": cancelled, "slot": slot, "because": because, "later": later}
        await asyncio.gather(
            self._send(
                key,
                "interview_cancelled",
                str(employee.email),
                self._input.employee.language,
                recipient_is_employee=True,
                **context,
            ),
            self._send(
                key, "interview_cancelled", interviewer[0], interviewer[1], recipient_is_employee=False, **context
            ),
        )

    # The record, closed by consent; then the thank-you.
    @workflow.update
    async def submit(self, input: SubmitInterview) -> InterviewView:
        interviewer = str(self._interviewer.email) if self._interviewer else str(input.actor.email)
        # record-from-agreed-time-v1: held on the agreed day (or the day the interviewer gives); consented now.
        held_at = self._held_at(input.held_on) if self._record_from_agreed_time else workflow.now()
        self._record_id = await record(
            InterviewActivities.store_interview,
            StoreInterviewInput(
                case_id=self._input.case_id,
                interviewer_email=interviewer,
                record=input.record,
                consent=input.consent,
                held_at=held_at,
                recorded_by=input.actor,
                consent_given_at=workflow.now() if self._record_from_agreed_time else None,
            ),
        )
        self._note("interview_held", str(input.actor.email))
        await self._set_status(InterviewStatus.HELD)
        await self._send_to_employee(
            "interview_thank_you",
            "interview_thank_you",
            link=CONSENT_LINK,
            consent_scope=input.consent.scope.value,
            share_with_manager=input.consent.share_with_manager,
            later=self._changes.has(MAIL_AFTER_UPDATE),
        )
        if (
            input.consent.share_with_manager
            and self._changes.has(MANAGER_MAIN_POINTS)
            # A manager who held the interview as HR's fallback was there: nothing to tell them.
            and not same_address(interviewer, self._input.manager_email)
        ):
            # 004: "koppel hoofdlijnen terug": the manager reads them on a page of their own, never in the mail.
            await self._send(
                "main_points",
                "interview_main_points",
                str(self._input.manager_email),
                self._input.manager_language,
                main_points_url=f"{self._input.organisation.public_url}/my/cases/{self._input.case_id}/main-points",
                later=True,
            )
        return self.view()

    @submit.validator
    def _check_submit(self, input: SubmitInterview) -> None:
        if input.actor.role != Role.HR and not (
            self._interviewer and same_address(input.actor.email, self._interviewer.email)
        ):
            raise rejected("not_the_interviewer", email=input.actor.email)
        refusal = self._record_refusal(held_on_given=input.held_on is not None)
        if refusal is not None:
            raise refusal
        if self._record_from_agreed_time and input.held_on is not None:
            today = self._local_date(workflow.now())
            invited_on = self._local_date(self._first_invited_at)
            if input.held_on > today:
                raise rejected("held_on_in_future", held_on=input.held_on.isoformat())
            if input.held_on < invited_on:
                raise rejected(
                    "held_on_before_invitation", held_on=input.held_on.isoformat(), invited_on=invited_on.isoformat()
                )
        if input.consent.text_version != self._policy.consent_text_version:
            raise rejected(
                "consent_text_outdated", given=input.consent.text_version, current=self._policy.consent_text_version
            )

    def _record_refusal(self, *, held_on_given: bool = True) -> ApplicationError | None:
        """Why a record cannot be added now, or None when it can (the update's validator and the view)."""
        if self._status not in (InterviewStatus.INVITED, InterviewStatus.SCHEDULED):
            return rejected("record_not_possible", interview_status=self._status.value)
        if not self._record_from_agreed_time:
            return None
        if not self._has_agreed_time():
            # Arranged elsewhere (by phone, in the corridor) and held: recorded with the day it was held.
            return None if held_on_given else rejected("record_without_agreed_time")
        assert self._scheduled is not None
        if workflow.now() < self._scheduled.start:
            local = self._scheduled.start.astimezone(ZoneInfo(self._policy.timezone))
            return rejected("record_before_agreed_time", start=f"{local:%Y-%m-%d %H:%M} ({self._policy.timezone})")
        return None

    def _has_agreed_time(self) -> bool:
        return self._status == InterviewStatus.SCHEDULED and self._scheduled is not None

    def _held_at(self, held_on: date | None) -> datetime:
        """The agreed start; on another day the interviewer gives, that day at the agreed hour (the pages show the day).
        Without an agreed time, the day given at the start of working hours."""
        zone = ZoneInfo(self._policy.timezone)
        if not self._has_agreed_time():
            assert held_on is not None
            start = datetime.combine(held_on, self._policy.working_hours_start, tzinfo=zone).astimezone(UTC)
            return min(start, workflow.now())
        agreed = self._agreed.start
        local = agreed.astimezone(zone)
        if held_on is None or held_on == local.date():
            return agreed
        # Never after the moment it is recorded: held today, it was held before now.
        return min(datetime.combine(held_on, local.timetz()).astimezone(UTC), workflow.now())

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self._policy.timezone)).date()

    # Changes from the case.
    @workflow.signal
    async def last_day_changed(self, input: LastDayChanged) -> None:
        self._last_day = input.last_working_day
        self._input.mail_context["last_working_day"] = self._last_day.isoformat()
        self._changed = True
        if self._status == InterviewStatus.SCHEDULED and self._unusable(self._agreed):
            if self._calendar_meetings:
                await self._cancel_meeting("moved")
            self._scheduled = None
            self._meeting = None
            await self._invite(purpose=f"invitation:{self._last_day}")
        elif self._status == InterviewStatus.INVITED:
            await self._invite(purpose=f"invitation:{self._last_day}")

    # Reminders and run-outs, until the interview is held, declined, skipped or out of time.
    async def _follow_up(self) -> None:
        while self._status not in FINISHED:
            await self._publish()
            await perform_due(self._agenda, self._perform, self._done, stop=lambda: self._status in FINISHED)
            if self._status in FINISHED:
                return
            upcoming = self._agenda()
            if due_now(upcoming):
                continue
            self._changed = False
            await wait_until_due(upcoming, lambda: self._changed or self._status in FINISHED)

    def _agenda(self) -> list[Due]:
        policy, zone = self._policy, self._policy.timezone
        items: list[Due] = []
        record_deadline = end_of_day(self._last_day + timedelta(days=policy.interview_record_days_after_last_day), zone)
        if self._status == InterviewStatus.AWAITING_HR:
            items.append(Due(record_deadline, f"not_held:{self._last_day}", "run_out_not_held"))
        elif self._status == InterviewStatus.INVITED:
            cutoff = self._answer_deadline()
            # The employee has answered when a proposed time waits for the interviewer: no reminders meanwhile.
            for number in range(1, 0 if self._pending is not None else policy.invitation_reminder_count + 1):
                at = self._first_invited_at + timedelta(days=policy.invitation_reminder_interval_days * number)
                if at < cutoff:
                    items.append(Due(at, f"invitation_reminder:{number}", "remind_invitation", str(number)))
            items.append(Due(cutoff, f"no_response:{self._last_day}", "run_out_no_response"))
        elif self._status == InterviewStatus.SCHEDULED:
            start = self._scheduled_slot.start
            at = start - timedelta(hours=policy.interview_reminder_hours_before)
            items.append(Due(at, f"interview_reminder:{start.isoformat()}", "remind_interview"))
            if self._record_from_agreed_time:
                # Wakes the interview at its start, so that its view says from then on that it can be recorded.
                items.append(Due(start, f"record_open:{start.isoformat()}", "open_record"))
            items.append(
                Due(
                    max(record_deadline, end_of_day(start.date(), zone)),
                    f"not_held:{start.isoformat()}",
                    "run_out_not_held",
                )
            )
        return pending(items, self._done)

    def _answer_deadline(self):
        zone = self._policy.timezone
        cutoff = end_of_day(interview_slots.cutoff_day(self._last_day, self._policy, self._input.calendar), zone)
        latest_slot = max((end_of_day(slot.start.date(), zone) for slot in self._slots), default=cutoff)
        return max(cutoff, latest_slot)

    async def _perform(self, due: Due) -> None:
        if not self._still_due(due):
            return
        if due.action == "remind_invitation":
            self._reminders_sent += 1
            self._note("interview_reminder_sent", due.ref)
            await self._send_to_employee(
                due.key,
                "interview_invitation_reminder",
                link=INVITATION_LINK,
                reminder_number=int(due.ref),
                **self._invitation_context(),
            )
        elif due.action == "remind_interview":
            scheduled = self._scheduled_slot
            if workflow.now() < scheduled.start:
                slot = scheduled.model_dump(mode="json")
                to, language = self._interviewer_address()
                await asyncio.gather(
                    self._send_to_employee(due.key, "interview_reminder", slot=slot, recipient_is_employee=True),
                    self._send(due.key, "interview_reminder", to, language, slot=slot, recipient_is_employee=False),
                )
        elif due.action == "run_out_no_response":
            self._note("interview_no_response")
            await self._set_status(InterviewStatus.NO_RESPONSE)
            hr = self._input.organisation.hr
            await self._send("interview_no_response", "interview_no_response", hr.email, hr.language)
        elif due.action == "open_record":
            self._changed = True
        elif due.action == "run_out_not_held":
            self._note("interview_not_held")
            await self._set_status(InterviewStatus.NOT_HELD)

    def _still_due(self, due: Due) -> bool:
        """The agenda was read before earlier actions awaited; an answer may have come in meanwhile."""
        if due.action == "remind_invitation":
            return self._status == InterviewStatus.INVITED and self._pending is None
        if due.action == "run_out_no_response":
            return self._status == InterviewStatus.INVITED
        if due.action == "remind_interview":
            return self._status == InterviewStatus.SCHEDULED
        return self._status not in FINISHED

    # Shared plumbing.
    async def _set_status(self, status: InterviewStatus) -> None:
        self._status = status
        self._changed = True
        if self._publisher.enabled:
            await self._publish()
        else:
            await record(
                CaseActivities.set_interview_status, InterviewStatusInput(case_id=self._input.case_id, status=status)
            )
        parent = workflow.info().parent
        if parent is None:
            return
        signal = workflow.get_external_workflow_handle(parent.workflow_id).signal("interview_status_changed", status)
        if self._publisher.enabled:
            # read-model-v1: not awaited. A cancellation (the case withdrawn) that arrives while a signal is under way
            # is lost once the signal is delivered; the interview would then run on after its case has ended.
            self._tell_case.send(_ignoring_an_ended_case(signal))
        else:
            await signal

    def _calendar(self, slot: Slot) -> CalendarInvite:
        self._calendar_sequence += 1
        employee, org = self._input.employee, self._input.organisation
        return CalendarInvite(
            uid=f"{self._input.case_id}-interview@offboarding",
            sequence=self._calendar_sequence,
            start=slot.start,
            end=slot.end,
            words=CalendarWords(organisation=org.name, employee=employee.name, online=slot.online, place=org.name),
            organizer_email=org.hr.email,
            attendee_email=self._employee_address(),
        )

    def _employee_address(self) -> str:
        """The work mailbox may be gone after the last working day: then the private address."""
        employee = self._input.employee
        after_last_day = workflow.now() >= end_of_day(self._last_day, self._policy.timezone)
        return str(employee.private_email if after_last_day and employee.private_email else employee.work_email)

    def _employee_addresses(self) -> set[str]:
        """The employee's addresses as compared (``address_key``), for the validators."""
        employee = self._input.employee
        return {address_key(employee.work_email)} | (
            {address_key(employee.private_email)} if employee.private_email else set()
        )

    def _reply_to(self, to: str) -> str:
        """The employee answers the interviewer once one is assigned; everyone else, and the employee before that, HR."""
        hr = str(self._input.organisation.hr.email)
        if self._interviewer is not None and to in self._employee_addresses():
            return str(self._interviewer.email)
        return hr

    @property
    def _agreed(self) -> Slot:
        """The agreed time, asked for only where the interview has one."""
        assert self._scheduled is not None, "the interview has no agreed time"
        return self._scheduled

    def _interviewer_address(self) -> tuple[str, str]:
        if self._interviewer is not None:
            return str(self._interviewer.email), self._interviewer.language
        hr = self._input.organisation.hr
        return str(hr.email), hr.language

    async def _send_to_employee(
        self, purpose: str, template: str, *, calendar=None, link=None, later: bool = False, **extra
    ) -> bool:
        return await self._send(
            purpose,
            template,
            self._employee_address(),
            self._input.employee.language,
            calendar=calendar,
            link=link,
            later=later,
            **extra,
        )

    async def _send(
        self,
        purpose: str,
        template: str,
        to: str,
        language: str,
        *,
        calendar=None,
        link=None,
        later: bool = False,
        **extra,
    ) -> bool:
        """Send one mail; ``later``: after the running update has answered (True at once)."""
        request = MailRequest(
            case_id=self._input.case_id,
            purpose=f"interview:{purpose}",
            template=template,
            to=to,
            language=language,
            context={**self._input.mail_context, **extra},
            calendar=calendar,
            link=link,
            reply_to=self._reply_to(to),
        )
        if later:
            self._mail_after_update.send(self._deliver(request))
            return True
        return await self._deliver(request)

    async def _deliver(self, request: MailRequest) -> bool:
        failure = await deliver(request)
        if failure:
            self._mail_failures.append(f"{request.template} → {request.to}: {failure}")
        return failure is None

    def _unusable(self, slot: Slot) -> bool:
        problem = interview_slots.problem_with(
            slot,
            workflow.now(),
            self._last_day,
            self._policy,
            self._input.calendar,
            last_day_mornings=self._last_day_mornings,
        )
        return problem is not None and slot.start > workflow.now()

    def _require_usable(self, start, online: bool) -> None:
        slot = interview_slots.slot_at(start, self._policy, online)
        problem = interview_slots.problem_with(slot, workflow.now(), self._last_day, self._policy, self._input.calendar)
        if problem:
            raise rejected(problem)

    def _require_answerable(self) -> None:
        if self._status not in (InterviewStatus.INVITED, InterviewStatus.SCHEDULED):
            raise rejected("interview_not_answerable", interview_status=self._status.value)

    def _require_not_finished(self) -> None:
        if self._status in FINISHED:
            raise rejected("interview_finished", interview_status=self._status.value)

    def _require_employee(self, actor: Actor) -> None:
        if actor.role != Role.HR and address_key(actor.email) not in self._employee_addresses():
            raise rejected("not_the_employee", email=actor.email)

    @staticmethod
    def _require_hr(actor: Actor) -> None:
        if actor.role != Role.HR:
            raise rejected("hr_only")

    def _note(self, event: str, detail: str = "") -> None:
        self._timeline.append(TimelineEntry(at=workflow.now(), event=event, detail=detail))

    async def _publish(self) -> None:
        """The interview as the lists show it (read-model-v1); nothing when it has not changed since the last time."""
        scheduled, interviewer = self._scheduled, self._interviewer
        snapshot = InterviewSnapshot(
            case_id=self._input.case_id,
            version=0,
            status=self._status,
            scheduled_start=scheduled.start if scheduled else None,
            scheduled_end=scheduled.end if scheduled else None,
            online=scheduled.online if scheduled else False,
            interviewer_email=str(interviewer.email) if interviewer else None,
            interviewer_name=interviewer.name if interviewer else None,
        )
        await self._publisher.publish(snapshot, self._timeline)

    @property
    def _scheduled_slot(self) -> Slot:
        """The agreed time, for code that runs while the interview is scheduled."""
        if self._scheduled is None:
            raise RuntimeError(f"interview {self._input.case_id}: no time is agreed")
        return self._scheduled

    @property
    def _first_invited_at(self) -> datetime:
        """When the first invitation went out, for code that runs once the employee has been invited."""
        if self._invited_at is None:
            raise RuntimeError(f"interview {self._input.case_id}: read before the first invitation")
        return self._invited_at

    @property
    def _policy(self):
        return self._input.organisation.policy
