"""Report output without a workflow: periods, the page, its charts, the PDF, and the report mails."""

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from activities.mail_templates import MailTemplates
from bench.seed_reports import closed_case, interview, record
from models.report import (
    ActionState,
    Breakdown,
    Cell,
    CountTable,
    EarlierAction,
    GroupFigures,
    RecommendFigures,
    ReportFigures,
    Trend,
    TrendPoint,
)
from reports import periods, published, svg
from reports.aggregate import compile_figures, compile_report
from reports.render import render_csv, render_html, render_pdf
from reports.summary import summary
from reports.tables import ReportRow
from tests.support.report import EXPECTED, SAMPLE, csv_rows


def test_periods_follow_the_calendar():
    assert periods.period_containing(date(2026, 11, 26), "quarter") == (date(2026, 10, 1), date(2026, 12, 31))
    assert periods.period_containing(date(2026, 11, 26), "half_year") == (date(2026, 7, 1), date(2026, 12, 31))
    assert periods.period_containing(date(2026, 11, 26), "year") == (date(2026, 1, 1), date(2026, 12, 31))
    assert periods.period_just_ended(date(2026, 10, 1), "quarter") == (date(2026, 7, 1), date(2026, 9, 30))
    assert periods.period_just_ended(date(2026, 7, 1), "half_year") == (date(2026, 1, 1), date(2026, 6, 30))
    assert periods.period_just_ended(date(2027, 1, 1), "year") == (date(2026, 1, 1), date(2026, 12, 31))
    # A trigger held up for days still reports on the period before.
    assert periods.period_just_ended(date(2026, 11, 26), "quarter") == (date(2026, 7, 1), date(2026, 9, 30))
    ranges = [
        (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 1, 1), date(2026, 6, 30)),
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 4, 1), date(2026, 12, 31)),
    ]
    assert [periods.label(*p) for p in ranges] == ["2026-Q3", "2026-H1", "2026", "2026-04-01 – 2026-12-31"]
    assert periods.report_id(date(2026, 7, 1), date(2026, 9, 30)) == "report-2026-07-01-2026-09-30"


def test_periods_are_named_as_the_organisation_knows_them():
    assert periods.parse("2026-Q3") == (date(2026, 7, 1), date(2026, 9, 30), "quarter")
    assert periods.parse(" 2026-H2 ") == (date(2026, 7, 1), date(2026, 12, 31), "half_year")
    assert periods.parse("2026") == (date(2026, 1, 1), date(2026, 12, 31), "year")
    for wrong in ("2026-Q5", "2026-06", "2026-04-01", "Q3", "2026-q3", ""):
        with pytest.raises(ValueError, match="is not a period"):
            periods.parse(wrong)


def test_a_longer_period_after_shorter_ones_covers_only_what_they_left():
    year = (date(2026, 1, 1), date(2026, 12, 31))
    q1 = (date(2026, 1, 1), date(2026, 3, 31))
    assert periods.unreported_part(*year, []) == year
    assert periods.unreported_part(*year, [q1, (date(2025, 10, 1), date(2025, 12, 31))]) == (
        date(2026, 4, 1),
        date(2026, 12, 31),
    )
    assert periods.unreported_part(*q1, [year]) is None
    assert periods.unreported_part(*q1, [q1]) is None


def test_periods_are_local_days_in_utc():
    begin, until = periods.utc_bounds(date(2026, 7, 1), date(2026, 9, 30), "Europe/Amsterdam")
    assert begin == datetime(2026, 6, 30, 22, tzinfo=UTC) and until == datetime(2026, 9, 30, 22, tzinfo=UTC)


def test_a_suppressed_bar_is_an_outline_with_a_dash_not_a_zero():
    chart = str(svg.bars([("Finance", 7, "7"), ("Legal", None, "")], maximum=7, title="Afdelingen"))
    assert chart.count("<rect") == 2 and 'stroke-dasharray="3 3"' in chart and svg.DASH in chart
    assert "<title>Afdelingen</title>" in chart


def test_a_trend_line_breaks_at_a_suppressed_point():
    chart = str(svg.line([("Q1", 3.0), ("Q2", None), ("Q3", 4.0), ("Q4", 4.5)], low=1, high=5, title="t"))
    assert chart.count("<polyline") == 1 and chart.count("<circle") == 3


def test_labels_are_escaped_in_charts():
    assert "&lt;b&gt;" in str(svg.bars([("<b>", 1, "1")], maximum=1, title="x"))


async def test_an_empty_period_renders_in_both_languages_as_page_pdf_and_csv(sessions):
    async with sessions() as session:
        figures = await compile_figures(
            session,
            report_id="empty",
            start=date(1980, 1, 1),
            end=date(1980, 3, 31),
            zone="Europe/Amsterdam",
            k=5,
            as_of=datetime.now(UTC),
        )
    for language, title in (("nl", "Rapportage exitgesprekken 1980-Q1"), ("en", "Exit interview report 1980-Q1")):
        assert title in render_html(figures, language, "Voorbeeld BV")
        assert render_pdf(figures, language).startswith(b"%PDF")
    [total] = [
        row
        for row in csv_rows(render_csv(figures))
        if (row["section"], row["dimension"], row["key"]) == ("departures", "type", "total")
    ]
    assert (total["value"], total["suppressed"]) == ("0", "")


async def test_the_page_shows_figures_with_charts_and_dutch_labels(sessions):
    async with sessions.begin() as session:
        for number in range(6):
            case = closed_case(closed_at=datetime(1981, 2, 10, 12, tzinfo=UTC), department="Sales & Service")
            session.add(case)
            await session.flush()
            session.add(
                interview(
                    case, record(rating=4, recommend=9, primary="workload", most_important_advice=f"Advies <{number}>")
                )
            )
    # The quarter before has its report, so the trend lines have two points.
    async with sessions.begin() as session:
        earlier = await compile_report(
            session,
            report_id="report-1980-10-01-1980-12-31",
            start=date(1980, 10, 1),
            end=date(1980, 12, 31),
            zone="Europe/Amsterdam",
            k=5,
            as_of=datetime.now(UTC),
        )
        row = ReportRow(
            id="report-1980-10-01-1980-12-31",
            revision=1,
            run_id="t",
            period_start=date(1980, 10, 1),
            period_end=date(1980, 12, 31),
            status="published",
            requested_by="t",
        )
        published.add(session, row, earlier)
    async with sessions() as session:
        figures = await compile_figures(
            session,
            report_id="page",
            start=date(1981, 1, 1),
            end=date(1981, 3, 31),
            zone="Europe/Amsterdam",
            k=5,
            as_of=datetime.now(UTC),
        )
    html = render_html(figures, "nl")
    assert "Werkdruk" in html and "Arbeidsinhoud" in html and "Sales &amp; Service" in html
    assert "Advies &lt;0&gt;" in html and "<svg" in html and "<polyline" in html
    assert "4,0" in html  # Dutch decimals
    # A Belgian organisation's report says its types of departure as its pages and mails do.
    assert "Ontslag op eigen verzoek" in html and "Ontslagname" not in html
    belgian = render_html(figures, "nl", country="BE")
    assert "Ontslagname" in belgian and "Ontslag op eigen verzoek" not in belgian


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_report_mails_render_in_both_languages(name, language):
    message = MailTemplates().render(
        name, language, SAMPLE, sender="hr@example.org", to="board@example.org", message_id="<x@y>"
    )
    subject = str(message["Subject"])
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert subject.strip() and "\n" not in subject and "&amp;" not in subject
    for expected in EXPECTED[name][language]:
        assert expected in text, f"{expected!r} missing from {name}.{language}:\n{text}"
    assert "\n\n\n" not in text and "&amp;" not in text and "&lt;" not in text
    assert "<p " in html and "http://" not in html.replace('href="http://offboarding.test/', "")
    if "&" in SAMPLE["text"] and SAMPLE["text"] in text:
        assert "Werkdruk onderzoeken &amp; bespreken" in html


def _figures(**changes) -> ReportFigures:
    """A report's figures as stored, with only what a test sets; the rest empty."""
    empty = CountTable(total=0, cells=[])
    base = ReportFigures(
        report_id="report-2027-04-01-2027-06-30",
        label="2027-Q2",
        period_start=date(2027, 4, 1),
        period_end=date(2027, 6, 30),
        previous_label=None,
        generated_at=datetime(2027, 7, 1, 6, tzinfo=UTC),
        min_group_size=5,
        departures_by_type=empty,
        departures_by_department=empty,
        interview_response=empty,
        response_rate=None,
        respondents=None,
        primary_reasons=empty,
        secondary_reasons=empty,
        ratings=[],
        recommend=RecommendFigures(respondents=None, mean=None),
        belonging=[],
        influences=empty,
        breakdowns=[],
        trends=[],
        free_text=[],
        earlier_actions=[],
    )
    return base.model_copy(update=changes)


def _trend(metric: str, before: float | None, now: float | None) -> Trend:
    delta = None if before is None or now is None else now - before
    points = [TrendPoint(label="2027-Q1", value=before, base=None), TrendPoint(label="2027-Q2", value=now, base=None)]
    return Trend(metric=metric, points=points, delta=delta)


def test_the_report_opens_with_a_summary_in_words():
    figures = _figures(
        previous_label="2027-Q1",
        # As older reports stored them: a count of departures as a float.
        trends=[
            _trend("departures", 100.0, 224.0),
            _trend("response_rate", 0.8, 0.75),
            _trend("recommend", 7.0, 7.5),
            _trend("work_content", None, 4.0),
        ],
        primary_reasons=CountTable(
            total=40,
            cells=[
                Cell(key="workload", count=14),
                Cell(key="career_opportunity", count=10),
                Cell(key="manager", count=9),
                Cell(key="commute", count=7),
            ],
        ),
        earlier_actions=[
            EarlierAction(
                report_label="2027-Q1",
                text="Werkdruk onderzoeken",
                owner_email="o@example.org",
                due_date=date(2027, 5, 1),
                state=ActionState.LATE,
            ),
            EarlierAction(
                report_label="2027-Q1",
                text="Loopbaanpaden beschrijven",
                owner_email="o@example.org",
                due_date=date(2027, 9, 1),
                state=ActionState.OPEN,
            ),
            EarlierAction(
                report_label="2027-Q1",
                text="Exitgesprek online aanbieden",
                owner_email="o@example.org",
                due_date=date(2027, 3, 1),
                state=ActionState.DONE,
            ),
        ],
    )
    nl = summary(figures, "nl")
    assert nl == [
        "Vergeleken met 2027-Q1: vertrek +124, respons −5% en aanbevelingsscore +0,5.",
        "De meest genoemde hoofdredenen van vertrek: Werkdruk (14), Loopbaankans elders (10) en Leidinggevende (9).",
        "Uit eerdere rapportages staan 2 acties open, waarvan 1 over de uiterste datum; als eerste: Werkdruk onderzoeken"
        " (uiterlijk 1 mei 2027).",
    ]
    en = summary(figures, "en")
    assert en[0] == "Compared with 2027-Q1: departures +124, response rate −5% and recommend score +0.5."
    assert en[2].endswith("first: Werkdruk onderzoeken (due 1 May 2027).")
    html = render_html(figures, "nl")
    assert html.index('id="summary"') < html.index('id="earlier-actions"') and nl[1] in html.replace("&#39;", "'")
    assert "Vertrek · Verschil met vorige periode: +124<" in html and "124,0" not in html
    [change] = [r for r in csv_rows(render_csv(figures)) if (r["dimension"], r["measure"]) == ("departures", "change")]
    assert change["value"] == "124"

    first = summary(_figures(), "nl")
    assert first == [
        "Dit is de eerste rapportage: er is nog geen eerdere periode om mee te vergelijken.",
        "De redenen van vertrek rusten in deze periode op te weinig mensen om te tonen.",
        "Er staan geen acties uit eerdere rapportages open.",
    ]


def test_bands_read_in_their_natural_order_and_the_report_says_je():
    groups = [GroupFigures(key=key, respondents=6) for key in ("not_given", "55+", "35-44", "<25", "25-34")]
    html = render_html(_figures(breakdowns=[Breakdown(dimension="age_band", groups=groups)]), "nl")
    table = html[html.index('id="breakdowns"') :]
    positions = [table.index(f"<td>{label}</td>") for label in ("&lt;25", "25-34", "35-44", "55+", "Niet opgegeven")]
    assert positions == sorted(positions)
    assert "Zou je ons aanbevelen" in html and " u " not in html and " uw " not in html


def test_no_table_row_is_split_across_pdf_pages():
    actions = [
        EarlierAction(
            report_label="2027-Q1",
            text=f"Actie {n}: " + "een lange omschrijving die over meerdere regels loopt " * 6 + f"einde {n}",
            owner_email="owner@example.org",
            due_date=date(2027, 9, 1),
            state=ActionState.OPEN,
        )
        for n in range(40)
    ]
    pages = [
        page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(_figures(earlier_actions=actions), "nl"))).pages
    ]
    assert len(pages) > 3
    for n in range(40):
        [page] = [text for text in pages if f"Actie {n}:" in text]
        assert f"einde {n}" in page, f"action {n} is split across pages"
