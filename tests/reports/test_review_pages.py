"""The reports and their review in the web app: HR and reviewers find the reports in the navigation with their
status in words; a reviewer records findings and actions, sends a report back and approves it through the pages;
an action's owner follows it up from "My tasks". The reports are made by the worker on the time-skipping server.

Each test reports on its own past quarter (2005), so the cases seeded for one never count in another."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest

from bench.seed_reports import closed_case, interview, record
from tests.support import eventually, serve
from tests.support.auth import another_client, make_account, post_form, signed_in_as
from tests.support.privacy import audit_entries
from tests.support.report import (
    configure,
    seed_quarter,
    start_and_wait,
    today_on_server,
)
from worker import build_worker
from workflows.review import ReviewWorkflow

BOARD = "board@example.org"


async def review_running(client, report_id: str) -> str:
    async def running():
        page = await client.get(f"/reports/{report_id}/review")
        return page.status_code == 200 and 'id="finding-form"' in page.text and page.text

    return await eventually(running, timeout=60)


def field_error(html: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', html, re.S)
    # Without the "Error:" a screen reader says first.
    return (
        re.sub(r"<[^>]+>", "", re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1))).strip()
        if match
        else ""
    )


async def test_hr_and_reviewers_find_the_reports_in_the_navigation_with_their_status_in_words(http, worker, sessions):
    await configure(sessions)
    await seed_quarter(sessions, date(2005, 1, 1))
    report_id = (await start_and_wait(http, "2005-Q1"))["report_id"]

    async with another_client(http) as hr:
        await signed_in_as(hr, sessions, ["hr"], language="nl")
        dashboard = await hr.get("/dashboard")
        assert 'href="http://offboarding.test/reports"' in dashboard.text
        listed = await hr.get("/reports")
        assert listed.status_code == 200
        row = re.search(r"<tr><th scope=\"row\">2005-Q1.*?</tr>", listed.text, re.S).group(0)
        assert "In bespreking" in row or "Gemaakt, nog niet in bespreking" in row, row
        assert "in_review" not in row and "compiled" not in row
        assert (
            "Groepen kleiner dan 5 blijven weg." in listed.text
            and 'href="http://offboarding.test/settings/reports"' in listed.text
        )

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        assert (await reviewer.get("/reviews", follow_redirects=False)).headers["location"].endswith("/reports")
        listed = await reviewer.get("/reports", params={"lang": "en"})
        assert f'href="http://offboarding.test/reports/{report_id}/review"' in listed.text
        assert "In review" in listed.text or "Made, not yet in review" in listed.text

    async with another_client(http) as manager:
        await signed_in_as(manager, sessions, ["manager"])
        assert (await manager.get("/reports")).status_code == 403
        assert 'href="http://offboarding.test/reports"' not in (await manager.get("/my/tasks")).text


async def test_a_reviewer_records_findings_and_actions_sends_back_and_approves_in_the_pages(
    http, worker, sessions, time_skipping_env, mail_store
):
    await configure(sessions)
    await seed_quarter(sessions, date(2005, 4, 1))
    report_id = (await start_and_wait(http, "2005-Q2"))["report_id"]
    owner = await make_account(sessions, "owner-review@example.org", ["manager"], name="Olga Owner", language="nl")
    page_url = f"/reports/{report_id}/review"
    today = await today_on_server(time_skipping_env)

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        opened = await review_running(reviewer, report_id)
        summary = re.sub(
            r"\s+",
            " ",
            re.sub(
                r"<[^>]+>", " ", re.search(r'<dl class="summary" id="report-summary">.*?</dl>', opened, re.S).group(0)
            ),
        )
        # The response rate would give away the one who declined: left out, as in the report itself.
        assert "Departures 7 Respondents 6 Response to the invitation —" in summary, summary

        empty = await post_form(reviewer, page_url, f"{page_url}/findings", {"finding": "  "})
        assert empty.status_code == 422 and field_error(empty.text, "finding") == "Fill in this field."
        recorded = await post_form(
            reviewer, page_url, f"{page_url}/findings", {"finding": "Werkdruk in Finance valt op"}
        )
        assert recorded.status_code == 303
        shown = await reviewer.get(recorded.headers["location"])
        assert "The finding is recorded." in shown.text and "Werkdruk in Finance valt op" in shown.text

        # Each mistake is named next to its field, and what was typed stays.
        nobody = await post_form(
            reviewer,
            page_url,
            f"{page_url}/actions",
            {"text": "Werkdruk onderzoeken", "owner_email": "", "due_date": ""},
        )
        assert nobody.status_code == 422
        assert (
            field_error(nobody.text, "owner_email") == "Fill in this field."
            and field_error(nobody.text, "due_date") == "Fill in this field."
        )
        assert "Werkdruk onderzoeken</textarea>" in nobody.text
        stranger = await post_form(
            reviewer,
            page_url,
            f"{page_url}/actions",
            {"text": "Werkdruk onderzoeken", "owner_email": "nobody@example.org", "due_date": "2030-01-01"},
        )
        assert (
            stranger.status_code == 422 and field_error(stranger.text, "owner_email") == "Choose one of the accounts."
        )
        past = (today - timedelta(days=1)).isoformat()
        late = await post_form(
            reviewer,
            page_url,
            f"{page_url}/actions",
            {"text": "Werkdruk onderzoeken", "owner_email": owner, "due_date": past},
        )
        assert late.status_code == 409 and f"the due date {past} is not in the future" in field_error(
            late.text, "due_date"
        )
        assert f'value="{past}"' in late.text and f'<option value="{owner}" selected>' in late.text

        due = (today + timedelta(days=30)).isoformat()
        added = await post_form(
            reviewer,
            page_url,
            f"{page_url}/actions",
            {"text": "Werkdruk onderzoeken", "owner_email": owner, "due_date": due},
        )
        assert added.status_code == 303, added.text
        actions = re.search(r'<table id="actions">.*?</table>', (await reviewer.get(page_url)).text, re.S).group(0)
        assert "Werkdruk onderzoeken" in actions and owner in actions and "Open" in actions

        sent = await post_form(
            reviewer, page_url, f"{page_url}/send-back", {"remark": "Graag de cijfers van Finance toelichten"}
        )
        assert sent.status_code == 303
        back = await reviewer.get(page_url)
        assert "Graag de cijfers van Finance toelichten" in back.text and "Sent back to HR</span>" in back.text
        # HR hears of it by mail, with the remark and the way to the review.
        [told] = await eventually(lambda: [m for m in mail_store.all() if m.purpose == "r1:sent_back:1"])
        assert told.to == "hr@example.org" and "Graag de cijfers van Finance toelichten" in told.text
        assert f"/reports/{report_id}/review" in told.text and BOARD in told.text

    # The same over the API, through the same service.
    api = f"/api/reports/{report_id}/review/send-back"
    stranger = await http.post(
        api, json={"actor": {"email": "stranger@example.org", "role": "manager"}, "remark": "Ik kijk mee"}
    )
    assert stranger.status_code == 409 and "not a reviewer" in stranger.json()["detail"]
    blank = await http.post(api, json={"actor": {"email": BOARD, "role": "manager"}, "remark": ""})
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"] == ["body", "remark"]
    sent = await http.post(
        api, json={"actor": {"email": BOARD, "role": "manager"}, "remark": "En de respons per afdeling"}
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["by"] == BOARD and sent.json()["remark"] == "En de respons per afdeling"
    second = await eventually(lambda: [m for m in mail_store.all() if m.purpose == "r1:sent_back:2"])
    assert "En de respons per afdeling" in second[0].text

    async with another_client(http) as hr:
        await signed_in_as(hr, sessions, ["hr"])
        read = await hr.get(page_url)
        assert "Graag de cijfers van Finance toelichten" in read.text and "Werkdruk in Finance valt op" in read.text
        listed = await hr.get("/reports")
        assert "Sent back to HR" in re.search(r'<tr><th scope="row">2005-Q2.*?</tr>', listed.text, re.S).group(0)
        assert 'id="finding-form"' not in read.text  # HR reads along; the reviewers review

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        approved = await post_form(reviewer, page_url, f"{page_url}/approve", {"comment": "Akkoord"})
        assert approved.status_code == 303
        done = await reviewer.get(approved.headers["location"])
        assert (
            "The report is approved" in done.text
            and 'id="approval"' in done.text
            and 'id="finding-form"' not in done.text
        )
        refused = await post_form(reviewer, page_url, f"{page_url}/findings", {"finding": "Nog iets"})
        assert refused.status_code == 409 and "was already approved by board@example.org" in refused.text


async def test_hr_answers_a_remark_on_the_review_page_and_the_reviewers_have_the_report_again(
    http, worker, sessions, mail_store
):
    """A reviewer sends the report back; HR reads the remark, answers it on the review page, and every reviewer is
    mailed the answer in their language; the report is with the reviewers again until another remark."""
    await configure(sessions)
    await seed_quarter(sessions, date(2001, 10, 1))
    report_id = (await start_and_wait(http, "2001-Q4"))["report_id"]
    page_url = f"/reports/{report_id}/review"
    remark, answer = "Graag de uitstroom per team", "De uitstroom per team staat nu in de bijlage"

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        await review_running(reviewer, report_id)
        assert (await post_form(reviewer, page_url, f"{page_url}/send-back", {"remark": remark})).status_code == 303
        # Reviewers do not answer for HR: the form is not theirs, and the route turns them away.
        assert 'id="answer-form"' not in (await reviewer.get(page_url)).text
        assert (await post_form(reviewer, page_url, f"{page_url}/answer", {"answer": answer})).status_code == 403

    async with another_client(http) as hr:
        await signed_in_as(hr, sessions, ["hr"], language="nl")
        page = await hr.get(page_url)
        assert remark in page.text and 'id="answer-form"' in page.text
        listed = await hr.get("/reports")
        assert "Teruggestuurd naar HR" in re.search(r'<tr><th scope="row">2001-Q4.*?</tr>', listed.text, re.S).group(0)

        blank = await post_form(hr, page_url, f"{page_url}/answer", {"answer": ""})
        assert blank.status_code == 422 and field_error(blank.text, "answer")
        answered = await post_form(hr, page_url, f"{page_url}/answer", {"answer": answer})
        assert answered.status_code == 303, answered.text
        after = await hr.get(answered.headers["location"])
        assert "Je antwoord staat onder de opmerking; de beoordelaars krijgen bericht per mail." in after.text
        exchange = text_of(re.search(r'<ul id="remarks".*?</ul>', after.text, re.S).group(0))
        assert exchange.index(remark) < exchange.index(f"Antwoord van HR: {answer}")
        assert 'id="answer-form"' not in after.text, "nothing waits for an answer any more"
        listed = await hr.get("/reports")
        row = re.search(r'<tr><th scope="row">2001-Q4.*?</tr>', listed.text, re.S).group(0)
        assert "Teruggestuurd naar HR" not in row and "In bespreking" in row

    # A second answer to the same remark is refused, over the API as in the page; a reviewer may not answer at all.
    api = f"/api/reports/{report_id}/review/answer"
    again = await http.post(api, json={"actor": {"email": "hr@example.org", "role": "hr"}, "answer": "Nog een"})
    assert again.status_code == 409 and "waits for HR's answer" in again.json()["detail"]
    board = await http.post(api, json={"actor": {"email": BOARD, "role": "manager"}, "answer": "Namens HR"})
    assert board.status_code == 409 and board.json()["code"] == "answer_is_for_hr"

    # Each reviewer hears of it once, in their own language, with the way back to the review.
    def told():
        found = [m for m in mail_store.all() if m.purpose == "r1:answered:1"]
        return len(found) >= 2 and found

    mails = await eventually(told)
    by_reviewer = {m.to: m for m in mails}
    assert len(mails) == 2 and set(by_reviewer) == {BOARD, "ceo@example.org"}
    assert answer in by_reviewer[BOARD].text and "ligt weer bij de beoordelaars" in by_reviewer[BOARD].text
    assert "is with the reviewers again" in by_reviewer["ceo@example.org"].text
    assert f"/reports/{report_id}/review" in by_reviewer["ceo@example.org"].text


@pytest.fixture
async def on_dev_server(dev_server_env, settings, sessions, task_queue):
    """The worker and the web app on the real dev server, which (unlike the time-skipping one) deletes a workflow's
    history as Temporal does when its retention is over."""
    client = dev_server_env.client
    async with build_worker(client, settings, sessions, task_queue=task_queue):
        async with serve(settings.model_copy(update={"task_queue": task_queue}), client) as http:
            yield client, http


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


async def test_an_ended_review_keeps_its_findings_remarks_and_approval_on_its_page_once_temporal_forgot_it(
    on_dev_server, sessions
):
    """A review approved without actions ends at once; once Temporal no longer keeps its workflow (retention, or
    deleted), its reviewers and HR still read on its page what it recorded, in their own language."""
    client, http = on_dev_server
    await configure(sessions)
    await seed_quarter(sessions, date(2004, 7, 1))
    report_id = (await start_and_wait(http, "2004-Q3"))["report_id"]
    page_url = f"/reports/{report_id}/review"

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        await review_running(reviewer, report_id)
        for url, form in (
            (f"{page_url}/findings", {"finding": "Het verloop in Finance is hoog"}),
            (f"{page_url}/send-back", {"remark": "Graag de uitstroom per team"}),
            (f"{page_url}/approve", {"comment": "Akkoord, mits Finance een plan maakt"}),
        ):
            assert (await post_form(reviewer, page_url, url, form)).status_code == 303

    await client.workflow_service.delete_workflow_execution(
        DeleteWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=ReviewWorkflow.id_for(report_id)),
        )
    )

    async with another_client(http) as hr:
        await signed_in_as(hr, sessions, ["hr"], language="nl")

        async def forgotten():
            page = await hr.get(page_url)
            return page.status_code == 200 and 'id="review-ended"' in page.text and page.text

        # The dev server deletes a history in the background, within half a minute or so.
        page = await eventually(forgotten, timeout=120, interval=1)
        shown = text_of(page)
        assert "De bespreking van deze rapportage is afgerond. Wat ze vastlegde, staat hier." in shown
        assert "Het verloop in Finance is hoog" in text_of(re.search(r'<ul id="findings".*?</ul>', page, re.S).group(0))
        approval = text_of(re.search(r'<p id="approval">.*?</p>', page, re.S).group(0))
        assert approval.startswith(f"Goedgekeurd door {BOARD} op ") and approval.endswith(
            "Akkoord, mits Finance een plan maakt"
        ), approval
        assert "Graag de uitstroom per team" in text_of(re.search(r'<ul id="remarks".*?</ul>', page, re.S).group(0))
        assert ">Goedgekeurd</span>" in page and "Nog geen bevindingen" not in shown

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        page = (await reviewer.get(page_url, params={"lang": "en"})).text
        shown = text_of(page)
        assert "The review of this report has ended. What it recorded is kept here." in shown
        assert f"Approved by {BOARD} on " in shown and "Akkoord, mits Finance een plan maakt" in shown
        assert "Het verloop in Finance is hoog" in shown and "No findings yet." not in shown
        assert 'id="finding-form"' not in page and 'id="approve-form"' not in page


async def test_a_reviewer_of_the_next_report_follows_up_an_earlier_action_from_its_review_page(
    http, worker, sessions, time_skipping_env, mail_store
):
    """The next report's review page lists the earlier reports' actions as they stand now, with their notes; its
    reviewers (and HR) note progress and mark one done there. Others read nothing of them, or may not act."""
    from models.report import ReportPolicy
    from reports import settings_store

    await configure(sessions)
    await seed_quarter(sessions, date(2003, 1, 1))
    first = (await start_and_wait(http, "2003-Q1"))["report_id"]
    owner = await make_account(sessions, "owner-earlier@example.org", ["manager"], name="Otto Eerder", language="nl")
    due = await today_on_server(time_skipping_env) + timedelta(days=40)
    async with another_client(http) as board:
        await signed_in_as(board, sessions, ["reviewer"], email=BOARD)
        await review_running(board, first)
        first_url = f"/reports/{first}/review"
        for url, form in (
            (
                f"{first_url}/actions",
                {"text": "Exitgesprekken Finance bespreken", "owner_email": owner, "due_date": due.isoformat()},
            ),
            (f"{first_url}/approve", {"comment": "Akkoord"}),
        ):
            assert (await post_form(board, first_url, url, form)).status_code == 303
        # Where the escalation of an overdue action leads the report's reviewers (and HR): its row, with the form.
        own = re.search(r'<tr id="action-a1">.*?</tr>', (await board.get(first_url)).text, re.S).group(0)
        assert f'action="http://offboarding.test/reports/{first}/review/progress/{first}/a1"' in own
    async with another_client(http) as otto:
        await signed_in_as(otto, sessions, ["manager"], email=owner)
        noted = await post_form(otto, "/my/tasks", f"/my/review-actions/{first}/a1", {"note": "Agenda gemaakt"})
        assert noted.status_code == 303

    # The next quarter is reviewed by someone who did not review the first.
    next_reviewer = await make_account(sessions, "next-reviewer@example.org", ["reviewer"], language="nl")
    async with sessions.begin() as session:
        await settings_store.update(session, ReportPolicy(reviewers=[{"email": next_reviewer, "language": "nl"}]))
    await seed_quarter(sessions, date(2003, 4, 1))
    second = (await start_and_wait(http, "2003-Q2"))["report_id"]
    page_url = f"/reports/{second}/review"
    row_id = f"earlier-{first}-a1"
    action_url = f"{page_url}/progress/{first}/a1"

    def row_of(html: str) -> str:
        match = re.search(rf'<tr id="{row_id}">.*?</tr>', html, re.S)
        return match.group(0) if match else ""

    async with another_client(http) as stranger:
        # A reviewer of neither report reads the list as every reviewer reads the reports, but may not act on it.
        await signed_in_as(stranger, sessions, ["reviewer"], email="other-reviewer@example.org")
        row = row_of((await stranger.get(page_url)).text)
        assert "Exitgesprekken Finance bespreken" in row and "<form" not in row
        refused = await post_form(stranger, page_url, action_url, {"note": "Ik doe het wel", "done": "yes"})
        assert refused.status_code == 409 and "is neither the owner of action a1 nor a reviewer" in refused.text
    async with another_client(http) as manager:
        await signed_in_as(manager, sessions, ["manager"])
        read = await manager.get(page_url)
        assert read.status_code == 403 and "Exitgesprekken Finance bespreken" not in read.text
        token = (await manager.get("/api/session")).json()["csrf_token"]
        posted = await manager.post(action_url, data={"note": "Ik doe het wel", "csrf_token": token})
        assert posted.status_code == 403 and "Exitgesprekken Finance bespreken" not in posted.text

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=next_reviewer, language="nl")
        page = await review_running(reviewer, second)
        assert "Acties uit eerdere rapportages" in page
        row = text_of(row_of(page))
        assert (
            "Exitgesprekken Finance bespreken" in row
            and owner in row
            and "Uit de bespreking van de rapportage 2003-Q1" in row
        )
        assert "Open" in row and "Agenda gemaakt" in row and "Voortgang opslaan" in row

        empty = await post_form(reviewer, page_url, action_url, {"note": " "})
        assert empty.status_code == 422 and field_error(empty.text, f"progress-{first}-a1") == "Vul dit veld in."
        noted = await post_form(reviewer, page_url, action_url, {"note": "Besproken in het MT van maart"})
        assert noted.status_code == 303
        shown = await reviewer.get(noted.headers["location"])
        assert "Je notitie over de voortgang staat bij de actie." in shown.text
        assert "Besproken in het MT van maart" in row_of(shown.text) and next_reviewer in row_of(shown.text)

        # Otto has left: the action goes to a colleague, with more time.
        successor = await make_account(sessions, "successor-earlier@example.org", ["manager"], language="en")
        today = await today_on_server(time_skipping_env)
        change_url, key = f"{page_url}/change/{first}/a1", f"change-{first}-a1"
        past = await post_form(reviewer, page_url, change_url, {"owner_email": successor, "due_date": str(today)})
        assert past.status_code == 409 and f"{today} ligt niet in de toekomst" in field_error(past.text, f"{key}-due")
        assert f'<option value="{successor}" selected>' in past.text
        later = today + timedelta(days=60)
        changed = await post_form(
            reviewer, page_url, change_url, {"owner_email": successor, "due_date": later.isoformat()}
        )
        assert changed.status_code == 303, changed.text
        row = row_of((await reviewer.get(changed.headers["location"])).text)
        assert f"<td>{successor}</td>" in row and f"<td>{owner}</td>" not in row and later.strftime("%Y") in row
        [told] = await eventually(lambda: [m for m in mail_store.all() if m.purpose == "r1:action_changed:a1:1"])
        assert told.to == successor and "Exitgesprekken Finance bespreken" in told.text
        async with another_client(http) as sara:
            await signed_in_as(sara, sessions, ["manager"], email=successor)
            assert "Exitgesprekken Finance bespreken" in (await sara.get("/my/tasks")).text

        done = await post_form(reviewer, page_url, action_url, {"note": "Plan staat, afgerond", "done": "yes"})
        assert done.status_code == 303
        row = row_of((await reviewer.get(done.headers["location"])).text)
        assert "Klaar (" in row and "Plan staat, afgerond" in row and "<form" not in row

    # The action is done in the first report's review too, and leaves its owner's tasks.
    async with another_client(http) as hr:
        await signed_in_as(hr, sessions, ["hr"], language="en")
        page = await hr.get(page_url)
        assert "Actions from earlier reports" in page.text and "Done (" in row_of(page.text)
        actions = re.search(r'<table id="actions">.*?</table>', (await hr.get(f"/reports/{first}/review")).text, re.S)
        assert "Done (" in actions.group(0) and "Plan staat, afgerond" in actions.group(0)
    async with another_client(http) as otto:
        await signed_in_as(otto, sessions, ["manager"], email=owner)
        assert "Exitgesprekken Finance bespreken" not in (await otto.get("/my/tasks")).text


async def test_an_unknown_report_has_no_review_page(http, sessions):
    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        assert (await reviewer.get("/reports/report-1999-01-01-1999-03-31/review")).status_code == 404


async def test_an_action_owner_follows_up_the_action_from_my_tasks(
    http, worker, sessions, time_skipping_env, mail_store
):
    await configure(sessions)
    await seed_quarter(sessions, date(2005, 7, 1))
    report_id = (await start_and_wait(http, "2005-Q3"))["report_id"]
    owner = await make_account(sessions, "owner-tasks@example.org", ["manager"], name="Tom Taken", language="en")
    page_url = f"/reports/{report_id}/review"
    due = (await today_on_server(time_skipping_env) + timedelta(days=20)).isoformat()

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        await review_running(reviewer, report_id)
        added = await post_form(
            reviewer,
            page_url,
            f"{page_url}/actions",
            {"text": "Exitgesprekken bespreken in het MT", "owner_email": owner, "due_date": due},
        )
        assert added.status_code == 303, added.text

    # The owner's mail leads to their tasks: the report itself is for HR and the reviewers.
    assigned = await eventually(
        lambda: [m for m in mail_store.all() if m.purpose == "r1:action_assigned:a1" and m.to == owner]
    )
    assert "http://offboarding.test/my/tasks" in assigned[0].text and f"/reports/{report_id}" not in assigned[0].text

    action_url = f"/my/review-actions/{report_id}/a1"
    async with another_client(http) as someone_else:
        await signed_in_as(someone_else, sessions, ["manager"])
        assert "Exitgesprekken bespreken in het MT" not in (await someone_else.get("/my/tasks")).text
        refused = await post_form(someone_else, "/my/tasks", action_url, {"note": "Ik doe het wel"})
        assert refused.status_code == 409 and "is neither the owner of action a1 nor a reviewer" in refused.text

    async with another_client(http) as tom:
        await signed_in_as(tom, sessions, ["manager"], email=owner)
        tasks = await tom.get("/my/tasks")
        cards = re.search(r'<ul class="cards" id="review-actions".*?</form>', tasks.text, re.S).group(0)
        assert "Exitgesprekken bespreken in het MT" in cards and "2005-Q3" in cards

        empty = await post_form(tom, "/my/tasks", action_url, {"note": " ", "done": "yes"})
        assert empty.status_code == 422 and field_error(empty.text, f"progress-{report_id}-a1") == "Fill in this field."
        assert 'name="done" value="yes" checked' in empty.text

        noted = await post_form(tom, "/my/tasks", action_url, {"note": "Agenda van 12 maart"})
        assert noted.status_code == 303
        assert "Agenda van 12 maart" in (await tom.get(noted.headers["location"])).text

        done = await post_form(tom, "/my/tasks", action_url, {"note": "Besproken, verslag gedeeld", "done": "yes"})
        assert done.status_code == 303
        after = await tom.get(done.headers["location"])
        assert "The action is marked as done" in after.text and 'id="review-actions"' not in after.text

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        actions = re.search(r'<table id="actions">.*?</table>', (await reviewer.get(page_url)).text, re.S).group(0)
        assert "Agenda van 12 maart" in actions and "Besproken, verslag gedeeld" in actions and "Done (" in actions


async def test_hr_sets_period_day_group_size_and_reviewers_on_the_report_settings_page(
    http, sessions, time_skipping_env
):
    from models.report import ReportPolicy
    from reports import settings_store

    board = await make_account(sessions, BOARD, ["reviewer"])
    ceo = await make_account(sessions, "ceo-settings@example.org", ["reviewer"], name="Cees Chef", language="en")
    await make_account(sessions, "not-a-reviewer@example.org", ["manager"])
    try:
        async with another_client(http) as hr:
            await signed_in_as(hr, sessions, ["hr"])
            page = await hr.get("/settings/reports")
            assert (
                page.status_code == 200
                and f'value="{ceo}"' in page.text
                and "not-a-reviewer@example.org" not in page.text
            )

            chosen = {
                "report_period": "half_year",
                "report_day": "10",
                "report_min_group_size": "2",
                "small_organisation_window": "two_years",
                "target_groups": "Migratieachtergrond | Migration background\nDeeltijd\n\nMigratieachtergrond",
                "reviewers": [board, ceo],
            }
            low = await post_form(hr, "/settings/reports", "/settings/reports", chosen)
            assert (
                low.status_code == 422
                and field_error(low.text, "report_min_group_size") == "Enter a number of at least 3."
            )
            assert 'name="report_day" type="number" value="10"' in low.text and 'value="half_year" selected' in low.text
            stranger = await post_form(
                hr,
                "/settings/reports",
                "/settings/reports",
                {**chosen, "report_min_group_size": "6", "reviewers": ["not-a-reviewer@example.org"]},
            )
            assert (
                stranger.status_code == 422 and field_error(stranger.text, "reviewers") == "Choose one of the accounts."
            )

            saved = await post_form(
                hr, "/settings/reports", "/settings/reports", {**chosen, "report_min_group_size": "6"}
            )
            assert saved.status_code == 303
            # The time-skipping server has no schedules: the settings are kept, and the worker moves the schedule when it
            # starts (tests/test_report_schedule.py moves it on the dev server).
            assert (
                "The report settings are saved. The schedule could not be reached just now"
                in (await hr.get(saved.headers["location"])).text
            )
        async with sessions() as session:
            policy = await settings_store.load(session)
        assert (policy.report_period, policy.report_day, policy.report_min_group_size) == ("half_year", 10, 6)
        assert policy.small_organisation_window == "two_years"
        assert [(g.key, g.nl, g.en) for g in policy.target_groups] == [
            ("migratieachtergrond", "Migratieachtergrond", "Migration background"),
            ("deeltijd", "Deeltijd", "Deeltijd"),
        ]
        assert [(str(r.email), r.language) for r in policy.reviewers] == [(board, "en"), (ceo, "en")]
    finally:
        async with sessions.begin() as session:
            await settings_store.update(session, ReportPolicy())


async def test_reviewers_chosen_in_the_settings_take_over_a_report_in_review(http, worker, sessions, mail_store):
    """HR takes one reviewer off and adds another while a report waits for approval: the new one gets the report with
    its PDF and reviews it; the one taken off may no longer act on it."""
    from models.report import ReportPolicy
    from reports import settings_store

    await configure(sessions)
    await seed_quarter(sessions, date(2002, 1, 1))
    report_id = (await start_and_wait(http, "2002-Q1"))["report_id"]
    page_url = f"/reports/{report_id}/review"
    newcomer = await make_account(sessions, "nora-review@example.org", ["reviewer"], name="Nora Nieuw", language="en")
    async with another_client(http) as board:
        await signed_in_as(board, sessions, ["reviewer"], email=BOARD)
        await review_running(board, report_id)
    try:
        async with another_client(http) as hr:
            await signed_in_as(hr, sessions, ["hr"])
            settings_page = await hr.get("/settings/reports")
            assert f'value="{BOARD}"' in settings_page.text and 'value="ceo@example.org"' in settings_page.text
            saved = await post_form(
                hr,
                "/settings/reports",
                "/settings/reports",
                {
                    "report_period": "quarter",
                    "report_day": "5",
                    "report_min_group_size": "5",
                    "small_organisation_window": "year",
                    "target_groups": "",
                    "reviewers": [BOARD, newcomer],
                },
            )
            assert saved.status_code == 303, saved.text

        # The newcomer gets the report as the first reviewers did: once, with its PDF, in their language.
        def told():
            return [m for m in mail_store.all() if m.purpose == "r1:report_ready" and m.to == newcomer]

        [ready] = await eventually(told)
        assert ready.attachments == ("application/pdf",) and f"/reports/{report_id}/review" in ready.text
        assert "approve" in ready.text, "in English, as the newcomer reads"
        assert len([m for m in mail_store.all() if m.purpose == "r1:report_ready" and m.to == BOARD]) == 1

        async with another_client(http) as reviewer:
            await signed_in_as(reviewer, sessions, ["reviewer"], email=newcomer)
            await review_running(reviewer, report_id)
            found = await post_form(reviewer, page_url, f"{page_url}/findings", {"finding": "Nieuw in de bespreking"})
            assert found.status_code == 303
        async with another_client(http) as ceo:
            await signed_in_as(ceo, sessions, ["reviewer"], email="ceo@example.org")
            page = await ceo.get(page_url)
            assert page.status_code == 200 and 'id="finding-form"' not in page.text
            refused = await post_form(ceo, page_url, f"{page_url}/findings", {"finding": "Nog van mij"})
            assert refused.status_code == 409 and "is not a reviewer of report" in refused.text
    finally:
        async with sessions.begin() as session:
            await settings_store.update(session, ReportPolicy())


async def test_the_board_reads_the_short_record_of_an_interview_only_where_the_employee_agreed(
    http, worker, sessions, time_skipping_env
):
    """001 §3.1: a short record of each exit interview for the board, here only with the employee's consent, holding
    only what that consent shares beyond HR, with names removed; every reading in the audit log."""
    await configure(sessions)
    closed_at = datetime(2005, 11, 10, 12, tzinfo=UTC)
    shared = {"share_with_board": True}
    async with sessions.begin() as session:
        for department, scope, extra, advice in (
            ("Inkoop", "advice_and_experiences", shared, "Meer overleg met Anouk de Vries"),
            ("Verkoop", "advice_only", shared, "Betere laptops"),
            ("Juridisch", "advice_and_experiences", {}, "Niet voor het bestuur"),
            ("Logistiek", "advice_and_experiences", {**shared, "consent_revoked_at": closed_at}, "Ingetrokken"),
        ):
            case = closed_case(closed_at=closed_at, department=department)
            session.add(case)
            await session.flush()
            row = interview(
                case, record(most_important_advice=advice, went_well=f"Collega's in {department}"), scope=scope
            )
            for name, value in extra.items():
                setattr(row, name, value)
            session.add(row)
    report_id = (await start_and_wait(http, "2005-Q4"))["report_id"]

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD, language="nl")
        page = await review_running(reviewer, report_id)
        records = re.search(r'<ul class="cards" id="short-records".*?</ul>', page, re.S).group(0)
        assert "Inkoop" in records and "Meer overleg met [" in records and "Anouk" not in records
        assert "Collega&#39;s in Inkoop" in records  # the wider consent shares the experiences too
        assert "Betere laptops" in records and "Collega&#39;s in Verkoop" not in records  # advice only
        assert "Niet voor het bestuur" not in page and "Ingetrokken" not in page
    read = await audit_entries(sessions, action="interview.read")
    assert len([e for e in read if (e.detail or {}).get("part") == "board_record"]) >= 2

    async with another_client(http) as other_reviewer:
        # A reviewer of other reports (not of this one) reads no record.
        await signed_in_as(other_reviewer, sessions, ["reviewer"], email="someone-else@example.org")
        page = await other_reviewer.get(f"/reports/{report_id}/review")
        assert "Betere laptops" not in page.text
