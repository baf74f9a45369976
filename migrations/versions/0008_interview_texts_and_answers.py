"""interview answers and texts ready for reports

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00
"""

import sqlalchemy as sa
from alembic import op

from models.questionnaire import reported_answers
from reports.anonymise import shareable_texts

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 1000


def _answer_columns() -> list[sa.Column]:
    return [
        sa.Column("primary_reason", sa.String(length=64), nullable=True),
        sa.Column("secondary_reasons", sa.JSON(), nullable=True),
        sa.Column("rating_work_content", sa.Integer(), nullable=True),
        sa.Column("rating_working_conditions", sa.Integer(), nullable=True),
        sa.Column("rating_working_relations", sa.Integer(), nullable=True),
        sa.Column("rating_terms_of_employment", sa.Integer(), nullable=True),
        sa.Column("rating_work_organisation", sa.Integer(), nullable=True),
        sa.Column("felt_safe", sa.Integer(), nullable=True),
        sa.Column("felt_at_home", sa.Integer(), nullable=True),
        sa.Column("felt_valued", sa.Integer(), nullable=True),
        sa.Column("influences", sa.JSON(), nullable=True),
        sa.Column("recommend_score", sa.Integer(), nullable=True),
        sa.Column("gender", sa.String(length=32), nullable=True),
        sa.Column("age_band", sa.String(length=32), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("interview_records", schema=None) as batch_op:
        for column in _answer_columns():
            batch_op.add_column(column)
    texts = op.create_table(
        "interview_texts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interview_records.id"],
            name=op.f("interview_texts_interview_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("interview_texts_pkey")),
    )
    with op.batch_alter_table("interview_texts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("interview_texts_interview_id_idx"), ["interview_id"], unique=False)
    _copy_from_records(texts)


def _copy_from_records(texts: sa.Table) -> None:
    """The answers of interviews already held, and their texts unless the free text was erased."""
    bind = op.get_bind()
    interviews = sa.table(
        "interview_records",
        sa.column("id"),
        sa.column("case_id"),
        sa.column("record", sa.JSON()),
        sa.column("content_erased_at"),
        *[sa.column(c.name, c.type) for c in _answer_columns()],
    )
    cases = sa.table("cases", sa.column("id"), sa.column("employee_name"), sa.column("manager_name"))
    last = 0
    while True:
        batch = bind.execute(
            sa.select(
                interviews.c.id,
                interviews.c.record,
                interviews.c.content_erased_at,
                cases.c.employee_name,
                cases.c.manager_name,
            )
            .join(cases, cases.c.id == interviews.c.case_id)
            .where(interviews.c.id > last)
            .order_by(interviews.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        rows = []
        for interview_id, record, erased_at, employee_name, manager_name in batch:
            bind.execute(interviews.update().where(interviews.c.id == interview_id).values(**reported_answers(record)))
            if erased_at is None:
                rows += [
                    {"interview_id": interview_id, "field": field, "text": text}
                    for field, text in shareable_texts(record, (employee_name, manager_name)).items()
                ]
        if rows:
            op.bulk_insert(texts, rows)
        last = batch[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("interview_texts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("interview_texts_interview_id_idx"))
    op.drop_table("interview_texts")
    with op.batch_alter_table("interview_records", schema=None) as batch_op:
        for column in reversed(_answer_columns()):
            batch_op.drop_column(column.name)
