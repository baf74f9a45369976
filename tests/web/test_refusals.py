"""A refused action names its kind: a stable code and parameters next to the English sentence. The API and the CLI
keep the sentence (the API adds the code); the pages say it in the reader's language."""

import ast
import html
import re
from pathlib import Path

from temporalio.exceptions import ApplicationError

from cases.service import ActionRejected
from models.refusals import MESSAGES, Refusal
from tests.support import eventually
from tests.support.api import HR, invited, register
from tests.support.auth import (
    another_client,
    make_account,
    post_form,
    sign_in,
    unique_email,
)
from web import i18n
from web.refusals import reason
from workflows.activity_calls import rejected

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_refusal_has_a_dutch_sentence_with_the_same_placeholders():
    dutch = i18n.translations("nl").gettext
    for code, sentence in MESSAGES.items():
        translated = dutch(sentence)
        assert translated != sentence, (
            f"{code}: no Dutch sentence in i18n/locale/nl (run pybabel extract/update/compile)"
        )
        assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(sentence)), code


def _calls(path: Path, name: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name
    ]


def test_every_refusal_in_the_code_names_a_known_code():
    """A refusal given as a bare sentence (or an unknown code) could not be translated on the pages."""
    sources = [
        p
        for folder in ("workflows", "planning", "cases", "reports", "intake", "privacy")
        for p in (ROOT / folder).glob("**/*.py")
    ]
    checked = 0
    for path in sources:
        for call in _calls(path, "rejected") + _calls(path, "Refusal"):
            if (
                path.name == "activity_calls.py"
                and call.args
                and isinstance(call.args[0], ast.Name)
                and call.args[0].id == "code"
            ):
                continue  # rejected() itself
            first = call.args[0] if call.args else None
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            if isinstance(first, ast.Constant):
                assert first.value in MESSAGES, f"{where}: unknown refusal code {first.value!r}"
                placeholders = set(PLACEHOLDER.findall(MESSAGES[first.value]))
                assert {keyword.arg for keyword in call.keywords} == placeholders, (
                    f"{where}: parameters of {first.value}"
                )
            else:
                # A refusal made elsewhere (planning's problem_with) passed on as it is.
                assert isinstance(first, ast.Name), (
                    f"{where}: refuse with a code from models/refusals.py, not a sentence"
                )
            checked += 1
    assert checked >= len(MESSAGES) - 5


def test_a_refusal_keeps_its_english_sentence_and_carries_its_code():
    error = rejected("task_already_done", task_id="t2", title="Klantenlijst overdragen")

    assert isinstance(error, ApplicationError) and error.type == "UpdateRejected" and error.non_retryable
    assert error.message == "task t2 (Klantenlijst overdragen) is already done"
    assert error.details == (
        {"code": "task_already_done", "params": {"task_id": "t2", "title": "Klantenlijst overdragen"}},
    )

    received = ActionRejected(Refusal.received(error.message, error.details[0]))
    assert str(received) == "task t2 (Klantenlijst overdragen) is already done"
    assert reason(i18n.translations("nl").gettext, received) == "taak t2 (Klantenlijst overdragen) is al afgevinkt"
    assert reason(i18n.translations("en").gettext, received) == "task t2 (Klantenlijst overdragen) is already done"
    # A refusal without a code (or with one this catalogue does not know) still reads, in English.
    assert reason(i18n.translations("nl").gettext, ActionRejected("the workflow is busy")) == "the workflow is busy"
    unknown = ActionRejected(Refusal.received("something new", {"code": "brand_new", "params": {}}))
    assert unknown.code == "brand_new" and reason(i18n.translations("nl").gettext, unknown) == "something new"


def _text(page) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))


async def test_a_dutch_speaking_hr_account_reads_the_refusal_in_dutch_and_the_api_keeps_english_with_the_code(
    http, worker, mail_store, sessions
):
    case = await register(http, mail_store)
    await invited(case)
    task = (await case.live())["tasks"][0]
    hr = another_client(http)
    await sign_in(hr, await make_account(sessions, unique_email("hr"), ["hr"], language="nl"))

    done = await post_form(hr, f"/cases/{case.id}", f"/my/tasks/{case.id}/{task['id']}/complete", {"back": "hr"})
    again = await post_form(hr, f"/cases/{case.id}", f"/my/tasks/{case.id}/{task['id']}/complete", {"back": "hr"})
    confirm = await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/confirm", {"proceed": "yes"})
    in_english = await post_form(
        hr, f"/cases/{case.id}?lang=en", f"/cases/{case.id}/interview/confirm?lang=en", {"proceed": "yes"}
    )

    assert done.status_code == 303
    assert again.status_code == 409
    assert f"Het dossier accepteerde dit niet: taak {task['id']} ({task['title']}) is al afgevinkt" in _text(again)
    assert confirm.status_code == 409
    assert (
        "Het dossier accepteerde dit niet: het exitgesprek is in afwachting van het antwoord van de medewerker "
        "en wacht niet op bevestiging door HR"
    ) in _text(confirm)
    assert "not awaiting HR's confirmation" not in _text(confirm)
    assert (
        "The case did not accept this: the interview is waiting for the employee's answer, not awaiting HR's confirmation"
        in _text(in_english)
    )

    api_task = await case.post(f"tasks/{task['id']}/complete", {"actor": HR})
    api_confirm = await http.post(f"{case.url}/interview/confirm", json={"actor": HR, "proceed": True})
    assert api_task.status_code == 409 and api_task.json() == {
        "detail": f"task {task['id']} ({task['title']}) is already done",
        "code": "task_already_done",
        "params": {"task_id": task["id"], "title": task["title"]},
    }
    assert api_confirm.status_code == 409 and api_confirm.json() == {
        "detail": "the interview is invited, not awaiting HR's confirmation",
        "code": "interview_not_awaiting_hr",
        "params": {"interview_status": "invited"},
    }
    await hr.aclose()


async def test_a_refusal_after_the_case_ended_carries_a_code_too(http, worker, mail_store, sessions):
    case = await register(http, mail_store)
    withdrawn = await case.post("withdraw", {"actor": HR, "reason": "Blijft toch"})
    assert withdrawn.status_code == 202

    async def ended():
        return (await http.get(case.url)).json()["status"] == "withdrawn"

    await eventually(ended)
    again = await case.post("withdraw", {"actor": HR, "reason": "nog eens"})
    assert again.status_code == 409
    assert again.json() == {
        "detail": "the case is withdrawn",
        "code": "case_not_open",
        "params": {"case_status": "withdrawn"},
    }
    assert (
        reason(i18n.translations("nl").gettext, ActionRejected(Refusal("case_not_open", case_status="withdrawn")))
        == "het dossier is ingetrokken"
    )
