"""The review of one report in the web app, for its reviewers (and HR, who reads along): read the report, record
findings, agree actions with an owner chosen from the accounts, approve, or send the report back to HR with a
remark, which HR answers on the same page. Every form goes through ``reports.review``, as the API does; an error comes back next to its field, with
what was typed kept."""

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from cases.service import ActionRejected, CaseDidNotAnswer, CaseUnavailable
from i18n.labels import Gettext
from models.accounts import AccountRole, SignedIn
from models.actors import Actor, Role
from models.report import AddAction, AddFinding, AnswerRemark, ApproveReport, ChangeAction
from organisation import store
from reports import board_records, review
from reports.labels import value_label
from reports.service import ReportNotFound
from web import refusals
from web.auth.guard import form_protected, signed_in
from web.dependencies import SessionDep, TemporalDep
from web.templating import Pages, PagesDep
from web.validation import field_message

router = APIRouter(include_in_schema=False)

Reader = Annotated[SignedIn, Depends(signed_in(AccountRole.REVIEWER, AccountRole.HR))]
HumanResources = Annotated[SignedIn, Depends(signed_in(AccountRole.HR))]
ReportId = Annotated[str, Path(min_length=1, max_length=120)]
Text = Annotated[str, Form(max_length=4000)]
NOTICES = ("finding", "action", "approved", "sent_back", "answered", "progress", "action_done", "action_changed")
# A refusal that concerns one field is shown next to it.
REFUSAL_FIELDS = {"action_due_not_in_future": "due_date"}


@dataclass
class ReviewForm:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    error: str = ""


def labels_of(_: Gettext) -> dict[str, str]:
    return {
        "finding": _("Finding"),
        "text": _("What is to be done"),
        "owner_email": _("Owner"),
        "due_date": _("Due date"),
        "comment": _("Comment with the approval"),
        "remark": _("What HR should look at"),
        "answer": _("How HR took the remark up"),
    }


def actor_of(user: SignedIn) -> Actor:
    """As the API does (web.reports.router): HR acts as HR, everyone else as themselves."""
    return Actor(email=user.email, role=Role.HR if user.has(AccountRole.HR) else Role.MANAGER)


async def render(
    request: Request,
    pages: Pages,
    client,
    session,
    user: SignedIn,
    report_id: str,
    form: ReviewForm | None = None,
    notice: str = "",
    code: int = 200,
):
    try:
        shown = await review.page(client, session, report_id)
    except ReportNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found") from None
    form = form or ReviewForm()
    form.labels = labels_of(pages.gettext)
    owners = {a.email: f"{a.name} ({a.email})" for a in await review.owner_choices(session)}
    view = shown.view
    # The board's short records: for this report's reviewers and HR, who both read the review.
    reader = user.email.lower()
    records = []
    zone = (await store.load(session, request.app.state.settings)).policy.timezone
    follows_up = user.has(AccountRole.HR) or (view is not None and reader in view.reviewers)
    if follows_up:
        records = await board_records.for_report(session, shown.report, zone, reader)
        await session.commit()
    context = {
        "records": records,
        "record_labels": lambda kind, key: value_label(
            kind,
            key,
            pages.language if pages.language in ("nl", "en") else "nl",
            pages.settings.organisation_country,
        ),
        "review": shown,
        "view": view,
        "status": review.status_of(shown.report, [note.kind for note in shown.notes]),
        "may_review": bool(view and view.approval is None and user.email.lower() in view.reviewers),
        "may_answer": shown.awaits_answer and user.has(AccountRole.HR),
        # HR and this report's reviewers follow up its actions and the open ones of earlier reports here: the
        # escalation of an overdue action links to its row.
        "follows_up": follows_up,
        "earlier": await review.earlier_actions(session, shown.report, zone),
        "action_state": review.state_of,
        "owners": {"": pages.gettext("Choose an account"), **owners},
        "form": form,
        "notice": notice if notice in NOTICES else "",
    }
    return pages.render(request, "reports/review.html", context, status_code=code)


async def act(
    request,
    pages: Pages,
    client,
    session,
    user,
    report_id: str,
    build,
    run,
    values: dict[str, str],
    notice: str,
    field_names: dict[str, str],
    refusal_fields: dict[str, str] | None = None,
):
    """Build the input and run it; on a mistake the page again with the error next to its field and what was typed."""
    _ = pages.gettext
    form = ReviewForm(values=values)
    try:
        payload = build()
    except ValidationError as err:
        for error in err.errors():
            name = field_names.get(str(error["loc"][0]) if error["loc"] else "", "")
            if name:
                form.errors.setdefault(name, []).append(field_message(error, _))
            else:
                form.error = field_message(error, _)
        return await render(
            request, pages, client, session, user, report_id, form, code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    try:
        await run(payload)
    except ReportNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found") from None
    except ActionRejected as err:
        reason = refusals.reason(_, err)
        name = (REFUSAL_FIELDS if refusal_fields is None else refusal_fields).get(getattr(err, "code", ""), "")
        if name:
            form.errors[name] = [reason]
        else:
            form.error = _("The review did not accept this: %(reason)s") % {"reason": reason}
        return await render(request, pages, client, session, user, report_id, form, code=status.HTTP_409_CONFLICT)
    except CaseDidNotAnswer:
        form.error = _(
            "The review did not answer in time. It may still happen: look again in a moment before trying again."
        )
        return await render(
            request, pages, client, session, user, report_id, form, code=status.HTTP_504_GATEWAY_TIMEOUT
        )
    except CaseUnavailable:
        form.error = _("The review cannot be reached right now; try again in a moment.")
        return await render(
            request, pages, client, session, user, report_id, form, code=status.HTTP_503_SERVICE_UNAVAILABLE
        )
    url = request.url_for("review_page", report_id=report_id).include_query_params(done=notice)
    return RedirectResponse(str(url), status_code=status.HTTP_303_SEE_OTHER)


async def _one_text(
    request,
    pages: Pages,
    client,
    session,
    user,
    report_id: str,
    model: type[BaseModel],
    name: str,
    text: str,
    run,
    notice,
):
    """A form of one text field named as ``model``'s (the approval's comment, a remark, HR's answer), with the actor."""
    build = lambda: _input(model, {"actor": actor_of(user), name: text})  # noqa: E731
    return await act(request, pages, client, session, user, report_id, build, run, {name: text}, notice, {name: name})


def _input(model: type[BaseModel], values: dict[str, Any]) -> BaseModel:
    return model.model_validate({name: value for name, value in values.items() if value != ""})


@router.get("/reports/{report_id}/review", name="review_page", response_class=HTMLResponse)
async def review_page(
    request: Request,
    report_id: ReportId,
    user: Reader,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    done: str = "",
):
    return await render(request, pages, client, session, user, report_id, notice=done)


@router.post("/reports/{report_id}/review/findings", name="review_finding_form", dependencies=[Depends(form_protected)])
async def add_finding(
    request: Request,
    report_id: ReportId,
    user: Reader,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    finding: Text = "",
):
    build = lambda: _input(AddFinding, {"actor": actor_of(user), "text": finding})  # noqa: E731
    run = lambda payload: review.add_finding(client, report_id, payload)  # noqa: E731
    return await act(
        request,
        pages,
        client,
        session,
        user,
        report_id,
        build,
        run,
        {"finding": finding},
        "finding",
        {"text": "finding"},
    )


@router.post("/reports/{report_id}/review/actions", name="review_action_form", dependencies=[Depends(form_protected)])
async def add_action(
    request: Request,
    report_id: ReportId,
    user: Reader,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    text: Text = "",
    owner_email: Annotated[str, Form(max_length=320)] = "",
    due_date: Annotated[str, Form(max_length=10)] = "",
):
    values = {"text": text, "owner_email": owner_email, "due_date": due_date}
    owners = {a.email.lower(): a for a in await review.owner_choices(session)}
    owner = owners.get(owner_email.strip().lower())

    def build() -> BaseModel:
        payload = {
            "actor": actor_of(user),
            "text": text,
            "owner_email": owner.email if owner else "",
            "due_date": due_date,
        }
        if owner:
            payload["owner_language"] = owner.language
        return _input(AddAction, payload)

    if owner_email and owner is None:
        form = ReviewForm(values=values, errors={"owner_email": [pages.gettext("Choose one of the accounts.")]})
        return await render(
            request, pages, client, session, user, report_id, form, code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    run = lambda payload: review.add_action(client, report_id, payload)  # noqa: E731
    names = {"text": "text", "owner_email": "owner_email", "due_date": "due_date"}
    return await act(request, pages, client, session, user, report_id, build, run, values, "action", names)


@router.post("/reports/{report_id}/review/approve", name="review_approve_form", dependencies=[Depends(form_protected)])
async def approve(
    request: Request,
    report_id: ReportId,
    user: Reader,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    comment: Text = "",
):
    run = lambda payload: review.approve(client, report_id, payload)  # noqa: E731
    form = request, pages, client, session, user, report_id
    return await _one_text(*form, ApproveReport, "comment", comment, run, "approved")


@router.post(
    "/reports/{report_id}/review/send-back", name="review_send_back_form", dependencies=[Depends(form_protected)]
)
async def send_back(
    request: Request,
    report_id: ReportId,
    user: Reader,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    remark: Text = "",
):
    run = lambda payload: review.send_back(client, session, report_id, payload)  # noqa: E731
    form = request, pages, client, session, user, report_id
    return await _one_text(*form, review.SendBack, "remark", remark, run, "sent_back")


@router.post("/reports/{report_id}/review/answer", name="review_answer_form", dependencies=[Depends(form_protected)])
async def answer_remark(
    request: Request,
    report_id: ReportId,
    user: HumanResources,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    answer: Text = "",
):
    run = lambda payload: review.answer_remark(client, session, report_id, payload)  # noqa: E731
    form = request, pages, client, session, user, report_id
    return await _one_text(*form, AnswerRemark, "answer", answer, run, "answered")


@router.post(
    "/reports/{report_id}/review/progress/{action_report_id}/{action_id}",
    name="review_progress_page_form",
    dependencies=[Depends(form_protected)],
)
async def note_progress(
    request: Request,
    report_id: ReportId,
    action_report_id: ReportId,
    action_id: Annotated[str, Path(min_length=1, max_length=16)],
    user: Reader,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    note: Text = "",
    done: Annotated[str, Form(max_length=3)] = "",
):
    """A note on how an action goes, or the action marked done, from the review page of ``report_id``: on one of its
    own actions, or on an earlier report's action it lists. The review decides whether the reader may
    (reports.review.note_progress): HR, the owner, the reviewers of the action's report or of this one."""
    key = progress_key(action_report_id, action_id)
    reviewing = None if action_report_id == report_id else report_id
    build = lambda: _input(  # noqa: E731
        review.ProgressNote, {"actor": actor_of(user), "action_id": action_id, "note": note, "done": bool(done)}
    )
    run = lambda payload: review.note_progress(  # noqa: E731
        client, session, action_report_id, payload, reviewing=reviewing
    )
    values = {key: note, f"{key}-done": "yes" if done else ""}
    return await act(
        request,
        pages,
        client,
        session,
        user,
        report_id,
        build,
        run,
        values,
        "action_done" if done else "progress",
        {"note": key},
    )


@router.post(
    "/reports/{report_id}/review/change/{action_report_id}/{action_id}",
    name="review_change_action_form",
    dependencies=[Depends(form_protected)],
)
async def change_action(
    request: Request,
    report_id: ReportId,
    action_report_id: ReportId,
    action_id: Annotated[str, Path(min_length=1, max_length=16)],
    user: Reader,
    pages: PagesDep,
    session: SessionDep,
    client: TemporalDep,
    owner_email: Annotated[str, Form(max_length=320)] = "",
    due_date: Annotated[str, Form(max_length=10)] = "",
):
    """An open action given to another account, or its due date moved, from the review page of ``report_id`` (its
    own action or an earlier report's it lists). The review decides whether the reader may: HR and the reviewers."""
    key = change_key(action_report_id, action_id)
    names = {"owner_email": f"{key}-owner", "due_date": f"{key}-due", "": f"{key}-owner"}
    values = {f"{key}-owner": owner_email, f"{key}-due": due_date}
    owners = {a.email.lower(): a for a in await review.owner_choices(session)}
    owner = owners.get(owner_email.strip().lower())
    if owner_email and owner is None:
        form = ReviewForm(values=values, errors={names["owner_email"]: [pages.gettext("Choose one of the accounts.")]})
        return await render(
            request, pages, client, session, user, report_id, form, code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )

    def build() -> BaseModel:
        payload: dict[str, Any] = {"actor": actor_of(user), "action_id": action_id, "due_date": due_date}
        if owner:
            payload |= {"owner_email": owner.email, "owner_language": owner.language}
        return _input(ChangeAction, payload)

    reviewing = None if action_report_id == report_id else report_id
    run = lambda payload: review.change_action(  # noqa: E731
        client, session, action_report_id, payload, reviewing=reviewing
    )
    refused = {"action_due_not_in_future": names["due_date"]}
    return await act(
        request, pages, client, session, user, report_id, build, run, values, "action_changed", names, refused
    )


def change_key(report_id: str, action_id: str) -> str:
    return f"change-{report_id}-{action_id}"


def progress_key(report_id: str, action_id: str) -> str:
    """The form field of one action's progress note: unique on a page that lists several reports' actions."""
    return f"progress-{report_id}-{action_id}"
