"""access revocations; checklist templates by country, with the departure documents of the Netherlands and Belgium

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 08:00:00

The standard template of revision 0002 held the departure documents of both countries at once. They move to
one template per country; an organisation's own edits stay as they are: only items still exactly as 0002
seeded them are taken out of (or, on downgrade, put back into) a template for every department and role.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _item(title: str, title_en: str | None, assignee: str, due: int) -> dict:
    item = {"title": title, "assignee": assignee, "due_working_days_before": due}
    return {**item, "title_en": title_en} if title_en else item


# The departure documents and the access item as 0002 seeded them: superseded by the country templates below
# and by the access step of every case (the identity provider, or a task for IT/facilities).
SUPERSEDED = [
    _item("Eindafrekening opmaken", None, "hr", 0),
    _item("Werkgeversverklaring of C4 en sociale documenten opmaken", None, "hr", 0),
    _item("Vakantieattest bezorgen", None, "hr", -5),
    _item("Accounts en toegang afsluiten", None, "facilities", -1),
]

# The other items 0002 seeded, which stay, in English too.
ENGLISH = {
    "Overdrachtsdocument schrijven: lopend werk, contacten, wachtwoordkluizen": "Write a handover document: work in progress, contacts, password vaults",
    "Lopende dossiers en contacten overnemen": "Take over ongoing files and contacts",
    "Taken herverdelen en klanten of partners informeren": "Redistribute tasks and inform customers or partners",
    "Afscheidsmoment plannen": "Plan a farewell",
}

# Payroll is HR's in this product: every document is an HR task, due relative to the last working day.
NETHERLANDS = [
    _item(
        "Eindafrekening opmaken: laatste salaris, vakantiegeld en niet-opgenomen vakantiedagen",
        "Prepare the final settlement: last salary, holiday allowance and untaken leave",
        "hr",
        0,
    ),
    _item(
        "Getuigschrift opstellen en meegeven als de medewerker erom vraagt (art. 7:656 BW)",
        "Write and hand over a reference (getuigschrift) if the employee asks for one (art. 7:656 Dutch Civil Code)",
        "hr",
        0,
    ),
    _item(
        "Medewerker schriftelijk laten weten dat niet ingeleverde bedrijfseigendommen met de eindafrekening verrekend kunnen worden, voor zover de arbeidsovereenkomst dat toestaat",
        "Tell the employee in writing that company property not returned may be set off against the final settlement, where the employment contract allows it",
        "hr",
        10,
    ),
]
BELGIUM = [
    _item(
        "C4 (of de elektronische aangifte sociaal risico) klaarmaken, uiterlijk op de laatste werkdag",
        "Prepare the C4 (or its electronic form, the social risk declaration) no later than the last working day",
        "hr",
        0,
    ),
    _item(
        "Vakantieattest opmaken en aan de medewerker meegeven",
        "Draw up the holiday certificate (vakantieattest) and give it to the employee",
        "hr",
        0,
    ),
    _item(
        "Tewerkstellingsattest opmaken en aan de medewerker meegeven",
        "Draw up the employment certificate (tewerkstellingsattest) and give it to the employee",
        "hr",
        0,
    ),
    _item(
        "Eindafrekening opmaken, met het vertrekvakantiegeld",
        "Prepare the final settlement, with the leaving holiday pay (vertrekvakantiegeld)",
        "hr",
        0,
    ),
    _item(
        "Afschrift van de individuele rekening aan de medewerker bezorgen",
        "Give the employee a copy of their individual account (individuele rekening)",
        "hr",
        -20,
    ),
]
COUNTRY_TEMPLATES = [("Vertrekdocumenten Nederland", "NL", NETHERLANDS), ("Vertrekdocumenten België", "BE", BELGIUM)]
STANDARD_NAME = "Standaard vertrek"

templates = sa.table(
    "checklist_templates",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("department", sa.String),
    sa.column("job_title", sa.String),
    sa.column("country", sa.String),
    sa.column("items", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _general_templates(connection) -> list:
    """Templates for every department and role: where 0002's standard items are."""
    query = sa.select(templates.c.id, templates.c.name, templates.c["items"]).where(
        templates.c.department.is_(None), templates.c.job_title.is_(None)
    )
    return list(connection.execute(query))


def _set_items(connection, template_id: int, items: list[dict]) -> None:
    connection.execute(
        templates.update().where(templates.c.id == template_id).values(items=items, updated_at=datetime.now(UTC))
    )


def _without_country_documents(items: list[dict]) -> list[dict]:
    kept = [item for item in items if item not in SUPERSEDED]
    return [
        {**item, "title_en": ENGLISH[item["title"]]}
        if set(item) == {"title", "assignee", "due_working_days_before"} and item["title"] in ENGLISH
        else item
        for item in kept
    ]


def upgrade() -> None:
    op.create_table(
        "access_revocations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=120), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("immediate", sa.Boolean(), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=True),
        sa.Column("account_id", sa.String(length=255), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("access_revocations_case_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("access_revocations_pkey")),
        sa.UniqueConstraint("case_id", name=op.f("access_revocations_case_id_key")),
    )
    with op.batch_alter_table("checklist_templates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))

    connection = op.get_bind()
    for template_id, _name, items in _general_templates(connection):
        changed = _without_country_documents(items)
        if changed != items:
            _set_items(connection, template_id, changed)
    now = datetime.now(UTC)
    op.bulk_insert(
        templates,
        [
            {
                "name": name,
                "department": None,
                "job_title": None,
                "country": country,
                "items": items,
                "created_at": now,
                "updated_at": now,
            }
            for name, country, items in COUNTRY_TEMPLATES
        ],
    )


def downgrade() -> None:
    connection = op.get_bind()
    # Before 0013 a template applied in every country: the country templates cannot stay.
    connection.execute(templates.delete().where(templates.c.country.is_not(None)))
    everything = list(
        connection.execute(
            sa.select(
                templates.c.id, templates.c.name, templates.c.department, templates.c.job_title, templates.c["items"]
            )
        )
    )
    for template_id, name, department, job_title, items in everything:
        # Before 0013 an item had no English title.
        changed = [{key: value for key, value in item.items() if key != "title_en"} for item in items]
        if name == STANDARD_NAME and department is None and job_title is None:
            titles = {item["title"] for item in changed}
            changed += [item for item in SUPERSEDED if item["title"] not in titles]
        if changed != items:
            _set_items(connection, template_id, changed)
    with op.batch_alter_table("checklist_templates", schema=None) as batch_op:
        batch_op.drop_column("country")

    op.drop_table("access_revocations")
