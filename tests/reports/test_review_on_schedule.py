"""One management review from the schedule to the next report, through the pages, on the time-skipping server: the
clock is skipped to the report day, where ``ScheduledReportWorkflow`` (what the Temporal Schedule starts) makes the
report of the quarter just ended and the reviewers are mailed; a reviewer records a finding and two actions and
approves; the owner marks one done from "My tasks"; the clock is skipped past the other's due date (HR and the
reviewers are told) to the next report day, whose report, made on schedule again, shows both actions and their state.

Its quarters are 2027-Q2 and 2027-Q3, reached by skipping the clock; no other test reports on them."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.report import ScheduledReportInput
from reports import periods
from reports.schedule import TRIGGER_WORKFLOW_ID
from reports.tables import ReportRow
from tests.support import eventually
from tests.support.auth import another_client, make_account, post_form, signed_in_as
from tests.support.report import configure, pdf_text, seed_quarter, today_on_server
from workflows.report import ScheduledReportWorkflow

ZONE = "Europe/Amsterdam"
BOARD, CEO, HR = "board@example.org", "ceo@example.org", "hr@example.org"


def mails(mail_store, purpose: str) -> list:
    return [m for m in mail_store.all() if m.purpose == purpose]


async def on_schedule(env, sessions, task_queue: str, day: date) -> str:
    """Skip the server's clock to six in the morning of ``day`` in Amsterdam, when the schedule fires, and start
    what it starts; the id of the report made, once it is stored."""
    fires = datetime.combine(day, time(6), tzinfo=ZoneInfo(ZONE))
    now = await env.get_current_time()
    assert now < fires
    await env.sleep(fires - now + timedelta(minutes=1))
    report_id = periods.report_id(*periods.period_just_ended(day, "quarter"))
    await env.client.start_workflow(
        ScheduledReportWorkflow.run,
        ScheduledReportInput(period="quarter", timezone=ZONE),
        id=f"{TRIGGER_WORKFLOW_ID}-{day.isoformat()}",
        task_queue=task_queue,
    )

    async def stored() -> bool:
        async with sessions() as session:
            return await session.get(ReportRow, report_id) is not None

    await eventually(stored, timeout=90)
    return report_id


async def review_running(client, report_id: str) -> str:
    async def running():
        page = await client.get(f"/reports/{report_id}/review")
        return page.status_code == 200 and 'id="finding-form"' in page.text and page.text

    return await eventually(running, timeout=60)


def earlier_actions(page: str) -> dict[str, list[str]]:
    """The rows of the report's "actions from earlier reports", by action text: report, owner, due date, state."""
    section = re.search(r'<section id="earlier-actions">(.*?)</section>', page, re.S)
    assert section, "no earlier actions in the report"
    rows = {}
    for row in re.findall(r"<tr class=\"state-[a-z]+\">(.*?)</tr>", section.group(1), re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        rows[cells[1]] = [cells[0], *cells[2:]]
    return rows


async def test_a_review_runs_from_the_scheduled_report_to_the_next_scheduled_report(
    http, worker, sessions, time_skipping_env, task_queue, mail_store
):
    env = time_skipping_env
    await configure(sessions)
    owner = await make_account(sessions, "owner-schedule@example.org", ["manager"], name="Sam Schema", language="nl")
    await seed_quarter(sessions, date(2027, 4, 1))

    report_id = await on_schedule(env, sessions, task_queue, date(2027, 7, 1))

    assert report_id == "report-2027-04-01-2027-06-30"
    ready = await eventually(
        lambda: len(mails(mail_store, "r1:report_ready")) == 2 and mails(mail_store, "r1:report_ready")
    )
    by_reviewer = {m.to: m for m in ready}
    assert set(by_reviewer) == {BOARD, CEO} and by_reviewer[BOARD].language == "nl"
    assert all(m.attachments == ("application/pdf",) and f"/reports/{report_id}/review" in m.text for m in ready)
    assert "2027-Q2" in by_reviewer[CEO].subject
    today = await today_on_server(env)
    assert today == date(2027, 7, 1)
    page_url = f"/reports/{report_id}/review"
    soon, later = today + timedelta(days=14), today + timedelta(days=30)

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        listed = await reviewer.get("/reports")
        assert f'href="http://offboarding.test{page_url}"' in listed.text
        await review_running(reviewer, report_id)
        found = await post_form(reviewer, page_url, f"{page_url}/findings", {"finding": "Weinig respons bij Finance"})
        assert found.status_code == 303
        for text, due in (("Exitgesprekken plannen met Finance", later), ("Respons per afdeling volgen", soon)):
            added = await post_form(
                reviewer,
                page_url,
                f"{page_url}/actions",
                {"text": text, "owner_email": owner, "due_date": due.isoformat()},
            )
            assert added.status_code == 303, added.text

    async with another_client(http) as sam:
        await signed_in_as(sam, sessions, ["manager"], email=owner)
        tasks = (await sam.get("/my/tasks")).text
        assert "Exitgesprekken plannen met Finance" in tasks and "2027-Q2" in tasks
        done = await post_form(
            sam, "/my/tasks", f"/my/review-actions/{report_id}/a1", {"note": "Gesprekken gepland", "done": "yes"}
        )
        assert done.status_code == 303

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        approved = await post_form(reviewer, page_url, f"{page_url}/approve", {"comment": "Akkoord"})
        assert approved.status_code == 303
        after = (await reviewer.get(page_url)).text
        assert 'id="approval"' in after and 'id="finding-form"' not in after
    assert await eventually(lambda: mails(mail_store, "r1:report_approved"))

    # The next quarter closes more cases; its report is made on the next report day, past the open action's due date.
    await seed_quarter(sessions, date(2027, 7, 1))
    next_id = await on_schedule(env, sessions, task_queue, date(2027, 10, 1))

    assert next_id == "report-2027-07-01-2027-09-30"
    overdue = await eventually(lambda: mails(mail_store, f"r1:action_overdue:a2:{soon.isoformat()}"))
    assert {m.to for m in overdue} == {BOARD, CEO, HR}
    assert await eventually(
        lambda: [m for m in mails(mail_store, "r1:report_ready") if "2027-Q3" in m.subject and m.to == BOARD]
    )
    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email=BOARD)
        dutch = (await reviewer.get(f"/reports/{next_id}", params={"lang": "nl"})).text
        english = (await reviewer.get(f"/reports/{next_id}", params={"lang": "en"})).text
        pdf = pdf_text((await reviewer.get(f"/reports/{next_id}.pdf", params={"lang": "nl"})).content)
    first, second = "Exitgesprekken plannen met Finance", "Respons per afdeling volgen"
    in_dutch, in_english = earlier_actions(dutch), earlier_actions(english)
    assert in_dutch[first][0] == "2027-Q2" and in_dutch[first][1] == owner and in_dutch[first][-1] == "Klaar"
    assert in_dutch[second][-1] == "Te laat" and in_english[second][-1] == "Overdue" and in_english[first][-1] == "Done"
    assert first in pdf and second in pdf and "Te laat" in pdf
