"""inbound events from the HR system, outgoing webhook deliveries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 08:48:53.702172
"""

import sqlalchemy as sa
from alembic import op

# The tables live in models/events.py; migrations/env.py reads the metadata of models.tables only.
# Importing the module here registers them there too, so that `alembic check` (tests/operations/test_migrations.py)
# compares them with this migration instead of proposing to drop them.
import models.events  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=True),
        sa.Column("type", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("case_id", sa.String(length=120), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("accepted_key", sa.String(length=64), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["duplicate_of"], ["inbound_events.id"], name=op.f("inbound_events_duplicate_of_fkey"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("inbound_events_pkey")),
        sa.UniqueConstraint("accepted_key", name=op.f("inbound_events_accepted_key_key")),
    )
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("inbound_events_case_id_idx"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("inbound_events_event_id_idx"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("inbound_events_received_at_idx"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("inbound_events_status_idx"), ["status"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("webhook_deliveries_pkey")),
        sa.UniqueConstraint("event_id", "url", name=op.f("webhook_deliveries_event_id_key")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("webhook_deliveries_case_id_idx"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("webhook_deliveries_case_id_idx"))

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("inbound_events_status_idx"))
        batch_op.drop_index(batch_op.f("inbound_events_received_at_idx"))
        batch_op.drop_index(batch_op.f("inbound_events_event_id_idx"))
        batch_op.drop_index(batch_op.f("inbound_events_case_id_idx"))

    op.drop_table("inbound_events")
