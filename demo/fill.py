"""Filling an empty installation with the demo organisation, the way its people would have.

Every case is registered through the one door (``cases.service.register``) and taken to its state with the same
validated updates the pages, the API and the command line send (``cases.service.act``), each by the person whose
step it is: the manager adds a task, the interviewer records the interview, the custodian takes back a laptop.
What a real case does over weeks comes from its dates: a departure registered weeks after its notice has tasks
past due, one whose last working day has passed closes once everything is settled. The report of the last
period that has ended is made as HR makes a missed one (``reports.service``), and its reviewer starts the review.
Nothing is written to the database except through the accounts and report-settings services; the workflows
write the rest."""

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from accounts import store as accounts
from cases import service
from cases.errors import CaseUnavailable
from config import Settings
from demo.people import ACCOUNTS, DEPARTURES, Departure, account
from models.accounts import AccountRole, NewAccount
from models.actors import Actor, Role
from models.handover import (
    AddTask,
    CompleteTask,
    ConfirmReturn,
    EquipmentState,
    FlagForSettlement,
    MoveLastDay,
    TaskState,
    Withdraw,
)
from models.interview import AcceptSlot, AssignInterviewer, DeclineInterview, InterviewStatus, SubmitInterview
from models.organisation import FACILITIES_MAILBOX, HR_MAILBOX, Organisation
from models.registration import Registration
from models.report import AddAction, AddFinding, ReportPolicy
from models.tables import Case
from organisation import store
from planning.workdays import add_working_days, calendar_for
from reports import periods, settings_store
from reports import service as reports
from reports.tables import ReportRow
from workflows.review import ReviewWorkflow

# How long the demo waits for a case (or the report) to reach the state it walks it to; a worker answers in
# well under a second, so running out of this means no worker is there.
PATIENCE_SECONDS = 60.0
# Cases walked side by side: each waits on its workflow most of the time.
AT_ONCE = 4
# The states whose cases close before the demo ends (their last working day is over and all is settled).
CLOSING = {"closed", "closed_declined"}


class NotEmpty(Exception):
    """The installation already has cases: the demo fills only an empty one."""


class NoWorker(Exception):
    """A case or the report did not get where the demo walks it: no worker took its work in time."""


@dataclass
class Outcome:
    password: str
    created: list[str] = field(default_factory=list)  # emails of accounts made now (others existed already)
    cases: dict[str, str] = field(default_factory=dict)  # case id -> the state the demo walked it to
    report: str = ""  # label of the report under review, empty when none could be made
    report_note: str = ""


async def case_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(Case))).scalar_one()


async def fill(
    settings: Settings,
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    progress: Callable[[str], None] = lambda _: None,
) -> Outcome:
    if await case_count(sessions):
        raise NotEmpty()
    outcome = Outcome(password=_password())
    async with sessions() as session:
        organisation = await store.load(session, settings)
        outcome.created = await _accounts(session, outcome.password)
        await session.commit()
    progress(f"accounts: {len(ACCOUNTS)}")
    walk = _Walk(client, settings.task_queue, organisation)
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(departure: Departure) -> None:
        async with gate:
            case_id = await walk.case(departure)
            outcome.cases[case_id] = departure.state
            progress(f"{departure.state:12} {departure.name} ({case_id})")

    # The first case alone: without a worker it is the one that says so.
    await one(DEPARTURES[0])
    await asyncio.gather(*(one(departure) for departure in DEPARTURES[1:]))
    await walk.until_closed(sessions, [case_id for case_id, state in outcome.cases.items() if state in CLOSING])
    outcome.report, outcome.report_note = await _report(settings, client, sessions)
    return outcome


def _password() -> str:
    # One password for every demo account, new each time: a demo on a reachable machine is no open door.
    return f"demo-{secrets.token_urlsafe(9)}"


async def _accounts(session: AsyncSession, password: str) -> list[str]:
    created = []
    for person in ACCOUNTS:
        if await accounts.by_email(session, person.email) is None:
            await accounts.create(
                session,
                NewAccount(email=person.email, name=person.name, roles=[person.role], language="nl", password=password),
            )
            created.append(person.email)
    return created


async def _eventually(check: Callable[[], Awaitable[Any]], what: str, patience: float = PATIENCE_SECONDS) -> Any:
    deadline = asyncio.get_running_loop().time() + patience
    while True:
        try:
            found = await check()
        except CaseUnavailable:
            found = None
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise NoWorker(what)
        await asyncio.sleep(0.1)


class _Walk:
    """Takes each departure from its registration to its state, as its people would."""

    def __init__(self, client: Client, task_queue: str, organisation: Organisation) -> None:
        self._client, self._task_queue, self._org = client, task_queue, organisation
        self._today = date.today()
        self._calendar = calendar_for(organisation.country, range(self._today.year - 1, self._today.year + 2))
        hr, interviewer = account(AccountRole.HR), account(AccountRole.INTERVIEWER)
        self._hr = Actor(email=hr.email, role=Role.HR, mailboxes=[HR_MAILBOX])
        self._custodian = Actor(
            email=account(AccountRole.CUSTODIAN).email, role=Role.CUSTODIAN, mailboxes=[FACILITIES_MAILBOX]
        )
        self._interviewer = {"name": interviewer.name, "email": interviewer.email, "language": "nl"}

    def working_days(self, count: int) -> date:
        return add_working_days(self._today, count, self._calendar)

    async def case(self, departure: Departure) -> str:
        registration = Registration.model_validate(departure.registration(self._today, self.working_days))
        case_id = (await service.register(self._client, registration, self._task_queue)).case_id
        view = await _eventually(lambda: self._started(case_id), f"case {case_id} did not start")
        steps = {
            "registered": self._nothing,
            "overdue": self._overdue,
            "invited": self._invited,
            "agreed": self._agreed,
            "held": self._held_open,
            "declined": self._declined,
            "dismissal": self._nothing,
            "withdrawn": self._withdrawn,
            "closed": self._closed,
            "closed_declined": self._closed_declined,
        }
        await steps[departure.state](case_id, departure, registration, view)
        return case_id

    async def _started(self, case_id: str):
        """The case's view once its tasks are planned and its interview has invited (or asked HR first)."""
        view = await service.view(self._client, case_id)
        if view is None or not view.tasks or view.interview is None:
            return None
        interview = view.interview
        if interview.status == InterviewStatus.INVITED and not interview.invitations_sent:
            return None
        return view

    async def _act(self, case_id: str, payload) -> Any:
        return await service.act(self._client, case_id, payload)

    @staticmethod
    def _employee(registration: Registration) -> Actor:
        return Actor(email=registration.employee.work_email, role=Role.EMPLOYEE)

    @staticmethod
    def _manager(registration: Registration) -> Actor:
        return Actor(email=registration.manager.email, role=Role.MANAGER)

    async def _nothing(self, *_: Any) -> None:
        return None

    async def _overdue(self, case_id: str, departure: Departure, registration: Registration, view) -> None:
        # Agreed at the notice, due last week: they escalate to HR at once, as they would have days ago.
        notice = registration.departure.notice_date
        for title, by, assignee, days in [
            ("Klantdossiers overdragen aan Daan", self._manager(registration), registration.employee.work_email, -4),
            (
                "Openstaande offertes doorlopen met de opvolger",
                self._manager(registration),
                registration.employee.work_email,
                -2,
            ),
            ("Afspraken over resterend verlof vastleggen", self._hr, self._org.hr.email, -3),
        ]:
            await self._act(
                case_id,
                AddTask(actor=by, title=title, assignee_email=assignee, due_date=max(notice, self.working_days(days))),
            )
        await self._complete_some(case_id, view, 2)

    async def _invited(self, case_id: str, departure: Departure, registration: Registration, view) -> None:
        await self._act(case_id, AssignInterviewer(actor=self._hr, interviewer=self._interviewer))
        await self._complete_some(case_id, view, 1)

    async def _agreed(self, case_id: str, departure: Departure, registration: Registration, view) -> None:
        await self._act(case_id, AssignInterviewer(actor=self._hr, interviewer=self._interviewer))
        await self._act(
            case_id, AcceptSlot(actor=self._employee(registration), start=view.interview.proposed_slots[0].start)
        )
        await self._complete_some(case_id, view, 3)

    async def _held_open(self, case_id: str, departure: Departure, registration: Registration, view) -> None:
        await self._interview_held(case_id, departure)
        await self._complete_some(case_id, view, len(view.tasks) // 2)
        await self._act(case_id, ConfirmReturn(actor=self._custodian, item_id=view.equipment[-1].id))

    async def _declined(self, case_id: str, departure: Departure, registration: Registration, view) -> None:
        reason = "Ik heb alles al met mijn leidinggevende besproken."
        await self._act(case_id, DeclineInterview(actor=self._employee(registration), reason=reason))
        await self._complete_some(case_id, view, 2)

    async def _withdrawn(self, case_id: str, departure: Departure, registration: Registration, view) -> None:
        await self._act(case_id, Withdraw(actor=self._hr, reason="Ontslag ingetrokken: Ruben blijft in dienst."))

    async def _closed(self, case_id: str, departure: Departure, registration: Registration, view) -> None:
        await self._interview_held(case_id, departure)
        await self._complete_some(case_id, view, len(view.tasks))
        for item in view.equipment:
            damaged = item.kind == "phone"
            outcome = EquipmentState.RETURNED_DAMAGED if damaged else EquipmentState.RETURNED
            await self._act(
                case_id,
                ConfirmReturn(
                    actor=self._custodian, item_id=item.id, outcome=outcome, note="Scherm gebarsten" if damaged else ""
                ),
            )
            if damaged:
                await self._act(
                    case_id, FlagForSettlement(actor=self._hr, item_id=item.id, note="Eigen bijdrage reparatie scherm")
                )
        # The remaining leave taken before the last day: it is over now, and with everything settled the case closes.
        await self._act(
            case_id,
            MoveLastDay(actor=self._hr, last_working_day=self.working_days(-1), reason="Resterend verlof opgenomen"),
        )

    async def _closed_declined(self, case_id: str, departure: Departure, registration: Registration, view) -> None:
        # Registered after the last day: the fuel card never came back (HR was told), the interview was declined, the tasks are done.
        await self._act(
            case_id,
            DeclineInterview(
                actor=self._employee(registration),
                reason="Geen tijd meer, ik ben al bij mijn nieuwe werkgever begonnen.",
            ),
        )
        await self._complete_some(case_id, view, len(view.tasks))

    async def _interview_held(self, case_id: str, departure: Departure) -> None:
        interviewer = Actor(email=self._interviewer["email"], role=Role.INTERVIEWER)
        await self._act(case_id, AssignInterviewer(actor=self._hr, interviewer=self._interviewer))
        held = departure.interview
        assert held is not None, f"{departure.name} is not a departure with an interview held"
        consent = {
            "scope": held.scope.value,
            "share_with_manager": held.share_with_manager,
            "text_version": self._org.policy.consent_text_version,
        }
        # Arranged by phone and held today: no time agreed in the product, so the record gives the day.
        today = datetime.now(ZoneInfo(self._org.policy.timezone)).date()
        submitted = {"actor": interviewer, "record": held.record(), "consent": consent, "held_on": today}
        await self._act(case_id, SubmitInterview.model_validate(submitted))

    async def _complete_some(self, case_id: str, view, count: int) -> None:
        """The first ``count`` open tasks done, each by whoever it was given to."""
        for task in [t for t in view.tasks if t.state == TaskState.OPEN][:count]:
            by = (
                self._hr
                if task.owner_mailbox == HR_MAILBOX
                else self._custodian
                if task.owner_mailbox == FACILITIES_MAILBOX
                else Actor(email=task.assignee_email, role=Role.ASSIGNEE)
            )
            await self._act(case_id, CompleteTask(actor=by, task_id=task.id, comment=""))

    async def until_closed(self, sessions: async_sessionmaker[AsyncSession], case_ids: list[str]) -> None:
        async def closed() -> bool:
            async with sessions() as session:
                rows = (await session.execute(select(Case.status).where(Case.id.in_(case_ids)))).scalars().all()
            return len(rows) == len(case_ids) and all(status == "closed" for status in rows)

        await _eventually(closed, "the cases whose last day is over did not close")


async def _report(settings: Settings, client: Client, sessions: async_sessionmaker[AsyncSession]) -> tuple[str, str]:
    """The report of the last period that has ended, made as HR makes one the schedule missed, with its review begun."""
    reviewer = account(AccountRole.REVIEWER)
    async with sessions.begin() as session:
        policy = await settings_store.load(session)
        if reviewer.email not in {str(r.email).lower() for r in policy.reviewers}:
            wanted = [
                *(r.model_dump(mode="json") for r in policy.reviewers),
                {"email": reviewer.email, "language": "nl"},
            ]
            policy = await settings_store.update(
                session, ReportPolicy.model_validate({**policy.model_dump(), "reviewers": wanted})
            )
    async with sessions() as session:
        organisation = await store.load(session, settings)
        today = periods.local_date(datetime.now(UTC), organisation.policy.timezone)
        start, end = periods.period_just_ended(today, policy.report_period)
        try:
            start, end = await reports.missed_period(session, settings, periods.label(start, end))
        except reports.PeriodRefused as refused:
            return "", refused.message
    started = await reports.start_period(client, start, end, settings.task_queue, account(AccountRole.HR).email)

    async def under_review() -> bool:
        async with sessions() as session:
            row = await session.get(ReportRow, started.report_id)
        return row is not None and await reports.review_view(client, started.report_id) is not None

    await _eventually(under_review, f"report {started.report_id} was not made")
    actor = Actor(email=reviewer.email, role=Role.MANAGER)
    await reports.act_on_review(
        client,
        started.report_id,
        ReviewWorkflow.add_finding,
        AddFinding(
            actor=actor,
            text="Te weinig exitgesprekken om per afdeling iets te zeggen; we volgen de trend per kwartaal.",
        ),
    )
    await reports.act_on_review(
        client,
        started.report_id,
        ReviewWorkflow.add_action,
        AddAction(
            actor=actor,
            text="Loopbaangesprekken voor alle medewerkers inplannen.",
            owner_email=account(AccountRole.HR).email,
            due_date=date.today() + timedelta(days=60),
        ),
    )
    return started.label, ""
