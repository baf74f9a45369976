"""Database tables (SQLAlchemy 2). Alembic migrations in ``migrations/`` create them."""

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

from models.questionnaire import reported_answers

# Stable constraint names so that migrations render the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "%(column_0_label)s_idx",
    "uq": "%(table_name)s_%(column_0_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """Timestamps always in UTC and always aware, also on SQLite, which stores them without a zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must carry a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(64), index=True)
    employee_name: Mapped[str] = mapped_column(String(200))
    work_email: Mapped[str] = mapped_column(String(320))
    private_email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2))
    department: Mapped[str] = mapped_column(String(200), index=True)
    job_title: Mapped[str] = mapped_column(String(200))
    manager_name: Mapped[str] = mapped_column(String(200))
    manager_email: Mapped[str] = mapped_column(String(320), index=True)
    departure_type: Mapped[str] = mapped_column(String(32), index=True)
    notice_date: Mapped[date] = mapped_column(Date)
    last_working_day: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    registration: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    interview_status: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[dict | None] = mapped_column(JSON)
    # Set when retention or an erasure request removed the person from the case (privacy/retention.py).
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The read model (models/read_model.py): what the case and interview workflows last published, numbered.
    # None: the workflow has published nothing yet (a case started before it published).
    read_version: Mapped[int | None] = mapped_column(Integer)
    steps: Mapped[dict | None] = mapped_column(JSON)
    tasks_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tasks_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    items_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    items_returned: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_due_date: Mapped[date | None] = mapped_column(Date, index=True)
    interview_version: Mapped[int | None] = mapped_column(Integer)
    interview_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    interview_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    interview_online: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    interviewer_email: Mapped[str | None] = mapped_column(String(320), index=True)
    interviewer_name: Mapped[str | None] = mapped_column(String(200))


class CaseTaskRow(Base):
    """One handover task as its case last published it (the read model; the workflow holds the truth)."""

    __tablename__ = "case_tasks"
    # "My tasks" reads a person's (or a mailbox's) open tasks of open cases in the list's order: one index each.
    __table_args__ = (
        UniqueConstraint("case_id", "task_id"),
        Index("case_tasks_assignee_open_due_idx", "assignee_email", "state", "case_open", "due_date", "case_last_day"),
        Index("case_tasks_mailbox_open_due_idx", "owner_mailbox", "state", "case_open", "due_date", "case_last_day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    assignee_email: Mapped[str] = mapped_column(String(320), index=True)
    owner_mailbox: Mapped[str | None] = mapped_column(String(64), index=True)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(32))
    completed_by: Mapped[str | None] = mapped_column(String(320))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    comments: Mapped[list] = mapped_column(JSON)
    escalated: Mapped[bool] = mapped_column(Boolean)
    # The case's own state and last working day, kept on each of its rows (activities/read_model.py): a person's list
    # is then read from one index, in its order, without first joining every open case (migration 0021).
    case_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    case_last_day: Mapped[date | None] = mapped_column(Date)


class CaseItemRow(Base):
    """One piece of equipment on loan, as its case last published it."""

    __tablename__ = "case_items"
    __table_args__ = (
        UniqueConstraint("case_id", "item_id"),
        Index("case_items_custodian_open_idx", "custodian_email", "state", "case_open", "case_last_day"),
        Index("case_items_mailbox_open_idx", "custodian_mailbox", "state", "case_open", "case_last_day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    custodian_email: Mapped[str] = mapped_column(String(320), index=True)
    custodian_mailbox: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(String(320))
    note: Mapped[str] = mapped_column(Text)
    escalated: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(16), default="other", server_default="other")
    asset_tag: Mapped[str] = mapped_column(String(200), default="", server_default="")
    settlement: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    settlement_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # As on case_tasks: the case's state and last working day, so that "Equipment to receive" reads one index.
    case_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    case_last_day: Mapped[date | None] = mapped_column(Date)


class CaseEventRow(Base):
    """One entry of a case's timeline (``source`` ``case`` or ``interview``), numbered by its place there."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "source", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    event: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)


class RoleMailboxRow(Base):
    """A shared mailbox the organisation defines besides HR and IT/facilities (fleet, payroll, ...)."""

    __tablename__ = "role_mailboxes"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class MailboxMemberRow(Base):
    """An account that works for a shared mailbox the organisation defined: it sees and does that mailbox's part."""

    __tablename__ = "mailbox_members"

    mailbox_key: Mapped[str] = mapped_column(ForeignKey("role_mailboxes.key", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True)


class SendGuard:
    """The columns that keep a mail single: looked up before sending, written with the server's answer (activities.sending)."""

    purpose: Mapped[str] = mapped_column(String(120))
    recipient: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    subject: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SentMail(SendGuard, Base):
    """One row per mail purpose and recipient of a case: the guard that keeps a retried send from mailing twice."""

    __tablename__ = "sent_mails"
    __table_args__ = (UniqueConstraint("case_id", "purpose", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    hr_email: Mapped[str] = mapped_column(String(320))
    hr_language: Mapped[str] = mapped_column(String(2))
    facilities_email: Mapped[str] = mapped_column(String(320))
    facilities_language: Mapped[str] = mapped_column(String(2))
    policy: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class ChecklistTemplateRow(Base):
    __tablename__ = "checklist_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200), index=True)
    job_title: Mapped[str | None] = mapped_column(String(200))
    # NL or BE: the template applies only where the organisation is in that country (its legal paperwork).
    country: Mapped[str | None] = mapped_column(String(2))
    items: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class InterviewRecordRow(Base):
    """The interview itself: confidential, seen individually by HR only."""

    __tablename__ = "interview_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    interviewer_email: Mapped[str] = mapped_column(String(320))
    record: Mapped[dict] = mapped_column(JSON)
    consent_scope: Mapped[str] = mapped_column(String(32))
    share_with_manager: Mapped[bool] = mapped_column(Boolean)
    share_with_board: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    consent_text_version: Mapped[str] = mapped_column(String(40))
    consent_given_at: Mapped[datetime] = mapped_column(UtcDateTime())
    consent_revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    held_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # "conversation": held with an interviewer; "written": answered in writing by someone who declined a conversation.
    mode: Mapped[str] = mapped_column(String(16), default="conversation", server_default="conversation")
    # Set when the free text was erased after its retention period; the ratings and reasons stay for the reports.
    content_erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The answers the reports count, copied out of ``record`` whenever it is set, so that a report reads typed
    # columns instead of taking every record apart again. None where the record has no such answer.
    primary_reason: Mapped[str | None] = mapped_column(String(64))
    secondary_reasons: Mapped[list | None] = mapped_column(JSON)
    rating_work_content: Mapped[int | None] = mapped_column(Integer)
    rating_working_conditions: Mapped[int | None] = mapped_column(Integer)
    rating_working_relations: Mapped[int | None] = mapped_column(Integer)
    rating_terms_of_employment: Mapped[int | None] = mapped_column(Integer)
    rating_work_organisation: Mapped[int | None] = mapped_column(Integer)
    felt_safe: Mapped[int | None] = mapped_column(Integer)
    felt_at_home: Mapped[int | None] = mapped_column(Integer)
    felt_valued: Mapped[int | None] = mapped_column(Integer)
    influences: Mapped[list | None] = mapped_column(JSON)
    recommend_score: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(32))
    age_band: Mapped[str | None] = mapped_column(String(32))
    # The organisation's self-declared groups the employee answered, each with its own consent: key -> "yes" or "no".
    declared_groups: Mapped[dict | None] = mapped_column(JSON)
    # Written with the record (``reports.anonymise.shareable_texts``); read and deleted with plain statements.
    texts: Mapped[list["InterviewText"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )

    @validates("record")
    def _copy_answers(self, _key: str, record: dict) -> dict:
        for column, value in reported_answers(record).items():
            setattr(self, column, value)
        # Not in REPORTED_ANSWERS: an earlier migration copies those, before this column existed.
        self.declared_groups = ((record or {}).get("target_group") or {}).get("declared") or None
        return record


class InterviewText(Base):
    """One free-text answer as it may leave HR once consent allows: without e-mail addresses and without the
    names of the case's employee and manager. Made when the interview is stored, so that a report reads ready
    texts instead of scrubbing every record again; erased with the record's free text."""

    __tablename__ = "interview_texts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview_records.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class Account(Base):
    """Someone who signs in to the web app (HR, a manager, IT/facilities, an interviewer, a reviewer, an admin)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # argon2id; None: the account signs in only through OIDC.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    roles: Mapped[list] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebSession(Base):
    """A signed-in browser. The cookie holds a random key; only its SHA-256 is stored here."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class InterviewDraft(Base):
    """The interviewer's answers while the interview is going on; removed once the record is submitted."""

    __tablename__ = "interview_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    author_email: Mapped[str] = mapped_column(String(320))
    answers: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class InterviewTemplateRow(Base):
    """One version of the organisation's questionnaire (``models.interview_template``); a save adds a version."""

    __tablename__ = "interview_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    template: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class InterviewPreparation(Base):
    """What the employee noted beforehand through their link (or wrote instead of a conversation), in the form's
    own shape; confidential like a draft, and no report reads it."""

    __tablename__ = "interview_preparations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    template_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class UsedLink(Base):
    """A link that has done its one thing: the same link presented again is refused."""

    __tablename__ = "used_links"

    # SHA-256 of the link's token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ApiToken(Base):
    """A bearer token for programs that use the API on an account's behalf. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Who made it, as the audit log names people: the account itself, or the command line's operator.
    created_by: Mapped[str | None] = mapped_column(String(320))


class InterviewerPreparation(Base):
    """The interviewer's preparation (001: "waar zag je de medewerker uitblinken?"), shown again at the interview's
    appreciative close; removed once the record is submitted, like the draft."""

    __tablename__ = "interviewer_preparations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    author_email: Mapped[str] = mapped_column(String(320))
    excelled: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
