"""The migrations build exactly the schema the models describe, undo cleanly, and carry existing data along."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from bench.seed_reports import closed_case, record
from cases import queries
from db import migrate
from db.engine import create_engine, create_sessionmaker
from models.tables import Account, Case, InterviewRecordRow, InterviewText, SentMail
from tests.support.environment import fresh_database

# Each test makes a database of the run's kind of its own: the PostgreSQL run runs them too.
pytestmark = pytest.mark.database

CASE_COLUMNS_AT_0007 = (
    "id",
    "employee_id",
    "employee_name",
    "work_email",
    "private_email",
    "language",
    "department",
    "job_title",
    "manager_name",
    "manager_email",
    "departure_type",
    "notice_date",
    "last_working_day",
    "status",
    "registration",
    "created_at",
    "updated_at",
    "closed_at",
    "interview_status",
    "summary",
    "anonymised_at",
)


def test_migrated_schema_matches_the_models(database_url):
    command.check(migrate.alembic_config(database_url))


def test_migrations_downgrade_and_upgrade_again(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    command.check(migrate.alembic_config(url))


async def _with_sessions(url: str, work):
    engine = create_engine(url)
    try:
        return await work(create_sessionmaker(engine))
    finally:
        await engine.dispose()


def test_interviews_held_before_answers_were_kept_apart_get_them_on_upgrade(tmp_path):
    answers = record(
        rating=2,
        recommend=6,
        should_improve="Minder vergaderen met Bram Janssens.",
        went_well="Anouk had fijne collega's.",
        target_group={"gender": "woman"},
    )
    erased = record(rating=5, went_well="Al gewist.")
    # cases and interview_records as revision 0007 has them: the models already carry the later columns.
    old_cases = sa.table(
        "cases", *(sa.column(c.name, c.type) for c in Case.__table__.columns if c.name in CASE_COLUMNS_AT_0007)
    )
    old_interviews = sa.table(
        "interview_records",
        *(
            sa.column(name)
            for name in (
                "case_id",
                "interviewer_email",
                "consent_scope",
                "share_with_manager",
                "consent_text_version",
                "consent_given_at",
                "held_at",
                "created_at",
                "content_erased_at",
            )
        ),
        sa.column("record", sa.JSON()),
    )

    async def seed(sessions):
        async with sessions.begin() as session:
            for number, (answer, erased_at) in enumerate([(answers, None), (erased, datetime.now(UTC))]):
                case = closed_case(closed_at=datetime.now(UTC), case_id=f"offboarding-M{number}-2026-01-05")
                values = {column.name: getattr(case, column.name) for column in old_cases.columns}
                await session.execute(
                    old_cases.insert().values({**values, "created_at": case.closed_at, "updated_at": case.closed_at})
                )
                await session.execute(
                    old_interviews.insert().values(
                        case_id=case.id,
                        interviewer_email="hr@example.org",
                        record=answer,
                        consent_scope="advice_and_experiences",
                        share_with_manager=False,
                        consent_text_version="v1",
                        consent_given_at=case.closed_at,
                        held_at=case.closed_at,
                        created_at=case.closed_at,
                        content_erased_at=erased_at,
                    )
                )

    async def migrated(sessions):
        async with sessions() as session:
            interviews = select(
                InterviewRecordRow.case_id,
                InterviewRecordRow.rating_work_content,
                InterviewRecordRow.recommend_score,
                InterviewRecordRow.gender,
                InterviewRecordRow.primary_reason,
            )
            texts = select(InterviewRecordRow.case_id, InterviewText.field, InterviewText.text).join(
                InterviewRecordRow, InterviewRecordRow.id == InterviewText.interview_id
            )
            return sorted(tuple(row) for row in (await session.execute(interviews)).all()), sorted(
                tuple(row) for row in (await session.execute(texts)).all()
            )

    with fresh_database(tmp_path, "answers", revision="0007") as url:
        asyncio.run(_with_sessions(url, seed))
        migrate.upgrade(url)
        interviews, texts = asyncio.run(_with_sessions(url, migrated))
    assert interviews == [
        ("offboarding-M0-2026-01-05", 2, 6, "woman", "career_opportunity"),
        ("offboarding-M1-2026-01-05", 5, 8, None, "career_opportunity"),
    ], "every record's answers, erased free text or not"
    assert texts == [
        ("offboarding-M0-2026-01-05", "should_improve", "Minder vergaderen met […]."),
        ("offboarding-M0-2026-01-05", "went_well", "[…] had fijne collega's."),
    ], "texts without the case's own names, none of an erased record"


def _seed_mixed_case_addresses(sessions, accounts: list[str]):
    async def seed(sessions):
        async with sessions.begin() as session:
            for email in accounts:
                session.add(Account(email=email, name="Lead", password_hash=None, roles=["manager"], language="nl"))
            case = closed_case(closed_at=datetime.now(UTC), case_id="offboarding-C1-2026-01-05")
            case.work_email, case.manager_email = "Anouk.deVries@Example.org", "Lead@Example.org"
            case.registration = {
                "employee": {"work_email": "Anouk.deVries@Example.org", "private_email": "Anouk@Example.net"},
                "manager": {"name": "Lead", "email": "Lead@Example.org"},
                "equipment": [{"name": "Auto", "custodian_email": "Fleet@Example.org"}, {"name": "Badge"}],
                "note": "Blijft Bereikbaar",
            }
            session.add(case)
            await session.flush()
            session.add(
                SentMail(
                    case_id=case.id,
                    purpose="announcement",
                    recipient="Lead@Example.org",
                    message_id="<m1@offboarding>",
                    subject="Vertrek",
                    status="sent",
                )
            )

    return seed(sessions)


def test_stored_addresses_are_put_in_lower_case_on_upgrade(tmp_path):
    async def stored(sessions):
        async with sessions() as session:
            case = await session.get(Case, "offboarding-C1-2026-01-05")
            emails = list((await session.execute(select(Account.email))).scalars())
            recipients = list((await session.execute(select(SentMail.recipient))).scalars())
            return emails, case, recipients

    with fresh_database(tmp_path, "addresses", revision="0013") as url:
        asyncio.run(
            _with_sessions(
                url, lambda sessions: _seed_mixed_case_addresses(sessions, ["Lead@Example.org", "hr@example.org"])
            )
        )
        migrate.upgrade(url)
        emails, case, recipients = asyncio.run(_with_sessions(url, stored))

    assert sorted(emails) == ["hr@example.org", "lead@example.org"]
    assert (case.work_email, case.manager_email) == ("anouk.devries@example.org", "lead@example.org")
    assert case.registration == {
        "employee": {"work_email": "anouk.devries@example.org", "private_email": "anouk@example.net"},
        "manager": {"name": "Lead", "email": "lead@example.org"},
        "equipment": [{"name": "Auto", "custodian_email": "fleet@example.org"}, {"name": "Badge"}],
        "note": "Blijft Bereikbaar",
    }, "addresses only; names and text keep their capitals"
    assert recipients == ["Lead@Example.org"], "what was sent to whom stays as it was"


def test_two_accounts_differing_only_in_capitals_stop_the_upgrade_and_are_named(tmp_path):
    with fresh_database(tmp_path, "clash", revision="0013") as url:
        asyncio.run(
            _with_sessions(
                url, lambda sessions: _seed_mixed_case_addresses(sessions, ["Lead@Example.org", "lead@example.org"])
            )
        )
        with pytest.raises(Exception, match=r"Lead@Example\.org and lead@example\.org"):
            migrate.upgrade(url)
        emails = asyncio.run(_with_sessions(url, lambda sessions: _emails(sessions)))
    assert sorted(emails) == ["Lead@Example.org", "lead@example.org"], "neither account changed or merged"


async def _emails(sessions):
    async with sessions() as session:
        return list((await session.execute(select(Account.email))).scalars())


def test_task_and_equipment_rows_learn_their_cases_state_and_last_day_on_upgrade(tmp_path):
    """Rows written before migration 0021: the lists still leave out what belongs to a closed case, and order by the
    case's last working day."""
    tasks = sa.table(
        "case_tasks",
        *(sa.column(name) for name in ("case_id", "task_id", "position", "title", "assignee_email", "due_date")),
        *(sa.column(name) for name in ("state", "source", "escalated")),
        sa.column("comments", sa.JSON),
    )
    items = sa.table(
        "case_items",
        *(sa.column(name) for name in ("case_id", "item_id", "position", "name", "custodian_email", "state")),
        *(sa.column(name) for name in ("note", "escalated")),
    )
    now = datetime.now(UTC)
    later, sooner = "offboarding-L1-2026-01-05", "offboarding-S1-2026-01-05"

    async def seed(sessions):
        async with sessions.begin() as session:
            for case_id, days, status in (
                (later, 40, "open"),
                (sooner, 10, "open"),
                ("offboarding-X1-2026-01-05", 5, "closed"),
            ):
                case = closed_case(closed_at=now, case_id=case_id)
                case.status, case.closed_at = status, None if status == "open" else now
                case.last_working_day = now.date() + timedelta(days=days)
                session.add(case)
                await session.flush()
                await session.execute(
                    tasks.insert().values(
                        case_id=case_id,
                        task_id="t1",
                        position=0,
                        title="Overdracht",
                        assignee_email="sam@example.org",
                        due_date=now.date(),
                        state="open",
                        source="checklist",
                        comments=[],
                        escalated=False,
                    )
                )
                await session.execute(
                    items.insert().values(
                        case_id=case_id,
                        item_id="i1",
                        position=0,
                        name="Laptop",
                        custodian_email="it@example.org",
                        state="out",
                        note="",
                        escalated=False,
                    )
                )

    async def listed(sessions):
        async with sessions() as session:
            mine = await queries.tasks_for(session, "sam@example.org")
            to_receive = await queries.items_for(session, "it@example.org")
        return [case.id for _, case in mine.items], mine.total, [case.id for _, case in to_receive.items]

    with fresh_database(tmp_path, "list-rows", revision="0020") as url:
        asyncio.run(_with_sessions(url, seed))
        migrate.upgrade(url)
        task_cases, total, item_cases = asyncio.run(_with_sessions(url, listed))

    assert (task_cases, total) == ([sooner, later], 2), (
        "the closed case's task is gone; due the same day, the sooner leaver first"
    )
    assert item_cases == [sooner, later]


def test_a_report_approved_before_its_comment_was_kept_reads_as_approved_without_one_on_upgrade(tmp_path):
    """A report approved before migration 0022: once its review's workflow is gone, the review page still reads who
    approved it and when, with no comment (that went out only in HR's mail); an approval after the upgrade keeps its
    comment."""
    from activities.reports import ReportActivities
    from models.report import ReportStatus, ReportStatusInput
    from reports import review
    from reports.tables import ReportRow

    reports = sa.table(
        "reports",
        *(sa.column(name) for name in ("id", "revision", "run_id", "period_start", "period_end", "status")),
        *(sa.column(name) for name in ("requested_by", "created_at", "updated_at", "approved_at", "approved_by")),
        sa.column("figures", sa.JSON),
    )
    approved_at = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)

    async def seed(sessions):
        async with sessions.begin() as session:
            for report_id, start, status, by in (
                ("report-2026-01-01-2026-03-31", "2026-01-01", "approved", "board@example.org"),
                ("report-2026-04-01-2026-06-30", "2026-04-01", "in_review", None),
            ):
                await session.execute(
                    reports.insert().values(
                        id=report_id,
                        revision=1,
                        run_id="run",
                        period_start=datetime.fromisoformat(start).date(),
                        period_end=datetime.fromisoformat(start).date() + timedelta(days=89),
                        status=status,
                        requested_by="schedule",
                        created_at=approved_at,
                        updated_at=approved_at,
                        approved_at=approved_at if by else None,
                        approved_by=by,
                        figures={"label": report_id},
                    )
                )

    async def approvals(sessions):
        activities = ReportActivities(None, sessions, None)  # type: ignore[arg-type]
        await activities.set_report_status(
            ReportStatusInput(
                report_id="report-2026-04-01-2026-06-30",
                status=ReportStatus.APPROVED,
                approved_by="ceo@example.org",
                comment="Akkoord, met dank aan HR",
            )
        )
        async with sessions() as session:
            found = []
            for report_id in ("report-2026-01-01-2026-03-31", "report-2026-04-01-2026-06-30"):
                *_, approval = await review.record_of(session, await session.get(ReportRow, report_id))
                found.append(approval)
            return found

    with fresh_database(tmp_path, "approval-comment", revision="0021") as url:
        asyncio.run(_with_sessions(url, seed))
        migrate.upgrade(url)
        before, after = asyncio.run(_with_sessions(url, approvals))

    assert (before.by, before.at, before.comment) == ("board@example.org", approved_at, "")
    assert (after.by, after.comment) == ("ceo@example.org", "Akkoord, met dank aan HR")
