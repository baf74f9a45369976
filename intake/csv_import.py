"""Departures from a CSV file, for organisations without an HR feed.

One row per departure, with a header row naming the columns (any order; names are case-insensitive):

    employee_id, name, work_email, private_email, language, department, job_title, start_date,
    manager_name, manager_email, manager_language, type, notice_date, last_working_day,
    successor_name, successor_email, equipment

Required: employee_id, name, work_email, department, job_title, manager_name, manager_email, type,
notice_date, last_working_day. ``language`` and ``manager_language`` are ``nl`` (default) or ``en``;
``type`` is one of the departure types; dates are ``YYYY-MM-DD`` (``DD-MM-YYYY`` as Dutch and Belgian
spreadsheets write them is read as well); ``equipment`` lists the items separated by semicolons,
each as ``name | kind | asset tag | returned to`` of which only the name is needed
(``Laptop | laptop | NL-0412; Badge; Lease car | car | | fleet@example.org``). Columns may be separated by commas or semicolons (as Excel saves CSV in
Dutch); the file is UTF-8 (Excel: "CSV UTF-8").

Every row is checked with the ``Registration`` model before anything starts. One bad row and nothing is
registered: each problem is reported by row (the header is row 1, as a spreadsheet numbers them) and
field. Otherwise every row is registered; a departure registered before is reported as such and left
alone, so importing the same file again is safe."""

import asyncio
import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from temporalio.client import Client

from cases import service
from intake import equipment
from intake.problems import dotted, problems
from models.registration import Registration

# CSV column → where it goes in the Registration.
COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_id": ("employee", "id"),
    "name": ("employee", "name"),
    "work_email": ("employee", "work_email"),
    "private_email": ("employee", "private_email"),
    "language": ("employee", "language"),
    "department": ("employee", "department"),
    "job_title": ("employee", "job_title"),
    "start_date": ("employee", "start_date"),
    "manager_name": ("manager", "name"),
    "manager_email": ("manager", "email"),
    "manager_language": ("manager", "language"),
    "type": ("departure", "type"),
    "notice_date": ("departure", "notice_date"),
    "last_working_day": ("departure", "last_working_day"),
    "successor_name": ("successor", "name"),
    "successor_email": ("successor", "email"),
    "equipment": ("equipment",),
}
REQUIRED_COLUMNS = (
    "employee_id",
    "name",
    "work_email",
    "department",
    "job_title",
    "manager_name",
    "manager_email",
    "type",
    "notice_date",
    "last_working_day",
)
LOWERCASE_COLUMNS = ("language", "manager_language", "type")
DATE_COLUMNS = ("start_date", "notice_date", "last_working_day")
DELIMITERS = (",", ";", "\t")
MAX_ROWS = 2000
MAX_BYTES = 5_000_000

_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


@dataclass(frozen=True)
class RowProblem:
    row: int | None
    message: str
    field: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass(frozen=True)
class DepartureRow:
    row: int
    registration: Registration

    @property
    def case_id(self) -> str:
        return self.registration.case_id


@dataclass(frozen=True)
class RowResult:
    row: int
    case_id: str
    created: bool


class InvalidImport(Exception):
    """Nothing was registered; ``problems`` says what to fix, row by row."""

    def __init__(self, found: list[RowProblem]) -> None:
        super().__init__("\n".join(map(str, found)))
        self.problems = found


class ImportInterrupted(Exception):
    """Cases could not be reached part-way; ``done`` lists the rows registered before that. Importing again is safe."""

    def __init__(self, done: list[RowResult], row: int, reason: str) -> None:
        super().__init__(f"row {row}: cases cannot be reached ({reason})")
        self.done = done
        self.row = row
        self.reason = reason


def column_of(path: tuple[str | int, ...]) -> str | None:
    best, length = None, 0
    for column, target in COLUMNS.items():
        if path[: len(target)] == target and len(target) > length:
            best, length = column, len(target)
    return best


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise InvalidImport([RowProblem(None, f"the file is larger than {MAX_BYTES // 1_000_000} MB; split it")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidImport(
            [RowProblem(None, f"not UTF-8 text (byte {err.start}); save it as 'CSV UTF-8' from the spreadsheet")]
        ) from None


def _header_name(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def _delimiter(first_line: str) -> str:
    def known(delimiter: str) -> int:
        return sum(_header_name(cell) in COLUMNS for cell in first_line.split(delimiter))

    return max(DELIMITERS, key=known)


def _header(cells: list[str]) -> list[str]:
    names = [_header_name(cell) for cell in cells]
    found: list[RowProblem] = []
    for index, name in enumerate(names):
        if name and name not in COLUMNS:
            found.append(
                RowProblem(1, f"unknown column {cells[index].strip()!r}; the columns are: {', '.join(COLUMNS)}")
            )
        elif name and names.index(name) != index:
            found.append(RowProblem(1, f"column {name!r} appears twice"))
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        found.append(RowProblem(1, f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"))
    if found:
        raise InvalidImport(found)
    return names


def _value(column: str, text: str) -> Any:
    if column in LOWERCASE_COLUMNS:
        return text.lower()
    if column in DATE_COLUMNS and (match := _DAY_FIRST.match(text)):
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if column == "equipment":
        return equipment.from_list(text)
    return text


def _data(columns: list[str], cells: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column, cell in zip(columns, cells, strict=False):
        text = cell.strip()
        if not column or not text:
            continue
        *parents, leaf = COLUMNS[column]
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _value(column, text)
    return data


def _row_problems(row: int, err: ValidationError) -> list[RowProblem]:
    found = []
    for problem in problems(err, Registration):
        column = column_of(problem.path)
        message = problem.message
        if message == "required" and column:
            message = f"required: fill in column {column}"
        found.append(RowProblem(row, message, dotted(problem.path) or None, column))
    return found


def read(data: bytes) -> list[DepartureRow]:
    """Every row as a registration, or InvalidImport with every problem in the file."""
    text = _text(data)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise InvalidImport([RowProblem(None, "the file is empty; the first row names the columns")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    columns: list[str] | None = None
    found: list[RowProblem] = []
    departures: list[DepartureRow] = []
    seen: dict[str, int] = {}
    try:
        for row, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                if row != 1:
                    raise InvalidImport(
                        [RowProblem(row, "the first row must name the columns; leave no empty rows above it")]
                    )
                columns = _header(cells)
                continue
            if len(cells) > len(columns):
                found.append(
                    RowProblem(
                        row,
                        f"{len(cells)} cells but {len(columns)} columns; put quotes around a value that contains the separator",
                    )
                )
                continue
            try:
                registration = Registration.model_validate(_data(columns, cells))
            except ValidationError as err:
                found += _row_problems(row, err)
                continue
            case_id = registration.case_id
            if case_id in seen:
                found.append(
                    RowProblem(
                        row,
                        f"the same departure as row {seen[case_id]} (employee_id {registration.employee.id}, notice_date "
                        f"{registration.departure.notice_date}): one row per departure",
                    )
                )
                continue
            seen[case_id] = row
            departures.append(DepartureRow(row, registration))
            if len(departures) + len(found) > MAX_ROWS:
                raise InvalidImport([*found, RowProblem(None, f"more than {MAX_ROWS} departures; split the file")])
    except csv.Error as err:
        raise InvalidImport([*found, RowProblem(reader.line_num, f"not readable as CSV: {err}")]) from None
    if found:
        raise InvalidImport(found)
    if not departures:
        raise InvalidImport([RowProblem(None, "no departures in the file: only the header row")])
    return departures


# Rows registered at once: a start waits mostly on the Temporal server, so a file of a thousand departures (a
# collective dismissal) takes seconds instead of the minutes one start after the other took (bench/mass_departure.py).
REGISTER_CONCURRENCY = 16


async def register_all(client: Client, departures: list[DepartureRow], task_queue: str) -> list[RowResult]:
    """Register every row, up to REGISTER_CONCURRENCY at once; a departure registered before is left alone and
    reported as such. Results come in the file's order. When cases cannot be reached, ``ImportInterrupted`` names
    the first row that failed and lists the rows before it that were registered (rows after it may have been
    registered too: importing again reports them as registered before)."""
    results: list[RowResult | None] = [None] * len(departures)
    failures: dict[int, service.CaseUnavailable] = {}
    rows = iter(enumerate(departures))

    async def lane() -> None:
        for index, departure in rows:
            if failures:
                return
            try:
                result = await service.register(client, departure.registration, task_queue)
            except service.CaseUnavailable as err:
                failures[index] = err
                return
            results[index] = RowResult(departure.row, result.case_id, result.created)

    await asyncio.gather(*(lane() for _ in range(min(REGISTER_CONCURRENCY, len(departures)))))
    if failures:
        first = min(failures)
        err = failures[first]
        done = [result for result in results[:first] if result is not None]
        raise ImportInterrupted(done, departures[first].row, getattr(err.__cause__, "message", str(err))) from err
    return [result for result in results if result is not None]
