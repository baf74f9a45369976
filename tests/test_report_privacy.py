"""Each privacy rule of the report, proved on data built to break it (SQLite, and PostgreSQL with
OFFBOARDING_TEST_DATABASE_URL). Every test reports on its own month in its own year, so no test, nor
any trend line, sees another test's cases."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from pydantic import ValidationError

from bench.seed_reports import closed_case, interview, record
from models.report import CountTable, ReportPolicy
from reports.aggregate import compile_figures
from reports.render import render_csv, render_html
from reports.suppression import protect

K = 5
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def month(year: int, number: int) -> tuple[date, date]:
    first = date(year, number, 1)
    return first, (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def closing_in(period: tuple[date, date]) -> datetime:
    return datetime.combine(period[0] + timedelta(days=9), time(12), tzinfo=timezone.utc)


async def seed(sessions, period, answers: list[dict | None], *, scope="advice_and_experiences", revoked_at=None, **case_fields) -> list[str]:
    """Closed cases in the period, one per answer set; None in the list is a case without interview."""
    ids = []
    async with sessions.begin() as session:
        for answer in answers:
            case = closed_case(closed_at=closing_in(period), interview_status="held" if answer is not None else "declined", **case_fields)
            session.add(case)
            await session.flush()
            if answer is not None:
                session.add(interview(case, answer, scope=scope, revoked_at=revoked_at))
            ids.append(case.id)
    return ids


async def figures_for(sessions, period, k: int = K, as_of: datetime = NOW):
    async with sessions() as session:
        return await compile_figures(session, report_id="test", start=period[0], end=period[1], zone="Europe/Amsterdam", k=k, as_of=as_of)


def cells(table: CountTable) -> dict[str, int | None]:
    return {cell.key: cell.count for cell in table.cells}


def rating(figures, metric: str):
    return next(r for r in figures.ratings + figures.belonging if r.metric == metric)


def section(figures, topic: str):
    return next(s for s in figures.free_text if s.topic == topic)


def assert_not_derivable(table: CountTable, k: int = K) -> None:
    """Whatever a reader can compute from the shown total and shown cells covers at least k people in two or more cells."""
    hidden = [c for c in table.cells if c.count is None]
    if table.total is None or not hidden:
        return
    assert len(hidden) >= 2
    assert table.total - sum(c.count for c in table.cells if c.count is not None) >= k


# Consent.
async def test_only_interviews_with_consent_for_the_experiences_count_in_ratings_and_reasons(sessions):
    period = month(1991, 6)
    await seed(sessions, period, [record(rating=5, recommend=10, primary="workload", went_well="Goede sfeer.") for _ in range(5)])
    await seed(sessions, period, [record(rating=1, recommend=0, primary="manager", went_well="Niets ging goed.", most_important_advice="Alleen advies.") for _ in range(5)], scope="advice_only")
    await seed(sessions, period, [record(rating=1, recommend=0, primary="manager", went_well="Geheim.", most_important_advice="Geheim advies.") for _ in range(5)], scope="nothing")

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


async def test_a_consent_revoked_before_the_report_leaves_it(sessions):
    period = month(1992, 6)
    await seed(sessions, period, [record(rating=4, should_improve="Meer overleg.") for _ in range(6)])
    await seed(sessions, period, [record(rating=1, primary="manager", should_improve="Ingetrokken verhaal.")], revoked_at=NOW - timedelta(days=1))
    await seed(sessions, period, [record(rating=2, primary="health", should_improve="Later ingetrokken.")], revoked_at=NOW + timedelta(days=1))

    figures = await figures_for(sessions, period)

    # The one revoked after the report was made still counted for it.
    assert figures.respondents == 7
    assert rating(figures, "work_content").mean == round((6 * 4 + 2) / 7, 2)
    assert "manager" not in cells(figures.primary_reasons)
    assert "Ingetrokken verhaal." not in section(figures, "should_improve").texts
    later = await figures_for(sessions, period, as_of=NOW + timedelta(days=2))
    assert later.respondents == 6 and rating(later, "work_content").mean == 4.0
    # Held (8) against respondents (6) would count the revocations: held and the rate give way.
    assert cells(later.interview_response)["held"] is None and later.response_rate is None
    assert_not_derivable(later.interview_response)
    assert next(t for t in later.trends if t.metric == "response_rate").points[-1].value is None


# Small groups.
async def test_everything_resting_on_fewer_than_k_respondents_is_suppressed(sessions):
    period = month(1993, 6)
    await seed(sessions, period, [record(rating=2, recommend=3, went_well="Herkenbaar verhaal.", target_group={"gender": "woman"}) for _ in range(4)])

    figures = await figures_for(sessions, period)

    assert figures.respondents is None and figures.departures_by_type.total is None
    assert all(c.count is None for c in figures.departures_by_type.cells if c.key == "resignation")
    assert all(r.mean is None and r.respondents is None and all(c.count is None for c in r.distribution) for r in figures.ratings + figures.belonging)
    assert figures.recommend.mean is None and figures.recommend.nps is None
    assert all(g.respondents is None and set(g.means.values()) == {None} for b in figures.breakdowns for g in b.groups)
    assert section(figures, "went_well").suppressed and section(figures, "went_well").texts == []
    assert figures.response_rate is None
    html, csv = render_html(figures, "nl"), render_csv(figures)
    assert "Herkenbaar verhaal." not in html and "2.0" not in csv


async def test_a_group_of_exactly_k_is_shown_and_k_is_never_below_three(sessions):
    period = month(1994, 6)
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
    period = month(1995, 6)
    for department, count in (("Finance", 7), ("Sales", 6), ("Legal", 2)):
        await seed(sessions, period, [record() for _ in range(count)], department=department)

    figures = await figures_for(sessions, period)

    departments = cells(figures.departures_by_department)
    assert figures.departures_by_department.total == 15
    assert departments == {"Finance": 7, "Sales": None, "Legal": None}
    assert_not_derivable(figures.departures_by_department)
    # The same people, as respondents per department: a hidden group's means would follow from the overall mean.
    groups = {g.key: g for g in next(b for b in figures.breakdowns if b.dimension == "department").groups}
    assert groups["Finance"].respondents == 7 and groups["Finance"].means["work_content"] == 4.0
    assert groups["Sales"].respondents is None and groups["Legal"].respondents is None
    assert groups["Sales"].means["recommend"] is None


async def test_target_groups_include_those_who_gave_nothing_so_no_group_is_left_to_derive(sessions):
    period = month(1996, 6)
    await seed(sessions, period, [record(target_group={"gender": "woman"}) for _ in range(6)])
    await seed(sessions, period, [record(target_group={"gender": "man"}) for _ in range(5)])
    await seed(sessions, period, [record(rating=1, target_group={"gender": "non_binary"})])

    figures = await figures_for(sessions, period)

    gender = {g.key: g.respondents for g in next(b for b in figures.breakdowns if b.dimension == "gender").groups}
    assert gender == {"woman": 6, "man": None, "non_binary": None}
    assert figures.respondents == 12


async def test_a_distribution_shown_beside_its_mean_is_all_or_nothing(sessions):
    # Five 5s and one 1: showing the count of 5s with the mean would give away the lone 1.
    period = month(1997, 6)
    await seed(sessions, period, [record(rating=5, recommend=10) for _ in range(5)] + [record(rating=1, recommend=2)])

    figures = await figures_for(sessions, period)

    work = rating(figures, "work_content")
    assert work.mean == round(26 / 6, 2) and work.respondents == 6
    assert [c.count for c in work.distribution] == [None] * 5
    rec = figures.recommend
    assert rec.mean == round(52 / 6, 2) and (rec.promoters, rec.passives, rec.detractors, rec.nps) == (None, None, None, None)


async def test_a_distribution_without_small_cells_is_shown(sessions):
    period = month(1998, 6)
    await seed(sessions, period, [record(rating=4, recommend=9) for _ in range(5)] + [record(rating=2, recommend=5) for _ in range(5)])

    figures = await figures_for(sessions, period)

    assert {c.key: c.count for c in rating(figures, "work_content").distribution} == {"1": 0, "2": 5, "3": 0, "4": 5, "5": 0}
    assert (figures.recommend.promoters, figures.recommend.detractors, figures.recommend.nps) == (5, 5, 0.0)


async def test_hidden_cells_are_listed_by_name_not_by_their_hidden_size(sessions):
    period = month(1999, 6)
    await seed(sessions, period, [record(primary="workload") for _ in range(8)])
    await seed(sessions, period, [record(primary="studies") for _ in range(4)])
    await seed(sessions, period, [record(primary="commute")])

    figures = await figures_for(sessions, period)

    assert [c.key for c in figures.primary_reasons.cells] == ["workload", "commute", "studies"]
    assert cells(figures.primary_reasons) == {"workload": 8, "commute": None, "studies": None}


async def test_a_trend_resting_on_a_small_previous_period_is_suppressed(sessions):
    before, now = month(2000, 5), month(2000, 6)
    await seed(sessions, before, [record(rating=1) for _ in range(3)])
    await seed(sessions, now, [record(rating=4) for _ in range(6)])

    figures = await figures_for(sessions, now)

    trend = next(t for t in figures.trends if t.metric == "work_content")
    assert [p.label for p in trend.points][-2:] == ["2000-05", "2000-06"]
    assert trend.points[-2].value is None and trend.points[-2].base is None
    assert trend.points[-1].value == 4.0 and trend.delta is None
    departures = next(t for t in figures.trends if t.metric == "departures")
    assert departures.points[-2].value is None and departures.delta is None


async def test_a_trend_is_shown_when_both_periods_are_large_enough(sessions):
    before, now = month(2001, 5), month(2001, 6)
    await seed(sessions, before, [record(rating=2) for _ in range(5)])
    await seed(sessions, now, [record(rating=4) for _ in range(5)])

    trend = next(t for t in (await figures_for(sessions, now)).trends if t.metric == "work_content")

    assert (trend.points[-2].value, trend.points[-1].value, trend.delta) == (2.0, 4.0, 2.0)


# Free text.
async def test_free_text_shows_only_when_enough_people_wrote_it(sessions):
    period = month(2002, 6)
    await seed(sessions, period, [record(went_well="Fijne collega's.", most_important_advice="Investeer in mensen.") for _ in range(2)])
    await seed(sessions, period, [record(most_important_advice=f"Advies {n}.") for n in range(3)])

    figures = await figures_for(sessions, period)

    assert section(figures, "went_well").suppressed and section(figures, "went_well").texts == []
    advice = section(figures, "advice")
    assert not advice.suppressed and advice.texts == ["Advies 0.", "Advies 1.", "Advies 2.", "Investeer in mensen."]
    # Nobody wrote anything: an empty section, which says nothing about anyone.
    assert not section(figures, "remember").suppressed and section(figures, "remember").texts == []


async def test_names_and_email_addresses_are_removed_from_free_text(sessions):
    # A colleague from another case: her name must go wherever it is capitalised.
    await seed(sessions, month(2003, 1), [None], employee_name="Roos Verbeek", manager_name="Karel Maes")
    period = month(2003, 6)
    text = (
        "Met anouk kon ik goed praten, maar Bram Janssens luisterde niet. "
        "Meneer Janssens mailde vanaf b.janssens@example.org. Roos Verbeek hielp wel; een roos voor haar."
    )
    await seed(sessions, period, [record(should_improve=text, most_important_advice="Vraag Verbeek om raad.") for _ in range(5)], employee_name="Anouk de Vries", manager_name="Bram Janssens")

    figures = await figures_for(sessions, period)

    [improve] = section(figures, "should_improve").texts
    assert improve == "Met […] kon ik goed praten, maar […] luisterde niet. Meneer […] mailde vanaf […]. […] hielp wel; een roos voor haar."
    assert section(figures, "advice").texts == ["Vraag […] om raad."]
    html = render_html(figures, "en")
    for leaked in ("anouk", "Anouk", "Janssens", "@example.org", "Verbeek", "Roos"):
        assert leaked not in html


async def test_the_csv_holds_aggregated_figures_only(sessions):
    period = month(2004, 6)
    await seed(sessions, period, [record(went_well="Tekst die niet in de CSV hoort.") for _ in range(5)], employee_name="Sanne Peeters")

    csv = render_csv(await figures_for(sessions, period))

    assert "Tekst die niet" not in csv and "Sanne" not in csv and "offboarding-" not in csv
    assert "ratings,work_content,all,mean,4.0,5," in csv
