"""What `offboarding register` reads: flags, a JSON or YAML file, or both, turned into a Registration;
and pydantic's complaints turned back into the names the user typed."""

from pathlib import Path
from typing import Any

from cli import model_input
from cli.model_input import Flag, InvalidInput
from intake import equipment
from models.registration import Registration

__all__ = ["FLAGS", "Flag", "InvalidInput", "build", "read_file"]

# Keyed by the register command's parameter names.
FLAGS: dict[str, Flag] = {
    "employee_id": Flag("--employee-id", ("employee", "id")),
    "name": Flag("--name", ("employee", "name")),
    "work_email": Flag("--work-email", ("employee", "work_email")),
    "private_email": Flag("--private-email", ("employee", "private_email")),
    "language": Flag("--language", ("employee", "language")),
    "department": Flag("--department", ("employee", "department")),
    "job_title": Flag("--job-title", ("employee", "job_title")),
    "start_date": Flag("--start-date", ("employee", "start_date")),
    "manager_name": Flag("--manager-name", ("manager", "name")),
    "manager_email": Flag("--manager-email", ("manager", "email")),
    "manager_language": Flag("--manager-language", ("manager", "language")),
    "successor_name": Flag("--successor-name", ("successor", "name")),
    "successor_email": Flag("--successor-email", ("successor", "email")),
    "successor_language": Flag("--successor-language", ("successor", "language")),
    "departure_type": Flag("--type", ("departure", "type")),
    "notice_date": Flag("--notice-date", ("departure", "notice_date")),
    "last_day": Flag("--last-day", ("departure", "last_working_day")),
    "equipment": Flag("--equipment", ("equipment",), item_key="name", item_parser=equipment.from_text),
    "task": Flag("--task", ("extra_tasks",), item_key="title"),
    "team_announcement_date": Flag("--team-announcement-date", ("team_announcement_date",)),
    "team_email": Flag("--team-email", ("team_email",)),
    "note": Flag("--note", ("note",)),
}


def read_file(path: Path) -> dict[str, Any]:
    """The registration in a JSON (``.json``) or YAML (anything else) file, in the model's nested shape."""
    return model_input.read_file(path, "the registration's fields (employee, departure, manager, ...)")


def build(params: dict[str, Any], file_data: dict[str, Any] | None = None) -> Registration:
    """Validate the file's data with the flags laid over it; flags win, a repeated flag replaces the file's list."""
    flag_data, given = model_input.from_flags(params, FLAGS)
    data = model_input.merge(file_data or {}, flag_data)
    return model_input.validate(Registration, data, FLAGS, given, using_file=file_data is not None)
