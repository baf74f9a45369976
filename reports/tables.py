"""The report tables (migrations 0003, 0009, 0016 and 0022). They share the case tables' metadata, so foreign keys resolve."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from models.tables import Base, SendGuard, UtcDateTime, utcnow


class ReportSettingsRow(Base):
    __tablename__ = "report_settings"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    policy: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class ReportRow(Base):
    """One report per period, compiled once when the period has ended and kept as published: no two reports
    share a day (``reports.periods``), and none is ever compiled again. ``revision`` stays 1 for reports made
    so; the findings and actions of the review are keyed by it."""

    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    run_id: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[date] = mapped_column(Date, index=True)
    period_end: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[str] = mapped_column(String(320))
    figures: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(320))
    # What the approving reviewer wrote with the approval (migration 0022): with the findings and actions, the
    # review's record once Temporal no longer keeps its workflow.
    approval_comment: Mapped[str | None] = mapped_column(Text)


class ReportTextRow(Base):
    """A free text as a published report shows it (names removed when it was published), tied to the answer it
    came from. The report shows it only while that person's consent stands; erasing the answer (retention,
    erasure) deletes it here too."""

    __tablename__ = "report_texts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    interview_text_id: Mapped[int] = mapped_column(ForeignKey("interview_texts.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)


class _ReviewEntry:
    """What a review's findings and actions share: each keyed within one revision of its report."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint("report_id", "revision", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)


class ReportFindingRow(_ReviewEntry, Base):
    __tablename__ = "report_findings"

    author_email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReportActionRow(_ReviewEntry, Base):
    __tablename__ = "report_actions"

    owner_email: Mapped[str] = mapped_column(String(320))
    due_date: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(320))


class ReportMailRow(SendGuard, Base):
    """The send guard for report mail, as ``sent_mails`` is for case mail (whose rows must name a case)."""

    __tablename__ = "report_mails"
    __table_args__ = (UniqueConstraint("report_id", "purpose", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)


class ReviewNoteRow(Base):
    """What people write in a review besides findings and actions: an owner's progress on an action (``action_key``
    set), or, with ``action_key`` None, a reviewer's remark sending the report back to HR (``sent_back``) and HR's
    answer to it (``answered``). Kept with the report's revision
    like its findings, so the next report and HR read them as written."""

    __tablename__ = "report_review_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    action_key: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    author_email: Mapped[str] = mapped_column(String(320))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
