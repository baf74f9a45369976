"""cases and sent mails

Revision ID: 0001
Revises:
Create Date: 2026-11-26 07:36:36.533756
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("employee_id", sa.String(length=64), nullable=False),
        sa.Column("employee_name", sa.String(length=200), nullable=False),
        sa.Column("work_email", sa.String(length=320), nullable=False),
        sa.Column("private_email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("manager_name", sa.String(length=200), nullable=False),
        sa.Column("manager_email", sa.String(length=320), nullable=False),
        sa.Column("departure_type", sa.String(length=32), nullable=False),
        sa.Column("notice_date", sa.Date(), nullable=False),
        sa.Column("last_working_day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("registration", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("cases_pkey")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("cases_department_idx"), ["department"], unique=False)
        batch_op.create_index(batch_op.f("cases_departure_type_idx"), ["departure_type"], unique=False)
        batch_op.create_index(batch_op.f("cases_employee_id_idx"), ["employee_id"], unique=False)
        batch_op.create_index(batch_op.f("cases_last_working_day_idx"), ["last_working_day"], unique=False)
        batch_op.create_index(batch_op.f("cases_manager_email_idx"), ["manager_email"], unique=False)
        batch_op.create_index(batch_op.f("cases_status_idx"), ["status"], unique=False)

    op.create_table(
        "sent_mails",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=120), nullable=False),
        sa.Column("purpose", sa.String(length=120), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("sent_mails_case_id_fkey"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("sent_mails_pkey")),
        sa.UniqueConstraint("case_id", "purpose", "recipient", name=op.f("sent_mails_case_id_key")),
        sa.UniqueConstraint("message_id", name=op.f("sent_mails_message_id_key")),
    )
    with op.batch_alter_table("sent_mails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("sent_mails_case_id_idx"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sent_mails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("sent_mails_case_id_idx"))

    op.drop_table("sent_mails")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("cases_status_idx"))
        batch_op.drop_index(batch_op.f("cases_manager_email_idx"))
        batch_op.drop_index(batch_op.f("cases_last_working_day_idx"))
        batch_op.drop_index(batch_op.f("cases_employee_id_idx"))
        batch_op.drop_index(batch_op.f("cases_departure_type_idx"))
        batch_op.drop_index(batch_op.f("cases_department_idx"))

    op.drop_table("cases")
