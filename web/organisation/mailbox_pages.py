"""HR's and admins' page for the shared mailboxes besides HR's and IT/facilities': a fleet manager's, payroll's.

A task or an item given to a shared mailbox's address belongs to everyone who works for it: they all see it under
"My tasks" or "Equipment to receive" and may act on it. HR's mailbox belongs to every HR account and IT/facilities'
to every custodian; for the others this page says who works for them. Cases registered from now on route to them."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from accounts import store as accounts
from models.organisation import RoleMailbox
from organisation import mailboxes
from web.auth.guard import deny, form_protected
from web.dependencies import SessionDep
from web.organisation.forms import Editor, redirect_to
from web.templating import Pages, PagesDep
from web.validation import field_message

router = APIRouter(prefix="/settings", include_in_schema=False)

Key = Annotated[str, Path(max_length=64)]


async def _render(
    request: Request,
    pages: Pages,
    session,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    notice: str = "",
    code: int = 200,
):
    context = {
        "mailboxes": await mailboxes.defined(session),
        "accounts": [account for account in await accounts.all_accounts(session) if account.active],
        "values": values or {"language": "nl", "members": []},
        "errors": errors or {},
        "notice": notice if notice in ("saved", "removed") else "",
    }
    return pages.render(request, "organisation/mailboxes.html", context, status_code=code)


@router.get("/mailboxes", name="mailboxes_page", response_class=HTMLResponse)
async def mailboxes_page(request: Request, user: Editor, pages: PagesDep, session: SessionDep, done: str = ""):
    return await _render(request, pages, session, notice=done)


@router.post("/mailboxes", response_class=HTMLResponse, dependencies=[Depends(form_protected)])
async def save(request: Request, user: Editor, pages: PagesDep, session: SessionDep):
    form = await request.form()
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in ("key", "name", "email", "language")}
    members = [int(str(value)) for value in form.getlist("members") if str(value).isdigit()]
    values["members"] = members
    _ = pages.gettext
    errors: dict[str, str] = {}
    try:
        mailbox = RoleMailbox(
            key=values["key"].lower(), name=values["name"], email=values["email"], language=values["language"] or "nl"
        )
    except ValidationError as err:
        errors = {str(e["loc"][0]): field_message(e, _) for e in err.errors()}
    else:
        if not values["name"]:
            errors["name"] = _("Fill in this field.")
        try:
            if not errors:
                await mailboxes.save(session, mailbox, members)
                await session.commit()
                return redirect_to(request, "mailboxes_page", done="saved")
        except ValueError:
            errors["key"] = _(
                "Use lower-case letters, digits and dashes, starting with a letter; hr and facilities are taken."
            )
        except mailboxes.MailboxConflict:
            await session.rollback()
            errors["email"] = _("Another shared mailbox has this address.")
    return await _render(
        request, pages, session, values=values, errors=errors, code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


@router.post("/mailboxes/{key}/delete", name="mailbox_delete_form", dependencies=[Depends(form_protected)])
async def remove(request: Request, key: Key, user: Editor, session: SessionDep):
    if not await mailboxes.remove(session, key):
        deny(request, status.HTTP_404_NOT_FOUND, f"no shared mailbox {key}", user)
    await session.commit()
    return redirect_to(request, "mailboxes_page", done="removed")
