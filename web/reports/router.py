"""The periodic exit-interview reports: list them, read one as figures (JSON), HTML, PDF or CSV, and record
findings, actions and the approval of its management review. The schedule makes the reports, one per fixed
period; HR may make one the schedule missed, naming the period, never a range of dates.

HR and reviewers use these routes (web.app includes the router behind ``api_access``). In the review the
workflow decides who may do what: reviewers by their email address, HR and action owners for completing."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator
from pydantic.json_schema import SkipJsonSchema
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from cases.service import ActionRejected
from models.accounts import AccountRole, Language
from models.actors import Actor, Role
from models.report import (
    AddAction,
    AddFinding,
    AnswerRemark,
    ApproveReport,
    CompleteAction,
    Finding,
    ReportFigures,
    ReviewAction,
    ReviewView,
)
from reports import review, service
from web.acting import ACTOR_DESCRIPTION
from web.auth.guard import api_access, current_user
from web.cases.schemas import Problem, Responses
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.refusals import RefusalProblem, Refused
from web.templating import PagesDep
from web.validation import invalid_body

router = APIRouter(tags=["reports"])

ReportId = Annotated[
    str,
    Path(
        min_length=1, max_length=200, description="Report id, as starting it or the list gives it (report-START-END)."
    ),
]
Lang = Annotated[
    Literal["nl", "en"] | None,
    Query(
        description="Language of the report: nl or en; by default the reader's own (their account's, or the browser's)."
    ),
]
UNKNOWN: Responses = {status.HTTP_404_NOT_FOUND: {"model": Problem, "description": "No such report."}}
# Outside /api/ an error is a page, unless the client asks for JSON (web.errors).
PAGE_UNKNOWN: Responses = {
    status.HTTP_404_NOT_FOUND: {**UNKNOWN[status.HTTP_404_NOT_FOUND], "content": {"text/html": {}}}
}
REVIEW_ANSWERS: Responses = {
    **UNKNOWN,
    status.HTTP_409_CONFLICT: {
        "model": RefusalProblem,
        "description": "The review refuses: the reason says why, the code what kind of refusal it is.",
    },
}


def _unknown(report_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"There is no report {report_id}.")


NO_RANGES = (
    "reports cover only the organisation's fixed periods, never a range of dates: two overlapping reports would "
    'show by subtraction what the few people in only one of them said. Name the period instead, e.g. {"period": "2027-Q2"}'
)


class MissedPeriod(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(
        min_length=4,
        max_length=7,
        description="The period the schedule missed: a quarter (2027-Q2), a half-year (2027-H1) or a year (2027), of the length "
        "the organisation reports on, once it has ended and only when no report covers it yet.",
        examples=["2027-Q2"],
    )
    # Not offered (absent from the schema), but refused with the reason when sent: earlier versions took a range.
    start: SkipJsonSchema[Any] = None
    end: SkipJsonSchema[Any] = None

    @field_validator("start", "end")
    @classmethod
    def _no_range(cls, value: Any) -> None:
        raise ValueError(NO_RANGES)


class ReportStarted(BaseModel):
    report_id: str
    label: str = Field(description="The period the report covers, as the report names it (2027-Q2).")
    created: bool = Field(description="False: the report for this period was already being made; this is its id.")
    status_url: str = Field(description="Where the figures appear once the report is stored (404 until then).")


class ReportListed(BaseModel):
    report_id: str
    label: str | None = None
    period_start: date
    period_end: date
    status: str
    revision: int
    requested_by: str
    approved_by: str | None = None


def _listed(row: Any) -> ReportListed:
    label = (row.figures or {}).get("label")
    return ReportListed(
        report_id=row.id,
        label=label,
        period_start=row.period_start,
        period_end=row.period_end,
        status=row.status,
        revision=row.revision,
        requested_by=row.requested_by,
        approved_by=row.approved_by,
    )


@router.post(
    "/api/reports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReportStarted,
    responses={status.HTTP_409_CONFLICT: {"model": Problem, "description": "The period has been reported already."}},
    summary="Make the report for a period the schedule missed (HR)",
    # Reviewers read and review reports; making one is HR's. Checked before the body, so a reviewer learns nothing from it.
    dependencies=[Depends(api_access(AccountRole.HR))],
)
async def start(
    body: MissedPeriod,
    request: Request,
    response: Response,
    client: TemporalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ReportStarted:
    """The schedule makes each period's report once the period has ended; this makes one it missed (the worker was
    down, the organisation had just started). The report is stored and sent to the reviewers a little later. Asking
    again while it is being made names that run; once it is stored, the period is reported and is refused (409)."""
    user = await current_user(request)
    try:
        started = await service.start_missed_report(
            client, session, settings, body.period, requested_by=user.email if user else "hr"
        )
    except service.PeriodRefused as err:
        if err.code == "already_reported":
            raise HTTPException(status.HTTP_409_CONFLICT, str(err)) from None
        raise _body_error((err.field,), "value_error", err.message) from None
    url = str(request.url_for("api_get_report", report_id=started.report_id))
    response.headers["Location"] = url
    return ReportStarted(report_id=started.report_id, label=started.label, created=started.created, status_url=url)


@router.get("/api/reports", response_model=list[ReportListed], summary="List the stored reports")
async def list_reports(session: SessionDep) -> list[ReportListed]:
    return [_listed(row) for row in await service.list_reports(session)]


@router.get(
    "/api/reports/{report_id}",
    name="api_get_report",
    response_model=ReportFigures,
    responses=UNKNOWN,
    summary="One report's figures",
)
async def get_report(report_id: ReportId, session: SessionDep) -> ReportFigures:
    try:
        return await service.figures(session, report_id)
    except service.ReportNotFound:
        raise _unknown(report_id) from None


# The .pdf and .csv routes come before the HTML page, whose path would take them otherwise.
@router.get(
    "/reports/{report_id}.pdf",
    response_class=Response,
    responses={**PAGE_UNKNOWN, 200: {"content": {"application/pdf": {}}}},
    summary="One report as PDF",
)
async def report_pdf(
    report_id: ReportId, session: SessionDep, settings: SettingsDep, pages: PagesDep, lang: Lang = None
) -> Response:
    try:
        pdf = await service.report_pdf(
            session, report_id, lang or pages.language, settings.organisation_name, settings.organisation_country
        )
    except service.ReportNotFound:
        raise _unknown(report_id) from None
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{report_id}.pdf"'}
    )


@router.get(
    "/reports/{report_id}.csv",
    response_class=Response,
    responses={**PAGE_UNKNOWN, 200: {"content": {"text/csv": {}}}},
    summary="One report's aggregated figures as CSV",
)
async def report_csv(report_id: ReportId, session: SessionDep) -> Response:
    try:
        csv = await service.report_csv(session, report_id)
    except service.ReportNotFound:
        raise _unknown(report_id) from None
    return Response(
        csv,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{report_id}.csv"'},
    )


@router.get(
    "/reports/{report_id}", response_class=HTMLResponse, responses=PAGE_UNKNOWN, summary="One report as an HTML page"
)
async def report_page(
    report_id: ReportId, session: SessionDep, settings: SettingsDep, pages: PagesDep, lang: Lang = None
) -> HTMLResponse:
    try:
        html = await service.report_html(
            session, report_id, lang or pages.language, settings.organisation_name, settings.organisation_country
        )
    except service.ReportNotFound:
        raise _unknown(report_id) from None
    return HTMLResponse(html)


# The review. The bodies are the updates' own fields; ``actor`` only without a session (see web.acting).
class FindingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor | None = Field(None, description=ACTOR_DESCRIPTION)
    text: str


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor | None = Field(None, description=ACTOR_DESCRIPTION)
    text: str
    owner_email: EmailStr
    owner_language: Language = "nl"
    due_date: date


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor | None = Field(None, description=ACTOR_DESCRIPTION)
    comment: str = ""


class SendBackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor | None = Field(None, description=ACTOR_DESCRIPTION)
    remark: str = Field(description="What HR should look at before the report can be approved.")


class SentBack(BaseModel):
    report_id: str
    remark: str
    by: str
    at: datetime


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor | None = Field(None, description=ACTOR_DESCRIPTION)
    answer: str = Field(description="How HR took up the remark that sent the report back.")


class Answered(BaseModel):
    report_id: str
    answer: str
    by: str
    at: datetime


class CompletionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Actor | None = Field(None, description=ACTOR_DESCRIPTION)
    note: str = ""


def _body_error(loc: tuple, kind: str, msg: str) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body", *loc), "msg": msg, "input": None}])


async def _actor(request: Request, given: Actor | None) -> Actor:
    """The signed-in person (as HR when their account holds the HR role), or, without a session, whom the body names.
    ``api_access`` has already checked the role, the CSRF token, and whether a body may name the actor."""
    user = await current_user(request)
    if user is not None:
        if given is not None:
            raise _body_error(
                ("actor",), "extra_forbidden", "leave actor out: with a session the signed-in person acts"
            )
        return Actor(email=user.email, role=Role.HR if AccountRole.HR in user.roles else Role.MANAGER)
    if given is None:
        raise _body_error(("actor",), "missing", "Field required")
    if given.role == Role.SYSTEM:
        raise _body_error(("actor", "role"), "value_error", "system is the workflows' own role; nobody acts as it")
    return given


def _input(model: type[BaseModel], values: dict[str, Any]) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as err:
        raise invalid_body(err) from err


async def _act(client: Any, report_id: str, run: Any, payload: BaseModel) -> Any:
    try:
        return await run(client, report_id, payload)
    except service.ReportNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"There is no review of report {report_id}.") from None
    except ActionRejected as err:
        raise Refused(err) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT, "The review did not answer in time; look at it before trying again."
        ) from None
    except RPCError:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "The review cannot be reached right now; try again in a moment.",
            headers={"Retry-After": "5"},
        ) from None


@router.post(
    "/api/reports/{report_id}/review/findings",
    response_model=Finding,
    responses=REVIEW_ANSWERS,
    summary="Record a finding",
)
async def add_finding(report_id: ReportId, body: FindingIn, request: Request, client: TemporalDep) -> Any:
    payload = _input(AddFinding, {"actor": await _actor(request, body.actor), "text": body.text})
    return await _act(client, report_id, review.add_finding, payload)


@router.post(
    "/api/reports/{report_id}/review/actions",
    response_model=ReviewAction,
    responses=REVIEW_ANSWERS,
    summary="Agree an action",
)
async def add_action(report_id: ReportId, body: ActionIn, request: Request, client: TemporalDep) -> Any:
    values = body.model_dump(exclude={"actor"})
    payload = _input(AddAction, {**values, "actor": await _actor(request, body.actor)})
    return await _act(client, report_id, review.add_action, payload)


@router.post(
    "/api/reports/{report_id}/review/approve",
    response_model=ReviewView,
    responses=REVIEW_ANSWERS,
    summary="Approve the report",
)
async def approve(report_id: ReportId, body: ApprovalIn, request: Request, client: TemporalDep) -> Any:
    payload = _input(ApproveReport, {"actor": await _actor(request, body.actor), "comment": body.comment})
    return await _act(client, report_id, review.approve, payload)


@router.post(
    "/api/reports/{report_id}/review/actions/{action_id}/complete",
    response_model=ReviewAction,
    responses=REVIEW_ANSWERS,
    summary="Mark an action done",
)
async def complete_action(
    report_id: ReportId,
    action_id: Annotated[str, Path(min_length=1, max_length=50)],
    body: CompletionIn,
    request: Request,
    client: TemporalDep,
) -> Any:
    payload = _input(
        CompleteAction, {"actor": await _actor(request, body.actor), "action_id": action_id, "note": body.note}
    )
    return await _act(client, report_id, review.complete_action, payload)


@router.post(
    "/api/reports/{report_id}/review/send-back",
    response_model=SentBack,
    responses=REVIEW_ANSWERS,
    summary="Send the report back to HR with a remark",
)
async def send_back(
    report_id: ReportId, body: SendBackIn, request: Request, client: TemporalDep, session: SessionDep
) -> SentBack:
    """A reviewer does not approve yet: HR reads the remark on the review page and the report shows as sent back
    until it is approved. Refused (409) for anyone not reviewing this report, and once it is approved."""
    payload = _input(review.SendBack, {"actor": await _actor(request, body.actor), "remark": body.remark})
    note = await _act(client, report_id, lambda c, r, p: review.send_back(c, session, r, p), payload)
    return SentBack(report_id=note.report_id, remark=note.text, by=note.author_email, at=note.created_at)


@router.post(
    "/api/reports/{report_id}/review/answer",
    response_model=Answered,
    responses=REVIEW_ANSWERS,
    summary="Answer the remark that sent the report back (HR)",
    dependencies=[Depends(api_access(AccountRole.HR))],
)
async def answer_remark(
    report_id: ReportId, body: AnswerIn, request: Request, client: TemporalDep, session: SessionDep
) -> Answered:
    """HR tells the reviewers how the remark was taken up: they are mailed the answer, the review page shows it under
    the remark, and the report is with the reviewers again. Refused (409) when no remark waits for an answer, and once
    the report is approved."""
    payload = _input(AnswerRemark, {"actor": await _actor(request, body.actor), "answer": body.answer})
    note = await _act(client, report_id, lambda c, r, p: review.answer_remark(c, session, r, p), payload)
    return Answered(report_id=note.report_id, answer=note.text, by=note.author_email, at=note.created_at)
