"""The organisation: who HR and IT/facilities are, and the policy. Cases registered after a change follow the
new policy; cases already running keep the one they started with."""

from fastapi import APIRouter
from pydantic import ValidationError

from models.organisation import Contacts, Organisation
from models.policy import Policy
from organisation import store
from web.dependencies import SessionDep, SettingsDep
from web.organisation.schemas import PolicyChanges, PolicyUpdate
from web.validation import invalid_body

router = APIRouter(prefix="/api/organisation", tags=["organisation"])


@router.get("", response_model=Organisation, summary="The organisation: contacts and policy")
async def get_organisation(session: SessionDep, settings: SettingsDep) -> Organisation:
    """Its name and country, the HR and IT/facilities contacts that every case tells, and the policy."""
    organisation = await store.load(session, settings)
    await session.commit()  # on first use the organisation is stored from the settings
    return organisation


@router.put("/contacts", response_model=Organisation, summary="Replace the HR and IT/facilities contacts")
async def replace_contacts(contacts: Contacts, session: SessionDep, settings: SettingsDep) -> Organisation:
    """The HR and IT/facilities mailboxes that every case tells, and the language of their mails. Cases registered
    from now on tell them; cases already running keep the contacts they started with."""
    organisation = await store.update_contacts(session, settings, contacts)
    await session.commit()
    return organisation


@router.get("/policy", response_model=Policy, summary="The policy in force")
async def get_policy(session: SessionDep, settings: SettingsDep) -> Policy:
    """Every timing of a case: working hours, the interview's length and timing, reminders and escalations."""
    organisation = await store.load(session, settings)
    await session.commit()
    return organisation.policy


@router.put("/policy", response_model=Policy, summary="Replace the policy")
async def replace_policy(policy: PolicyUpdate, session: SessionDep, settings: SettingsDep) -> Policy:
    """Set the whole policy (fields left out take their default values; `PATCH` changes only the fields given).
    Cases registered from now on follow it."""
    organisation = await store.update_policy(session, settings, Policy.model_validate(policy.model_dump()))
    await session.commit()
    return organisation.policy


@router.patch("/policy", response_model=Policy, summary="Change some of the policy")
async def change_policy(changes: PolicyChanges, session: SessionDep, settings: SettingsDep) -> Policy:  # type: ignore[valid-type]
    """Change only the fields given; the others keep their current values. Cases registered from now on follow it."""
    current = (await store.load(session, settings)).policy
    try:
        policy = PolicyUpdate.model_validate({**current.model_dump(), **changes.model_dump(exclude_unset=True)})
    except ValidationError as err:
        raise invalid_body(err) from err
    organisation = await store.update_policy(session, settings, Policy.model_validate(policy.model_dump()))
    await session.commit()
    return organisation.policy
