"""The management review as people do it in the web app, the API and the CLI: the review's updates (findings,
actions, approval, an action done), and what the review keeps beside the workflow in the database: an owner's
progress notes on an action and a reviewer's remark sending the report back to HR.

The workflow decides who may do what it holds; the notes are checked here by the same rules (the owner, a
reviewer of this report, or HR) and refused with the same reasons."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from accounts import store as accounts
from cases.service import ActionRejected
from models.accounts import AccountRole
from models.actors import Actor, Role
from models.refusals import Refusal
from models.report import (
    AddAction,
    AddFinding,
    ApproveReport,
    CompleteAction,
    Finding,
    ReviewAction,
    ReviewText,
    ReviewView,
    SendBackReport,
)
from reports import service
from reports.service import ReportNotFound
from reports.tables import ReportActionRow, ReportRow, ReviewNoteRow
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
class ReviewPage:
    """Everything the review page shows of one report."""

    report: ReportRow
    view: ReviewView | None
    notes: list[ReviewNoteRow]

    @property
    def label(self) -> str:
        return (self.report.figures or {}).get("label") or self.report.id

    def notes_on(self, action_id: str) -> list[ReviewNoteRow]:
        return [n for n in self.notes if n.action_key == action_id]

    @property
    def remarks(self) -> list[ReviewNoteRow]:
        return [n for n in self.notes if n.kind == "sent_back"]


# The workflow's updates: the one place outside workflows/ that names them.
async def add_finding(client: Client, report_id: str, payload: AddFinding) -> Finding:
    return await service.act_on_review(client, report_id, ReviewWorkflow.add_finding, payload)


async def add_action(client: Client, report_id: str, payload: AddAction) -> ReviewAction:
    return await service.act_on_review(client, report_id, ReviewWorkflow.add_action, payload)


async def approve(client: Client, report_id: str, payload: ApproveReport) -> ReviewView:
    return await service.act_on_review(client, report_id, ReviewWorkflow.approve, payload)


async def complete_action(client: Client, report_id: str, payload: CompleteAction) -> ReviewAction:
    return await service.act_on_review(client, report_id, ReviewWorkflow.complete_action, payload)


# Reading.
async def page(client: Client, session: AsyncSession, report_id: str) -> ReviewPage:
    report = await session.get(ReportRow, report_id)
    if report is None:
        raise ReportNotFound(report_id)
    return ReviewPage(
        report=report, view=await service.review_view(client, report_id), notes=await _notes(session, report)
    )


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


async def reviewer_choices(session: AsyncSession) -> list[Any]:
    """The accounts that may review: active, with the reviewer role."""
    return await accounts.with_role(session, AccountRole.REVIEWER)


async def owner_choices(session: AsyncSession) -> list[Any]:
    """Whom an action may be given to: every active account."""
    return [account for account in await accounts.all_accounts(session) if account.active]


def status_of(report: ReportRow, notes: list[ReviewNoteRow]) -> str:
    """The report's status as its readers see it: sent back to HR once a reviewer did, until it is approved."""
    if report.status == "in_review" and any(n.kind == "sent_back" for n in notes):
        return "sent_back"
    return report.status


async def statuses(session: AsyncSession, reports: list[ReportRow]) -> dict[str, str]:
    """``status_of`` for a list of reports, in one query."""
    query = select(ReviewNoteRow.report_id, ReviewNoteRow.revision).where(
        ReviewNoteRow.kind == "sent_back", ReviewNoteRow.report_id.in_([r.id for r in reports])
    )
    sent_back = {(report_id, revision) for report_id, revision in (await session.execute(query)).all()}
    return {
        r.id: "sent_back" if r.status == "in_review" and (r.id, r.revision) in sent_back else r.status for r in reports
    }


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


async def note_progress(client: Client, session: AsyncSession, report_id: str, payload: ProgressNote) -> ReviewNoteRow:
    """Keep the owner's note; with ``done``, mark the action done in the review first, so that a refused completion
    keeps no note saying it was done."""
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
    if payload.actor.role != Role.HR and email != action.owner_email.lower() and email not in reviewers:
        raise ActionRejected(Refusal("not_action_owner", email=email, action_id=action.key))
    if action.completed_at is not None:
        raise ActionRejected(
            Refusal("action_already_done", action_id=action.key, on=action.completed_at.date().isoformat())
        )
    kind: Literal["progress", "done"] = "progress"
    if payload.done:
        await complete_action(
            client, report_id, CompleteAction(actor=payload.actor, action_id=action.key, note=payload.note)
        )
        kind = "done"
    return await _keep(session, review.report, action.key, kind, email, payload.note)


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
