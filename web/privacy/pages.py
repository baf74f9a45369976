"""The pages: the audit log for admins; for HR, the export of one person's data and its erasure (a page that says
what will go, then the button)."""

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from i18n.labels import Gettext
from models.accounts import AccountRole, SignedIn
from models.audit import AuditAction
from models.case import CaseStatus
from models.registration import Identifier
from privacy import audit, retention
from privacy.erasure import ErasureUnderway, NothingToErase, PersonStillActive, erase_person
from privacy.export import NothingHeld, export_person
from web.auth.guard import deny, form_protected, signed_in
from web.dependencies import SessionDep, SettingsDep, TemporalDep
from web.templating import TIME_ZONES, Pages, PagesDep

router = APIRouter(include_in_schema=False)

Admin = Annotated[SignedIn, Depends(signed_in(AccountRole.ADMIN))]
HR = Annotated[SignedIn, Depends(signed_in(AccountRole.HR))]
EmployeeId = Annotated[Identifier, Path()]
PER_PAGE = 50


def action_labels(_: Gettext) -> dict[str, str]:
    return {
        AuditAction.INTERVIEW_READ: _("Interview content read"),
        AuditAction.INTERVIEW_WRITTEN: _("Interview notes started"),
        AuditAction.INTERVIEW_RECORDED: _("Interview recorded"),
        AuditAction.INTERVIEWER_MANAGER_CHOSEN: _("Direct manager chosen as the interviewer"),
        AuditAction.PERSON_EXPORTED: _("Personal data exported"),
        AuditAction.PERSON_ERASED: _("Personal data erased on request"),
        AuditAction.CASE_ANONYMISED: _("Case anonymised"),
        AuditAction.INTERVIEW_CONTENT_ERASED: _("Interview free text erased"),
        AuditAction.EVENTS_PURGED: _("Old received events deleted"),
        AuditAction.ACCOUNT_CREATED: _("Account created"),
        AuditAction.ACCOUNT_ACTIVATED: _("Account switched on"),
        AuditAction.ACCOUNT_DEACTIVATED: _("Account switched off"),
        AuditAction.ACCOUNT_PASSWORD_SET: _("Password set"),
        AuditAction.API_TOKEN_ISSUED: _("API token issued"),
        AuditAction.API_TOKEN_REVOKED: _("API token revoked"),
        AuditAction.CHECKLIST_CREATED: _("Checklist template added"),
        AuditAction.CHECKLIST_REPLACED: _("Checklist template changed"),
        AuditAction.CHECKLIST_DELETED: _("Checklist template deleted"),
        AuditAction.POLICY_CHANGED: _("Policy changed"),
        AuditAction.CONTACTS_CHANGED: _("HR or IT/facilities mailbox changed"),
        AuditAction.ACCESS_REVOKED: _("Access ended"),
        AuditAction.ACCESS_REVOKE_FAILED: _("Access could not be ended"),
    }


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/admin/audit", name="audit_page", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    user: Admin,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    actor: Annotated[str, Query(max_length=320)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    subject: Annotated[str, Query(max_length=320)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):
    zone = ZoneInfo(TIME_ZONES[settings.organisation_country])
    first, last = _day(since), _day(until)
    errors = (
        [pages.gettext("Give dates as YYYY-MM-DD.")] if (since and first is None) or (until and last is None) else []
    )
    found = await audit.search(
        session,
        actor=actor.strip(),
        action=action.strip(),
        subject=subject.strip(),
        # Whole days on the organisation's clock, the last one included.
        since=datetime.combine(first, time(), tzinfo=zone) if first else None,
        until=datetime.combine(last + timedelta(days=1), time(), tzinfo=zone) if last else None,
        page=page,
        per_page=PER_PAGE,
    )
    filters = {
        "actor": actor.strip(),
        "action": action.strip(),
        "subject": subject.strip(),
        "since": since,
        "until": until,
    }
    pages_total = max(1, -(-found.total // PER_PAGE))

    def page_url(number: int) -> str:
        return str(
            request.url_for("audit_page").include_query_params(**{k: v for k, v in filters.items() if v}, page=number)
        )

    context = {
        "found": found,
        "filters": filters,
        "errors": errors,
        "actions": action_labels(pages.gettext),
        "pages_total": pages_total,
        "previous_url": page_url(page - 1) if page > 1 else "",
        "next_url": page_url(page + 1) if page < pages_total else "",
    }
    return pages.render(request, "privacy/audit.html", context, status_code=422 if errors else 200)


@router.post("/people/{employee_id}/export", name="person_export_form", dependencies=[Depends(form_protected)])
async def export(
    request: Request, employee_id: EmployeeId, user: HR, session: SessionDep, client: TemporalDep
) -> Response:
    """The export as a JSON download."""
    try:
        document = await export_person(session, employee_id, client)
    except NothingHeld:
        deny(request, status.HTTP_404_NOT_FOUND, f"nothing is held about employee {employee_id}", user)
    name = f"personal-data-{employee_id}-{document.exported_at:%Y%m%d}.json"
    return Response(
        document.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


async def _render_erasure(
    request: Request, pages: Pages, session, employee_id: str, *, outcome=None, error: str = "", code: int = 200
):
    cases = await retention.cases_of_person(session, employee_id)
    events = await retention.events_of_person(session, employee_id, [case.id for case in cases])
    if outcome is None and not cases and not events:
        deny(request, status.HTTP_404_NOT_FOUND, f"nothing is held about employee {employee_id}")
    context = {
        "employee_id": employee_id,
        "cases": cases,
        "events": len(events),
        "running": [case for case in cases if case.status == CaseStatus.OPEN.value],
        "outcome": outcome,
        "error": error,
    }
    return pages.render(request, "privacy/erase.html", context, status_code=code)


@router.get("/people/{employee_id}/erase", name="person_erase_page", response_class=HTMLResponse)
async def erase_page(request: Request, employee_id: EmployeeId, user: HR, pages: PagesDep, session: SessionDep):
    return await _render_erasure(request, pages, session, employee_id)


@router.post("/people/{employee_id}/erase", name="person_erase_form", dependencies=[Depends(form_protected)])
async def erase(
    request: Request,
    employee_id: EmployeeId,
    user: HR,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
):
    _ = pages.gettext
    try:
        outcome = await erase_person(client, session, employee_id, settings.task_queue)
    except NothingToErase:
        deny(request, status.HTTP_404_NOT_FOUND, f"nothing is held about employee {employee_id}", user)
    except PersonStillActive:
        message = _("A case of this person is still running. Their data can be erased once it is closed or withdrawn.")
        return await _render_erasure(request, pages, session, employee_id, error=message, code=status.HTTP_409_CONFLICT)
    except ErasureUnderway:
        message = _(
            "The erasure has started but did not finish within a minute. It completes on its own; look again in a moment."
        )
        return await _render_erasure(request, pages, session, employee_id, error=message, code=status.HTTP_202_ACCEPTED)
    return await _render_erasure(request, pages, session, employee_id, outcome=outcome)
