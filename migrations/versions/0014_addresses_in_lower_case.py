"""e-mail addresses kept in lower case

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 09:00:00

Addresses are compared in lower case everywhere; this brings the stored ones in line. Two accounts whose
addresses differ only in capitals are one mailbox: the upgrade stops and names them rather than merge
them, so that an admin decides which one stays. Left as they were: ``sent_mails`` (what was sent to whom,
and the key that keeps a mail single for cases still running) and the audit log, which never changes.
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BATCH = 1000

# Columns holding one address each, by table (primary key first).
COLUMNS = {
    "cases": ("id", "work_email", "private_email", "manager_email"),
    "organisations": ("id", "hr_email", "facilities_email"),
    "interview_records": ("id", "interviewer_email"),
    "interview_drafts": ("id", "author_email"),
    "report_findings": ("id", "author_email"),
    "report_actions": ("id", "owner_email"),
}
# Where a registration as submitted (``cases.registration``) holds addresses.
REGISTRATION_ADDRESSES = (
    ("employee", "work_email"),
    ("employee", "private_email"),
    ("manager", "email"),
    ("successor", "email"),
    ("team_email",),
)
REGISTRATION_LISTS = (("equipment", "custodian_email"), ("extra_tasks", "assignee_email"))


class AccountsDifferOnlyInCapitals(RuntimeError):
    pass


def upgrade() -> None:
    bind = op.get_bind()
    _refuse_account_duplicates(bind)
    _lower_columns(bind, "accounts", ("id", "email"))
    for table, columns in COLUMNS.items():
        _lower_columns(bind, table, columns)
    _lower_registrations(bind)


def _refuse_account_duplicates(bind) -> None:
    accounts = sa.table("accounts", sa.column("email"))
    spellings: dict[str, list[str]] = defaultdict(list)
    for (email,) in bind.execute(sa.select(accounts.c.email)):
        spellings[email.lower()].append(email)
    clashes = sorted(sorted(found) for found in spellings.values() if len(found) > 1)
    if clashes:
        listed = "; ".join(" and ".join(found) for found in clashes)
        raise AccountsDifferOnlyInCapitals(
            f"accounts whose addresses differ only in capitals are one mailbox: {listed}. Keep one of each: delete the "
            "other account (or change its address) in the accounts table, then upgrade again. Nothing was changed."
        )


def _lower_columns(bind, name: str, columns: tuple[str, ...]) -> None:
    key, *addresses = columns
    table = sa.table(name, *(sa.column(column) for column in columns))
    last = None
    while True:
        query = sa.select(*table.c).order_by(table.c[key]).limit(BATCH)
        if last is not None:
            query = query.where(table.c[key] > last)
        batch = bind.execute(query).all()
        if not batch:
            break
        for row in batch:
            changed = {
                column: row._mapping[column].lower()
                for column in addresses
                if row._mapping[column] and row._mapping[column] != row._mapping[column].lower()
            }
            if changed:
                bind.execute(table.update().where(table.c[key] == row._mapping[key]).values(**changed))
        last = batch[-1]._mapping[key]


def _lowered_registration(registration: dict) -> dict:
    """A copy of the registration with its addresses in lower case."""
    registration = _copied(registration)
    for path in REGISTRATION_ADDRESSES:
        parent = registration
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and isinstance(parent.get(path[-1]), str):
            parent[path[-1]] = parent[path[-1]].lower()
    for field, address in REGISTRATION_LISTS:
        for item in registration.get(field) or []:
            if isinstance(item, dict) and isinstance(item.get(address), str):
                item[address] = item[address].lower()
    return registration


def _lower_registrations(bind) -> None:
    cases = sa.table("cases", sa.column("id"), sa.column("registration", sa.JSON()))
    last = ""
    while True:
        batch = bind.execute(
            sa.select(cases.c.id, cases.c.registration).where(cases.c.id > last).order_by(cases.c.id).limit(BATCH)
        ).all()
        if not batch:
            break
        for case_id, registration in batch:
            if isinstance(registration, dict):
                lowered = _lowered_registration(registration)
                if lowered != registration:
                    bind.execute(cases.update().where(cases.c.id == case_id).values(registration=lowered))
        last = batch[-1][0]


def _copied(value):
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


def downgrade() -> None:
    # Addresses in lower case are valid for every earlier version; the spellings in capitals are not kept.
    pass
