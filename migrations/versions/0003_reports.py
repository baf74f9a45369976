"""periodic reports, their review, and the report settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The defaults of models.report.ReportPolicy, frozen here so the migration never changes with the code.
DEFAULT_REPORT_POLICY = {
    "report_period": "quarter",
    "report_min_group_size": 5,
    "reviewers": [],
    "review_reminder_interval_days": 7,
    "review_reminder_count": 2,
    "action_reminder_days_before_due": 3,
}


def upgrade() -> None:
    op.create_table(
        "report_settings",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("report_settings_pkey")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("reports_pkey")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("reports_period_end_idx"), ["period_end"], unique=False)
        batch_op.create_index(batch_op.f("reports_period_start_idx"), ["period_start"], unique=False)

    for name in ("report_findings", "report_actions"):
        columns = [
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("report_id", sa.String(length=120), nullable=False),
            sa.Column("revision", sa.Integer(), nullable=False),
            sa.Column("key", sa.String(length=16), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
        ]
        if name == "report_findings":
            columns += [
                sa.Column("author_email", sa.String(length=320), nullable=False),
                sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            ]
        else:
            columns += [
                sa.Column("owner_email", sa.String(length=320), nullable=False),
                sa.Column("due_date", sa.Date(), nullable=False),
                sa.Column("created_by", sa.String(length=320), nullable=False),
                sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
                sa.Column("completed_by", sa.String(length=320), nullable=True),
            ]
        op.create_table(
            name,
            *columns,
            sa.ForeignKeyConstraint(
                ["report_id"], ["reports.id"], name=op.f(f"{name}_report_id_fkey"), ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"{name}_pkey")),
            sa.UniqueConstraint("report_id", "revision", "key", name=op.f(f"{name}_report_id_key")),
        )
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"{name}_report_id_idx"), ["report_id"], unique=False)

    op.create_table(
        "report_mails",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.String(length=120), nullable=False),
        sa.Column("purpose", sa.String(length=120), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("report_mails_report_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("report_mails_pkey")),
        sa.UniqueConstraint("message_id", name=op.f("report_mails_message_id_key")),
        sa.UniqueConstraint("report_id", "purpose", "recipient", name=op.f("report_mails_report_id_key")),
    )
    with op.batch_alter_table("report_mails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("report_mails_report_id_idx"), ["report_id"], unique=False)

    settings = sa.table(
        "report_settings",
        sa.column("id", sa.String),
        sa.column("policy", sa.JSON),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(settings, [{"id": "default", "policy": DEFAULT_REPORT_POLICY, "updated_at": datetime.now(UTC)}])


def downgrade() -> None:
    for name in ("report_mails", "report_actions", "report_findings"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"{name}_report_id_idx"))
        op.drop_table(name)
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("reports_period_start_idx"))
        batch_op.drop_index(batch_op.f("reports_period_end_idx"))
    op.drop_table("reports")
    op.drop_table("report_settings")
