"""the interviewer's preparation of an exit interview: where they saw the employee excel

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interviewer_preparations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=120), nullable=False),
        sa.Column("author_email", sa.String(length=320), nullable=False),
        sa.Column("excelled", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("interviewer_preparations_case_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("interviewer_preparations_pkey")),
        sa.UniqueConstraint("case_id", name=op.f("interviewer_preparations_case_id_key")),
    )


def downgrade() -> None:
    op.drop_table("interviewer_preparations")
