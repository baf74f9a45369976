"""The trends page: the published periods side by side, for everyone or one department or target group, read from
the figures each report stored. Its reports are on 2090, later than any other test's, so they are the last periods
the page shows whatever else the database holds."""

import re
from datetime import UTC, date, datetime, time, timedelta

from bench.seed_reports import closed_case, interview, record
from reports import periods, published, trends
from reports.aggregate import compile_report
from reports.tables import ReportRow
from tests.auth_support import another_client, signed_in_as

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
        assert row_of(page, "Vertrokken medewerkers")[-2:] == ["13", "11"]
        # Legal's two leavers in 2090-Q1 were too few to show (and Sales with them, or 13 - 6 would give them away):
        # a dash, as in that report, never a count; Sales, named by no report, is not named here either.
        assert row_of(page, "Legal 2090")[-2:] == ["—", "5"] and "Sales 2090" not in page
        assert row_of(page, "Finance 2090")[-2:] == ["6", "6"]
        # Two named workload in 2090-Q1: too few, and the one other reason hidden with it.
        assert row_of(page, "Werkdruk")[-2:] == ["—", "11"]
        # (Other tests' earlier reports may name it; these two do not.)
        assert "Loopbaankans elders" not in page or row_of(page, "Loopbaankans elders")[-2:] == ["—", "0"]
        # Per department: what the reports hold for it (respondents and means), no more.
        finance = (await reviewer.get("/trends", params={"group": "department:Finance 2090"})).text
        assert 'value="department:Finance 2090" selected' in finance
        assert row_of(finance, "Respondenten")[-2:] == ["6", "6"]
        assert row_of(finance, "Arbeidsinhoud")[-2:] == ["4,0", "2,0"]
        assert "Werkdruk" not in finance  # no reasons per department: the reports never published them
        legal = (await reviewer.get("/trends", params={"group": "department:Legal 2090"})).text
        assert row_of(legal, "Respondenten")[-2:] == ["—", "5"]
        # A group no report named cannot be asked for: the page shows everyone instead of naming it.
        unknown = (await reviewer.get("/trends", params={"group": "department:Inkoop"})).text
        main = unknown[unknown.index('<main id="main"') :]
        assert "Inkoop" not in main and 'id="trends-scope"' not in main
        assert "/trends" in (await reviewer.get("/reports")).text

    async with another_client(http) as manager:
        await signed_in_as(manager, sessions, ["manager"])
        assert (await manager.get("/trends")).status_code == 403


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
