"""The migrations build exactly the schema the models describe, undo cleanly, and carry existing data along."""

import asyncio
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from bench.seed_reports import closed_case, record
from db import migrate
from db.engine import create_engine, create_sessionmaker
from models.tables import Case, InterviewRecordRow, InterviewText

CASE_COLUMNS_AT_0007 = (
    "id", "employee_id", "employee_name", "work_email", "private_email", "language", "department", "job_title", "manager_name", "manager_email",
    "departure_type", "notice_date", "last_working_day", "status", "registration", "created_at", "updated_at", "closed_at", "interview_status",
    "summary", "anonymised_at",
)
from tests.conftest import fresh_database


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
    answers = record(rating=2, recommend=6, should_improve="Minder vergaderen met Bram Janssens.", went_well="Anouk had fijne collega's.", target_group={"gender": "woman"})
    erased = record(rating=5, went_well="Al gewist.")
    # cases and interview_records as revision 0007 has them: the models already carry the later columns.
    old_cases = sa.table("cases", *(sa.column(c.name, c.type) for c in Case.__table__.columns if c.name in CASE_COLUMNS_AT_0007))
    old_interviews = sa.table(
        "interview_records", *(sa.column(name) for name in ("case_id", "interviewer_email", "consent_scope", "share_with_manager", "consent_text_version", "consent_given_at", "held_at", "created_at", "content_erased_at")), sa.column("record", sa.JSON())
    )

    async def seed(sessions):
        async with sessions.begin() as session:
            for number, (answer, erased_at) in enumerate([(answers, None), (erased, datetime.now(timezone.utc))]):
                case = closed_case(closed_at=datetime.now(timezone.utc), case_id=f"offboarding-M{number}-2026-01-05")
                values = {column.name: getattr(case, column.name) for column in old_cases.columns}
                await session.execute(old_cases.insert().values({**values, "created_at": case.closed_at, "updated_at": case.closed_at}))
                await session.execute(
                    old_interviews.insert().values(
                        case_id=case.id, interviewer_email="hr@example.org", record=answer, consent_scope="advice_and_experiences", share_with_manager=False,
                        consent_text_version="v1", consent_given_at=case.closed_at, held_at=case.closed_at, created_at=case.closed_at, content_erased_at=erased_at,
                    )
                )

    async def migrated(sessions):
        async with sessions() as session:
            interviews = select(InterviewRecordRow.case_id, InterviewRecordRow.rating_work_content, InterviewRecordRow.recommend_score, InterviewRecordRow.gender, InterviewRecordRow.primary_reason)
            texts = select(InterviewRecordRow.case_id, InterviewText.field, InterviewText.text).join(InterviewRecordRow, InterviewRecordRow.id == InterviewText.interview_id)
            return sorted(tuple(row) for row in (await session.execute(interviews)).all()), sorted(tuple(row) for row in (await session.execute(texts)).all())

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
