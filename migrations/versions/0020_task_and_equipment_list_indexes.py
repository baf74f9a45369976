"""indexes for the lists people work from: a person's or a mailbox's open tasks by due date, and the equipment a
person or a mailbox is to receive

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 18:45:00
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("case_tasks_assignee_state_due_idx", "case_tasks", ["assignee_email", "state", "due_date"])
    op.create_index("case_tasks_mailbox_state_due_idx", "case_tasks", ["owner_mailbox", "state", "due_date"])
    op.create_index("case_items_custodian_state_idx", "case_items", ["custodian_email", "state"])
    op.create_index("case_items_mailbox_state_idx", "case_items", ["custodian_mailbox", "state"])


def downgrade() -> None:
    op.drop_index("case_items_mailbox_state_idx", table_name="case_items")
    op.drop_index("case_items_custodian_state_idx", table_name="case_items")
    op.drop_index("case_tasks_mailbox_state_due_idx", table_name="case_tasks")
    op.drop_index("case_tasks_assignee_state_due_idx", table_name="case_tasks")
