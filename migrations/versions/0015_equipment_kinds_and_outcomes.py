"""equipment in the read model: its kind, asset tag and the final-settlement mark

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="other", nullable=False))
        batch_op.add_column(sa.Column("asset_tag", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("settlement", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("settlement_note", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("case_items", schema=None) as batch_op:
        batch_op.drop_column("settlement_note")
        batch_op.drop_column("settlement")
        batch_op.drop_column("asset_tag")
        batch_op.drop_column("kind")
