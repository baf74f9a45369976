"""Rows and CSV files for the departures import."""

import csv
import io

from intake import csv_import
from tests.support import unique

COLUMNS = list(csv_import.COLUMNS)


def row(employee_id: str | None = None, **changes: str) -> dict[str, str]:
    employee_id = employee_id or unique()
    values = {
        "employee_id": employee_id,
        "name": "Anouk de Vries",
        "work_email": f"{employee_id.lower()}@example.org",
        "private_email": "anouk@example.net",
        "language": "nl",
        "department": "Finance",
        "job_title": "Controller",
        "start_date": "2019-03-01",
        "manager_name": "Bram Janssens",
        "manager_email": "bram.janssens@example.org",
        "manager_language": "en",
        "type": "resignation",
        "notice_date": "2027-01-04",
        "last_working_day": "2027-01-29",
        "successor_name": "",
        "successor_email": "",
        "equipment": "Laptop; Badge",
    }
    values.update(changes)
    return values


def csv_bytes(rows: list[dict[str, str]], delimiter: str = ",", columns: list[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        fieldnames=columns,
        delimiter=delimiter,
        lineterminator="\r\n",
        extrasaction="ignore",
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
