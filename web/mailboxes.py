"""What each shared mailbox is called on the pages: HR, IT/facilities, and those the organisation defined."""

from sqlalchemy.ext.asyncio import AsyncSession

from organisation.mailboxes import defined
from web.templating import Pages


async def mailbox_names(session: AsyncSession, pages: Pages) -> dict[str, str]:
    _ = pages.gettext
    return {"hr": _("HR"), "facilities": _("IT/facilities")} | {
        box.key: box.name for box, _members in await defined(session)
    }


async def custodian_choices(session: AsyncSession, pages: Pages, facilities_email: str) -> list[tuple[str, str]]:
    """The addresses offered for who takes an item back: IT/facilities and the shared mailboxes the organisation defined."""
    return [(facilities_email, pages.gettext("IT/facilities"))] + [
        (box.email, box.name) for box, _members in await defined(session)
    ]
