"""Access to captured mail, only where the settings allow the mailbox."""

from typing import Annotated

from fastapi import Depends, HTTPException, status

from mailsink.store import MailStore
from web.dependencies import SettingsDep


def mail_store(settings: SettingsDep) -> MailStore:
    # Outside a local run there is no captured mail, and the pages must not exist at all.
    if not settings.mailbox_enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    return MailStore(settings.mailbox_dir)


MailStoreDep = Annotated[MailStore, Depends(mail_store)]
