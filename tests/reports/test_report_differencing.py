"""A reviewer trying to learn what one leaver said, by the four ways reports could be played against each other:
two overlapping reports, a report on one day, the same report made again after a revocation, and one breakdown
subtracted from another. Each attack goes through every way a report is read (the JSON, the CSV, the HTML page
and the PDF) and recovers nothing. On the time-skipping server with a worker, on SQLite and (with
OFFBOARDING_TEST_DATABASE_URL) PostgreSQL; each attack has a year of its own (2014-2017)."""

import itertools
import re
from datetime import UTC, date, datetime, time
from html import unescape

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowFailureError

from bench.seed_reports import closed_case, interview, record
from cases import consent
from models.report import ReportInput, ReportPolicy
from reports import periods, settings_store
from reports.labels import kinds
from reports.tables import ReportRow
from tests.support import eventually
from tests.support.cli import offboarding_in_thread
from tests.support.report import configure, csv_rows, pdf_text
from workflows.report import ReportWorkflow

K = 5


async def seed(sessions, closed_on: date, people: list[dict], department: str = "Finance") -> list[str]:
    """Closed cases, each with an interview whose consent covers the experiences; ``people`` give their answers."""
    ids = []
    async with sessions.begin() as session:
        for person in people:
            case = closed_case(
                closed_at=datetime.combine(closed_on, time(12), tzinfo=UTC),
                department=person.get("department", department),
            )
            session.add(case)
            await session.flush()
            answers = {key: value for key, value in person.items() if key != "department"}
            session.add(interview(case, record(**answers)))
            ids.append(case.id)
    return ids


async def make(http, period: str) -> str:
    """HR makes the period's report (as the schedule would) and waits until it is stored."""
    response = await http.post("/api/reports", json={"period": period})
    assert response.status_code == 202, response.text
    report_id = response.json()["report_id"]
    await eventually(lambda: _stored(http, report_id), timeout=60)
    return report_id


async def _stored(http, report_id: str) -> bool:
    return (await http.get(f"/api/reports/{report_id}")).status_code == 200


async def views(http, report_id: str) -> dict[str, object]:
    """The report as a reader gets it: figures as JSON, the CSV's rows, the page and the PDF's text, in English."""
    figures = (await http.get(f"/api/reports/{report_id}")).json()
    csv = (await http.get(f"/reports/{report_id}.csv")).text
    html = (await http.get(f"/reports/{report_id}", params={"lang": "en"})).text
    pdf = (await http.get(f"/reports/{report_id}.pdf", params={"lang": "en"})).content
    return {"json": figures, "csv": csv_rows(csv), "html": html, "pdf": pdf_text(pdf), "csv_text": csv}


async def refused_by_the_workflow(env, task_queue: str, start: date, end: date, field: str) -> str:
    """Start the report workflow itself for a range, as someone with access to Temporal could: it fails, naming the field."""
    with pytest.raises(WorkflowFailureError) as failed:
        await env.client.execute_workflow(
            ReportWorkflow.run,
            ReportInput(start=start, end=end, requested_by="attacker"),
            id=periods.report_id(start, end),
            task_queue=task_queue,
        )
    refusal = failed.value.cause.cause
    assert refusal.type == "ReportPeriodRefused" and refusal.non_retryable
    assert refusal.message.startswith(f"{field}: "), refusal.message
    return refusal.message


async def stored_periods(sessions) -> list[tuple[date, date]]:
    async with sessions() as session:
        return [(s, e) for s, e in (await session.execute(select(ReportRow.period_start, ReportRow.period_end))).all()]


def assert_no_two_reports_share_a_day(reported: list[tuple[date, date]]) -> None:
    for (s1, e1), (s2, e2) in itertools.combinations(sorted(reported), 2):
        assert e1 < s2, f"{s1}–{e1} and {s2}–{e2} overlap: their difference would be a report on the few people in one"


# 1. Two overlapping ranges (1 Apr-29 Jun and 1 Apr-30 Jun) differ by the one leaver of 30 June.


async def test_overlapping_ranges_cannot_be_reported_so_no_report_subtracts_from_another(
    http, worker, sessions, time_skipping_env, task_queue, cli_env
):  # noqa: F811
    await configure(sessions)
    await seed(
        sessions,
        date(2014, 5, 6),
        [{"rating": 4, "recommend": 8, "primary": "workload", "should_improve": "Meer overleg."} for _ in range(6)],
    )
    await seed(
        sessions,
        date(2014, 6, 30),
        [{"rating": 1, "recommend": 0, "primary": "health", "should_improve": "Mijn leidinggevende negeerde mij."}],
    )

    # The API, the command line and the workflow itself all refuse a range, naming what was asked.
    for body in ({"start": "2014-04-01", "end": "2014-06-29"}, {"start": "2014-04-01", "end": "2014-06-30"}):
        response = await http.post("/api/reports", json=body)
        assert response.status_code == 422
        locations = {tuple(error["loc"]): error["msg"] for error in response.json()["detail"]}
        assert ("body", "start") in locations and "fixed periods" in locations[("body", "start")]
    refused = await offboarding_in_thread(["report", "start", "--from", "2014-04-01", "--to", "2014-06-29"], cli_env)
    assert refused.exit_code == 2 and "--from: reports cover only the organisation's fixed periods" in refused.stderr
    assert "not the last day of a quarter" in await refused_by_the_workflow(
        time_skipping_env, task_queue, date(2014, 4, 1), date(2014, 6, 29), "end"
    )
    assert "does not begin a report period" in await refused_by_the_workflow(
        time_skipping_env, task_queue, date(2014, 4, 2), date(2014, 6, 30), "start"
    )

    quarter = await make(http, "2014-Q2")
    # Lengthening the period afterwards makes no half-year or year that includes the quarter reported: the half-year
    # ending with it is refused, the year covers only what comes after it.
    async with sessions.begin() as session:
        await settings_store.update(session, ReportPolicy(report_period="half_year"))
    assert (await http.post("/api/reports", json={"period": "2014-H1"})).status_code == 409
    async with sessions.begin() as session:
        await settings_store.update(session, ReportPolicy(report_period="year"))
    rest = await http.post("/api/reports", json={"period": "2014"})
    assert rest.status_code == 202 and rest.json()["label"] == "2014-H2"
    await eventually(lambda: _stored(http, rest.json()["report_id"]), timeout=60)
    await configure(sessions)

    reported = await stored_periods(sessions)
    assert_no_two_reports_share_a_day(reported)
    assert [p for p in reported if p[0] <= date(2014, 6, 30) <= p[1]] == [(date(2014, 4, 1), date(2014, 6, 30))]
    # The one report that holds the leaver of 30 June shows them only among the seven, by every route.
    seen = await views(http, quarter)
    assert seen["json"]["respondents"] == 7
    assert next(r for r in seen["csv"] if (r["section"], r["measure"]) == ("respondents", "count"))["value"] == "7"
    for route in ("html", "pdf"):
        assert re.search(r"Respondents \(consent to share experiences\): (<strong>)?7", seen[route])


# 2. A one-day range lists the suppressed cells by name: the lone leaver's department, reason, gender and age.


LONE = {
    "department": "Juridische Zaken",
    "rating": 1,
    "recommend": 0,
    "primary": "health",
    "target_group": {"gender": "non_binary", "age_band": "55+"},
}
LONE_WORDS = ["Juridische Zaken", "health", "Health", "Gezondheid", "non_binary", "Non-binary", "Non-binair", "55+"]


async def test_a_one_day_report_is_refused_and_no_report_names_a_suppressed_group(
    http, worker, sessions, time_skipping_env, task_queue, cli_env
):  # noqa: F811
    await configure(sessions)
    await seed(
        sessions,
        date(2015, 8, 4),
        [
            {"rating": 4, "primary": "workload", "target_group": {"gender": "woman", "age_band": "35-44"}}
            for _ in range(8)
        ],
    )
    await seed(sessions, date(2015, 8, 14), [LONE])
    # A quarter of a small organisation in which only that person left.
    await seed(sessions, date(2015, 11, 20), [LONE])

    response = await http.post("/api/reports", json={"start": "2015-08-14", "end": "2015-08-14"})
    assert response.status_code == 422 and {tuple(e["loc"]) for e in response.json()["detail"]} >= {
        ("body", "start"),
        ("body", "end"),
    }
    refused = await offboarding_in_thread(["report", "start", "--from", "2015-08-14", "--to", "2015-08-14"], cli_env)
    assert refused.exit_code == 2 and "--from" in refused.stderr
    await refused_by_the_workflow(time_skipping_env, task_queue, date(2015, 8, 14), date(2015, 8, 14), "end")

    for period in ("2015-Q3", "2015-Q4"):
        seen = await views(http, await make(http, period))
        for route in ("html", "pdf", "csv_text"):
            for word in LONE_WORDS:
                assert word not in seen[route], f"{period}: the {route} names {word!r}"
        dumped = repr(seen["json"])
        for word in LONE_WORDS:
            assert word not in dumped, f"{period}: the JSON names {word!r}"
        # The rest are counted together, never named.
        departments = seen["json"]["departures_by_department"]
        assert all(cell["count"] is not None for cell in departments["cells"])


# 3. The same period again after a revocation: the new figures minus the old would be the revoked person's answers.


async def test_a_report_is_never_made_again_so_a_revocation_changes_no_figure_but_takes_the_text_out(
    http, worker, sessions, time_skipping_env, task_queue, cli_env, mail_store
):  # noqa: F811
    # Without reviewers the report is published at once and its workflow ends, so a new run could start.
    async with sessions.begin() as session:
        await settings_store.update(session, ReportPolicy())
    await seed(
        sessions,
        date(2016, 2, 3),
        [
            {"rating": 4, "recommend": 8, "primary": "workload", "should_improve": f"Meer overleg {n}."}
            for n in range(6)
        ],
    )
    [revoker] = await seed(
        sessions,
        date(2016, 3, 1),
        [{"rating": 1, "recommend": 0, "primary": "manager", "should_improve": "Mijn leidinggevende negeerde mij."}],
    )
    report_id = await make(http, "2016-Q1")
    before = await views(http, report_id)
    assert "Mijn leidinggevende negeerde mij." in before["html"]

    async with sessions.begin() as session:
        await consent.revoke(session, revoker)

    # Again through the API, the command line, and a new run of the workflow itself: the report stays as it was.
    again = await http.post("/api/reports", json={"period": "2016-Q1"})
    assert again.status_code == 409 and "2016-Q1 has been reported already" in again.json()["detail"]
    refused = await offboarding_in_thread(["report", "start", "--period", "2016-Q1"], cli_env)
    assert refused.exit_code == 5 and "reported already" in refused.stderr
    rerun = ReportInput(start=date(2016, 1, 1), end=date(2016, 3, 31), requested_by="attacker")
    assert (
        await time_skipping_env.client.get_workflow_handle_for(ReportWorkflow.run, report_id).result()
    ).status.value == "published"
    outcome = await time_skipping_env.client.execute_workflow(
        ReportWorkflow.run, rerun, id=report_id, task_queue=task_queue
    )
    assert outcome.status.value == "published"
    with pytest.raises(WorkflowFailureError) as failed:
        await time_skipping_env.client.execute_workflow(
            ReportWorkflow.run, rerun, id=f"{report_id}-again", task_queue=task_queue
        )
    assert failed.value.cause.cause.message.startswith("report_id: ")
    assert len([m for m in mail_store.all() if m.purpose.endswith("report_ready")]) == 1

    after = await views(http, report_id)
    text_free = lambda figures: {**figures, "free_text": [{**s, "texts": []} for s in figures["free_text"]]}  # noqa: E731
    assert text_free(after["json"]) == text_free(before["json"])
    assert after["csv_text"] == before["csv_text"]
    figures_part = lambda page: page[: page.index('id="free-text"')]  # noqa: E731
    assert figures_part(after["html"]) == figures_part(before["html"])
    # Only the revoked person's free text went, from every route.
    for route in ("html", "pdf"):
        assert "negeerde mij" not in after[route] and "Meer overleg 0." in after[route]
    assert all("negeerde mij" not in text for section in after["json"]["free_text"] for text in section["texts"])

    # The next quarter's trend shows the first quarter as it was published, not computed again without the revoker.
    await seed(sessions, date(2016, 5, 3), [{"rating": 3, "recommend": 7} for _ in range(5)])
    next_quarter = await views(http, await make(http, "2016-Q2"))
    published = {t["metric"]: t["points"][-1] for t in before["json"]["trends"]}
    for trend in next_quarter["json"]["trends"]:
        earlier = next(p for p in trend["points"] if p["label"] == "2016-Q1")
        assert (earlier["value"], earlier["base"]) == (
            published[trend["metric"]]["value"],
            published[trend["metric"]]["base"],
        )
    assert next(t for t in next_quarter["json"]["trends"] if t["metric"] == "work_content")["points"][-2]["base"] == 7


# 4. One breakdown minus another: the total less the women less the 45-54s is whoever is in neither.


PEOPLE = (
    [{"rating": 4, "target_group": {"gender": "woman", "age_band": "35-44"}} for _ in range(5)]
    + [{"rating": 3, "target_group": {"gender": "man", "age_band": "45-54"}} for _ in range(5)]
    + [{"rating": 1, "target_group": {"gender": "non_binary", "age_band": "<25"}}]
)
GROUP_LABELS = {label: key for key, label in kinds("en")["group"].items()}
DIMENSION_LABELS = {label: key for key, label in kinds("en")["dimension"].items()}


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "")
    return None if text in ("—", "") else float(text)


def sums_from_json(figures: dict) -> dict:
    """Every published (size, mean of work content): the report's total and each group shown, as ``("total",)`` or (dimension, group)."""
    result = {
        ("total",): (
            figures["respondents"],
            next(r["mean"] for r in figures["ratings"] if r["metric"] == "work_content"),
        )
    }
    for breakdown in figures["breakdowns"]:
        for group in breakdown["groups"]:
            result[(breakdown["dimension"], group["key"])] = (group["respondents"], group["means"]["work_content"])
    return result


def sums_from_csv(rows: list[dict]) -> dict:
    result: dict = {}
    sizes = {
        (r["dimension"], r["key"]): r["value"]
        for r in rows
        if r["section"] == "breakdown" and r["measure"] == "respondents"
    }
    for r in rows:
        if r["section"] == "breakdown" and r["measure"] == "mean_work_content":
            result[(r["dimension"], r["key"])] = (_number(sizes[(r["dimension"], r["key"])]), _number(r["value"]))
        if (r["section"], r["dimension"], r["measure"]) == ("ratings", "work_content", "mean"):
            result[("total",)] = (_number(r["base"]), _number(r["value"]))
    return result


def sums_from_html(page: str) -> dict:
    total = re.search(r"<tr><td>Work content</td><td class=\"number\">([^<]*)</td>", page)
    respondents = re.search(r"Respondents \(consent to share experiences\): <strong>([^<]*)</strong>", page)
    result = {("total",): (_number(respondents.group(1)), _number(total.group(1)))}
    section = page[page.index('id="breakdowns"') : page.index('id="trends"')]
    for label, table in re.findall(r"<h3>([^<]*)</h3>\s*<table class=\"breakdown\">(.*?)</table>", section, re.S):
        for group, size, mean in re.findall(
            r"<tr><td>([^<]*)</td><td class=\"number\">([^<]*)</td>\s*<td class=\"number\">([^<]*)</td>", table
        ):
            result[(DIMENSION_LABELS[label], GROUP_LABELS.get(unescape(group), unescape(group)))] = (
                _number(size),
                _number(mean),
            )
    return result


def sums_from_pdf(text: str) -> dict:
    respondents = re.search(r"Respondents \(consent to share experiences\): (\S+)", text)
    total = re.search(r"^Work content (\S+)", text[text.index("Experience along") :], re.M)
    result = {("total",): (_number(respondents.group(1)), _number(total.group(1)))}
    dimension = None
    for line in text[text.index("Breakdowns") : text.index("Trends")].splitlines():
        if line.strip() in DIMENSION_LABELS:
            dimension = DIMENSION_LABELS[line.strip()]
        elif match := re.match(r"^(\S+) (\d+) (\S+)( |$)", line):
            label, size, mean = match.groups()[:3]
            result[(dimension, GROUP_LABELS.get(label, label))] = (_number(size), _number(mean))
    return result


def members(key: tuple, people: list[dict]) -> tuple[int, ...]:
    if key == ("total",):
        return tuple(1 for _ in people)
    dimension, group = key
    return tuple(
        int(person["target_group"].get(dimension) == group or (dimension == "department" and group == "Finance"))
        for person in people
    )


def recoveries(sums: dict, people: list[dict], k: int = K) -> list[tuple]:
    """Every sum and difference of up to four published figures that covers fewer than k people (and not none), with
    what it gives of their ratings: what an attacker knowing everyone's gender and age would compute."""
    found = []
    shown = [(key, n, mean) for key, (n, mean) in sums.items() if n is not None and mean is not None]
    for size in range(1, 5):
        for chosen in itertools.combinations(shown, size):
            for signs in itertools.product((1, -1), repeat=size):
                cover = [
                    sum(sign * m for sign, m in zip(signs, column, strict=False))
                    for column in zip(*(members(key, people) for key, _, _ in chosen), strict=False)
                ]
                if set(cover) <= {0, 1} and 0 < sum(cover) < k:
                    value = sum(sign * n * mean for sign, (_, n, mean) in zip(signs, chosen, strict=False))
                    truth = sum(person["rating"] for person, c in zip(people, cover, strict=False) if c)
                    found.append(
                        ([(s, key) for s, (key, _, _) in zip(signs, chosen, strict=False)], round(value, 2), truth)
                    )
    return found


async def test_no_breakdown_subtracted_from_another_or_from_the_total_gives_anyone_away(http, worker, sessions):
    await configure(sessions)
    await seed(sessions, date(2017, 2, 10), PEOPLE)

    seen = await views(http, await make(http, "2017-Q1"))

    readings = {
        "json": sums_from_json(seen["json"]),
        "csv": sums_from_csv(seen["csv"]),
        "html": sums_from_html(seen["html"]),
        "pdf": sums_from_pdf(seen["pdf"]),
    }
    for route, sums in readings.items():
        assert ("total",) in sums and sums[("total",)][0] == 11, (route, sums)
        assert recoveries(sums, PEOPLE) == [], f"the {route} gives away a small group"
    # Every route shows the same figures: what holds for one holds for all.
    assert readings["csv"] == readings["json"]
    assert (
        {key: n for key, (n, _) in readings["html"].items()}
        == {key: n for key, (n, _) in readings["pdf"].items()}
        == {key: n for key, (n, _) in readings["json"].items()}
    )
