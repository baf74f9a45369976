"""reports per fixed period, kept as published, their free text per answer

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# A month is no longer a report period; the nearest one that is.
NO_LONGER_A_PERIOD = {"month": "quarter"}


def upgrade() -> None:
    op.create_table(
        "report_texts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.String(length=120), nullable=False),
        sa.Column("interview_text_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_text_id"],
            ["interview_texts.id"],
            name=op.f("report_texts_interview_text_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("report_texts_report_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("report_texts_pkey")),
    )
    with op.batch_alter_table("report_texts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("report_texts_interview_text_id_idx"), ["interview_text_id"], unique=False)
        batch_op.create_index(batch_op.f("report_texts_report_id_idx"), ["report_id"], unique=False)
    _settings_to_a_fixed_period()
    _free_text_out_of_stored_reports()


def _settings_to_a_fixed_period() -> None:
    bind = op.get_bind()
    settings = sa.table("report_settings", sa.column("id"), sa.column("policy", sa.JSON()))
    for row_id, policy in bind.execute(sa.select(settings.c.id, settings.c.policy)).all():
        if policy.get("report_period") in NO_LONGER_A_PERIOD:
            changed = {**policy, "report_period": NO_LONGER_A_PERIOD[policy["report_period"]]}
            bind.execute(settings.update().where(settings.c.id == row_id).values(policy=changed))


def _free_text_out_of_stored_reports() -> None:
    """Texts of reports stored before cannot be traced to the answer they came from, so a revoked consent could
    not take them out again: they go. The figures stay as they were published."""
    bind = op.get_bind()
    reports = sa.table("reports", sa.column("id"), sa.column("figures", sa.JSON()))
    for row_id, figures in bind.execute(sa.select(reports.c.id, reports.c.figures)).all():
        sections = figures.get("free_text", [])
        if any(section.get("texts") for section in sections):
            emptied = [{**section, "texts": []} for section in sections]
            bind.execute(
                reports.update().where(reports.c.id == row_id).values(figures={**figures, "free_text": emptied})
            )


def downgrade() -> None:
    with op.batch_alter_table("report_texts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("report_texts_report_id_idx"))
        batch_op.drop_index(batch_op.f("report_texts_interview_text_id_idx"))
    op.drop_table("report_texts")
