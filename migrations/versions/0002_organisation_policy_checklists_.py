"""organisation policy, checklists, interview records

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 07:46:57.819402
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The starting checklist every organisation gets; HR edits or replaces it through the API.
DEFAULT_CHECKLIST = [
    {
        "title": "Overdrachtsdocument schrijven: lopend werk, contacten, wachtwoordkluizen",
        "assignee": "employee",
        "due_working_days_before": 10,
    },
    {"title": "Lopende dossiers en contacten overnemen", "assignee": "successor", "due_working_days_before": 5},
    {
        "title": "Taken herverdelen en klanten of partners informeren",
        "assignee": "manager",
        "due_working_days_before": 5,
    },
    {"title": "Afscheidsmoment plannen", "assignee": "manager", "due_working_days_before": 3},
    {"title": "Eindafrekening opmaken", "assignee": "hr", "due_working_days_before": 0},
    {
        "title": "Werkgeversverklaring of C4 en sociale documenten opmaken",
        "assignee": "hr",
        "due_working_days_before": 0,
    },
    {"title": "Vakantieattest bezorgen", "assignee": "hr", "due_working_days_before": -5},
    {"title": "Accounts en toegang afsluiten", "assignee": "facilities", "due_working_days_before": -1},
]


def upgrade() -> None:
    op.create_table(
        "checklist_templates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("job_title", sa.String(length=200), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("checklist_templates_pkey")),
    )
    with op.batch_alter_table("checklist_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("checklist_templates_department_idx"), ["department"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("hr_email", sa.String(length=320), nullable=False),
        sa.Column("hr_language", sa.String(length=2), nullable=False),
        sa.Column("facilities_email", sa.String(length=320), nullable=False),
        sa.Column("facilities_language", sa.String(length=2), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("organisations_pkey")),
    )
    op.create_table(
        "interview_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=120), nullable=False),
        sa.Column("interviewer_email", sa.String(length=320), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("consent_scope", sa.String(length=32), nullable=False),
        sa.Column("share_with_manager", sa.Boolean(), nullable=False),
        sa.Column("consent_text_version", sa.String(length=40), nullable=False),
        sa.Column("consent_given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("interview_records_case_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("interview_records_pkey")),
        sa.UniqueConstraint("case_id", name=op.f("interview_records_case_id_key")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interview_status", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("summary", sa.JSON(), nullable=True))

    checklist = sa.table(
        "checklist_templates",
        sa.column("name", sa.String),
        sa.column("department", sa.String),
        sa.column("job_title", sa.String),
        sa.column("items", sa.JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        checklist,
        [
            {
                "name": "Standaard vertrek",
                "department": None,
                "job_title": None,
                "items": DEFAULT_CHECKLIST,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("summary")
        batch_op.drop_column("interview_status")

    op.drop_table("interview_records")
    op.drop_table("organisations")
    with op.batch_alter_table("checklist_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("checklist_templates_department_idx"))

    op.drop_table("checklist_templates")
