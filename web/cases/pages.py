"""HR's pages for cases: the dashboard, the list (searched, filtered, sorted, paged, exported), the registration
form and the case page with HR's own actions (moving the last day, withdrawing).

Every page here is HR's alone: someone without a session is sent to sign in, another role gets 403. The dashboard
and the list read the database only (cases/queries.py); the case page adds the one case's live interview."""

from calendar import monthrange
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer

from accounts import store as accounts
from cases import queries, service
from cases.queries import CaseFilter, CaseSort
from i18n.labels import Labels
from models.access import RevokeAccessNow
from models.accounts import AccountRole, SignedIn
from models.case import CaseStatus
from models.handover import MoveLastDay, Withdraw
from models.interview import FINISHED, InterviewStatus
from models.notice import MESSAGES as WARNINGS
from models.notice import NoticeWarning
from models.registration import DepartureType
from planning.notice import check as notice_check
from questionnaires import preparation
from reports import spreadsheet
from web import forms
from web.acting import actor_for
from web.auth.guard import form_protected, signed_in
from web.cases.dependencies import CaseId, valid_case
from web.cases.forms import RegistrationForm
from web.cases.timeline import case_parts
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.mailboxes import custodian_choices, mailbox_names
from web.templating import Pages, PagesDep

router = APIRouter(prefix="/cases", include_in_schema=False, dependencies=[Depends(signed_in(AccountRole.HR))])
dashboard_router = APIRouter(include_in_schema=False, dependencies=[Depends(signed_in(AccountRole.HR))])

HR = Annotated[SignedIn, Depends(signed_in(AccountRole.HR))]
Reason = Annotated[str, Form(max_length=2000)]
PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
# Shown once on the case page after a form redirects there.
NOTICES = (
    "created",
    "duplicate",
    "completed",
    "reassigned",
    "reopened",
    "added",
    "moved",
    "returned",
    "not_returned",
    "settlement",
    "withdrawn",
    "confirmed",
    "skipped",
    "assigned",
    "resent",
    "scheduled",
    "access_ending",
)


def warning_text(gettext, warning: NoticeWarning) -> str:
    """A notice warning in the reader's language: its sentence from the catalogue, with the dates filled in."""
    return gettext(WARNINGS[warning.code]) % warning.params


def _warning_seal(settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.signing_key(), salt="offboarding-notice-warnings")


def sealed_warnings(settings, sealed: str) -> list[NoticeWarning]:
    """The warnings the registration form passed on; none when the value was not made here."""
    try:
        return [NoticeWarning.model_validate(item) for item in _warning_seal(settings).loads(sealed)] if sealed else []
    except (BadSignature, ValueError, TypeError):
        return []


def _week_end(today: date) -> date:
    return today + timedelta(days=6 - today.weekday())


def _month_end(today: date) -> date:
    return today.replace(day=monthrange(today.year, today.month)[1])


@dashboard_router.get("/dashboard", name="dashboard_page", response_class=HTMLResponse)
async def dashboard(request: Request, session: SessionDep, pages: PagesDep):
    """What HR looks at first: open cases, last days coming, what is late and with whom, the interview pipeline;
    every figure opens the list it counts."""
    today = date.today()
    figures = await queries.dashboard(session, today, _week_end(today), _month_end(today))
    context = {
        "figures": figures,
        "today": today,
        "week_end": _week_end(today),
        "month_end": _month_end(today),
        "mailbox_names": await mailbox_names(session, pages),
        "pipeline": [s.value for s in InterviewStatus if s.value not in ("cancelled",)],
    }
    return pages.render(request, "cases/dashboard.html", context)


ListQuery = Annotated[str, Query(max_length=200)]


def _filter_from(
    case_status: Annotated[str, Query(alias="status", max_length=32)] = "",
    department: ListQuery = "",
    q: ListQuery = "",
    departure_type: ListQuery = "",
    interview_status: ListQuery = "",
    overdue: ListQuery = "",
    last_day_from: ListQuery = "",
    last_day_until: ListQuery = "",
    sort: ListQuery = "",
    order: ListQuery = "",
) -> tuple[CaseFilter, dict]:
    """The list's filters from the query string (a dependency of the list and its export); a value that is not one of
    the known ones counts as "any"."""

    def known(value: str, allowed) -> str | None:
        return value if value in {item.value for item in allowed} else None

    def day(value: str) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    wanted = CaseFilter(
        search=q.strip(),
        status=known(case_status, CaseStatus),
        department=department.strip() or None,
        departure_type=known(departure_type, DepartureType),
        interview_status=known(interview_status, InterviewStatus),
        overdue_on=date.today() if overdue else None,
        last_day_from=day(last_day_from),
        last_day_until=day(last_day_until),
        sort=CaseSort(sort) if sort in {s.value for s in CaseSort} else CaseSort.LAST_DAY,
        descending=order == "desc",
    )
    shown = {
        "status": wanted.status or "",
        "department": wanted.department or "",
        "q": wanted.search,
        "departure_type": wanted.departure_type or "",
        "interview_status": wanted.interview_status or "",
        "overdue": bool(overdue),
        "last_day_from": wanted.last_day_from.isoformat() if wanted.last_day_from else "",
        "last_day_until": wanted.last_day_until.isoformat() if wanted.last_day_until else "",
        "sort": wanted.sort.value,
        "order": "desc" if wanted.descending else "asc",
    }
    return wanted, shown


Filtered = Annotated[tuple[CaseFilter, dict], Depends(_filter_from)]


@router.get("", name="cases_page", response_class=HTMLResponse)
async def case_list(
    request: Request,
    session: SessionDep,
    pages: PagesDep,
    filtered: Filtered,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    wanted, shown = filtered
    page = await queries.list_cases(session, wanted, offset=offset, limit=PAGE_SIZE)
    context = {
        "cases": page,
        "filters": shown,
        "filtered": any(value for key, value in shown.items() if key not in ("sort", "order")),
        "statuses": [s.value for s in CaseStatus],
        "departure_types": [t.value for t in DepartureType],
        "interview_statuses": [s.value for s in InterviewStatus],
        "today": date.today(),
        "export_url": request.url_for("cases_export").include_query_params(
            **{k: v for k, v in request.query_params.items() if k != "offset"}
        ),
    }
    return pages.render(request, "cases/list.html", context)


@router.get("/export.csv", name="cases_export")
async def export(
    request: Request,
    session: SessionDep,
    pages: PagesDep,
    filtered: Filtered,
) -> Response:
    """The list as filtered, as CSV for a spreadsheet (cells that a spreadsheet would run as a formula are quoted)."""
    wanted, _ = filtered
    page = await queries.list_cases(session, wanted, limit=EXPORT_LIMIT)
    labels = Labels(pages.gettext)
    _t = pages.gettext
    header = [
        _t("Case"),
        _t("Employee number"),
        _t("Employee"),
        _t("Department"),
        _t("Type"),
        _t("Last working day"),
        _t("Status"),
        _t("Tasks done"),
        _t("Tasks"),
        _t("Equipment returned"),
        _t("Equipment"),
        _t("Exit interview"),
        _t("Next task due"),
    ]
    rows = (
        (
            case.id,
            case.employee_id,
            case.employee_name,
            case.department,
            labels.departure_type(case.departure_type),
            case.last_working_day.isoformat(),
            labels.status(case.status),
            case.tasks_done,
            case.tasks_total,
            case.items_returned,
            case.items_total,
            labels.interview_status(case.interview_status) if case.interview_status else "",
            case.next_due_date.isoformat() if case.next_due_date else "",
        )
        for case in page.items
    )
    content = spreadsheet.to_csv(header, rows)
    name = f"cases-{date.today().isoformat()}.csv"
    return Response(
        "\ufeff" + content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _registration_page(
    request: Request, pages: Pages, form: RegistrationForm, custodians, status_code: int = 200
) -> HTMLResponse:
    return pages.render(request, "cases/new.html", {"form": form, "custodians": custodians}, status_code=status_code)


@router.get("/new", name="new_case_page", response_class=HTMLResponse)
async def new_case(request: Request, pages: PagesDep, session: SessionDep, settings: SettingsDep):
    return _registration_page(
        request,
        pages,
        RegistrationForm(pages.gettext),
        await custodian_choices(session, pages, settings.facilities_email),
    )


@router.post("/new", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def submit_case(
    request: Request, pages: PagesDep, client: TemporalDep, settings: SettingsDep, session: SessionDep
):
    sent = await request.form()
    form = RegistrationForm.submitted(sent, pages.gettext, more_rows="add_item_row" in sent)
    if "add_item_row" in sent:
        return _registration_page(
            request, pages, form, await custodian_choices(session, pages, settings.facilities_email)
        )
    registration = form.validate()
    if registration is None:
        return _registration_page(
            request,
            pages,
            form,
            await custodian_choices(session, pages, settings.facilities_email),
            status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    result = await service.register(client, registration, settings.task_queue)
    notice = "created" if result.created else "duplicate"
    url = request.url_for("case_page", case_id=result.case_id).include_query_params(notice=notice)
    warnings = notice_check(registration, settings.organisation_country) if result.created else []
    if warnings:
        # Shown on the case page the form leads to; signed, so that a link cannot put other words there.
        url = url.include_query_params(
            warnings=_warning_seal(settings).dumps([warning.model_dump() for warning in warnings])
        )
    return RedirectResponse(str(url), status_code=status.HTTP_303_SEE_OTHER)


async def render_case(
    request: Request,
    pages: Pages,
    client,
    session,
    case_id: str,
    *,
    notice: str = "",
    error: str = "",
    warnings: Sequence[NoticeWarning] = (),
) -> HTMLResponse:
    """The case page; with ``error`` (a refusal of the case) answered 409 so that scripts see it too."""
    case = await valid_case(case_id, client, session)
    settings = pages.settings
    temporal_url = (
        f"{settings.temporal_ui_url.rstrip('/')}/namespaces/{settings.temporal_namespace}/workflows/{case.case_id}"
    )
    registration = case.record.registration if case.record else None
    interview = case.live.interview if case.live else None
    parts = await case_parts(session, case)
    today = date.today()
    context = {
        "case": case,
        "parts": parts,
        "registration": registration,
        "notice": notice if notice in NOTICES else "",
        "error": error,
        "temporal_url": temporal_url,
        "interview": interview,
        "interview_finished": interview is not None and interview.status in FINISHED,
        "answered_in_writing": interview is not None
        and interview.status == InterviewStatus.DECLINED
        and await preparation.has_record(session, case_id),
        "interviewers": await accounts.with_role(session, AccountRole.INTERVIEWER),
        "late": parts.late(today),
        "today": today,
        "mailbox_names": await mailbox_names(session, pages),
        "notice_warnings": [warning_text(pages.gettext, warning) for warning in warnings if warning.code in WARNINGS],
    }
    return pages.render(request, "cases/detail.html", context, status_code=status.HTTP_409_CONFLICT if error else 200)


@router.get("/{case_id}", name="case_page", response_class=HTMLResponse)
async def case_page(
    request: Request,
    case_id: CaseId,
    client: TemporalDep,
    session: SessionDep,
    pages: PagesDep,
    notice: Annotated[str, Query(max_length=20)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
    warnings: Annotated[str, Query(max_length=4000)] = "",
):
    shown = sealed_warnings(pages.settings, warnings) if notice == "created" else []
    return await render_case(request, pages, client, session, case_id, notice=notice or done, warnings=shown)


async def act_from_case_page(request: Request, pages: Pages, client, session, case_id: str, build, notice: str):
    """HR's form on the case page: the action through the one door, then back to the page with ``notice``, or the
    page again with the case's refusal."""
    await valid_case(case_id, client, session)
    outcome = await forms.act(pages.gettext, build, lambda payload: service.act(client, case_id, payload))
    if not outcome.ok:
        return await render_case(request, pages, client, session, case_id, error=outcome.error)
    url = request.url_for("case_page", case_id=case_id).include_query_params(done=notice)
    return RedirectResponse(str(url), status_code=status.HTTP_303_SEE_OTHER)


@router.post("/{case_id}/last-working-day", name="move_last_day_form", dependencies=[Depends(form_protected)])
async def move_last_day(
    request: Request,
    case_id: CaseId,
    user: HR,
    pages: PagesDep,
    client: TemporalDep,
    session: SessionDep,
    last_working_day: Annotated[str, Form(max_length=10)] = "",
    reason: Reason = "",
):
    build = lambda: MoveLastDay(actor=actor_for(user, MoveLastDay), last_working_day=last_working_day, reason=reason)  # noqa: E731
    return await act_from_case_page(request, pages, client, session, case_id, build, "moved")


@router.post("/{case_id}/withdraw", name="withdraw_form", dependencies=[Depends(form_protected)])
async def withdraw(
    request: Request,
    case_id: CaseId,
    user: HR,
    pages: PagesDep,
    client: TemporalDep,
    session: SessionDep,
    reason: Reason = "",
):
    build = lambda: Withdraw(actor=actor_for(user, Withdraw), reason=reason)  # noqa: E731
    return await act_from_case_page(request, pages, client, session, case_id, build, "withdrawn")


@router.post("/{case_id}/access/revoke-now", name="revoke_access_now_form", dependencies=[Depends(form_protected)])
async def revoke_access_now(
    request: Request,
    case_id: CaseId,
    user: HR,
    pages: PagesDep,
    client: TemporalDep,
    session: SessionDep,
    reason: Reason = "",
):
    build = lambda: RevokeAccessNow(actor=actor_for(user, RevokeAccessNow), reason=reason)  # noqa: E731
    return await act_from_case_page(request, pages, client, session, case_id, build, "access_ending")
