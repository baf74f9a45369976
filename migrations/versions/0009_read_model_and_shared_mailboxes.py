"""the read model of cases (tasks, items, timeline, progress, interview) and shared mailboxes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "role_mailboxes",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("role_mailboxes_pkey")),
        sa.UniqueConstraint("email", name=op.f("role_mailboxes_email_key")),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("case_events_case_id_fkey"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("case_events_pkey")),
        sa.UniqueConstraint("case_id", "source", "seq", name=op.f("case_events_case_id_key")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("case_events_at_idx"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("case_events_case_id_idx"), ["case_id"], unique=False)

    op.create_table(
        "case_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=120), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("custodian_email", sa.String(length=320), nullable=False),
        sa.Column("custodian_mailbox", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=320), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("case_items_case_id_fkey"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("case_items_pkey")),
        sa.UniqueConstraint("case_id", "item_id", name=op.f("case_items_case_id_key")),
    )
    with op.batch_alter_table("case_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("case_items_case_id_idx"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("case_items_custodian_email_idx"), ["custodian_email"], unique=False)
        batch_op.create_index(batch_op.f("case_items_custodian_mailbox_idx"), ["custodian_mailbox"], unique=False)
        batch_op.create_index(batch_op.f("case_items_state_idx"), ["state"], unique=False)

    op.create_table(
        "case_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=120), nullable=False),
        sa.Column("task_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("assignee_email", sa.String(length=320), nullable=False),
        sa.Column("owner_mailbox", sa.String(length=64), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("completed_by", sa.String(length=320), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("case_tasks_case_id_fkey"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("case_tasks_pkey")),
        sa.UniqueConstraint("case_id", "task_id", name=op.f("case_tasks_case_id_key")),
    )
    with op.batch_alter_table("case_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("case_tasks_assignee_email_idx"), ["assignee_email"], unique=False)
        batch_op.create_index(batch_op.f("case_tasks_case_id_idx"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("case_tasks_due_date_idx"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("case_tasks_owner_mailbox_idx"), ["owner_mailbox"], unique=False)
        batch_op.create_index(batch_op.f("case_tasks_state_idx"), ["state"], unique=False)

    op.create_table(
        "mailbox_members",
        sa.Column("mailbox_key", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("mailbox_members_account_id_fkey"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["mailbox_key"], ["role_mailboxes.key"], name=op.f("mailbox_members_mailbox_key_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("mailbox_key", "account_id", name=op.f("mailbox_members_pkey")),
    )
    with op.batch_alter_table("mailbox_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("mailbox_members_account_id_idx"), ["account_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("steps", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("tasks_total", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("tasks_done", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("items_total", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("items_returned", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("next_due_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("interview_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("interview_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("interview_end", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("interview_online", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("interviewer_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("interviewer_name", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("cases_interviewer_email_idx"), ["interviewer_email"], unique=False)
        batch_op.create_index(batch_op.f("cases_next_due_date_idx"), ["next_due_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("cases_next_due_date_idx"))
        batch_op.drop_index(batch_op.f("cases_interviewer_email_idx"))
        batch_op.drop_column("interviewer_name")
        batch_op.drop_column("interviewer_email")
        batch_op.drop_column("interview_online")
        batch_op.drop_column("interview_end")
        batch_op.drop_column("interview_start")
        batch_op.drop_column("interview_version")
        batch_op.drop_column("next_due_date")
        batch_op.drop_column("items_returned")
        batch_op.drop_column("items_total")
        batch_op.drop_column("tasks_done")
        batch_op.drop_column("tasks_total")
        batch_op.drop_column("steps")
        batch_op.drop_column("read_version")

    with op.batch_alter_table("mailbox_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("mailbox_members_account_id_idx"))

    op.drop_table("mailbox_members")
    with op.batch_alter_table("case_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("case_tasks_state_idx"))
        batch_op.drop_index(batch_op.f("case_tasks_owner_mailbox_idx"))
        batch_op.drop_index(batch_op.f("case_tasks_due_date_idx"))
        batch_op.drop_index(batch_op.f("case_tasks_case_id_idx"))
        batch_op.drop_index(batch_op.f("case_tasks_assignee_email_idx"))

    op.drop_table("case_tasks")
    with op.batch_alter_table("case_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("case_items_state_idx"))
        batch_op.drop_index(batch_op.f("case_items_custodian_mailbox_idx"))
        batch_op.drop_index(batch_op.f("case_items_custodian_email_idx"))
        batch_op.drop_index(batch_op.f("case_items_case_id_idx"))

    op.drop_table("case_items")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("case_events_case_id_idx"))
        batch_op.drop_index(batch_op.f("case_events_at_idx"))

    op.drop_table("case_events")
    op.drop_table("role_mailboxes")
