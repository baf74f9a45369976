"""The employee's links as the tests find and open them in the mails."""

import re

from sqlalchemy import func, select

from models.tables import UsedLink
from tests.support.auth import csrf_token
from workflows.exit_interview import ExitInterviewWorkflow

NAME = "Anouk de Vries"


LINK = re.compile(r"http://offboarding\.test(/(?:invitation|consent)/[A-Za-z0-9_.\-]+)")


def link_in(mail) -> str:
    match = LINK.search(mail.text)
    assert match, mail.text
    return match.group(1)


async def answers_seen(env, case_id: str) -> list[str]:
    """The employee and HR updates the interview workflow accepted, by name, from its history."""
    history = await env.client.get_workflow_handle(ExitInterviewWorkflow.id_for(case_id)).fetch_history()
    return [
        event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for event in history.events
        if event.HasField("workflow_execution_update_accepted_event_attributes")
    ]


async def used_rows(sessions, case_id: str) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(UsedLink).where(UsedLink.case_id == case_id))


async def invitation_link(case) -> str:
    return link_in((await case.wait_for_mail("interview:invitation", to=case.employee["email"]))[0])


async def opened(client, url: str) -> str:
    page = await client.get(url)
    assert page.status_code == 200, page.text
    return csrf_token(page.text)
