"""Plain-text and JSON shapes of cases for the terminal. Plain columns, not a drawn table, so that
grep and cut keep working on the output."""

from collections.abc import Sequence
from typing import Any

from models.case import CaseView
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
    summary.append(("link", url))
    sections = [
        ("steps", [(str(step), str(state)) for step, state in view.steps.items()]),
        ("tasks", [(task.due_date.isoformat(), str(task.state), task.title, task.assignee_email) for task in view.tasks]),
        ("equipment", [(str(item.state), item.name, item.custodian_email) for item in view.equipment]),
        ("timeline", [(entry.at.strftime("%Y-%m-%d %H:%M %Z").strip(), entry.event, entry.detail) for entry in view.timeline]),
    ]
    lines = _columns(summary)
    for title, rows in sections:
        if rows or title == "timeline":
            lines += ["", title, *(_columns(rows, indent="  ") if rows else ["  nothing yet"])]
    return "\n".join(lines)


LIST_HEADER = ("case", "employee", "department", "type", "last working day", "status")


def case_table(cases: Sequence[Case]) -> str:
    rows = [(c.id, c.employee_name, c.department, c.departure_type, c.last_working_day.isoformat(), c.status) for c in cases]
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


def _columns(rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [indent + "  ".join([cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]).rstrip() for row in rows]
