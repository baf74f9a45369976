"""The human steps of a case from the command line: who may do what, what a refusal looks like, and what changes."""

import json
from datetime import date, datetime, timedelta

import pytest
import yaml
from sqlalchemy import select

from cases import service
from models.tables import InterviewRecordRow
from tests.support import eventually, unique
from tests.support.cli import (
    errors,
    offboarding,
    offboarding_in_thread,
    registration_flags,
)
from tests.support.environment import organisation_env

HR = ["--as", "hr@example.org", "--role", "hr"]
MANAGER = ["--as", "bram.janssens@example.org", "--role", "manager"]
FACILITIES = ["--as", "facilities@example.org", "--role", "custodian"]
STRANGER = ["--as", "someone@example.org", "--role", "assignee"]

RECORD = {
    "record": {
        "experiences": {
            "work_content": {"rating": 4, "comment": "Boeiend werk"},
            "working_conditions": {"rating": 3},
            "working_relations": {"rating": 5},
            "terms_of_employment": {"rating": 2},
            "work_organisation": {"rating": 3},
        },
        "primary_reason": "career_opportunity",
        "secondary_reasons": ["pay_and_benefits"],
        "most_important_advice": "Give people a career path.",
        "recommend_score": 8,
        "belonging": {"felt_safe": 4, "felt_at_home": 4, "felt_valued": 3, "influences": ["work_life_balance"]},
        "advice_summary": "Career paths.",
    },
    "consent": {"scope": "advice_only", "share_with_manager": True, "text_version": "2026-11"},
}


def employee_of(case_id: str) -> list[str]:
    employee_id = case_id.split("-")[1]
    return ["--as", f"{employee_id.lower()}@example.org", "--role", "employee"]


def mails(mail_store, case_id: str, purpose_prefix: str, to: str | None = None):
    return [
        m
        for m in mail_store.all()
        if m.case_id == case_id and m.purpose.startswith(purpose_prefix) and (to is None or m.to == to)
    ]


async def wait_for_mail(mail_store, case_id: str, purpose_prefix: str, count: int = 1, to: str | None = None):
    return await eventually(lambda: len(found := mails(mail_store, case_id, purpose_prefix, to)) >= count and found)


async def register(time_skipping_env, cli_env, **changes: str | None) -> str:
    """A registered case whose tasks are planned, so that every update can act on it."""
    result = await offboarding_in_thread(["register", *registration_flags(**changes)], cli_env)
    assert result.exit_code == 0, result.output
    case_id = result.stdout.split()[2]

    async def planned():
        view = await service.view(time_skipping_env.client, case_id)
        return view is not None and bool(view.tasks)

    await eventually(planned)
    return case_id


async def shown(case_id: str, cli_env) -> dict:
    result = await offboarding_in_thread(["show", case_id, "--json"], cli_env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def task_of(view: dict, assignee: str) -> dict:
    return next(task for task in view["tasks"] if task["assignee_email"] == assignee)


def write(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(
        json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    return str(path)


@pytest.fixture
def admin_env(settings) -> dict[str, str]:
    return {
        "OFFBOARDING_DATABASE_URL": settings.database_url,
        "OFFBOARDING_DATA_DIR": str(settings.data_dir),
        **organisation_env(settings),
    }


# Refused before anything is sent: exit 2, one line per problem, naming the flag.


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["task", "complete", "C1", "t1"], ["actor: missing; give --as and --role"]),
        (
            ["task", "complete", "C1", "t1", "--as", "bram", "--role", "boss"],
            [
                "--as: value is not a valid email address: An email address must have an @-sign.",
                "--role: unknown value 'boss'; choose one of: hr, manager, assignee, custodian, employee, interviewer",
            ],
        ),
        (
            ["task", "complete", "C1", "t1", "--as", "x@example.org", "--role", "system"],
            [
                "--role: unknown value 'system'; choose one of: hr, manager, assignee, custodian, employee, interviewer",
            ],
        ),
        (["task", "reassign", "C1", "t1", *HR], ["--to: required"]),
        (
            ["task", "add", "C1", "--title", "x", "--assignee", "sam@example.org", *HR],
            ["give exactly one of --due or --working-days-before"],
        ),
        (
            [
                "task",
                "add",
                "C1",
                "--title",
                " ",
                "--assignee",
                "sam@example.org",
                "--working-days-before",
                "soon",
                *HR,
            ],
            [
                "--title: must not be empty",
                "--working-days-before: 'soon' is not a whole number",
            ],
        ),
        (
            ["task", "add", "C1", "--title", "x", "--assignee", "sam@example.org", "--due", "2027-13-01", *HR],
            [
                "--due: '2027-13-01' is not a valid date; use YYYY-MM-DD",
            ],
        ),
        (["case", "move-last-day", "C1", *MANAGER], ["--last-day: required"]),
        (["interview", "skip", "C1", *HR], ["--reason: required; say why the interview is skipped"]),
        (
            ["interview", "assign", "C1", "--language", "fr", *HR],
            ["--name: required", "--email: required", "--language: unknown value 'fr'; choose one of: nl, en"],
        ),
        (
            ["interview", "accept", "C1", "--start", "2027-01-20 10:00", *HR],
            [
                "--start: '2027-01-20 10:00' has no time zone; use YYYY-MM-DDTHH:MM with a time zone, e.g. 2027-01-20T10:00+01:00 or 2027-01-20T09:00Z",
            ],
        ),
        (
            ["interview", "propose", "C1", "--start", "next week", "--online", *HR],
            [
                "--start: 'next week' is not a valid date and time; use YYYY-MM-DDTHH:MM with a time zone, e.g. 2027-01-20T10:00+01:00 or 2027-01-20T09:00Z",
            ],
        ),
        (["interview", "schedule", "C1", *HR], ["--start: required"]),
        (["interview", "record", "C1", *HR], ["--file: required; give the record and consent in a JSON or YAML file"]),
        (["list", "--due-before", "soon"], ["--due-before: 'soon' is not a valid date; use YYYY-MM-DD"]),
    ],
)
def test_invalid_input_names_the_flag(offline_env, args, expected):
    result = offboarding(args, offline_env)

    assert result.exit_code == 2, result.output
    assert errors(result) == expected
    assert result.stdout == ""


@pytest.mark.parametrize("name", ["record.yaml", "record.json"])
def test_record_file_problems_name_the_dotted_field(offline_env, tmp_path, name):
    data = json.loads(json.dumps(RECORD))
    data["record"]["experiences"]["working_conditions"]["rating"] = 7
    data["record"]["experiences"]["working_relations"]["colour"] = "red"
    data["record"]["primary_reason"] = "money"
    del data["consent"]["text_version"]

    result = offboarding(["interview", "record", "C1", "--file", write(tmp_path, name, data), *HR], offline_env)

    assert result.exit_code == 2
    assert errors(result) == [
        "record.experiences.working_conditions.rating: must be at most 5, not 7",
        "record.experiences.working_relations.colour: unknown field; expected one of: rating, comment",
        "record.primary_reason: unknown value 'money'; choose one of: "
        + ", ".join(
            [
                "career_opportunity",
                "pay_and_benefits",
                "work_content",
                "workload",
                "work_life_balance",
                "manager",
                "colleagues_and_culture",
                "learning_and_development",
                "organisation_change",
                "job_security",
                "commute",
                "relocation",
                "studies",
                "health",
                "personal_circumstances",
                "retirement",
                "end_of_contract",
                "dismissal",
                "other",
            ]
        ),
        "consent.text_version: missing from the file",
    ]


def test_record_with_an_answer_and_prefer_not_to_say_names_the_question(offline_env, tmp_path):
    data = json.loads(json.dumps(RECORD))
    data["record"]["prefer_not_to_say"] = ["experiences.terms_of_employment.rating"]

    result = offboarding(
        ["interview", "record", "C1", "--file", write(tmp_path, "record.yaml", data), *HR], offline_env
    )

    assert result.exit_code == 2
    assert errors(result) == [
        'record: an answer and "prefer not to say" at once for: experiences.terms_of_employment.rating'
    ]


def test_a_record_may_leave_every_question_out(offline_env, tmp_path):
    data = json.loads(json.dumps(RECORD))
    data["record"] = {"prefer_not_to_say": ["primary_reason"]}

    result = offboarding(
        ["interview", "record", "C1", "--file", write(tmp_path, "record.yaml", data), *HR], offline_env
    )

    assert "record" not in " ".join(errors(result))


# Against the time-skipping Temporal test server with a worker and real mail.


async def test_complete_a_task_then_again_is_rejected(time_skipping_env, worker, cli_env):
    case_id = await register(time_skipping_env, cli_env)
    task = task_of(await shown(case_id, cli_env), "bram.janssens@example.org")

    done = await offboarding_in_thread(
        ["task", "complete", case_id, task["id"], "--comment", "Klaar", *MANAGER], cli_env
    )
    again = await offboarding_in_thread(["task", "complete", case_id, task["id"], *HR], cli_env)

    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == f"task {task['id']} is done: {task['title']} (by bram.janssens@example.org)"
    after = next(t for t in (await shown(case_id, cli_env))["tasks"] if t["id"] == task["id"])
    assert (after["state"], after["completed_by"], after["comments"]) == (
        "done",
        "bram.janssens@example.org",
        ["Klaar"],
    )
    assert again.exit_code == 5
    assert errors(again) == [f"rejected: task {task['id']} ({task['title']}) is already done"]
    as_text = await offboarding_in_thread(["show", case_id], cli_env)
    assert any(line.split()[:3] == [task["id"], task["due_date"], "done"] for line in as_text.stdout.splitlines()), (
        "show lists task ids"
    )


async def test_unknown_task_wrong_person_and_unknown_case(time_skipping_env, worker, cli_env):
    case_id = await register(time_skipping_env, cli_env)
    task = task_of(await shown(case_id, cli_env), "bram.janssens@example.org")

    unknown = await offboarding_in_thread(["task", "complete", case_id, "t999", *HR], cli_env)
    stranger = await offboarding_in_thread(["task", "complete", case_id, task["id"], *STRANGER], cli_env)
    custodian = await offboarding_in_thread(["equipment", "return", case_id, "e1", *STRANGER], cli_env)
    no_case = await offboarding_in_thread(["task", "complete", "offboarding-nobody-2027-01-04", "t1", *HR], cli_env)
    no_interview = await offboarding_in_thread(["interview", "show", "offboarding-nobody-2027-01-04"], cli_env)

    assert (unknown.exit_code, errors(unknown)) == (5, ["rejected: unknown task t999"])
    assert (stranger.exit_code, errors(stranger)) == (
        5,
        [f"rejected: someone@example.org may not do this in case {case_id}"],
    )
    assert (custodian.exit_code, errors(custodian)) == (
        5,
        [f"rejected: someone@example.org may not do this in case {case_id}"],
    )
    assert (no_case.exit_code, errors(no_case)) == (4, ["no case offboarding-nobody-2027-01-04"])
    assert (no_interview.exit_code, errors(no_interview)) == (4, ["no case offboarding-nobody-2027-01-04"])


async def test_reassign_tells_the_new_assignee_and_add_a_task(time_skipping_env, worker, mail_store, cli_env):
    case_id = await register(time_skipping_env, cli_env)
    task = task_of(await shown(case_id, cli_env), "bram.janssens@example.org")

    moved = await offboarding_in_thread(
        ["task", "reassign", case_id, task["id"], "--to", "kim@example.org", "--comment", "Kim neemt over", *MANAGER],
        cli_env,
    )
    added = await offboarding_in_thread(
        [
            "task",
            "add",
            case_id,
            "--title",
            "Klantenlijst delen",
            "--assignee",
            "sam@example.org",
            "--working-days-before",
            "2",
            "--json",
            *MANAGER,
        ],
        cli_env,
    )
    dated = await offboarding_in_thread(
        [
            "task",
            "add",
            case_id,
            "--title",
            "Sleutels tellen",
            "--assignee",
            "sam@example.org",
            "--due",
            "2027-01-20",
            *HR,
        ],
        cli_env,
    )
    refused = await offboarding_in_thread(
        ["task", "add", case_id, "--title", "x", "--assignee", "sam@example.org", "--due", "2027-01-20", *STRANGER],
        cli_env,
    )

    assert moved.exit_code == 0, moved.output
    assert (
        moved.stdout.strip()
        == f"task {task['id']} is assigned to kim@example.org, due {task['due_date']}: {task['title']}"
    )
    [told] = await wait_for_mail(mail_store, case_id, "task_assigned:", to="kim@example.org")
    assert told.purpose == f"task_assigned:{task['id']}"
    assert added.exit_code == 0, added.output
    new = json.loads(added.stdout)
    assert (new["title"], new["assignee_email"], new["source"], new["due_working_days_before"]) == (
        "Klantenlijst delen",
        "sam@example.org",
        "added",
        2,
    )
    assert date.fromisoformat(new["due_date"]) < date(2027, 1, 29)
    assert dated.exit_code == 0, dated.output
    assert dated.stdout.strip().endswith("assigned to sam@example.org, due 2027-01-20: Sleutels tellen")
    assert refused.exit_code == 5
    view = await shown(case_id, cli_env)
    assert {"Klantenlijst delen", "Sleutels tellen"} <= {t["title"] for t in view["tasks"]}
    await wait_for_mail(mail_store, case_id, "task_assigned:", count=2, to="sam@example.org")


async def test_return_equipment(time_skipping_env, worker, cli_env):
    case_id = await register(time_skipping_env, cli_env)
    laptop = next(item for item in (await shown(case_id, cli_env))["equipment"] if item["name"] == "Laptop")

    returned = await offboarding_in_thread(
        ["equipment", "return", case_id, laptop["id"], "--note", "Zonder lader", *FACILITIES], cli_env
    )
    again = await offboarding_in_thread(["equipment", "return", case_id, laptop["id"], *FACILITIES], cli_env)

    assert returned.exit_code == 0, returned.output
    assert returned.stdout.strip() == f"Laptop ({laptop['id']}) is returned, recorded by facilities@example.org"
    after = next(item for item in (await shown(case_id, cli_env))["equipment"] if item["id"] == laptop["id"])
    assert (after["state"], after["note"]) == ("returned", "Zonder lader")
    assert (again.exit_code, errors(again)) == (5, ["rejected: Laptop was already returned"])


async def test_an_item_recorded_lost_is_marked_for_the_final_settlement(time_skipping_env, worker, cli_env):
    case_id = await register(time_skipping_env, cli_env)
    badge = next(item for item in (await shown(case_id, cli_env))["equipment"] if item["name"] == "Badge")

    wrong = await offboarding_in_thread(
        ["equipment", "return", case_id, badge["id"], "--outcome", "stolen", *FACILITIES], cli_env
    )
    lost = await offboarding_in_thread(
        ["equipment", "return", case_id, badge["id"], "--outcome", "lost", *FACILITIES], cli_env
    )
    by_custodian = await offboarding_in_thread(["equipment", "settle", case_id, badge["id"], *FACILITIES], cli_env)
    marked = await offboarding_in_thread(
        ["equipment", "settle", case_id, badge["id"], "--note", "Borg € 15", *HR], cli_env
    )
    removed = await offboarding_in_thread(["equipment", "settle", case_id, badge["id"], "--remove", *HR], cli_env)

    assert wrong.exit_code == 2 and "--outcome" in wrong.stderr
    assert (
        lost.exit_code == 0
        and lost.stdout.strip() == f"Badge ({badge['id']}) is lost, recorded by facilities@example.org"
    )
    assert by_custodian.exit_code == 5
    assert (
        marked.exit_code == 0 and marked.stdout.strip() == f"Badge ({badge['id']}) is marked for the final settlement"
    )
    assert (
        removed.exit_code == 0
        and removed.stdout.strip() == f"Badge ({badge['id']}) is no longer marked for the final settlement"
    )


async def test_move_the_last_day_tells_three_people(time_skipping_env, worker, mail_store, cli_env):
    case_id = await register(time_skipping_env, cli_env)
    before = await shown(case_id, cli_env)

    by_manager = await offboarding_in_thread(
        ["case", "move-last-day", case_id, "--last-day", "2027-02-12", *MANAGER], cli_env
    )
    moved = await offboarding_in_thread(
        ["case", "move-last-day", case_id, "--last-day", "2027-02-12", "--reason", "Extra overdracht", *HR], cli_env
    )
    same = await offboarding_in_thread(["case", "move-last-day", case_id, "--last-day", "2027-02-12", *HR], cli_env)

    assert (by_manager.exit_code, errors(by_manager)) == (
        5,
        [f"rejected: bram.janssens@example.org may not do this in case {case_id}"],
    )
    assert moved.exit_code == 0, moved.output
    assert (
        moved.stdout.strip()
        == f"case {case_id}: the last working day is now 2027-02-12; due dates and the interview follow"
    )
    told = await wait_for_mail(mail_store, case_id, "last_day_moved:2027-02-12", count=3)
    assert {m.to for m in told} == {"bram.janssens@example.org", "hr@example.org", "facilities@example.org"}
    after = await shown(case_id, cli_env)
    assert after["last_working_day"] == "2027-02-12"
    assert all(new["due_date"] > old["due_date"] for old, new in zip(before["tasks"], after["tasks"], strict=False))
    assert (same.exit_code, errors(same)) == (5, ["rejected: the last working day is already that date"])


async def test_withdraw_the_case(time_skipping_env, worker, mail_store, cli_env):
    department = unique("Dept")
    case_id = await register(time_skipping_env, cli_env, department=department)

    withdrawn = await offboarding_in_thread(["case", "withdraw", case_id, "--reason", "Blijft toch", *HR], cli_env)

    assert withdrawn.exit_code == 0, withdrawn.output
    assert withdrawn.stdout.strip() == f"case {case_id} is withdrawn; it winds down and tells the people involved"
    await wait_for_mail(mail_store, case_id, "case_withdrawn", count=3)

    async def listed_withdrawn():
        result = await offboarding_in_thread(["list", "--department", department, "--json"], cli_env)
        return [case["status"] for case in json.loads(result.stdout)] == ["withdrawn"]

    await eventually(listed_withdrawn)
    again = await offboarding_in_thread(["case", "withdraw", case_id, *HR], cli_env)
    assert again.exit_code == 5
    assert errors(again)[0].startswith("rejected: ")


async def test_employee_accepts_a_proposed_time(time_skipping_env, worker, mail_store, cli_env):
    case_id = await register(time_skipping_env, cli_env)
    await wait_for_mail(mail_store, case_id, "interview:invitation")
    shown_interview = await offboarding_in_thread(["interview", "show", case_id, "--json"], cli_env)
    interview = json.loads(shown_interview.stdout)
    slot = interview["proposed_slots"][1]

    as_text = await offboarding_in_thread(["interview", "show", case_id], cli_env)
    wrong_time = await offboarding_in_thread(
        ["interview", "accept", case_id, "--start", "2030-01-01T10:00+01:00", *employee_of(case_id)], cli_env
    )
    manager = await offboarding_in_thread(["interview", "accept", case_id, "--start", slot["start"], *MANAGER], cli_env)
    accepted = await offboarding_in_thread(
        ["interview", "accept", case_id, "--start", slot["start"], *employee_of(case_id)], cli_env
    )

    assert interview["status"] == "invited"
    assert f"  {slot['start'].replace('Z', '+00:00')}  on site" in as_text.stdout.splitlines()
    assert (wrong_time.exit_code, errors(wrong_time)) == (5, ["rejected: that time is not one of the proposed times"])
    assert (manager.exit_code, errors(manager)) == (
        5,
        ["rejected: bram.janssens@example.org is not the leaving employee of this case"],
    )
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout.strip().startswith(f"interview of case {case_id}: scheduled at ")
    await wait_for_mail(mail_store, case_id, "interview:interview_confirmed")
    after = json.loads((await offboarding_in_thread(["interview", "show", case_id, "--json"], cli_env)).stdout)
    assert (after["status"], after["scheduled"]["start"]) == ("scheduled", slot["start"])


async def test_hr_assigns_an_interviewer_but_not_the_manager(time_skipping_env, worker, mail_store, cli_env):
    case_id = await register(time_skipping_env, cli_env)
    await wait_for_mail(mail_store, case_id, "interview:invitation")

    manager = await offboarding_in_thread(
        ["interview", "assign", case_id, "--name", "Bram", "--email", "bram.janssens@example.org", *HR], cli_env
    )
    assigned = await offboarding_in_thread(
        [
            "interview",
            "assign",
            case_id,
            "--name",
            "Iris Claes",
            "--email",
            "iris@example.org",
            "--language",
            "en",
            *HR,
        ],
        cli_env,
    )
    resent = await offboarding_in_thread(["interview", "resend", case_id, *HR], cli_env)

    assert manager.exit_code == 5
    assert errors(manager)[0].startswith("rejected: the direct manager does not conduct the exit interview")
    assert assigned.exit_code == 0, assigned.output
    assert assigned.stdout.strip().endswith("; interviewer Iris Claes <iris@example.org>")
    assert resent.exit_code == 0, resent.output
    assert "(invitation sent 2x)" in resent.stdout
    await wait_for_mail(mail_store, case_id, "interview:invitation:resent:2")


async def test_employee_declines(time_skipping_env, worker, mail_store, cli_env):
    case_id = await register(time_skipping_env, cli_env)
    await wait_for_mail(mail_store, case_id, "interview:invitation")

    declined = await offboarding_in_thread(
        ["interview", "decline", case_id, "--reason", "Liever niet", *employee_of(case_id)], cli_env
    )
    again = await offboarding_in_thread(["interview", "decline", case_id, *employee_of(case_id)], cli_env)

    assert declined.exit_code == 0, declined.output
    assert declined.stdout.strip() == f"interview of case {case_id}: declined; reason: Liever niet"
    await wait_for_mail(mail_store, case_id, "interview:interview_declined", to="hr@example.org")
    assert (again.exit_code, errors(again)) == (5, ["rejected: the interview is declined"])


async def test_hr_skips_the_interview_after_a_dismissal(time_skipping_env, worker, mail_store, cli_env):
    case_id = await register(time_skipping_env, cli_env, type="dismissal")
    await wait_for_mail(mail_store, case_id, "interview:interview_confirm_request", to="hr@example.org")

    by_manager = await offboarding_in_thread(
        ["interview", "skip", case_id, "--reason", "Relatie verstoord", *MANAGER], cli_env
    )
    skipped = await offboarding_in_thread(["interview", "skip", case_id, "--reason", "Relatie verstoord", *HR], cli_env)
    confirm_later = await offboarding_in_thread(["interview", "confirm", case_id, *HR], cli_env)

    assert (by_manager.exit_code, errors(by_manager)) == (5, ["rejected: only HR can do this"])
    assert skipped.exit_code == 0, skipped.output
    assert skipped.stdout.strip() == f"interview of case {case_id}: skipped; reason: Relatie verstoord"
    assert confirm_later.exit_code == 5
    assert errors(confirm_later)[0].startswith("rejected: the interview is skipped")
    assert not mails(mail_store, case_id, "interview:invitation")


async def test_hr_confirms_the_interview_after_a_non_renewal(time_skipping_env, worker, mail_store, cli_env):
    case_id = await register(time_skipping_env, cli_env, type="end_of_contract")
    await wait_for_mail(mail_store, case_id, "interview:interview_confirm_request")

    confirmed = await offboarding_in_thread(["interview", "confirm", case_id, *HR], cli_env)

    assert confirmed.exit_code == 0, confirmed.output
    assert confirmed.stdout.startswith(f"interview of case {case_id}: invited")
    await wait_for_mail(mail_store, case_id, "interview:invitation")


async def test_hr_schedules_online_then_records_the_interview_from_a_yaml_file(
    time_skipping_env, worker, mail_store, cli_env, tmp_path, sessions
):
    case_id = await register(time_skipping_env, cli_env)
    await wait_for_mail(mail_store, case_id, "interview:invitation")
    path = write(tmp_path, "record.yaml", RECORD)
    stale = write(tmp_path, "stale.yaml", {**RECORD, "consent": {**RECORD["consent"], "text_version": "2020-01"}})

    scheduled = await offboarding_in_thread(
        ["interview", "schedule", case_id, "--start", "2027-01-21T14:00+01:00", "--online", *HR], cli_env
    )
    early = await offboarding_in_thread(["interview", "record", case_id, "--file", path, *HR], cli_env)
    # A day after the agreed time, about a conversation held a day earlier than agreed; a day still to come is refused.
    agreed = datetime.fromisoformat("2027-01-21T14:00+01:00")
    await time_skipping_env.sleep(agreed + timedelta(days=1) - await time_skipping_env.get_current_time())
    outdated = await offboarding_in_thread(["interview", "record", case_id, "--file", stale, *HR], cli_env)
    not_interviewer = await offboarding_in_thread(["interview", "record", case_id, "--file", path, *MANAGER], cli_env)
    future = await offboarding_in_thread(
        ["interview", "record", case_id, "--file", path, "--held-on", "2027-01-25", *HR], cli_env
    )
    recorded = await offboarding_in_thread(
        ["interview", "record", case_id, "--file", path, "--held-on", "2027-01-20", *HR], cli_env
    )

    assert scheduled.exit_code == 0, scheduled.output
    assert scheduled.stdout.strip() == f"interview of case {case_id}: scheduled at 2027-01-21T14:00:00+01:00  online"
    assert (early.exit_code, errors(early)) == (
        5,
        ["rejected: the interview can be recorded from its agreed time on, 2027-01-21 14:00 (Europe/Amsterdam)"],
    )
    assert (future.exit_code, errors(future)) == (5, ["rejected: the day it was held, 2027-01-25, is in the future"])
    assert outdated.exit_code == 5
    assert errors(outdated) == [
        "rejected: the consent was given on text version 2020-01; the current version is 2026-11"
    ]
    assert (not_interviewer.exit_code, errors(not_interviewer)) == (
        5,
        ["rejected: bram.janssens@example.org is not the interviewer of this case"],
    )
    assert recorded.exit_code == 0, recorded.output
    assert recorded.stdout.strip() == f"interview of case {case_id}: held"
    [thanks] = await wait_for_mail(mail_store, case_id, "interview:interview_thank_you")
    assert thanks.to == employee_of(case_id)[1]
    async with sessions() as session:
        row = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case_id))
        ).scalar_one()
    assert row.held_at == agreed - timedelta(days=1), "held on the day given, at the agreed hour"


async def test_list_cases_due_before_a_date(time_skipping_env, worker, cli_env):
    department = unique("Dept")
    case_id = await register(time_skipping_env, cli_env, department=department)

    async def listed(due_before: str):
        result = await offboarding_in_thread(
            ["list", "--department", department, "--due-before", due_before, "--json"], cli_env
        )
        assert result.exit_code == 0, result.output
        return [case["case_id"] for case in json.loads(result.stdout)]

    assert await eventually(lambda: listed("2027-01-29")) == [case_id]
    assert await listed("2027-01-28") == []


# Checklist templates and the policy, in the database.


def test_checklist_add_list_show_delete(admin_env, tmp_path):
    department = unique("Dept")
    template = {
        "name": "Verkoop",
        "department": department,
        "items": [
            {"title": "Klantenportefeuille overdragen", "assignee": "successor", "due_working_days_before": 5},
            {"title": "Demo-laptop terugbrengen", "assignee": "facilities", "due_working_days_before": 1},
        ],
    }
    bad = {
        "name": "Verkoop",
        "items": [{"title": "", "assignee": "boss", "due_working_days_before": 200}],
        "colour": "red",
    }

    refused = offboarding(["checklist", "add", "--file", write(tmp_path, "bad.yaml", bad)], admin_env)
    added = offboarding(["checklist", "add", "--file", write(tmp_path, "template.yaml", template)], admin_env)
    template_id = added.stdout.split()[3]
    listed = offboarding(["checklist", "list", "--json"], admin_env)
    table = offboarding(["checklist", "list"], admin_env)
    shown_template = offboarding(["checklist", "show", template_id], admin_env)
    deleted = offboarding(["checklist", "delete", template_id], admin_env)
    gone = offboarding(["checklist", "show", template_id], admin_env)
    deleted_again = offboarding(["checklist", "delete", template_id], admin_env)

    assert refused.exit_code == 2
    assert errors(refused) == [
        "items[0].title: must not be empty",
        "items[0].assignee: unknown value 'boss'; choose one of: manager, successor, hr, facilities, employee",
        "items[0].due_working_days_before: must be at most 120, not 200",
        "colour: unknown field; expected one of: name, department, job_title, country, items",
    ]
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == f"added: checklist template {template_id} (Verkoop, 2 items)"
    [mine] = [t for t in json.loads(listed.stdout) if t["id"] == int(template_id)]
    assert (mine["department"], mine["job_title"], len(mine["items"])) == (department, None, 2)
    assert any(line.split()[:2] == [template_id, "Verkoop"] for line in table.stdout.splitlines())
    assert shown_template.exit_code == 0
    assert "Klantenportefeuille overdragen" in shown_template.stdout and department in shown_template.stdout
    assert deleted.exit_code == 0
    assert deleted.stdout.strip() == f"deleted: checklist template {template_id} (Verkoop)"
    assert (gone.exit_code, errors(gone)) == (4, [f"no checklist template {template_id}"])
    assert deleted_again.exit_code == 4


def test_policy_show_and_set(admin_env, tmp_path):
    before = offboarding(["policy", "show", "--json"], admin_env)
    assert before.exit_code == 0, before.output
    policy = json.loads(before.stdout)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "interview_duration_minutes: 500\nworking_hours_end: 17:30\ntimezone: Mars/Base\ninvitation_reminder_cnt: 3\n",
        encoding="utf-8",
    )
    incoherent = write(tmp_path, "incoherent.json", {"working_hours_start": "18:00"})

    refused = offboarding(["policy", "set", "--file", str(bad)], admin_env)
    refused_again = offboarding(["policy", "set", "--file", incoherent], admin_env)
    try:
        changed = offboarding(
            ["policy", "set", "--file", write(tmp_path, "token.yaml", {"appreciation_token": "Een boekenbon"})],
            admin_env,
        )
        after = offboarding(["policy", "show", "--json"], admin_env)
        as_text = offboarding(["policy", "show"], admin_env)
        unchanged = offboarding(
            ["policy", "set", "--file", write(tmp_path, "token.yaml", {"appreciation_token": "Een boekenbon"})],
            admin_env,
        )
    finally:
        restored = offboarding(["policy", "set", "--file", write(tmp_path, "policy.json", policy)], admin_env)

    assert refused.exit_code == 2
    assert errors(refused) == [
        "interview_duration_minutes: must be at most 240, not 500",
        "working_hours_end: YAML read 17:30 as the number 1050; put the time in quotes: '17:30'",
        "timezone: unknown time zone 'Mars/Base'; use a name such as Europe/Amsterdam or Europe/Brussels",
        "invitation_reminder_cnt: unknown field; expected one of: " + ", ".join(policy),
    ]
    assert refused_again.exit_code == 2
    assert errors(refused_again) == ["working_hours_end: must be after working_hours_start"]
    assert changed.exit_code == 0, changed.output
    assert changed.stdout.splitlines() == [
        "policy updated",
        f"  appreciation_token: {policy['appreciation_token'] or '(none)'} → Een boekenbon",
    ]
    assert json.loads(after.stdout) == {**policy, "appreciation_token": "Een boekenbon"}
    assert any(line.split() == ["appreciation_token", "Een", "boekenbon"] for line in as_text.stdout.splitlines())
    assert unchanged.stdout.strip() == "policy unchanged: it already says so"
    assert restored.exit_code == 0
    assert json.loads(offboarding(["policy", "show", "--json"], admin_env).stdout) == policy


async def test_no_worker_ends_in_exit_1_instead_of_waiting_for_ever(time_skipping_env, cli_env, monkeypatch):
    monkeypatch.setattr("cli.common.ACTION_TIMEOUT_SECONDS", 1)
    registered = await offboarding_in_thread(["register", *registration_flags()], cli_env)
    case_id = registered.stdout.split()[2]

    result = await offboarding_in_thread(["task", "complete", case_id, "t1", *HR], cli_env)

    assert result.exit_code == 1, result.output
    assert errors(result) == [
        f"case {case_id} did not answer within 1 seconds: is a worker running on task queue {cli_env['OFFBOARDING_TASK_QUEUE']}? "
        f"The change may still be made; check with `offboarding show {case_id}`"
    ]


async def test_hr_ends_access_at_once_from_the_command_line(time_skipping_env, worker, cli_env):
    case_id = await register(time_skipping_env, cli_env)

    manager = await offboarding_in_thread(["case", "revoke-access-now", case_id, *MANAGER], cli_env)
    done = await offboarding_in_thread(
        ["case", "revoke-access-now", case_id, "--reason", "Ontslag op staande voet", *HR], cli_env
    )

    assert (manager.exit_code, errors(manager)) == (5, ["rejected: only HR can do this"])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"case {case_id}: access is being ended now")

    async def published():
        access = (await shown(case_id, cli_env))["access"]
        return access if access["state"] == "published" else None

    access = await eventually(published)
    assert access["immediate"] and access["reason"] == "Ontslag op staande voet"
    as_text = await offboarding_in_thread(["show", case_id], cli_env)
    assert any(line.startswith("access") and "published, by event" in line for line in as_text.stdout.splitlines())
    again = await offboarding_in_thread(["case", "revoke-access-now", case_id, *HR], cli_env)
    assert (again.exit_code, errors(again)) == (5, ["rejected: access is already published"])


async def test_hr_chooses_the_manager_with_a_reason_and_the_employee_asks_for_someone_else(
    time_skipping_env, worker, mail_store, cli_env
):
    case_id = await register(time_skipping_env, cli_env)
    await wait_for_mail(mail_store, case_id, "interview:invitation")

    asked = await offboarding_in_thread(
        ["interview", "ask-other-interviewer", case_id, "--reason", "Liever iemand anders", *employee_of(case_id)],
        cli_env,
    )
    again = await offboarding_in_thread(["interview", "ask-other-interviewer", case_id, *employee_of(case_id)], cli_env)
    manager = await offboarding_in_thread(
        [
            "interview",
            "assign",
            case_id,
            "--name",
            "Bram Janssens",
            "--email",
            "bram.janssens@example.org",
            "--manager-reason",
            "Geen HR-collega beschikbaar",
            *HR,
        ],
        cli_env,
    )
    nothing_waiting = await offboarding_in_thread(["interview", "answer-time", case_id, "--decline", *HR], cli_env)

    assert asked.exit_code == 0, asked.output
    await wait_for_mail(mail_store, case_id, "interview:interviewer_change_asked", to="hr@example.org")
    assert again.exit_code == 5 and errors(again)[0].startswith("rejected: you have already asked for someone else")
    assert manager.exit_code == 0, manager.output
    assert "interviewer Bram Janssens <bram.janssens@example.org>" in manager.stdout
    assert (nothing_waiting.exit_code, errors(nothing_waiting)) == (
        5,
        ["rejected: no proposed time is waiting for the interviewer"],
    )
