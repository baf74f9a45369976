"""CSV import of departures over REST: the same file and rules as `offboarding import departures`.

The file comes as a multipart upload (field ``file``) or as the body itself (``Content-Type: text/csv``).
One invalid row and nothing is registered (422, every problem by row and field); otherwise every row is
registered, and a departure registered before is reported per row. ``?dry_run=true`` checks only."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from intake import csv_import
from intake.csv_import import ImportInterrupted, InvalidImport, RowResult
from web.dependencies import SettingsDep, TemporalDep

router = APIRouter(prefix="/api/imports", tags=["imports"])


class ImportedRow(BaseModel):
    row: int = Field(description="Row in the file; the header is row 1.")
    case_id: str
    result: Literal["registered", "already_registered", "valid"] = Field(
        description="`valid`: a dry run found nothing wrong."
    )
    status_url: str | None = None


class ImportReport(BaseModel):
    dry_run: bool
    registered: int
    already_registered: int
    rows: list[ImportedRow]


class ImportProblem(BaseModel):
    row: int | None = Field(description="Row in the file (the header is row 1); empty for the file as a whole.")
    field: str | None = Field(description="The registration field, e.g. `departure.last_working_day`.")
    column: str | None = Field(description="The CSV column it comes from.")
    message: str
    text: str = Field(description="The problem in one line: `row 3, departure.last_working_day: ...`.")


class ImportRefused(BaseModel):
    detail: str
    problems: list[ImportProblem]


class InvalidQuery(BaseModel):
    """A query parameter that is not understood (``dry_run=maybe``): the errors by location, as on every route."""

    detail: list[dict[str, Any]]


async def _csv(request: Request) -> bytes:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > csv_import.MAX_BYTES + 100_000:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"The file may be at most {csv_import.MAX_BYTES // 1_000_000} MB."
        )
    if media == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "Send the CSV file in the form field `file`.")
        return await upload.read()
    if media in ("text/csv", "text/plain", "application/csv"):
        return await request.body()
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        "Send the CSV file as multipart/form-data (field `file`) or as the body with Content-Type: text/csv.",
    )


def _rows(request: Request, results: list[RowResult]) -> list[ImportedRow]:
    return [
        ImportedRow(
            row=result.row,
            case_id=result.case_id,
            result="registered" if result.created else "already_registered",
            status_url=str(request.url_for("api_get_case", case_id=result.case_id)),
        )
        for result in results
    ]


@router.post(
    "/departures",
    response_model=ImportReport,
    summary="Import departures from a CSV file",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
    responses={
        status.HTTP_422_UNPROCESSABLE_CONTENT: {
            "model": ImportRefused | InvalidQuery,
            "description": "Something in the file is wrong; nothing was registered. A query parameter that is not understood is answered as on every route.",
        },
        status.HTTP_503_SERVICE_UNAVAILABLE: {
            "description": "Cases could not be reached part-way; the rows registered so far are listed. Import again: they are kept."
        },
    },
)
async def import_departures(
    request: Request,
    client: TemporalDep,
    settings: SettingsDep,
    dry_run: Annotated[bool, Query(description="Check the file and register nothing.")] = False,
):
    """Columns: employee_id, name, work_email, private_email, language, department, job_title, start_date,
    manager_name, manager_email, manager_language, type, notice_date, last_working_day, successor_name,
    successor_email, equipment (items separated by semicolons). See `intake/csv_import.py` for the rules."""
    data = await _csv(request)
    try:
        departures = csv_import.read(data)
    except InvalidImport as err:
        refused = ImportRefused(
            detail=f"Nothing was imported: {len(err.problems)} problem{'s' if len(err.problems) != 1 else ''} to fix.",
            problems=[
                ImportProblem(row=p.row, field=p.field, column=p.column, message=p.message, text=str(p))
                for p in err.problems
            ],
        )
        return JSONResponse(refused.model_dump(mode="json"), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    if dry_run:
        rows = [ImportedRow(row=d.row, case_id=d.case_id, result="valid") for d in departures]
        return ImportReport(dry_run=True, registered=0, already_registered=0, rows=rows)
    try:
        results = await csv_import.register_all(client, departures, settings.task_queue)
    except ImportInterrupted as err:
        body = {
            "detail": f"Cases could not be reached at row {err.row} ({err.reason}); the rows before it were registered. Import the file again: they are kept.",
            "rows": [row.model_dump(mode="json") for row in _rows(request, err.done)],
        }
        return JSONResponse(body, status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"})
    rows = _rows(request, results)
    return ImportReport(
        dry_run=False,
        registered=sum(row.result == "registered" for row in rows),
        already_registered=sum(row.result == "already_registered" for row in rows),
        rows=rows,
    )
