"""Who declined a conversation and answered in writing counts in the report's response rate, as "written", apart
from the interviews held. Its own past quarters (2019), so no other test's cases count here."""

from datetime import date

from tests.support.report import configure, csv_rows, seed_quarter, start_and_wait


async def test_written_answers_count_in_the_response_rate_apart_from_held_interviews(http, worker, sessions):
    await configure(sessions)
    await seed_quarter(sessions, date(2019, 1, 1), respondents=6, declined=5, written=5)

    figures = (await start_and_wait(http, "2019-Q1"))["figures"]

    outcomes = {cell["key"]: cell["count"] for cell in figures["interview_response"]["cells"]}
    assert outcomes["held"] == 6 and outcomes["written"] == 5 and outcomes["declined"] == 5
    assert figures["response_rate"] == round(11 / 16, 4)
    assert figures["respondents"] == 11
    csv = csv_rows((await http.get(f"/reports/{figures['report_id']}.csv")).text)
    assert {"section": "interviews", "key": "written", "value": "5"}.items() <= next(
        row for row in csv if row["key"] == "written"
    ).items()
    page = await http.get(f"/reports/{figures['report_id']}", params={"lang": "en"})
    assert "Answered in writing" in page.text
    assert "Schriftelijk beantwoord" in (await http.get(f"/reports/{figures['report_id']}", params={"lang": "nl"})).text


async def test_a_few_written_answers_stay_hidden_like_any_small_group(http, worker, sessions):
    await configure(sessions)
    await seed_quarter(sessions, date(2019, 4, 1), respondents=6, declined=5, written=1)

    figures = (await start_and_wait(http, "2019-Q2"))["figures"]

    cells = {cell["key"] for cell in figures["interview_response"]["cells"]}
    assert "written" not in cells and figures["response_rate"] is None
