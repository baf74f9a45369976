"""The mailbox pages: every mail the local SMTP sink captured, newest first."""

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse

from web.mailbox.dependencies import MailStoreDep
from web.templating import PagesDep

router = APIRouter(prefix="/mailbox", include_in_schema=False)


# Plain functions: the Maildir is read with blocking file I/O, which FastAPI then runs in its thread pool.
@router.get("", name="mailbox_page", response_class=HTMLResponse)
def mailbox(request: Request, store: MailStoreDep, pages: PagesDep):
    return pages.render(request, "mailbox/list.html", {"mails": store.all()})


@router.get("/{key}", name="mail_page", response_class=HTMLResponse)
def mail(key: str, request: Request, store: MailStoreDep, pages: PagesDep):
    found = store.get(key)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"There is no mail {key}.")
    return pages.render(request, "mailbox/detail.html", {"mail": found})
