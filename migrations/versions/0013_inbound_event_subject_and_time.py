"""inbound events keep their CloudEvents subject and time

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import models.events  # noqa: F401  (registers the table's model for `alembic check`)

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("event_time", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_column("event_time")
        batch_op.drop_column("subject")
