"""The management review as people do it in the web app, the API and the CLI: the review's updates (findings,
actions, approval, an action done), and what the review keeps beside the workflow in the database: an owner's
progress notes on an action, a reviewer's remark sending the report back to HR, and HR's answer to it.

The workflow decides who may do what it holds; the notes are checked here by the same rules (the owner, a
reviewer of this report, or HR) and refused with the same reasons."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from accounts import store as accounts
from cases.service import ActionRejected, CaseDidNotAnswer, CaseUnavailable
from models.accounts import AccountRole
from models.actors import Actor, Role
from models.organisation import Contact
from models.refusals import Refusal
from models.report import (
    AddAction,
    AddFinding,
    AnswerRemark,
    Approval,
    ApproveReport,
    ChangeAction,
    CompleteAction,
    Finding,
    ReviewAction,
    ReviewText,
    ReviewView,
    SendBackReport,
    SetReviewers,
)
from reports import periods, service
from reports.service import ReportNotFound
from reports.tables import ReportActionRow, ReportFindingRow, ReportRow, ReviewNoteRow
from workflows.review import ReviewWorkflow


class SendBack(BaseModel):
    """A reviewer does not approve yet: the report goes back to HR with what they want looked at."""

    model_config = ConfigDict(extra="forbid")
    actor: Actor
    remark: ReviewText


class ProgressNote(BaseModel):
    """An action's owner tells how it goes; ``done`` marks the action done with the note."""

    model_config = ConfigDict(extra="forbid")
    actor: Actor
    action_id: str = Field(min_length=1, max_length=16)
    note: ReviewText
    done: bool = False


# The notes between the reviewers and HR: a remark that sends the report back, and HR's answer to it.
EXCHANGE = ("sent_back", "answered")


def _awaits_answer(kinds: list[str]) -> bool:
    """Whether the last of the notes of these kinds, in the order written, is a remark HR has not answered."""
    exchange = [kind for kind in kinds if kind in EXCHANGE]
    return bool(exchange) and exchange[-1] == "sent_back"


@dataclass(frozen=True)
class OwnedAction:
    """An open action of a review, as its owner sees it in their tasks."""

    report_id: str
    label: str
    action_id: str
    text: str
    due_date: date
    notes: list[ReviewNoteRow]

    @property
    def late(self) -> bool:
        return self.due_date < date.today()


@dataclass(frozen=True)
class EarlierAction:
    """An action of an earlier report, as the next report's review page shows it: live from the database."""

    report_id: str
    label: str
    action_id: str
    text: str
    owner_email: str
    due_date: date
    done_at: datetime | None
    notes: list[ReviewNoteRow]

    @property
    def state(self) -> str:
        return state_of(self.done_at, self.due_date)


@dataclass(frozen=True)
class RecordedAction:
    """An action as the database keeps it, once the review's workflow no longer answers."""

    id: str
    text: str
    owner_email: str
    due_date: date
    done_at: datetime | None
    done_by: str | None


@dataclass(frozen=True)
class ReviewPage:
    """Everything the review page shows of one report: from the running review while Temporal keeps it, otherwise
    from what the review stored in the database as it went (findings, actions, the approval)."""

    report: ReportRow
    view: ReviewView | None
    notes: list[ReviewNoteRow]
    findings: list[Finding]
    actions: list[ReviewAction | RecordedAction]
    approval: Approval | None

    @property
    def label(self) -> str:
        return (self.report.figures or {}).get("label") or self.report.id

    @property
    def on_record(self) -> bool:
        """The review has ended and what it recorded is read from the database."""
        return self.view is None and bool(self.approval or self.findings or self.actions or self.notes)

    def notes_on(self, action_id: str) -> list[ReviewNoteRow]:
        return [n for n in self.notes if n.action_key == action_id]

    @property
    def remarks(self) -> list[ReviewNoteRow]:
        """The reviewers' remarks sending the report back and HR's answers, in the order they were written."""
        return [n for n in self.notes if n.kind in EXCHANGE]

    @property
    def awaits_answer(self) -> bool:
        """A remark sent the report back and HR has not answered it yet."""
        return self.view is not None and self.approval is None and _awaits_answer([n.kind for n in self.notes])


def state_of(done_at: datetime | None, due_date: date, today: date | None = None) -> str:
    """An action's state as its readers see it: done, late once past its due date, or open."""
    if done_at is not None:
        return "done"
    return "late" if due_date < (today or date.today()) else "open"


# The workflow's updates: the one place outside workflows/ that names them.
async def add_finding(client: Client, report_id: str, payload: AddFinding) -> Finding:
    return await service.act_on_review(client, report_id, ReviewWorkflow.add_finding, payload)


async def add_action(client: Client, report_id: str, payload: AddAction) -> ReviewAction:
    return await service.act_on_review(client, report_id, ReviewWorkflow.add_action, payload)


async def approve(client: Client, report_id: str, payload: ApproveReport) -> ReviewView:
    return await service.act_on_review(client, report_id, ReviewWorkflow.approve, payload)


async def complete_action(client: Client, report_id: str, payload: CompleteAction) -> ReviewAction:
    return await service.act_on_review(client, report_id, ReviewWorkflow.complete_action, payload)


async def reviewers_chosen(client: Client, session: AsyncSession, actor: Actor, reviewers: list[Contact]) -> list[str]:
    """HR chose other reviewers in the report settings: every review still waiting for approval takes them (a
    reviewer added gets the report by mail). The reports whose review changed; one approved meanwhile, ended, or not
    reachable now keeps the reviewers it had."""
    if not reviewers:
        return []
    waiting = select(ReportRow.id).where(ReportRow.status == "in_review").order_by(ReportRow.period_end)
    changed = []
    for report_id in (await session.execute(waiting)).scalars():
        try:
            await service.act_on_review(
                client, report_id, ReviewWorkflow.set_reviewers, SetReviewers(actor=actor, reviewers=reviewers)
            )
        except (ActionRejected, ReportNotFound, CaseUnavailable, CaseDidNotAnswer):
            continue
        changed.append(report_id)
    return changed


# Reading.
async def page(client: Client, session: AsyncSession, report_id: str) -> ReviewPage:
    report = await session.get(ReportRow, report_id)
    if report is None:
        raise ReportNotFound(report_id)
    view = await service.review_view(client, report_id)
    notes = await _notes(session, report)
    if view is not None:
        return ReviewPage(
            report=report,
            view=view,
            notes=notes,
            findings=view.findings,
            actions=list(view.actions),
            approval=view.approval,
        )
    findings, actions, approval = await record_of(session, report)
    return ReviewPage(report=report, view=None, notes=notes, findings=findings, actions=actions, approval=approval)


async def record_of(
    session: AsyncSession, report: ReportRow
) -> tuple[list[Finding], list[ReviewAction | RecordedAction], Approval | None]:
    """What the review of ``report`` stored as it went: its findings, its actions with their state, its approval."""

    def of(table: Any) -> Any:
        return (
            select(table)
            .where(table.report_id == report.id, table.revision == report.revision)
            .order_by(table.created_at, table.id)
        )

    findings = [
        Finding(id=row.key, text=row.text, author_email=row.author_email, at=row.created_at)
        for row in (await session.execute(of(ReportFindingRow))).scalars()
    ]
    actions: list[ReviewAction | RecordedAction] = [
        RecordedAction(
            id=row.key,
            text=row.text,
            owner_email=row.owner_email,
            due_date=row.due_date,
            done_at=row.completed_at,
            done_by=row.completed_by,
        )
        for row in (await session.execute(of(ReportActionRow))).scalars()
    ]
    approval = None
    if report.approved_by and report.approved_at:
        approval = Approval(by=report.approved_by, at=report.approved_at, comment=report.approval_comment or "")
    return findings, actions, approval


async def _notes(session: AsyncSession, report: ReportRow) -> list[ReviewNoteRow]:
    query = (
        select(ReviewNoteRow)
        .where(ReviewNoteRow.report_id == report.id, ReviewNoteRow.revision == report.revision)
        .order_by(ReviewNoteRow.id)
    )
    return list((await session.execute(query)).scalars())


async def open_actions_of(session: AsyncSession, email: str) -> list[OwnedAction]:
    """The actions ``email`` owns that are not done yet, the first due first, with the notes on them."""
    query = (
        select(ReportActionRow, ReportRow)
        .join(ReportRow, (ReportRow.id == ReportActionRow.report_id) & (ReportRow.revision == ReportActionRow.revision))
        .where(func.lower(ReportActionRow.owner_email) == email.lower(), ReportActionRow.completed_at.is_(None))
        .order_by(ReportActionRow.due_date, ReportActionRow.id)
    )
    owned = []
    for action, report in (await session.execute(query)).all():
        notes = [n for n in await _notes(session, report) if n.action_key == action.key]
        label = (report.figures or {}).get("label") or report.id
        owned.append(
            OwnedAction(
                report_id=report.id,
                label=label,
                action_id=action.key,
                text=action.text,
                due_date=action.due_date,
                notes=notes,
            )
        )
    return owned


async def earlier_actions(session: AsyncSession, report: ReportRow, zone: str) -> list[EarlierAction]:
    """The actions of the reports on earlier periods that were still open when ``report``'s period began: those open
    now and those done since, with their notes, the first due first. As the report's own "earlier actions" chooses
    them, but as they stand now rather than when the report was made."""
    since, _ = periods.utc_bounds(report.period_start, report.period_end, zone)
    query = (
        select(ReportActionRow, ReportRow)
        .join(ReportRow, (ReportRow.id == ReportActionRow.report_id) & (ReportRow.revision == ReportActionRow.revision))
        .where(
            ReportRow.period_end < report.period_start,
            or_(ReportActionRow.completed_at.is_(None), ReportActionRow.completed_at >= since),
        )
        .order_by(ReportActionRow.due_date, ReportRow.period_end, ReportActionRow.id)
    )
    found = (await session.execute(query)).all()
    notes: dict[tuple[str, int, str], list[ReviewNoteRow]] = {}
    if found:
        note_query = (
            select(ReviewNoteRow)
            .where(ReviewNoteRow.report_id.in_({r.id for _, r in found}), ReviewNoteRow.action_key.is_not(None))
            .order_by(ReviewNoteRow.id)
        )
        for note in (await session.execute(note_query)).scalars():
            notes.setdefault((note.report_id, note.revision, note.action_key or ""), []).append(note)
    return [
        EarlierAction(
            report_id=earlier.id,
            label=(earlier.figures or {}).get("label") or earlier.id,
            action_id=action.key,
            text=action.text,
            owner_email=action.owner_email,
            due_date=action.due_date,
            done_at=action.completed_at,
            notes=notes.get((earlier.id, earlier.revision, action.key), []),
        )
        for action, earlier in found
    ]


async def reviewer_choices(session: AsyncSession) -> list[Any]:
    """The accounts that may review: active, with the reviewer role."""
    return await accounts.with_role(session, AccountRole.REVIEWER)


async def owner_choices(session: AsyncSession) -> list[Any]:
    """Whom an action may be given to: every active account."""
    return [account for account in await accounts.all_accounts(session) if account.active]


def status_of(report: ReportRow, kinds: list[str]) -> str:
    """The report's status as its readers see it, from the kinds of its notes in the order written: sent back to HR
    from a reviewer's remark until HR answers it (then it is with the reviewers again), and until it is approved."""
    return "sent_back" if report.status == "in_review" and _awaits_answer(kinds) else report.status


async def statuses(session: AsyncSession, reports: list[ReportRow]) -> dict[str, str]:
    """``status_of`` for a list of reports, in one query that reads only the kinds of their remarks and answers."""
    query = (
        select(ReviewNoteRow.report_id, ReviewNoteRow.revision, ReviewNoteRow.kind)
        .where(ReviewNoteRow.kind.in_(EXCHANGE), ReviewNoteRow.report_id.in_([r.id for r in reports]))
        .order_by(ReviewNoteRow.id)
    )
    kinds: dict[tuple[str, int], list[str]] = {}
    for report_id, revision, kind in (await session.execute(query)).all():
        kinds.setdefault((report_id, revision), []).append(kind)
    return {r.id: status_of(r, kinds.get((r.id, r.revision), [])) for r in reports}


# The notes kept beside the workflow.
async def send_back(client: Client, session: AsyncSession, report_id: str, payload: SendBack) -> ReviewNoteRow:
    """The review checks the reviewer and mails HR the remark; the remark is then kept for the review page."""
    review = await page(client, session, report_id)
    if review.view is None:
        raise ActionRejected(Refusal("review_ended", report=review.label))
    await service.act_on_review(
        client, report_id, ReviewWorkflow.send_back, SendBackReport(actor=payload.actor, remark=payload.remark)
    )
    email = str(payload.actor.email).lower()
    return await _keep(session, review.report, None, "sent_back", email, payload.remark)


async def answer_remark(client: Client, session: AsyncSession, report_id: str, payload: AnswerRemark) -> ReviewNoteRow:
    """HR answers the remark that sent the report back: the review checks it is HR's and that a remark waits, and
    mails the reviewers; the answer is then kept under the remark for the review page."""
    review = await page(client, session, report_id)
    if review.view is None:
        raise ActionRejected(Refusal("review_ended", report=review.label))
    await service.act_on_review(client, report_id, ReviewWorkflow.answer_remark, payload)
    email = str(payload.actor.email).lower()
    return await _keep(session, review.report, None, "answered", email, payload.answer)


async def note_progress(
    client: Client, session: AsyncSession, report_id: str, payload: ProgressNote, reviewing: str | None = None
) -> ReviewNoteRow:
    """Keep the note on an action of ``report_id``; with ``done``, mark the action done in the review first, so that a
    refused completion keeps no note saying it was done.

    The action's owner, HR and the report's reviewers may; from the review page of a later report (``reviewing``),
    that report's reviewers too, for an action it lists among the earlier ones."""
    review = await page(client, session, report_id)
    query = select(ReportActionRow).where(
        ReportActionRow.report_id == report_id,
        ReportActionRow.revision == review.report.revision,
        ReportActionRow.key == payload.action_id,
    )
    action = (await session.execute(query)).scalar_one_or_none()
    if action is None:
        raise ActionRejected(Refusal("action_unknown", action_id=payload.action_id))
    email = str(payload.actor.email).lower()
    reviewers = review.view.reviewers if review.view else []
    reviewer_of = None
    if payload.actor.role != Role.HR and email != action.owner_email.lower() and email not in reviewers:
        if reviewing is not None and await _reviews_later(client, session, reviewing, review.report, email):
            reviewer_of = reviewing
        else:
            raise ActionRejected(Refusal("not_action_owner", email=email, action_id=action.key))
    if action.completed_at is not None:
        raise ActionRejected(
            Refusal("action_already_done", action_id=action.key, on=action.completed_at.date().isoformat())
        )
    kind: Literal["progress", "done"] = "progress"
    if payload.done:
        done = CompleteAction(actor=payload.actor, action_id=action.key, note=payload.note, reviewer_of=reviewer_of)
        await complete_action(client, report_id, done)
        kind = "done"
    return await _keep(session, review.report, action.key, kind, email, payload.note)


async def change_action(
    client: Client, session: AsyncSession, report_id: str, payload: ChangeAction, reviewing: str | None = None
) -> ReviewAction:
    """Give an open action of ``report_id`` to another owner, or move its due date. HR and the report's reviewers may;
    from the review page of a later report (``reviewing``), that report's reviewers too."""
    review = await page(client, session, report_id)
    email = str(payload.actor.email).lower()
    reviewers = review.view.reviewers if review.view else []
    reviewer_of = None
    if payload.actor.role != Role.HR and email not in reviewers:
        if reviewing is None or not await _reviews_later(client, session, reviewing, review.report, email):
            raise ActionRejected(Refusal("not_a_reviewer", email=email, report=review.label))
        reviewer_of = reviewing
    changed = payload.model_copy(update={"reviewer_of": reviewer_of})
    return await service.act_on_review(client, report_id, ReviewWorkflow.change_action, changed)


async def _reviews_later(client: Client, session: AsyncSession, later_id: str, earlier: ReportRow, email: str) -> bool:
    """Whether ``email`` reviews the report ``later_id``, which comes after ``earlier`` and so lists its actions."""
    later = await session.get(ReportRow, later_id)
    if later is None or later.period_start <= earlier.period_end:
        return False
    view = await service.review_view(client, later_id)
    return view is not None and email in view.reviewers


async def _keep(
    session: AsyncSession, report: ReportRow, action_key: str | None, kind: str, email: str, text: str
) -> ReviewNoteRow:
    note = ReviewNoteRow(
        report_id=report.id,
        revision=report.revision,
        action_key=action_key,
        kind=kind,
        author_email=email,
        text=text,
        created_at=datetime.now(UTC),
    )
    session.add(note)
    await session.commit()
    return note
