"""The reports over REST: a missed period made by HR, stored by the worker on the time-skipping server, then read as
figures, HTML, PDF and CSV; and acted on in their review.

Each test reports on its own past quarter (2009), so the cases seeded for one never count in another."""

from datetime import date, timedelta

from tests.support import eventually
from tests.support.report import (
    configure,
    csv_rows,
    seed_quarter,
    start_and_wait,
    today_on_server,
)


async def test_a_report_started_over_the_api_is_stored_and_served_as_html_pdf_and_csv(http, worker, sessions):
    await configure(sessions)
    await seed_quarter(sessions, date(2009, 1, 1))

    started = await start_and_wait(http, "2009-Q1")

    report_id = started["report_id"]
    assert report_id == "report-2009-01-01-2009-03-31" and started["created"] is True and started["label"] == "2009-Q1"
    assert started["status_url"] == f"http://offboarding.test/api/reports/{report_id}"
    figures = started["figures"]
    assert figures["period_start"] == "2009-01-01" and figures["period_end"] == "2009-03-31"
    assert figures["respondents"] == 6 and figures["departures_by_type"]["total"] == 7

    again = await http.post("/api/reports", json={"period": "2009-Q1"})
    assert again.status_code == 409 and "2009-Q1 has been reported already" in again.json()["detail"]

    listed = (await http.get("/api/reports")).json()
    mine = [r for r in listed if r["report_id"] == report_id]
    assert len(mine) == 1 and mine[0]["period_start"] == "2009-01-01" and mine[0]["status"] in ("compiled", "in_review")

    # Without ?lang the report speaks the reader's language, with its dates written their way.
    english = (await http.get(f"/reports/{report_id}", headers={"Accept-Language": "en-GB,en;q=0.8"})).text
    assert "Exit interview report 2009-Q1" in english and "1 January 2009" in english
    dutch = (await http.get(f"/reports/{report_id}", headers={"Accept-Language": "nl-BE"})).text
    assert "Rapportage exitgesprekken 2009-Q1" in dutch and "1 januari 2009" in dutch
    html = await http.get(f"/reports/{report_id}", params={"lang": "en"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "2009-Q1" in html.text
    assert "2009-Q1" in (await http.get(f"/reports/{report_id}")).text

    pdf = await http.get(f"/reports/{report_id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    csv = await http.get(f"/reports/{report_id}.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert list(csv_rows(csv.text)[0]) == ["section", "dimension", "key", "measure", "value", "base", "suppressed"]


async def test_the_review_is_acted_on_over_the_api(http, worker, sessions, time_skipping_env):
    await configure(sessions)
    await seed_quarter(sessions, date(2009, 4, 1))
    report_id = (await start_and_wait(http, "2009-Q2"))["report_id"]
    base = f"/api/reports/{report_id}/review"
    board = {"email": "board@example.org", "role": "manager"}
    today = await today_on_server(time_skipping_env)

    async def review_running():
        answer = await http.post(f"{base}/findings", json={"actor": board, "text": "Werkdruk in Finance valt op"})
        return answer.status_code != 404 and answer

    finding = await eventually(review_running, timeout=60)
    assert finding.status_code == 200, finding.text
    assert finding.json()["id"] == "f1"

    stranger = await http.post(
        f"{base}/findings", json={"actor": {"email": "stranger@example.org", "role": "manager"}, "text": "Ik kijk mee"}
    )
    assert stranger.status_code == 409 and "not a reviewer" in stranger.json()["detail"]

    action = await http.post(
        f"{base}/actions",
        json={
            "actor": board,
            "text": "Werkdruk onderzoeken",
            "owner_email": "owner@example.org",
            "due_date": (today + timedelta(days=30)).isoformat(),
        },
    )
    assert action.status_code == 200, action.text
    assert action.json()["id"] == "a1"

    approved = await http.post(f"{base}/approve", json={"actor": board, "comment": "Akkoord"})
    assert approved.status_code == 200, approved.text
    again = await http.post(f"{base}/approve", json={"actor": board})
    assert again.status_code == 409 and "already approved" in again.json()["detail"]

    unknown = await http.post(f"{base}/actions/a9/complete", json={"actor": board})
    assert unknown.status_code == 409 and "unknown action" in unknown.json()["detail"]
    done = await http.post(
        f"{base}/actions/a1/complete",
        json={"actor": {"email": "owner@example.org", "role": "manager"}, "note": "Gedaan"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["done_by"] == "owner@example.org"


async def test_a_period_that_is_not_one_of_the_organisations_is_refused_naming_the_field(http, sessions):
    await configure(sessions)
    for period, reason in [
        ("2009-06", "is not a period"),
        ("2009-H1", "the organisation reports per quarter"),
        ("2999-Q1", "has not ended yet"),
    ]:
        response = await http.post("/api/reports", json={"period": period})
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert error["loc"] == ["body", "period"] and reason in error["msg"]


async def test_an_unknown_report_is_404_everywhere(http):
    unknown = "report-1999-01-01-1999-03-31"
    for path in [
        f"/api/reports/{unknown}",
        f"/reports/{unknown}",
        f"/reports/{unknown}.pdf",
        f"/reports/{unknown}.csv",
    ]:
        assert (await http.get(path)).status_code == 404, path
    review = await http.post(
        f"/api/reports/{unknown}/review/findings",
        json={"actor": {"email": "board@example.org", "role": "manager"}, "text": "Iets"},
    )
    assert review.status_code == 404


async def test_reviewers_and_hr_may_use_the_reports_others_may_not(http, worker, sessions):
    from tests.support.auth import another_client, signed_in_as

    await configure(sessions)
    await seed_quarter(sessions, date(2009, 7, 1))
    report_id = (await start_and_wait(http, "2009-Q3"))["report_id"]

    async with another_client(http) as manager:
        await signed_in_as(manager, sessions, ["manager"])
        assert (await manager.get("/api/reports")).status_code == 403
        assert (await manager.get(f"/reports/{report_id}.csv")).status_code == 403

    async with another_client(http) as reviewer:
        await signed_in_as(reviewer, sessions, ["reviewer"], email="board@example.org")
        assert (await reviewer.get(f"/api/reports/{report_id}")).status_code == 200
        # Reports are made by the schedule; only HR makes one it missed.
        assert (await reviewer.post("/api/reports", json={"period": "2009-Q4"})).status_code == 403
        named = await reviewer.post(
            f"/api/reports/{report_id}/review/findings",
            json={"actor": {"email": "x@example.org", "role": "hr"}, "text": "Iets"},
        )
        assert named.status_code == 422 and named.json()["detail"][0]["loc"] == ["body", "actor"]

        async def finding():
            answer = await reviewer.post(
                f"/api/reports/{report_id}/review/findings", json={"text": "Als bestuurder gezien"}
            )
            return answer.status_code != 404 and answer

        recorded = await eventually(finding, timeout=60)
        assert recorded.status_code == 200, recorded.text
        assert recorded.json()["author_email"] == "board@example.org"
