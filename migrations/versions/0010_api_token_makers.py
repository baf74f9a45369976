"""who made each API token

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.String(length=320), nullable=True))
    _makers_from_the_audit_log()


def _makers_from_the_audit_log() -> None:
    """Tokens made before the maker was kept: the audit log's entry for their making names who made them
    (an admin or the command line). A token older than the audit log keeps no maker."""
    bind = op.get_bind()
    tokens = sa.table("api_tokens", sa.column("id"), sa.column("created_by"))
    entries = sa.table(
        "audit_log", sa.column("id"), sa.column("actor"), sa.column("action"), sa.column("detail", sa.JSON())
    )
    makers = {}
    for actor, detail in bind.execute(
        sa.select(entries.c.actor, entries.c.detail)
        .where(entries.c.action == "api_token.issued")
        .order_by(entries.c.id)
    ):
        if isinstance(detail, dict) and isinstance(detail.get("token"), str):
            makers.setdefault(detail["token"], actor)
    for (token_id,) in bind.execute(sa.select(tokens.c.id)).all():
        maker = makers.get(token_id[:12])
        if maker is not None:
            bind.execute(tokens.update().where(tokens.c.id == token_id).values(created_by=maker))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("created_by")
