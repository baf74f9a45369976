"""The departure documents by the organisation's country, in Dutch and English, and how an existing installation
gets them: migration 0013 moves them out of the standard template into one template per country, keeping what the
organisation changed itself."""

import asyncio
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from activities.cases import CaseActivities
from db import migrate
from db.engine import create_engine, create_sessionmaker
from models.handover import AssigneeRole
from models.records import PlanCaseInput
from models.tables import ChecklistTemplateRow
from organisation import checklists
from tests.support.case_driver import CaseDriver
from tests.support.environment import fresh_database

# Each test makes a database of the run's kind of its own: the PostgreSQL run runs them too.
pytestmark = pytest.mark.database

NL_DOCUMENTS = {
    "Eindafrekening opmaken: laatste salaris, vakantiegeld en niet-opgenomen vakantiedagen": "Prepare the final settlement: last salary, holiday allowance and untaken leave",
    "Getuigschrift opstellen en meegeven als de medewerker erom vraagt (art. 7:656 BW)": "Write and hand over a reference (getuigschrift) if the employee asks for one (art. 7:656 Dutch Civil Code)",
    "Medewerker schriftelijk laten weten dat niet ingeleverde bedrijfseigendommen met de eindafrekening verrekend kunnen worden, voor zover de arbeidsovereenkomst dat toestaat": "Tell the employee in writing that company property not returned may be set off against the final settlement, where the employment contract allows it",
}
BE_TITLES = ("C4", "Vakantieattest", "Tewerkstellingsattest", "individuele rekening", "vertrekvakantiegeld")
SEEDED = [  # the standard template as revision 0002 seeded it
    ("Overdrachtsdocument schrijven: lopend werk, contacten, wachtwoordkluizen", "employee", 10),
    ("Lopende dossiers en contacten overnemen", "successor", 5),
    ("Taken herverdelen en klanten of partners informeren", "manager", 5),
    ("Afscheidsmoment plannen", "manager", 3),
    ("Eindafrekening opmaken", "hr", 0),
    ("Werkgeversverklaring of C4 en sociale documenten opmaken", "hr", 0),
    ("Vakantieattest bezorgen", "hr", -5),
    ("Accounts en toegang afsluiten", "facilities", -1),
]


async def _run(url: str, work):
    engine = create_engine(url)
    try:
        return await work(create_sessionmaker(engine))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("country", ["NL", "BE"])
def test_each_country_gets_its_own_documents_with_owner_due_date_and_both_languages(settings, tmp_path, country):
    with fresh_database(tmp_path, f"checklist_{country.lower()}") as url:
        items = asyncio.run(
            _run(
                url,
                lambda sessions: CaseActivities(
                    settings.model_copy(update={"organisation_country": country}), sessions
                ).plan_case(
                    PlanCaseInput(
                        department="Finance", job_title="Controller", last_working_day=datetime(2027, 1, 29).date()
                    )
                ),
            )
        ).checklist
    titles = {item.title: item for item in items}
    documents = [item for item in items if item.assignee == AssigneeRole.HR]
    assert all(item.title_en and item.title_en != item.title for item in items), "every item in Dutch and English"
    if country == "NL":
        assert {item.title: item.title_en for item in documents} == NL_DOCUMENTS
        assert (
            titles[
                "Getuigschrift opstellen en meegeven als de medewerker erom vraagt (art. 7:656 BW)"
            ].due_working_days_before
            == 0
        )
        assert not any(word in title for title in titles for word in BE_TITLES)
    else:
        assert len(documents) == 5 and all(any(word in item.title for item in documents) for word in BE_TITLES)
        c4 = next(item for item in documents if item.title.startswith("C4"))
        assert c4.due_working_days_before == 0 and "no later than the last working day" in c4.title_en
        assert not set(NL_DOCUMENTS) & set(titles)
    assert "Accounts en toegang afsluiten" not in titles, "the access step ends access"
    assert (
        titles["Afscheidsmoment plannen"].title_for("en") == "Plan a farewell"
        and titles["Afscheidsmoment plannen"].title_for("nl") == "Afscheidsmoment plannen"
    )


def test_an_existing_installation_keeps_its_own_edits(tmp_path):
    templates = sa.table("checklist_templates", sa.column("id"), sa.column("name"), sa.column("items", sa.JSON()))

    async def edit(sessions):
        async with sessions.begin() as session:
            row = (
                await session.execute(
                    sa.select(templates.c.id, templates.c["items"]).where(templates.c.name == "Standaard vertrek")
                )
            ).one()
            items = [dict(item) for item in row[1]]
            items[4]["due_working_days_before"] = 2  # HR moved the final settlement: their item now
            items.append({"title": "Pasje blokkeren", "assignee": "facilities", "due_working_days_before": 0})
            await session.execute(templates.update().where(templates.c.id == row[0]).values(items=items))

    async def read(sessions):
        async with sessions() as session:
            return {row.name: row for row in (await session.execute(select(ChecklistTemplateRow))).scalars()}

    async def read_as_before(sessions):
        async with sessions() as session:
            return {
                row.name: row
                for row in (await session.execute(sa.select(templates.c.name, templates.c["items"]))).all()
            }

    with fresh_database(tmp_path, "edited", revision="0008") as url:
        asyncio.run(_run(url, edit))
        migrate.upgrade(url)
        rows = asyncio.run(_run(url, read))
        migrate.downgrade(url, "0008")
        restored = asyncio.run(_run(url, read_as_before))

    standard = rows["Standaard vertrek"]
    kept = [(item["title"], item["assignee"], item["due_working_days_before"]) for item in standard.items]
    assert kept == [*SEEDED[:4], ("Eindafrekening opmaken", "hr", 2), ("Pasje blokkeren", "facilities", 0)]
    assert standard.items[0]["title_en"] == "Write a handover document: work in progress, contacts, password vaults"
    assert "title_en" not in standard.items[-1], "the organisation's own item stays as it wrote it"
    assert (rows["Vertrekdocumenten Nederland"].country, rows["Vertrekdocumenten België"].country) == ("NL", "BE")
    assert standard.country is None

    assert set(restored) == {"Standaard vertrek"}, "a downgrade takes the country templates away"
    back = [
        (item["title"], item["assignee"], item["due_working_days_before"])
        for item in restored["Standaard vertrek"].items
    ]
    assert back == [*SEEDED[:4], ("Eindafrekening opmaken", "hr", 2), ("Pasje blokkeren", "facilities", 0), *SEEDED[5:]]
    assert not any("title_en" in item for item in restored["Standaard vertrek"].items)


async def test_a_case_gets_each_task_in_its_assignees_language(
    time_skipping_env, worker, mail_store, sessions, task_queue
):
    case = await CaseDriver.start(time_skipping_env, mail_store, sessions, task_queue)
    tasks = {task.title: task for task in (await case.view()).tasks}

    assert set(NL_DOCUMENTS) <= set(tasks), "HR reads Dutch (hr_language nl)"
    assert all(tasks[title].assignee_email == "hr@example.org" for title in NL_DOCUMENTS)
    assert "Plan a farewell" in tasks, "the manager reads English"
    assert tasks["Plan a farewell"].assignee_email == "bram.janssens@example.org"
    listing = await case.wait_for_mail("tasks_assigned", to="bram.janssens@example.org")
    assert "Plan a farewell" in listing[0].text


async def test_a_template_for_one_country_applies_only_there(sessions):
    from models.handover import ChecklistTemplateIn

    async with sessions.begin() as session:
        template = await checklists.create(
            session,
            ChecklistTemplateIn(
                name="Alleen België",
                country="BE",
                items=[
                    {
                        "title": "Sociale documenten nakijken",
                        "title_en": "Check the social documents",
                        "assignee": "hr",
                        "due_working_days_before": 1,
                    }
                ],
            ),
        )
    try:
        async with sessions() as session:
            belgian = await checklists.items_for(session, "Finance", "Controller", "BE")
            dutch = await checklists.items_for(session, "Finance", "Controller", "NL")
    finally:
        async with sessions.begin() as session:
            await checklists.delete(session, template.id)
    assert "Sociale documenten nakijken" in {item.title for item in belgian}
    assert "Sociale documenten nakijken" not in {item.title for item in dutch}
