"""the organisation's questionnaire in versions, the employee's notes beforehand, and answers given in writing

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interview_templates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("interview_templates_pkey")),
        sa.UniqueConstraint("version", name=op.f("interview_templates_version_key")),
    )
    op.create_table(
        "interview_preparations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=120), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("interview_preparations_case_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("interview_preparations_pkey")),
        sa.UniqueConstraint("case_id", name=op.f("interview_preparations_case_id_key")),
    )
    with op.batch_alter_table("interview_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mode", sa.String(length=16), server_default="conversation", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("interview_records", schema=None) as batch_op:
        batch_op.drop_column("mode")
    op.drop_table("interview_preparations")
    op.drop_table("interview_templates")
