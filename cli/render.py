"""Plain-text and JSON shapes of cases for the terminal. Plain columns, not a drawn table, so that
grep and cut keep working on the output."""

from collections.abc import Sequence
from typing import Any

from models.access import AccessView
from models.case import CaseView
from models.handover import ChecklistTemplate
from models.interview import InterviewStatus, InterviewView, Slot
from models.policy import Policy
from models.tables import Case


def case_view(view: CaseView, url: str) -> str:
    summary = [
        ("case", view.case_id),
        ("status", str(view.status)),
        ("employee", f"{view.employee_name} ({view.employee_id}), {view.department}"),
        ("departure", f"{view.departure_type}, last working day {view.last_working_day.isoformat()}"),
    ]
    if view.interview_status:
        summary.append(("interview", view.interview_status))
    if view.next_deadline:
        summary.append(("next deadline", view.next_deadline.strftime("%Y-%m-%d %H:%M %Z").strip()))
    if view.access:
        summary.append(("access", access_line(view.access)))
    summary.append(("link", url))
    sections: list[tuple[str, list[tuple[str, ...]]]] = [
        ("steps", [(str(step), str(state)) for step, state in view.steps.items()]),
        (
            "tasks",
            [
                (task.id, task.due_date.isoformat(), str(task.state), task.title, task.assignee_email)
                for task in view.tasks
            ],
        ),
        ("equipment", [(item.id, str(item.state), item.name, item.custodian_email) for item in view.equipment]),
        (
            "timeline",
            [(entry.at.strftime("%Y-%m-%d %H:%M %Z").strip(), entry.event, entry.detail) for entry in view.timeline],
        ),
    ]
    lines = _columns(summary)
    for title, rows in sections:
        if rows or title == "timeline":
            lines += ["", title, *(_columns(rows, indent="  ") if rows else ["  nothing yet"])]
    return "\n".join(lines)


def access_line(access: AccessView) -> str:
    when = access.done_at or access.due_at
    parts = [str(access.state), f"by {access.method}", when.strftime("%Y-%m-%d %H:%M %Z").strip() if when else ""]
    if access.account_id:
        parts.append(f"account {access.account_id}")
    if access.answer:
        parts.append(access.answer)
    return ", ".join(part for part in parts if part)


LIST_HEADER = ("case", "employee", "department", "type", "last working day", "status")


def case_table(cases: Sequence[Case]) -> str:
    rows = [
        (c.id, c.employee_name, c.department, c.departure_type, c.last_working_day.isoformat(), c.status) for c in cases
    ]
    return "\n".join(_columns([LIST_HEADER, *rows]))


def case_record(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "status": case.status,
        "employee_id": case.employee_id,
        "employee_name": case.employee_name,
        "department": case.department,
        "job_title": case.job_title,
        "manager_email": case.manager_email,
        "departure_type": case.departure_type,
        "notice_date": case.notice_date.isoformat(),
        "last_working_day": case.last_working_day.isoformat(),
        "created_at": case.created_at.isoformat() if case.created_at else None,
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
    }


def slot(slot: Slot) -> str:
    """A time as `interview accept --start` takes it back."""
    return f"{slot.start.isoformat()}  {'online' if slot.online else 'on site'}"


def interview_line(case_id: str, view: InterviewView) -> str:
    """What an interview action changed, in one line."""
    text = f"interview of case {case_id}: {view.status}"
    if view.status == InterviewStatus.SCHEDULED and view.scheduled:
        text += f" at {slot(view.scheduled)}"
    elif view.status == InterviewStatus.INVITED:
        text += f", {len(view.proposed_slots)} times proposed (invitation sent {view.invitations_sent}x)"
    if view.reason:
        text += f"; reason: {view.reason}"
    if view.interviewer:
        text += f"; interviewer {view.interviewer.name} <{view.interviewer.email}>"
    return text


def interview_view(case_id: str, view: InterviewView) -> str:
    summary = [("case", case_id), ("status", str(view.status))]
    if view.interviewer:
        summary.append(
            ("interviewer", f"{view.interviewer.name} <{view.interviewer.email}> ({view.interviewer.language})")
        )
    if view.scheduled:
        summary.append(("scheduled", slot(view.scheduled)))
    if view.reason:
        summary.append(("reason", view.reason))
    summary += [
        ("invitations sent", str(view.invitations_sent)),
        ("reminders sent", str(view.reminders_sent)),
        ("short notice", "yes" if view.short_notice else "no"),
        ("consent given", "yes" if view.consent_given else "no"),
    ]
    lines = _columns(summary)
    if view.proposed_slots:
        lines += ["", "proposed times", *(f"  {slot(proposed)}" for proposed in view.proposed_slots)]
    return "\n".join(lines)


TEMPLATE_HEADER = ("id", "name", "department", "job title", "items")


def checklist_table(templates: Sequence[ChecklistTemplate]) -> str:
    rows = [(str(t.id), t.name, t.department or "(any)", t.job_title or "(any)", str(len(t.items))) for t in templates]
    return "\n".join(_columns([TEMPLATE_HEADER, *rows]))


def checklist(template: ChecklistTemplate) -> str:
    summary = [
        ("id", str(template.id)),
        ("name", template.name),
        ("department", template.department or "(any)"),
        ("job title", template.job_title or "(any)"),
        ("country", template.country or "(any)"),
    ]
    header = ("working days before", "assignee", "title", "title in English")
    items = [
        (str(item.due_working_days_before), str(item.assignee), item.title, item.title_en or "")
        for item in template.items
    ]
    return "\n".join([*_columns(summary), "", "items", *_columns([header, *items], indent="  ")])


def policy(current: Policy) -> str:
    return "\n".join(_columns([(name, plain(value)) for name, value in current.model_dump(mode="json").items()]))


def plain(value: Any) -> str:
    return "(none)" if value == "" or value is None else str(value)


def _columns(rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        indent + "  ".join([cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[-1]]).rstrip()
        for row in rows
    ]
