"""The organisation's own questionnaire: HR edits it in versions, an interview keeps the version it was held
with, and an older record still reads with its own questions. Through the pages, as HR and the interviewer
use them; in-process against the time-skipping server, on SQLite and PostgreSQL alike."""

import re

import pytest
from sqlalchemy import select

from models.interview_template import STANDARD, emptied_figures
from models.tables import InterviewRecordRow
from questionnaires import store
from questionnaires.default import DEFAULT
from tests.support.api import at_agreed_time, invited
from tests.support.auth import csrf_token, post_form, unique_email
from tests.support.questionnaire import questionnaire_restored  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("questionnaire_restored")


def form_of(html: str) -> dict[str, str | list[str]]:
    """The questionnaire editor's fields as the page holds them, as a browser would send them back."""
    fields: dict[str, str | list[str]] = {}
    for name, value in re.findall(r'<input id="[^"]*" name="([^"]+)" type="text" value="([^"]*)"', html):
        fields[name] = value.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")
    for name, body in re.findall(r'<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        fields[name] = chosen.group(1) if chosen else re.search(r'<option value="([^"]*)"', body).group(1)
    for name, body in re.findall(r'<textarea id="[^"]*" name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[name] = body
    for name in ("sections", "questions"):
        fields[name] = re.search(rf'<input type="hidden" name="{name}" value="(\d+)">', html).group(1)
    fields["csrf_token"] = csrf_token(html)
    return fields


def row_of(fields: dict, key: str) -> str:
    return next(name.split(".")[1] for name, value in fields.items() if name.endswith(".key") and value == key)


def test_the_default_questionnaire_is_the_seeds_own():
    titles = [section.title.nl for section in DEFAULT.sections]
    labels = {question.label.nl for question in DEFAULT.questions()}
    assert {"Algemeen", "Inhoudelijk", "Samenwerking", "Organisatie", "Redenen voor vertrek", "Andere"} <= set(titles)
    assert {
        "Hoe kijk je in het algemeen terug op je periode bij ons?",
        "Welke verschillen zie je tussen je huidige en je toekomstige functie?",
        "Wat is je belangrijkste advies voor onze organisatie?",
        "Wat is voor jou de belangrijkste reden om ons te verlaten?",
        "Voelde je je veilig bij ons?",
        "Wat bieden andere werkgevers, zoals je nieuwe werkgever, dat wij niet bieden?",
        "Wat zijn je plannen voor de toekomst?",
        "Hoe kunnen we je daarbij nog helpen?",
        "Wil je nog iets kwijt?",
        # 001's questions on the work, the organisation and working together, and 003's on the role.
        "Waren er omstandigheden die je in je werkuitvoering belemmerden of stimuleerden?",
        "Welke veranderingen zou je wenselijk vinden in het takenpakket of in het algemeen?",
        "Hoe vond je de relatie met het bestuur en/of de coördinator?",
        "Waar moeten we meer op inzetten?",
        "Hoe zie je de toekomst van de organisatie?",
        "Wat had beter gekund in je rol?",
    } <= labels
    went_well = next(question for question in DEFAULT.questions() if question.key == "went_well")
    assert "Wat ga je missen" in went_well.label.nl and went_well.help.nl == "En wat ga je niet missen?"
    # 000's gender-inclusion topics, as the choices of the question on what shaped the experience.
    assert "belonging.influences" in DEFAULT.keys()
    assert set(STANDARD["belonging.influences"].options) == {
        "gender_bias",
        "sense_of_belonging",
        "professional_self_confidence",
        "work_life_balance",
    }
    assert set(STANDARD) <= DEFAULT.keys(), "every answer the reports count is asked"
    assert all(question.label.en for question in DEFAULT.questions())
    assert emptied_figures(DEFAULT, DEFAULT) == []


async def test_an_organisation_keeps_the_questionnaire_it_stored_when_the_default_grows(sessions):
    """The default is only the first version where none is stored: a version HR saved before the default gained its
    questions stays the one interviews are held with, with who saved it and when."""
    added = {"circumstances", "task_changes", "board_relation", "invest_more", "organisation_future"}
    earlier = DEFAULT.model_copy(
        update={
            "sections": [
                section.model_copy(update={"questions": [q for q in section.questions if q.key not in added]})
                for section in DEFAULT.sections
            ]
        }
    )
    saver = unique_email("hr")
    async with sessions() as session:
        saved = await store.save(session, earlier, saver)
        await session.commit()
    async with sessions() as session:
        now = await store.current(session)
    assert now.number == saved.number and now.template == earlier
    assert not added & now.template.keys()
    assert now.created_by == saver and now.created_at is not None


def test_the_default_asks_the_reasons_after_the_experiences_and_for_the_successor():
    """002: once enough is heard about the experiences (the five A's), go on to the reasons; 001 §1: what the
    next person in the job should find improved."""
    keys = [question.key for question in DEFAULT.questions()]
    experiences = [index for index, key in enumerate(keys) if key.startswith("experiences.")]
    assert len({key.split(".")[1] for key in keys if key.startswith("experiences.")}) == 5  # the five A's
    assert max(experiences) < keys.index("primary_reason") < keys.index("secondary_reasons")
    improve = next(question for question in DEFAULT.questions() if question.key == "should_improve")
    assert "opvolger" in improve.help.nl and "successor" in improve.help.en


async def test_hr_saves_a_version_and_a_bad_field_is_named(case, browser, sessions):
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    page = await hr.get("/settings/questionnaire")
    assert page.status_code == 200 and "Hoe kijk je in het algemeen terug" in page.text
    fields = form_of(page.text)
    row = row_of(fields, "looking_back")

    # The English wording left out: the error names the question and the field.
    wrong = await hr.post("/settings/questionnaire", data={**fields, f"questions.{row}.label_en": ""})
    assert wrong.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', wrong.text, re.S).group(0)
    assert f"Question {int(row) + 1}, question in english: Write the question in both languages." in summary

    # A choice of its own with one option only, and a standard key with another kind of answer.
    spare = fields["questions"]
    new = int(spare) - 1
    recommend = row_of(fields, "recommend_score")
    bad = await hr.post(
        "/settings/questionnaire",
        data={
            **fields,
            f"questions.{new}.kind": "choice",
            f"questions.{new}.label_nl": "Hoe kwam je bij ons binnen?",
            f"questions.{new}.label_en": "How did you find us?",
            f"questions.{new}.options": "Via een vriend | Through a friend",
            f"questions.{recommend}.kind": "text",
        },
    )
    assert bad.status_code == 422
    assert "Give at least two options, one per line." in bad.text
    assert "The reports count this question as: Scale from 0 to 10." in bad.text

    saved = await hr.post(
        "/settings/questionnaire",
        data={
            **fields,
            f"questions.{new}.kind": "choice",
            f"questions.{new}.label_nl": "Hoe kwam je bij ons binnen?",
            f"questions.{new}.label_en": "How did you find us?",
            f"questions.{new}.options": "Via een vriend | Through a friend\nVia een vacature | Through a vacancy",
        },
    )
    assert saved.status_code == 303, saved.text
    async with sessions() as session:
        current = await store.current(session)
    question = current.template.question("how_did_you_find_us")
    assert question is not None and [o.value for o in question.options] == ["through_a_friend", "through_a_vacancy"]
    assert f"Saved as version {current.number}." in (await hr.get(saved.headers["location"])).text


async def test_dropping_a_question_the_reports_count_says_which_figures_it_empties(case, browser, sessions):
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    fields = form_of((await hr.get("/settings/questionnaire")).text)
    without = {**fields, f"questions.{row_of(fields, 'recommend_score')}.remove": "1"}

    warned = await hr.post("/settings/questionnaire", data=without)
    assert warned.status_code == 409 and 'id="emptied-figures"' in warned.text
    assert "<li>Recommend score</li>" in warned.text
    async with sessions() as session:
        unchanged = (await store.current(session)).template.question("recommend_score")
    assert unchanged is not None, "nothing is saved before HR confirms"

    confirmed = await hr.post("/settings/questionnaire", data={**without, "confirm": "1"})
    assert confirmed.status_code == 303
    async with sessions() as session:
        assert (await store.current(session)).template.question("recommend_score") is None


async def test_an_interview_keeps_its_version_and_an_older_record_still_reads(
    case, browser, sessions, time_skipping_env
):
    await invited(case)
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    interviewer_email = unique_email("ilse")
    interviewer = await browser(interviewer_email, ["interviewer"], sessions)
    await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": interviewer_email})
    await at_agreed_time(case, time_skipping_env)

    # HR words a question of its own; the interview is held with that version.
    fields = form_of((await hr.get("/settings/questionnaire")).text)
    new = int(fields["questions"]) - 1
    saved = await hr.post(
        "/settings/questionnaire",
        data={
            **fields,
            f"questions.{new}.kind": "scale",
            f"questions.{new}.key": "workplace_score",
            f"questions.{new}.label_nl": "Welk cijfer geef je je werkplek?",
            f"questions.{new}.label_en": "What score do you give your workplace?",
        },
    )
    assert saved.status_code == 303
    async with sessions() as session:
        held_with = (await store.current(session)).number

    form = await interviewer.get(f"/interviews/{case.id}")
    assert "What score do you give your workplace?" in form.text
    assert f'name="_version" value="{held_with}"' in form.text
    token = csrf_token(form.text)
    out_of_scale = await interviewer.post(
        f"/interviews/{case.id}", data={"_version": str(held_with), "workplace_score": "12", "csrf_token": token}
    )
    assert out_of_scale.status_code == 422
    assert "What score do you give your workplace?: Choose a number in the scale." in out_of_scale.text
    done = await interviewer.post(
        f"/interviews/{case.id}",
        data={"_version": str(held_with), "workplace_score": "7", "went_well": "Het team", "csrf_token": token},
    )
    assert done.status_code == 303
    submitted = await interviewer.post(
        done.headers["location"],
        data={
            "scope": "advice_and_experiences",
            "share_with_manager": "no",
            "text_version": "2026-11",
            "csrf_token": token,
        },
    )
    assert submitted.status_code == 303

    # A later version drops the question; the record still reads with the words it was asked in.
    fields = form_of((await hr.get("/settings/questionnaire")).text)
    later = await hr.post(
        "/settings/questionnaire", data={**fields, f"questions.{row_of(fields, 'workplace_score')}.remove": "1"}
    )
    assert later.status_code == 303
    async with sessions() as session:
        row = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case.id))
        ).scalar_one()
        assert (await store.current(session)).number > held_with
    assert row.record["template_version"] == held_with and row.record["answers"] == {"workplace_score": 7}
    assert row.mode == "conversation"
    record = await hr.get(f"/cases/{case.id}/interview")
    assert record.status_code == 200
    assert f"Questionnaire version {held_with}" in record.text
    assert "What score do you give your workplace?" in record.text and "<dd>7</dd>" in record.text


async def test_hr_moves_a_question_and_a_section_before_saving(case, browser, sessions):
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    fields = form_of((await hr.get("/settings/questionnaire")).text)
    proudest = row_of(fields, "proudest_moment")

    moved = await hr.post("/settings/questionnaire", data={**fields, "move": f"questions.{proudest}.up"})
    assert moved.status_code == 200
    fields = form_of(moved.text)
    assert int(row_of(fields, "proudest_moment")) < int(row_of(fields, "looking_back"))
    # The first section moves below the second; its questions go with it.
    moved = await hr.post("/settings/questionnaire", data={**fields, "move": "sections.0.down"})
    fields = form_of(moved.text)
    assert fields["sections.0.title_nl"] == "Inhoudelijk" and fields["sections.1.title_nl"] == "Algemeen"
    assert fields[f"questions.{row_of(fields, 'proudest_moment')}.section"] == "1"
    async with sessions() as session:
        before = (await store.current(session)).number

    saved = await hr.post("/settings/questionnaire", data=fields)
    assert saved.status_code == 303
    async with sessions() as session:
        current = await store.current(session)
    assert current.number == before + 1
    assert [section.title.nl for section in current.template.sections[:2]] == ["Inhoudelijk", "Algemeen"]
    assert [question.key for question in current.template.sections[1].questions] == ["proudest_moment", "looking_back"]
