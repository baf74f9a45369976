"""The trends page: the published periods side by side, for everyone or one department or target group, read from
the figures each report stored. Its reports are on 2088-2090, later than any other test's, and eight in all, so they
are the periods the page shows whatever else the database holds; each test reads the columns of its own periods."""

import re
from datetime import UTC, date, datetime, time, timedelta

from bench.seed_reports import closed_case, interview, record
from reports import periods, published, trends
from reports.aggregate import compile_report
from reports.tables import ReportRow
from tests.support.auth import another_client, signed_in_as

K = 5


def quarter(number: int) -> tuple[date, date]:
    return periods.period_containing(date(2090, number * 3, 1), "quarter")


async def seed(sessions, period, department: str, answers: list[dict]) -> None:
    async with sessions.begin() as session:
        for answer in answers:
            case = closed_case(
                closed_at=datetime.combine(period[0] + timedelta(days=9), time(12), tzinfo=UTC), department=department
            )
            session.add(case)
            await session.flush()
            session.add(interview(case, answer))


async def publish(sessions, period) -> str:
    report_id = periods.report_id(*period)
    async with sessions.begin() as session:
        compiled = await compile_report(
            session,
            report_id=report_id,
            start=period[0],
            end=period[1],
            zone="Europe/Amsterdam",
            k=K,
            as_of=datetime.now(UTC),
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


def column_of(page: str, name: str, label: str) -> str:
    """The cell of row ``name`` under the period ``label``: other tests' reports may stand beside these."""
    head = re.search(r'<table id="trends">.*?<thead>(.*?)</thead>', page, re.S)
    assert head
    labels = re.findall(r'<th scope="col" class="number">(.*?)</th>', head.group(1))
    return row_of(page, name)[labels.index(label)]


def columns(page: str, name: str, *labels: str) -> list[str]:
    return [column_of(page, name, label) for label in labels]


def row_of(page: str, name: str) -> list[str]:
    """The cells of the trends table's row named ``name``, as the reader sees them."""
    found = re.search(rf'<tr><th scope="row">{re.escape(name)}</th>(.*?)</tr>', page, re.S)
    assert found, f"no row {name!r}"
    return [re.sub(r"<.*?>", "", cell).strip() for cell in re.findall(r'<td class="number">(.*?)</td>', found.group(1))]


async def test_reviewers_follow_the_published_periods_for_everyone_and_per_department(http, sessions):
    happy = record(rating=4, recommend=9, primary="career_opportunity")
    unhappy = record(rating=2, recommend=3, primary="workload")
    await seed(sessions, quarter(1), "Finance 2090", [happy] * 6)
    await seed(sessions, quarter(1), "Legal 2090", [unhappy] * 2)
    await seed(sessions, quarter(1), "Sales 2090", [happy] * 5)
    await seed(sessions, quarter(2), "Finance 2090", [unhappy] * 6)
    await seed(sessions, quarter(2), "Legal 2090", [unhappy] * 5)
    for number in (1, 2):
        await publish(sessions, quarter(number))

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], language="nl")
        page = (await reviewer.get("/trends")).text
        assert "2090-Q1" in page and "2090-Q2" in page
        first_half = ("2090-Q1", "2090-Q2")
        assert columns(page, "Vertrokken medewerkers", *first_half) == ["13", "11"]
        # Legal's two leavers in 2090-Q1 were too few to show (and Sales with them, or 13 - 6 would give them away):
        # a dash, as in that report, never a count; Sales, named by no report, is not named here either.
        assert columns(page, "Legal 2090", *first_half) == ["—", "5"] and "Sales 2090" not in page
        assert columns(page, "Finance 2090", *first_half) == ["6", "6"]
        # Two named workload in 2090-Q1: too few, and the one other reason hidden with it.
        assert columns(page, "Werkdruk", *first_half) == ["—", "11"]
        # (Other tests' reports may name it; these two do not.)
        assert "Loopbaankans elders" not in page or columns(page, "Loopbaankans elders", *first_half) == ["—", "0"]
        # Per department: what the reports hold for it (respondents and means), no more.
        finance = (await reviewer.get("/trends", params={"group": "department:Finance 2090"})).text
        assert '<option value="Finance 2090" selected>' in finance
        assert columns(finance, "Respondenten", *first_half) == ["6", "6"]
        assert columns(finance, "Arbeidsinhoud", *first_half) == ["4,0", "2,0"]
        assert "Werkdruk" not in finance  # no reasons per department: the reports never published them
        legal = (await reviewer.get("/trends", params={"group": "department:Legal 2090"})).text
        assert columns(legal, "Respondenten", *first_half) == ["—", "5"]
        # A group no report named cannot be asked for: the page shows everyone instead of naming it.
        unknown = (await reviewer.get("/trends", params={"group": "department:Inkoop"})).text
        main = unknown[unknown.index('<main id="main"') :]
        assert "Inkoop" not in main and 'id="trends-scope"' not in main
        assert "/trends" in (await reviewer.get("/reports")).text

    async with another_client(http) as manager:
        await signed_in_as(manager, sessions, ["manager"])
        assert (await manager.get("/trends")).status_code == 403


async def seed_declined(sessions, period, department: str, departure_type: str, count: int) -> None:
    """Closed cases whose employee declined the interview: counted in the departures and the response only."""
    async with sessions.begin() as session:
        for _ in range(count):
            session.add(
                closed_case(
                    closed_at=datetime.combine(period[0] + timedelta(days=9), time(12), tzinfo=UTC),
                    department=department,
                    departure_type=departure_type,
                    interview_status="declined",
                )
            )


def belonging(safe: int, home: int, valued: int) -> dict:
    return {"felt_safe": safe, "felt_at_home": home, "felt_valued": valued, "influences": []}


# Each row for everyone: its name in the reader's language, and its value in 2090-Q3 and 2090-Q4.
EVERYONE_ROWS = {
    ("Ontslag op eigen verzoek", "Resignation"): (["6", "10"], ["6", "10"]),
    ("Einde contract van bepaalde duur", "End of fixed-term contract"): (["5", "0"], ["5", "0"]),
    ("Ontslag door de werkgever", "Dismissal"): (["0", "5"], ["0", "5"]),
    ("Respons op de uitnodiging", "Response to the invitation"): (["55%", "67%"], ["55%", "67%"]),
    ("Gemiddelde", "Mean"): (["9,0", "6,0"], ["9.0", "6.0"]),
    ("Net Promoter Score", "Net Promoter Score"): (["100", "0"], ["100", "0"]),
    ("Voelde zich veilig", "Felt safe"): (["5,0", "2,0"], ["5.0", "2.0"]),
    ("Voelde zich thuis", "Felt at home"): (["4,0", "2,0"], ["4.0", "2.0"]),
    ("Voelde zich gewaardeerd", "Felt valued"): (["3,0", "4,0"], ["3.0", "4.0"]),
}


async def test_the_page_shows_departures_by_type_response_recommendation_and_belonging_in_both_languages(
    http, sessions
):
    q3, q4 = quarter(3), quarter(4)
    # 2090-Q3: six who resigned and were interviewed, five whose contract ended and who declined.
    await seed(sessions, q3, "Support 2090", [record(recommend=9, belonging=belonging(5, 4, 3))] * 6)
    await seed_declined(sessions, q3, "Support 2090", "end_of_contract", 5)
    # 2090-Q4: ten who resigned (five would recommend us, five would not), five dismissed who declined.
    await seed(sessions, q4, "Support 2090", [record(recommend=9, belonging=belonging(2, 2, 4))] * 5)
    await seed(sessions, q4, "Support 2090", [record(recommend=3, belonging=belonging(2, 2, 4))] * 5)
    await seed_declined(sessions, q4, "Support 2090", "dismissal", 5)
    for period in (q3, q4):
        await publish(sessions, period)

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], language="nl")
        dutch = (await reviewer.get("/trends")).text
        english = (await reviewer.get("/trends", params={"lang": "en"})).text
        for (nl, en), (in_dutch, in_english) in EVERYONE_ROWS.items():
            assert columns(dutch, nl, "2090-Q3", "2090-Q4") == in_dutch, nl
            assert columns(english, en, "2090-Q3", "2090-Q4") == in_english, en
        # Each under its own heading: the departure types with the departures, the NPS with the recommendation.
        for page, sections in (
            (dutch, {"departures": "Einde contract", "response": "Respons op", "recommend": "Net Promoter Score"}),
            (english, {"departures": "Dismissal", "response": "Response to", "belonging": "Felt valued"}),
        ):
            for section, name in sections.items():
                body = re.search(rf'<tbody id="trends-{section}">(.*?)</tbody>', page, re.S)
                assert body and f'<th scope="row">{name}' in body.group(1), (section, name)


def test_a_filter_shows_only_groups_its_reports_named():
    stored = [
        {
            "label": "P1",
            "departures_by_type": {"total": 9, "cells": [{"key": "resignation", "count": 9}], "other": None},
            "departures_by_department": {"total": 9, "cells": [{"key": "Finance 2090", "count": 6}], "other": 3},
            "breakdowns": [{"dimension": "age_band", "groups": [{"key": "<25", "respondents": 5, "means": {}}]}],
        }
    ]
    assert [c.value for c in trends.choices(stored)] == ["department:Finance 2090", "age_band:<25"]
    view = trends.build(stored)
    [finance] = [r for r in view.rows if r.key == "Finance 2090"]
    assert finance.values == [6]
    # A department left out of a table that hides others reads as left out, not as none.
    assert trends._table_value(stored[0]["departures_by_department"], "Legal 2090") is None
    assert trends._table_value(stored[0]["departures_by_type"], "dismissal") == 0


async def test_per_target_group_the_page_shows_the_share_of_each_reason_as_the_reports_published_it(http, sessions):
    """Women and men leave for different reasons: the page shows, per quarter, the share of each reason among the
    group's respondents as its report published it; a quarter with too few men shows none of theirs, only a dash."""
    q1, q2 = (
        periods.period_containing(date(2089, 3, 1), "quarter"),
        periods.period_containing(date(2089, 6, 1), "quarter"),
    )

    def answer(gender: str, reason: str) -> dict:
        return record(primary=reason, target_group={"gender": gender})

    await seed(sessions, q1, "Finance 2089", [answer("woman", "workload")] * 6 + [answer("woman", "manager")] * 6)
    await seed(sessions, q1, "Finance 2089", [answer("man", "pay_and_benefits")] * 12)
    await seed(sessions, q2, "Finance 2089", [answer("woman", "workload")] * 9 + [answer("woman", "manager")] * 5)
    # Too few men and non-binary people to show either; together five, so the women can show.
    await seed(sessions, q2, "Finance 2089", [answer("man", "workload")] * 3 + [answer("non_binary", "workload")] * 2)
    for period in (q1, q2):
        await publish(sessions, period)

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], language="nl")
        women = (await reviewer.get("/trends", params={"group": "gender:woman"})).text
        assert "Belangrijkste reden van vertrek (aandeel van de respondenten in de groep)" in women
        assert column_of(women, "Werkdruk", "2089-Q1") == "50%" and column_of(women, "Werkdruk", "2089-Q2") == "64%"
        assert column_of(women, "Leidinggevende", "2089-Q2") == "36%"
        men = (await reviewer.get("/trends", params={"group": "gender:man"})).text
        assert column_of(men, "Salaris en arbeidsvoorwaarden", "2089-Q1") == "100%"
        # Three men in 2089-Q2: too few for a figure; their report named no men, so neither does the page.
        assert column_of(men, "Salaris en arbeidsvoorwaarden", "2089-Q2") == "—"
        assert column_of(men, "Respondenten", "2089-Q2") == "—"
        english = (await reviewer.get("/trends", params={"group": "gender:woman", "lang": "en"})).text
        assert "Primary reason for leaving (share of the group" in english


async def test_a_target_group_within_a_department_shows_what_the_reports_published_on_both(http, sessions):
    """Women in Finance: their number and means per quarter where their report showed that pair; in a quarter where
    Finance's two men would be the report less everyone else, no pair shows, so the page shows a dash."""
    q1, q2 = (
        periods.period_containing(date(2088, 3, 1), "quarter"),
        periods.period_containing(date(2088, 6, 1), "quarter"),
    )

    def answer(gender: str, rating: int) -> dict:
        return record(rating=rating, target_group={"gender": gender})

    await seed(sessions, q1, "Finance 2088", [answer("woman", 4)] * 6 + [answer("man", 2)] * 6)
    await seed(sessions, q1, "Legal 2088", [answer("woman", 3)] * 6 + [answer("man", 5)] * 6)
    await seed(sessions, q2, "Finance 2088", [answer("woman", 3)] * 6 + [answer("man", 1)] * 2)
    await seed(sessions, q2, "Legal 2088", [answer("woman", 3)] * 6 + [answer("man", 5)] * 6)
    for period in (q1, q2):
        await publish(sessions, period)

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], language="nl")
        page = (await reviewer.get("/trends", params={"department": "Finance 2088", "group": "gender:woman"})).text
        assert '<option value="Finance 2088" selected>' in page and 'value="gender:woman" selected' in page
        assert "Je ziet Vrouw (Gender) in Finance 2088." in page
        assert [column_of(page, "Respondenten", q) for q in ("2088-Q1", "2088-Q2")] == ["6", "—"]
        assert [column_of(page, "Arbeidsinhoud", q) for q in ("2088-Q1", "2088-Q2")] == ["4,0", "—"]
        legal_men = (await reviewer.get("/trends", params={"department": "Legal 2088", "group": "gender:man"})).text
        assert column_of(legal_men, "Arbeidsinhoud", "2088-Q1") == "5,0"
        # The department alone and the target group alone read as before.
        finance = (await reviewer.get("/trends", params={"department": "Finance 2088"})).text
        assert [column_of(finance, "Respondenten", q) for q in ("2088-Q1", "2088-Q2")] == ["12", "8"]
        women = (await reviewer.get("/trends", params={"group": "gender:woman"})).text
        assert column_of(women, "Respondenten", "2088-Q1") == "12"
