"""the organisation's self-declared target groups: each interview's answers to them, given with their own consent;
and the employee's consent to the board reading a short record of the interview

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Copied out of the record's target group when it is stored, like gender and age band; earlier records have none.
    op.add_column("interview_records", sa.Column("declared_groups", sa.JSON(), nullable=True))
    # Nobody was asked before: no earlier record is for the board.
    op.add_column(
        "interview_records",
        sa.Column("share_with_board", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("interview_records", "share_with_board")
    op.drop_column("interview_records", "declared_groups")
