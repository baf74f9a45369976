"""the approval's comment on the report, so that a review's record outlives its workflow in Temporal

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reports approved before this keep no comment: it went out only in HR's mail.
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("approval_comment", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("approval_comment")
