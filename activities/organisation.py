"""Who the organisation tells of a departure, read once per case so the workflow stays deterministic."""

from temporalio import activity

from config import Settings
from models.organisation import Contact, Organisation


class OrganisationActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @activity.defn
    async def load_organisation(self) -> Organisation:
        s = self._settings
        return Organisation(
            name=s.organisation_name,
            country=s.organisation_country,
            hr=Contact(email=s.hr_email, language=s.hr_language),
            facilities=Contact(email=s.facilities_email, language=s.facilities_language),
            public_url=s.public_url,
        )
