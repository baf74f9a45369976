"""One departure, one durable process: the case as DOMAIN.md describes it.

Announcement, task handover and equipment return run here; the exit interview runs as a child
workflow. Every timer follows from the case's state (see ``workflows.agenda``), so when the last
working day moves, each reminder and due date moves with it."""

import asyncio
from datetime import date, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from activities.read_model import ReadModelActivities
    from models.access import ACCESS_TASK_TITLES, AccessMethod, AccessReceipt, AccessView, RevokeAccess, RevokeAccessNow
    from models.actors import Actor, Role
    from models.calendar import WorkCalendar
    from models.case import CaseOutcome, CaseStatus, CaseView, OffboardingInput, Step, StepState, TimelineEntry
    from models.handover import (
        MAX_DAYS_DUE_AFTER_LAST_DAY,
        AddTask,
        AssigneeRole,
        CompleteTask,
        ConfirmReturn,
        EquipmentLoan,
        EquipmentState,
        FlagForSettlement,
        MoveLastDay,
        ReassignTask,
        ReopenReturn,
        ReopenTask,
        Task,
        TaskState,
        Withdraw,
    )
    from models.interview import Interviewee, InterviewInput, InterviewStatus, LastDayChanged
    from models.mail import ActionLink, MailRequest
    from models.organisation import Organisation
    from models.read_model import CaseSnapshot
    from models.records import (
        CaseOpening,
        CasePlan,
        CaseSummary,
        CloseCaseInput,
        MoveLastDayRecord,
        OpenCaseInput,
        PlanCaseInput,
        StoreCaseInput,
    )
    from models.registration import MAX_DAYS_AFTER_NOTICE, Registration
    from models.text import same_address
    from planning.workdays import add_working_days, next_working_day
    from webhooks import payloads
    from workflows.access import CaseAccess, Followups
    from workflows.activity_calls import Background, deliver, deliver_all, record, rejected
    from workflows.agenda import (
        Due,
        due_now,
        end_of_day,
        local_date,
        local_moment,
        pending,
        perform_due,
        wait_until_due,
    )
    from workflows.case_mail import case_mail_context
    from workflows.case_webhooks import CaseWebhooks
    from workflows.exit_interview import ExitInterviewWorkflow
    from workflows.patches import (
        ACCESS,
        CASE_CHANGES_AT_OPENING,
        CUSTODIANS_TOLD,
        DUE_DATES,
        MAIL_AFTER_UPDATE,
        MAIL_BATCHES,
        OPENING_IN_ONE,
        READ_MODEL,
        WEBHOOKS,
        Changes,
    )
    from workflows.publishing import Publisher


# Every task in a task mail carries its own link: its assignee marks it done from there, with no account.
TASK_LINK = ActionLink(purpose="task", path="/task")


@workflow.defn
class OffboardingWorkflow:
    @workflow.init
    def __init__(self, input: OffboardingInput) -> None:
        self._registration: Registration = input.registration
        self._last_day = input.registration.departure.last_working_day
        self._organisation: Organisation | None = None
        self._calendar: WorkCalendar | None = None
        self._status = CaseStatus.OPEN
        self._steps: dict[Step, StepState] = dict.fromkeys(Step, StepState.PENDING)
        self._timeline: list[TimelineEntry] = []
        self._tasks: dict[str, Task] = {}
        self._equipment: dict[str, EquipmentLoan] = {}
        self._done: set[str] = set()
        self._interview: workflow.ChildWorkflowHandle | None = None
        self._interview_status: InterviewStatus | None = None
        self._interview_last_day: date | None = None  # the last working day the interview was last told of
        self._withdrawal: Withdraw | None = None
        self._changed = False
        # Outgoing webhooks (see workflows/case_webhooks.py): inert until started under the "webhooks-v1" patch below.
        self._webhooks = CaseWebhooks(self._record, self.view)
        # mail-after-update-v1: mail an update causes goes out after it has answered.
        self._mail_after_update = Background()
        # read-model-v1: the case's state in the database for the lists (workflows/publishing.py).
        self._publisher = Publisher(ReadModelActivities.publish_case)
        # due-dates-v1: no due date before the day the case opened or its last day moved.
        self._due_dates_floored = False
        # Access at the end of employment: inert until started under the "access-v1" patch (see _start_access).
        self._access = CaseAccess(self._record)
        # opening-in-one-v1: a case opened under it has every earlier change without asking for each.
        self._changes = Changes(OPENING_IN_ONE, CASE_CHANGES_AT_OPENING)
        self._opening: CaseOpening | None = None

    @workflow.run
    async def run(self, input: OffboardingInput) -> CaseOutcome:
        self._record("case_opened")
        self._changes.start()
        plan = await (self._open_in_one() if self._changes.gathered else self._open_step_by_step())
        self._organisation, self._calendar = plan.organisation, plan.calendar
        self._plan_handover(plan.checklist)
        self._plan_equipment()
        await self._publish()
        await self._start_access()
        await self._announce()
        await self._start_interview()
        await self._follow_up()
        await self._end_access()
        if self._withdrawal is not None:
            await self._wind_down(self._withdrawal)
        else:
            await self._close()
        await self._publish()
        await self._webhooks.finish()  # webhooks-v1: case.closed; no-op for cases without the patch
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._mail_after_update.settled()
        return CaseOutcome(case_id=self._case_id, status=self._status, steps=self._steps)

    async def _open_in_one(self) -> CasePlan:
        """opening-in-one-v1: the case stored and planned, its webhook URLs and how access ends, in one activity."""
        self._opening = await record(
            CaseActivities.open_case, OpenCaseInput(case_id=self._case_id, registration=self._registration)
        )
        self._webhooks.begin(self._opening.webhook_urls)
        self._publisher.enabled = self._due_dates_floored = True
        return self._opening.plan

    async def _open_step_by_step(self) -> CasePlan:
        """Cases opened before opening-in-one-v1, each step as it came."""
        # webhooks-v1: cases started before outgoing webhooks existed carry no patch marker and replay
        # without any of the webhook calls; new cases ask once for the URLs (webhook_targets) and tell
        # them of the case. With no URL configured nothing more is scheduled.
        if workflow.patched(WEBHOOKS):
            await self._webhooks.start()
        self._publisher.enabled = workflow.patched(READ_MODEL)
        self._due_dates_floored = workflow.patched(DUE_DATES)
        await record(CaseActivities.store_case, StoreCaseInput(case_id=self._case_id, registration=self._registration))
        reg = self._registration
        return await record(
            CaseActivities.plan_case,
            PlanCaseInput(
                department=reg.employee.department, job_title=reg.employee.job_title, last_working_day=self._last_day
            ),
        )

    @workflow.query
    def view(self) -> CaseView:
        reg = self._registration
        upcoming = self._agenda() if self._organisation and self._status == CaseStatus.OPEN else []
        return CaseView(
            case_id=self._case_id,
            status=self._status,
            employee_id=reg.employee.id,
            employee_name=reg.employee.name,
            department=reg.employee.department,
            departure_type=reg.departure.type.value,
            last_working_day=self._last_day,
            steps=self._steps,
            tasks=list(self._tasks.values()),
            equipment=list(self._equipment.values()),
            interview_status=self._interview_status.value if self._interview_status else None,
            next_deadline=upcoming[0].at if upcoming else None,
            timeline=self._timeline,
            access=self._access.view,
        )

    # Step 1: the manager, HR and IT/facilities are told at once; each assignee learns their tasks.
    async def _announce(self) -> None:
        reg, org = self._registration, self._org
        self._steps[Step.ANNOUNCEMENT] = StepState.RUNNING
        requests = [
            self._mail_request("announcement", "announcement_manager", reg.manager.email, reg.manager.language),
            self._mail_request("announcement", "announcement_hr", org.hr.email, org.hr.language),
            self._mail_request(
                "announcement", "announcement_facilities", org.facilities.email, org.facilities.language
            ),
        ]
        for email, tasks in self._tasks_by_assignee().items():
            requests.append(
                self._mail_request(
                    "tasks_assigned",
                    "tasks_assigned",
                    email,
                    self._language_of(email),
                    link=TASK_LINK,
                    **self._task_listing(email, tasks),
                )
            )
        if self._changes.has(CUSTODIANS_TOLD):
            requests[2].context["equipment"] = self._item_listing(org.facilities.email)
            for email in self._other_custodians():
                requests.append(
                    self._mail_request(
                        "announcement",
                        "announcement_custodian",
                        email,
                        self._language_of(email),
                        items=self._item_listing(email),
                        equipment_url=f"{org.public_url}/equipment",
                    )
                )
        results = await self._deliver_together(requests)
        announced = all(results[:3])
        self._steps[Step.ANNOUNCEMENT] = (
            StepState.DONE
            if announced and not reg.team_announcement_date
            else (StepState.RUNNING if announced else StepState.FAILED)
        )
        self._steps[Step.HANDOVER] = StepState.RUNNING if self._tasks else StepState.DONE
        self._steps[Step.EQUIPMENT] = StepState.RUNNING if self._equipment else StepState.DONE

    async def _announce_to_team(self, due: Due) -> None:
        reg = self._registration
        if not reg.team_email:  # the agenda plans the announcement only for a team address
            return
        if await self._send(due.key, "team_announcement", reg.team_email, reg.employee.language):
            self._steps[Step.ANNOUNCEMENT] = StepState.DONE

    # Step 2: the handover checklist, from the templates plus the items given at registration.
    def _plan_handover(self, checklist) -> None:
        for item in checklist:
            assignee = self._resolve(item.assignee)
            self._add_task(
                item.title_for(self._language_of(assignee)),
                assignee,
                offset=item.due_working_days_before,
                source="checklist",
            )
        for extra in self._registration.extra_tasks:
            assignee = extra.assignee_email or self._resolve(AssigneeRole.SUCCESSOR)
            self._add_task(extra.title, str(assignee), offset=extra.due_days_before_last_day, source="registration")

    def _add_task(
        self, title: str, assignee: str, *, offset: int | None = None, due: date | None = None, source: str
    ) -> Task:
        if due is None:
            if offset is None:
                raise ValueError(f"task {title!r}: neither a due date nor working days before the last day")
            due = self._due_date(offset)
        task_id = f"t{len(self._tasks) + 1}"
        task = Task(
            id=task_id,
            title=title,
            assignee_email=assignee,
            due_working_days_before=offset,
            due_date=due,
            source=source,
            owner_mailbox=self._org.mailbox_of(assignee),
        )
        self._tasks[task_id] = task
        return task

    def _due_date(self, offset: int):
        due = add_working_days(self._last_day, -offset, self._work_calendar)
        # due-dates-v1: a task that would be due already when the case opens (short notice) or when its last day
        # moves is due on the next working day, rather than late the moment it exists.
        if self._due_dates_floored and due < self._today():
            return next_working_day(self._today(), self._work_calendar)
        return due

    def _today(self):
        return local_date(workflow.now(), self._policy.timezone)

    @workflow.update
    async def complete_task(self, input: CompleteTask) -> Task:
        task = self._tasks[input.task_id]
        task.state = TaskState.DONE
        task.completed_by = str(input.actor.email)
        task.completed_at = workflow.now()
        if input.comment:
            task.comments.append(input.comment)
        self._record("task_done", self._with_note(f"{task.title} ({input.actor.email})", input.comment))
        self._changed = True
        await self._publish()
        return task

    @complete_task.validator
    def _check_complete(self, input: CompleteTask) -> None:
        task = self._open_task(input.task_id)
        self._require(input.actor, task.assignee_email, mailbox=task.owner_mailbox)

    @workflow.update
    async def reopen_task(self, input: ReopenTask) -> Task:
        task = self._tasks[input.task_id]
        task.state = TaskState.OPEN
        task.completed_by = task.completed_at = None
        task.comments.append(input.reason)
        self._record("task_reopened", f"{task.title}: {input.reason} ({input.actor.email})", input.actor)
        self._changed = True
        await self._publish()
        return task

    @reopen_task.validator
    def _check_reopen_task(self, input: ReopenTask) -> None:
        self._require_open()
        task = self._tasks.get(input.task_id)
        if task is None:
            raise rejected("task_unknown", task_id=input.task_id)
        if task.state != TaskState.DONE:
            raise rejected("task_not_done", task_id=task.id, title=task.title)
        self._require(input.actor, task.assignee_email, mailbox=task.owner_mailbox)

    @workflow.update
    async def reassign_task(self, input: ReassignTask) -> Task:
        task = self._tasks[input.task_id]
        previous, task.assignee_email = task.assignee_email, str(input.assignee_email)
        task.owner_mailbox = self._org.mailbox_of(task.assignee_email)
        if input.comment:
            task.comments.append(input.comment)
        self._record(
            "task_reassigned", self._with_note(f"{task.title}: {previous} → {task.assignee_email}", input.comment)
        )
        self._changed = True
        await self._tell_assignee(task, later=self._changes.has(MAIL_AFTER_UPDATE))
        await self._publish()
        return task

    @reassign_task.validator
    def _check_reassign(self, input: ReassignTask) -> None:
        task = self._open_task(input.task_id)
        # The manager hands on the tasks of people in the handover, not those a shared mailbox (HR's) owns.
        manager = () if task.owner_mailbox else (self._registration.manager.email,)
        self._require(input.actor, task.assignee_email, *manager, mailbox=task.owner_mailbox)
        if same_address(input.assignee_email, task.assignee_email):
            raise rejected("task_already_assigned", task_id=task.id, assignee=task.assignee_email)

    @workflow.update
    async def add_task(self, input: AddTask) -> Task:
        task = self._add_task(
            input.title,
            str(input.assignee_email),
            offset=input.due_working_days_before,
            due=input.due_date,
            source="added",
        )
        if input.comment:
            task.comments.append(input.comment)
        self._steps[Step.HANDOVER] = StepState.RUNNING
        self._record(
            "task_added", self._with_note(f"{task.title} → {task.assignee_email} ({input.actor.email})", input.comment)
        )
        self._changed = True
        await self._tell_assignee(task, later=self._changes.has(MAIL_AFTER_UPDATE))
        await self._publish()
        return task

    @add_task.validator
    def _check_add(self, input: AddTask) -> None:
        self._require_open()
        self._require(input.actor, self._registration.manager.email)
        if input.due_date is not None and input.due_date < self._registration.departure.notice_date:
            raise rejected("due_before_notice")
        if input.due_date is not None and (input.due_date - self._last_day).days > MAX_DAYS_DUE_AFTER_LAST_DAY:
            raise rejected("due_too_late")

    async def _tell_assignee(self, task: Task, *, later: bool = False) -> None:
        purpose = f"task_assigned:{task.id}"
        email = task.assignee_email
        await self._send(
            purpose,
            "tasks_assigned",
            email,
            self._language_of(email),
            later=later,
            link=TASK_LINK,
            **self._task_listing(email, [task]),
        )

    def _task_listing(self, email: str, tasks: list[Task]) -> dict:
        """The tasks a mail lists, each with its id so that the mail carries a link to mark it done; and whether the
        mail goes to the leaving employee, whom it addresses rather than speaks of."""
        listing = [{"id": t.id, "title": t.title, "due_date": t.due_date.isoformat()} for t in tasks]
        return {
            "tasks": listing,
            "recipient_is_employee": str(email).lower() == str(self._registration.employee.work_email).lower(),
        }

    async def _remind_task(self, due: Due) -> None:
        task = self._tasks[due.ref]
        # The agenda was read before earlier actions awaited; the task may have been done meanwhile.
        if task.state != TaskState.OPEN or workflow.now() >= end_of_day(task.due_date, self._policy.timezone):
            return
        email = task.assignee_email
        await self._send(
            due.key,
            "task_reminder",
            email,
            self._language_of(email),
            link=TASK_LINK,
            task_title=task.title,
            due_date=task.due_date.isoformat(),
            **self._task_listing(email, [task]),
        )

    async def _escalate_task(self, due: Due) -> None:
        task = self._tasks[due.ref]
        if task.state != TaskState.OPEN:
            return
        org = self._org
        task.escalated = True
        self._record("task_overdue", f"{task.title} ({task.assignee_email})")
        await self._send(
            due.key,
            "task_overdue",
            org.hr.email,
            org.hr.language,
            task_title=task.title,
            due_date=task.due_date.isoformat(),
            assignee_email=task.assignee_email,
        )

    # Step 3: equipment, each item confirmed by its custodian.
    def _plan_equipment(self) -> None:
        for number, item in enumerate(self._registration.equipment, start=1):
            custodian = str(item.custodian_email or self._org.facilities.email)
            self._equipment[f"e{number}"] = EquipmentLoan(
                id=f"e{number}",
                name=item.name,
                custodian_email=custodian,
                custodian_mailbox=self._org.mailbox_of(custodian),
                kind=item.kind,
                asset_tag=item.asset_tag,
            )

    @workflow.update
    async def confirm_return(self, input: ConfirmReturn) -> EquipmentLoan:
        item = self._equipment[input.item_id]
        item.state = input.outcome
        item.returned_at = workflow.now()
        item.confirmed_by = str(input.actor.email)
        item.note = input.note
        event = "equipment_returned" if input.outcome == EquipmentState.RETURNED else f"equipment_{input.outcome.value}"
        self._record(event, self._with_note(f"{item.name} ({input.actor.email})", input.note))
        self._changed = True
        await self._publish()
        return item

    @confirm_return.validator
    def _check_return(self, input: ConfirmReturn) -> None:
        self._require_open()
        item = self._equipment.get(input.item_id)
        if item is None:
            raise rejected("equipment_unknown", item_id=input.item_id)
        if item.state == EquipmentState.RETURNED:
            raise rejected("equipment_already_returned", item=item.name)
        if item.state != EquipmentState.OUT:
            raise rejected("equipment_already_recorded", item=item.name, item_state=item.state.value)
        self._require(input.actor, item.custodian_email, mailbox=item.custodian_mailbox)

    @workflow.update
    async def flag_for_settlement(self, input: FlagForSettlement) -> EquipmentLoan:
        item = self._equipment[input.item_id]
        item.settlement, item.settlement_note = input.flagged, input.note if input.flagged else ""
        event = "equipment_flagged_for_settlement" if input.flagged else "equipment_settlement_flag_removed"
        self._record(event, self._with_note(f"{item.name} ({input.actor.email})", input.note), input.actor)
        self._changed = True
        await self._publish()
        return item

    @flag_for_settlement.validator
    def _check_flag(self, input: FlagForSettlement) -> None:
        self._require_open()
        if input.actor.role not in (Role.HR, Role.SYSTEM):
            raise rejected("hr_only")
        item = self._equipment.get(input.item_id)
        if item is None:
            raise rejected("equipment_unknown", item_id=input.item_id)
        if item.settlement == input.flagged:
            raise rejected("settlement_unchanged", item=item.name)

    @workflow.update
    async def reopen_return(self, input: ReopenReturn) -> EquipmentLoan:
        item = self._equipment[input.item_id]
        item.state = EquipmentState.OUT
        item.returned_at = item.confirmed_by = None
        item.note = input.reason
        self._record("equipment_reopened", f"{item.name}: {input.reason} ({input.actor.email})", input.actor)
        self._changed = True
        await self._publish()
        return item

    @reopen_return.validator
    def _check_reopen_return(self, input: ReopenReturn) -> None:
        self._require_open()
        item = self._equipment.get(input.item_id)
        if item is None:
            raise rejected("equipment_unknown", item_id=input.item_id)
        if item.state == EquipmentState.OUT:
            raise rejected("equipment_not_returned", item=item.name)
        self._require(input.actor, item.custodian_email, mailbox=item.custodian_mailbox)

    async def _remind_equipment(self, due: Due) -> None:
        items = [item.name for item in self._outstanding()]
        if not items:
            return
        reg = self._registration
        await self._send(due.key, "equipment_reminder", reg.employee.work_email, reg.employee.language, items=items)

    async def _escalate_equipment(self, due: Due) -> None:
        org = self._org
        missing = self._outstanding()
        if not missing:
            return
        for item in missing:
            item.escalated = True
        self._record("equipment_missing", ", ".join(item.name for item in missing))
        listing = [{"name": item.name, "custodian_email": item.custodian_email} for item in missing]
        await self._send(due.key, "equipment_missing", org.hr.email, org.hr.language, items=listing)

    async def _note_last_day_over(self, due: Due) -> None:
        self._record("last_day_over", self._last_day.isoformat())

    def _outstanding(self) -> list[EquipmentLoan]:
        return [item for item in self._equipment.values() if item.state == EquipmentState.OUT]

    # Step 4: the exit interview, in its own workflow.
    async def _start_interview(self) -> None:
        reg = self._registration
        self._interview_status = InterviewStatus.INVITED
        self._steps[Step.EXIT_INTERVIEW] = StepState.RUNNING
        self._interview_last_day = self._last_day
        self._interview = await workflow.start_child_workflow(
            ExitInterviewWorkflow.run,
            InterviewInput(
                case_id=self._case_id,
                employee=Interviewee(
                    name=reg.employee.name,
                    work_email=reg.employee.work_email,
                    private_email=reg.employee.private_email,
                    language=reg.employee.language,
                ),
                manager_email=reg.manager.email,
                manager_language=reg.manager.language,
                departure_type=reg.departure.type,
                last_working_day=self._last_day,
                organisation=self._organisation,
                calendar=self._calendar,
                mail_context=self._mail_context(),
            ),
            id=ExitInterviewWorkflow.id_for(self._case_id),
        )

    @workflow.signal
    def interview_status_changed(self, status: InterviewStatus) -> None:
        self._interview_status = status
        self._changed = True

    @workflow.signal
    def refresh_read_model(self) -> None:
        """Publish the case's state to the read model, all of it, and from now on at every change: for cases opened before
        it was published, and after a database restored from an older backup."""
        self._publisher.start_over()
        self._changed = True

    # Changes while running.
    @workflow.update
    async def move_last_day(self, input: MoveLastDay) -> CaseView:
        previous, self._last_day = self._last_day, input.last_working_day
        for task in self._tasks.values():
            if task.due_working_days_before is not None:
                task.due_date = self._due_date(task.due_working_days_before)
        if self._due_dates_floored:
            self._lift_escalations()
        self._record(
            "last_day_moved", self._with_note(f"{previous} → {self._last_day} ({input.actor.email})", input.reason)
        )
        self._changed = True
        if self._publisher.enabled:
            await self._publish()
        else:
            await record(
                CaseActivities.move_last_day, MoveLastDayRecord(case_id=self._case_id, last_working_day=self._last_day)
            )
        if self._changes.has(MAIL_AFTER_UPDATE):
            # The interview may not have started yet (the announcement waits for the mail server): it learns
            # of the move, and the people involved are told, after the update has answered.
            self._mail_after_update.send(self._tell_last_day_moved(self._last_day_mails(previous, input.reason)))
            return self.view()
        # The move may arrive while the case is still starting its interview.
        await workflow.wait_condition(lambda: self._interview is not None)
        interview = self._started_interview
        if not interview.done():  # a finished interview has nothing left to move
            try:
                await interview.signal(
                    ExitInterviewWorkflow.last_day_changed, LastDayChanged(last_working_day=self._last_day)
                )
            except Exception:  # it finished in the meantime: the same as above
                self._record("interview_already_finished")
        org, reg = self._org, self._registration
        purpose = f"last_day_moved:{self._last_day}"
        extra: dict[str, Any] = {"previous_last_working_day": previous.isoformat(), "reason": input.reason}
        await asyncio.gather(
            self._send(purpose, "last_day_moved", reg.manager.email, reg.manager.language, **extra),
            self._send(purpose, "last_day_moved", org.hr.email, org.hr.language, **extra),
            self._send(purpose, "last_day_moved", org.facilities.email, org.facilities.language, **extra),
        )
        return self.view()

    def _last_day_mails(self, previous, reason: str) -> list[MailRequest]:
        """Written when the day moves: they tell of this move, also when they go out after a later one."""
        org, reg = self._org, self._registration
        purpose = f"last_day_moved:{self._last_day}"
        extra: dict[str, Any] = {"previous_last_working_day": previous.isoformat(), "reason": reason}
        return [
            self._mail_request(purpose, "last_day_moved", reg.manager.email, reg.manager.language, **extra),
            self._mail_request(purpose, "last_day_moved", org.hr.email, org.hr.language, **extra),
            self._mail_request(purpose, "last_day_moved", org.facilities.email, org.facilities.language, **extra),
        ]

    async def _tell_last_day_moved(self, requests: list[MailRequest]) -> None:
        await workflow.wait_condition(lambda: self._interview is not None)
        interview = self._started_interview
        # An interview started after the move already plans with the new day: no second invitation.
        if not interview.done() and self._last_day != self._interview_last_day:
            self._interview_last_day = self._last_day
            try:
                await interview.signal(
                    ExitInterviewWorkflow.last_day_changed, LastDayChanged(last_working_day=self._last_day)
                )
            except Exception:  # it finished in the meantime: nothing left to move
                self._record("interview_already_finished")
        await self._deliver_together(requests)

    def _lift_escalations(self) -> None:
        """What is no longer late after the move is no longer escalated; it escalates again if it becomes late."""
        policy = self._policy
        for task in self._tasks.values():
            if task.escalated and task.state == TaskState.OPEN:
                overdue_on = task.due_date + timedelta(days=policy.task_escalation_days_after_due)
                task.escalated = local_moment(overdue_on, policy.working_hours_start, policy.timezone) <= workflow.now()
        if not self._last_day_is_over():
            for item in self._outstanding():
                item.escalated = False

    @move_last_day.validator
    def _check_move(self, input: MoveLastDay) -> None:
        self._require_open()
        self._require(input.actor)
        if input.last_working_day < self._registration.departure.notice_date:
            raise rejected("last_day_before_notice")
        if input.last_working_day == self._last_day:
            raise rejected("last_day_unchanged")
        if (input.last_working_day - self._registration.departure.notice_date).days > MAX_DAYS_AFTER_NOTICE:
            raise rejected("last_day_too_far")
        if self._organisation is None:
            raise rejected("case_starting")

    @workflow.update
    async def withdraw(self, input: Withdraw) -> None:
        self._withdrawal = input
        self._status = CaseStatus.WITHDRAWN
        self._changed = True
        self._record("withdrawn", f"{input.reason} ({input.actor.email})".strip())
        await self._publish()

    @withdraw.validator
    def _check_withdraw(self, input: Withdraw) -> None:
        self._require_open()
        self._require(input.actor)

    # Access: the person's account is switched off at the end of the last working day, or at once on HR's word.
    async def _start_access(self) -> None:
        # access-v1: cases started before it carry no marker and replay without any of this. The old branch (no
        # access step) can go once no case started before it is still open or kept in Temporal.
        if not self._changes.has(ACCESS):
            return
        known = self._opening.access_method if self._opening is not None else None
        if await self._access.start(self._case_id, known) == AccessMethod.EVENT:
            org = self._org
            title = ACCESS_TASK_TITLES[org.facilities.language] % {"name": self._registration.employee.name}
            self._access.started.task_id = self._add_task(
                title, str(org.facilities.email), offset=0, source="access"
            ).id
        self._access.follow(
            lambda: end_of_day(self._last_day, self._policy.timezone),
            self._revoke_request,
            Followups(published=self._access_published, escalated=self._access_escalated),
        )

    async def _end_access(self) -> None:
        if self._withdrawal is not None:
            self._access.cancel()
        await self._access.settled()

    def _revoke_request(self, immediate: bool, requested_by: str | None) -> RevokeAccess:
        employee = self._registration.employee
        return RevokeAccess(
            case_id=self._case_id,
            method=self._access.started.method,
            employee_id=employee.id,
            work_email=employee.work_email,
            immediate=immediate,
            requested_by=requested_by,
        )

    @workflow.update
    async def revoke_access_now(self, input: RevokeAccessNow) -> AccessView:
        self._record("access_end_now", f"{input.reason} ({input.actor.email})".strip())
        self._changed = True
        return self._access.end_now(input)

    @revoke_access_now.validator
    def _check_revoke_now(self, input: RevokeAccessNow) -> None:
        self._require_open()
        if input.actor.role not in (Role.HR, Role.SYSTEM):
            raise rejected("hr_only")
        if self._access.view is None:
            raise rejected("case_starting") if self._access.asked else rejected("access_not_available")
        if not self._access.can_end_now():
            raise rejected("access_already_ending", access_state=self._access.view.state.value)

    async def _access_published(self, immediate: bool) -> None:
        """No SCIM endpoint: the signed ``access.revoke`` webhook for other systems; IT/facilities holds the task."""
        employee, org = self._registration.employee, self._org
        self._webhooks.publish(payloads.access_revoke(self.view(), workflow.now(), str(employee.work_email), immediate))
        if immediate:
            await self._send(
                "access_now",
                "access_now",
                org.facilities.email,
                org.facilities.language,
                reason=self._access.started.reason,
            )

    async def _access_escalated(self, receipt: AccessReceipt) -> None:
        org = self._org
        extra: dict[str, Any] = {
            "outcome": receipt.outcome.value,
            "account_id": receipt.account_id or "",
            "answer": receipt.answer,
        }
        await self._deliver_together(
            [
                self._mail_request("access_failed", "access_failed", org.hr.email, org.hr.language, **extra),
                self._mail_request(
                    "access_failed", "access_failed", org.facilities.email, org.facilities.language, **extra
                ),
            ]
        )

    # The case follows its agenda until every step is done or has run out of time.
    async def _follow_up(self) -> None:
        while self._withdrawal is None:
            self._note_interview_outcome()
            await perform_due(self._agenda, self._perform, self._done, stop=lambda: self._withdrawal is not None)
            self._update_steps()
            self._webhooks.steps_changed()  # webhooks-v1: steps that became done; no-op without the patch
            await self._publish()
            if self._withdrawal is not None or self._ready_to_close():
                return
            upcoming = self._agenda()
            if due_now(upcoming):
                continue
            self._changed = False
            await wait_until_due(upcoming, lambda: self._changed or self._interview_just_finished())

    def _agenda(self) -> list[Due]:
        policy, reg = self._policy, self._registration
        zone, start, end = policy.timezone, policy.working_hours_start, policy.working_hours_end
        # The moment the last working day is over: the case may close then.
        items: list[Due] = [
            Due(end_of_day(self._last_day, zone), f"last_day_over:{self._last_day}", "note_last_day_over")
        ]
        if reg.team_announcement_date and reg.team_email:
            items.append(
                Due(
                    local_moment(reg.team_announcement_date, start, zone),
                    f"team_announcement:{reg.team_announcement_date}",
                    "announce_to_team",
                )
            )
        for task in self._tasks.values():
            if task.state != TaskState.OPEN:
                continue
            remind_on = task.due_date - timedelta(days=policy.task_reminder_days_before_due)
            items.append(
                Due(
                    local_moment(remind_on, start, zone),
                    f"task_reminder:{task.id}:{task.due_date}:{task.assignee_email}",
                    "remind_task",
                    task.id,
                )
            )
            if not task.escalated:
                overdue_on = task.due_date + timedelta(days=policy.task_escalation_days_after_due)
                items.append(
                    Due(
                        local_moment(overdue_on, start, zone),
                        f"task_overdue:{task.id}:{task.due_date}",
                        "escalate_task",
                        task.id,
                    )
                )
        if self._outstanding():
            remind_on = add_working_days(
                self._last_day, -policy.equipment_reminder_working_days_before, self._work_calendar
            )
            items.append(
                Due(local_moment(remind_on, start, zone), f"equipment_reminder:{self._last_day}", "remind_equipment")
            )
            if not all(item.escalated for item in self._outstanding()):
                items.append(
                    Due(
                        local_moment(self._last_day, end, zone),
                        f"equipment_missing:{self._last_day}",
                        "escalate_equipment",
                    )
                )
        return pending(items, self._done)

    async def _perform(self, due: Due) -> None:
        actions = {
            "note_last_day_over": self._note_last_day_over,
            "announce_to_team": self._announce_to_team,
            "remind_task": self._remind_task,
            "escalate_task": self._escalate_task,
            "remind_equipment": self._remind_equipment,
            "escalate_equipment": self._escalate_equipment,
        }
        await actions[due.action](due)

    def _update_steps(self) -> None:
        open_tasks = [t for t in self._tasks.values() if t.state == TaskState.OPEN]
        if self._tasks:
            self._steps[Step.HANDOVER] = (
                StepState.DONE
                if not open_tasks
                else StepState.ESCALATED
                if all(t.escalated for t in open_tasks)
                else StepState.RUNNING
            )
        outstanding = self._outstanding()
        if self._equipment:
            self._steps[Step.EQUIPMENT] = (
                StepState.DONE
                if not outstanding
                else StepState.ESCALATED
                if all(i.escalated for i in outstanding)
                else StepState.RUNNING
            )

    def _interview_just_finished(self) -> bool:
        return (
            self._interview is not None
            and self._interview.done()
            and self._steps[Step.EXIT_INTERVIEW] == StepState.RUNNING
        )

    def _note_interview_outcome(self) -> None:
        if not self._interview_just_finished():
            return
        outcome = self._started_interview.result()
        self._interview_status = outcome.status
        self._steps[Step.EXIT_INTERVIEW] = {
            InterviewStatus.HELD: StepState.DONE,
            InterviewStatus.DECLINED: StepState.DONE,
            InterviewStatus.SKIPPED: StepState.SKIPPED,
            InterviewStatus.CANCELLED: StepState.CANCELLED,
        }.get(outcome.status, StepState.ESCALATED)

    def _last_day_is_over(self) -> bool:
        return workflow.now() >= end_of_day(self._last_day, self._policy.timezone)

    def _ready_to_close(self) -> bool:
        after_last_day = self._last_day_is_over()
        tasks_settled = all(t.state == TaskState.DONE or t.escalated for t in self._tasks.values())
        equipment_settled = all(i.state != EquipmentState.OUT or i.escalated for i in self._equipment.values())
        interview_settled = self._steps[Step.EXIT_INTERVIEW] != StepState.RUNNING
        return after_last_day and tasks_settled and equipment_settled and interview_settled

    # Step 5: closing, with a stored summary; or winding down after a withdrawal.
    async def _close(self) -> None:
        self._steps[Step.CLOSING] = StepState.RUNNING
        self._status = CaseStatus.CLOSED
        summary = self._summary()
        await record(CaseActivities.close_case, CloseCaseInput(case_id=self._case_id, summary=summary))
        org = self._org
        await self._send(
            "case_closed",
            "case_closed",
            org.hr.email,
            org.hr.language,
            open_tasks=summary.open_tasks,
            missing_equipment=summary.missing_equipment,
            settlement=summary.settlement,
            interview_status=(summary.interview_status or InterviewStatus.NOT_HELD).value,
        )
        self._steps[Step.CLOSING] = StepState.DONE
        self._record("case_closed")

    async def _wind_down(self, withdrawal: Withdraw) -> None:
        if self._interview is not None and not self._interview.done():
            self._interview.cancel()
        if self._interview is not None:
            try:
                outcome = await self._interview
                self._interview_status = outcome.status
            except Exception:
                self._interview_status = InterviewStatus.CANCELLED
        self._status = CaseStatus.WITHDRAWN
        for step, state in self._steps.items():
            if state in (StepState.PENDING, StepState.RUNNING):
                self._steps[step] = StepState.CANCELLED
        summary = self._summary(reason=withdrawal.reason)
        await record(CaseActivities.close_case, CloseCaseInput(case_id=self._case_id, summary=summary))
        org, reg = self._org, self._registration
        recipients: dict[str, str] = {
            reg.manager.email: reg.manager.language,
            org.hr.email: org.hr.language,
            org.facilities.email: org.facilities.language,
        }
        for task in self._tasks.values():
            if task.state == TaskState.OPEN:
                recipients.setdefault(task.assignee_email, self._language_of(task.assignee_email))
        await asyncio.gather(
            *(
                self._send("case_withdrawn", "case_withdrawn", email, language, reason=withdrawal.reason)
                for email, language in recipients.items()
            )
        )

    def _summary(self, reason: str = "") -> CaseSummary:
        return CaseSummary(
            status=self._status,
            open_tasks=[t.title for t in self._tasks.values() if t.state == TaskState.OPEN],
            missing_equipment=[
                i.name for i in self._equipment.values() if i.state in (EquipmentState.OUT, EquipmentState.LOST)
            ],
            settlement=[i.name for i in self._equipment.values() if i.settlement],
            interview_status=self._interview_status,
            reason=reason,
        )

    # Shared plumbing.
    async def _send(
        self,
        purpose: str,
        template: str,
        to: str,
        language: str,
        *,
        later: bool = False,
        link: ActionLink | None = None,
        **extra,
    ) -> bool:
        """Send one mail and note it in the timeline; ``later``: after the running update has answered (True at once)."""
        request = self._mail_request(purpose, template, to, language, link=link, **extra)
        if later:
            self._mail_after_update.send(self._deliver(request))
            return True
        return await self._deliver(request)

    def _mail_request(
        self, purpose: str, template: str, to: str, language: str, *, link: ActionLink | None = None, **extra
    ) -> MailRequest:
        # Answers go to HR, who follows the case, not back to the sending address.
        return MailRequest(
            case_id=self._case_id,
            purpose=purpose,
            template=template,
            to=to,
            language=language,
            context={**self._mail_context(), **extra},
            reply_to=self._org.hr.email,
            link=link,
        )

    async def _deliver(self, request: MailRequest) -> bool:
        return self._delivered(request, await deliver(request))

    async def _deliver_together(self, requests: list[MailRequest]) -> list[bool]:
        """Mails that go out at the same moment: one activity for all (mail-batches-v1), one each for cases from before."""
        if not self._changes.has(MAIL_BATCHES):
            return list(await asyncio.gather(*(self._deliver(request) for request in requests)))
        return [
            self._delivered(request, failure)
            for request, failure in zip(requests, await deliver_all(requests), strict=False)
        ]

    def _delivered(self, request: MailRequest, failure: str | None) -> bool:
        if failure:
            self._record("mail_failed", f"{request.template} → {request.to}: {failure}")
        else:
            self._record("mail_sent", f"{request.template} → {request.to}")
        return failure is None

    def _mail_context(self) -> dict:
        return case_mail_context(self._case_id, self._registration, self._org, self._last_day)

    def _resolve(self, role: AssigneeRole) -> str:
        reg, org = self._registration, self._org
        return str(
            {
                AssigneeRole.MANAGER: reg.manager.email,
                AssigneeRole.SUCCESSOR: reg.successor.email if reg.successor else reg.manager.email,
                AssigneeRole.HR: org.hr.email,
                AssigneeRole.FACILITIES: org.facilities.email,
                AssigneeRole.EMPLOYEE: reg.employee.work_email,
            }[role]
        )

    def _language_of(self, email: str) -> str:
        reg, org = self._registration, self._org
        known = {
            str(reg.manager.email): reg.manager.language,
            str(org.hr.email): org.hr.language,
            str(org.facilities.email): org.facilities.language,
        }
        known |= {str(box.email): box.language for box in org.mailboxes}
        known[str(reg.employee.work_email)] = reg.employee.language
        if reg.successor:
            known[str(reg.successor.email)] = reg.successor.language
        return known.get(email, "nl")

    def _item_listing(self, custodian: str) -> list[str]:
        """The items one custodian takes back, as the mail names them: "Lease car (1-ABC-23)"."""
        return [
            f"{i.name} ({i.asset_tag})" if i.asset_tag else i.name
            for i in self._equipment.values()
            if i.custodian_email == str(custodian)
        ]

    def _other_custodians(self) -> list[str]:
        """Who takes items back besides IT/facilities (a fleet manager's mailbox, a person), in the order of the items."""
        facilities = str(self._org.facilities.email)
        return list(
            dict.fromkeys(i.custodian_email for i in self._equipment.values() if i.custodian_email != facilities)
        )

    def _tasks_by_assignee(self) -> dict[str, list[Task]]:
        grouped: dict[str, list[Task]] = {}
        for task in self._tasks.values():
            grouped.setdefault(task.assignee_email, []).append(task)
        return grouped

    def _open_task(self, task_id: str) -> Task:
        self._require_open()
        task = self._tasks.get(task_id)
        if task is None:
            raise rejected("task_unknown", task_id=task_id)
        if task.state == TaskState.DONE:
            raise rejected("task_already_done", task_id=task_id, title=task.title)
        return task

    def _require_open(self) -> None:
        if self._status != CaseStatus.OPEN:
            raise rejected("case_not_open", case_status=self._status.value)

    def _require(self, actor: Actor, *allowed: str, mailbox: str | None = None) -> None:
        """HR may act on anything in a case; anyone else only where their own address is named, or where a shared
        mailbox they work for (``Actor.mailboxes``, from their account) owns the task or item.

        ``system`` acts for HR: an event from the HR system or an import, with HR's address. The web app
        and the CLI refuse that role from people, so only the service's own code can act as it.
        Addresses compare in any spelling of capitals: cases registered before addresses were kept in lower
        case may hold them otherwise. (A validator only: it leaves no trace in the history, so running cases
        replay unchanged.)"""
        if actor.role in (Role.HR, Role.SYSTEM):
            return
        if any(actor.is_addressed_by(email) for email in allowed) or actor.is_addressed_by(None, mailbox):
            return
        raise rejected("not_permitted", email=actor.email, case_id=self._case_id)

    def _record(self, event: str, detail: str = "", actor: Actor | None = None) -> None:
        by, role = (str(actor.email), actor.role.value) if actor else ("", "")
        self._timeline.append(TimelineEntry(at=workflow.now(), event=event, detail=detail, by=by, by_role=role))

    @staticmethod
    def _with_note(detail: str, note: str) -> str:
        return f"{detail}: “{note}”" if note else detail

    async def _publish(self) -> None:
        """The case as the lists show it (read-model-v1); nothing when it has not changed since the last time."""
        if self._organisation is None:
            return
        snapshot = CaseSnapshot(
            case_id=self._case_id,
            version=0,
            last_working_day=self._last_day,
            steps=self._steps,
            tasks=list(self._tasks.values()),
            equipment=list(self._equipment.values()),
        )
        await self._publisher.publish(snapshot, self._timeline)

    @property
    def _org(self) -> Organisation:
        """The organisation the case was planned with (``plan_case``); nothing reads it before then."""
        if self._organisation is None:
            raise RuntimeError(f"case {self._case_id}: the organisation is read before the case was planned")
        return self._organisation

    @property
    def _work_calendar(self) -> WorkCalendar:
        """The working days the case was planned with (``plan_case``), as ``_org``."""
        if self._calendar is None:
            raise RuntimeError(f"case {self._case_id}: the work calendar is read before the case was planned")
        return self._calendar

    @property
    def _started_interview(self) -> workflow.ChildWorkflowHandle:
        """The exit interview's workflow, for code that runs once it has been started."""
        if self._interview is None:
            raise RuntimeError(f"case {self._case_id}: the exit interview is read before it was started")
        return self._interview

    @property
    def _policy(self):
        return self._org.policy

    @property
    def _case_id(self) -> str:
        return workflow.info().workflow_id
