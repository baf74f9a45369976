"""the case's state and last working day on its task and equipment rows, so that a person's lists read one index

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TABLES = ("case_tasks", "case_items")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("case_open", sa.Boolean(), server_default="1", nullable=False))
            batch.add_column(sa.Column("case_last_day", sa.Date(), nullable=True))
        # Correlated subqueries rather than UPDATE ... FROM: the same statement on SQLite and PostgreSQL.
        op.execute(
            f"UPDATE {table} SET "
            f"case_open = (SELECT cases.status = 'open' FROM cases WHERE cases.id = {table}.case_id), "
            f"case_last_day = (SELECT cases.last_working_day FROM cases WHERE cases.id = {table}.case_id)"
        )
    op.drop_index("case_tasks_assignee_state_due_idx", table_name="case_tasks")
    op.drop_index("case_tasks_mailbox_state_due_idx", table_name="case_tasks")
    op.drop_index("case_items_custodian_state_idx", table_name="case_items")
    op.drop_index("case_items_mailbox_state_idx", table_name="case_items")
    op.create_index(
        "case_tasks_assignee_open_due_idx",
        "case_tasks",
        ["assignee_email", "state", "case_open", "due_date", "case_last_day"],
    )
    op.create_index(
        "case_tasks_mailbox_open_due_idx",
        "case_tasks",
        ["owner_mailbox", "state", "case_open", "due_date", "case_last_day"],
    )
    op.create_index(
        "case_items_custodian_open_idx", "case_items", ["custodian_email", "state", "case_open", "case_last_day"]
    )
    op.create_index(
        "case_items_mailbox_open_idx", "case_items", ["custodian_mailbox", "state", "case_open", "case_last_day"]
    )


def downgrade() -> None:
    op.drop_index("case_items_mailbox_open_idx", table_name="case_items")
    op.drop_index("case_items_custodian_open_idx", table_name="case_items")
    op.drop_index("case_tasks_mailbox_open_due_idx", table_name="case_tasks")
    op.drop_index("case_tasks_assignee_open_due_idx", table_name="case_tasks")
    op.create_index("case_tasks_assignee_state_due_idx", "case_tasks", ["assignee_email", "state", "due_date"])
    op.create_index("case_tasks_mailbox_state_due_idx", "case_tasks", ["owner_mailbox", "state", "due_date"])
    op.create_index("case_items_custodian_state_idx", "case_items", ["custodian_email", "state"])
    op.create_index("case_items_mailbox_state_idx", "case_items", ["custodian_mailbox", "state"])
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("case_last_day")
            batch.drop_column("case_open")
