"""Reports as the tests make and read them: the policy and a quarter of interviewed cases to report on, the sample
figures a report is rendered from, and reading a report back as its reader gets it (the CSV with Python's csv module,
the PDF's text with pypdf)."""

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from pypdf import PdfReader

from bench.seed_reports import closed_case, interview, record
from models.report import (
    ReportPolicy,
)
from reports import service, settings_store
from tests.support import eventually


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


SAMPLE = {
    "organisation_name": "Van den Berg & Zonen",
    "report_id": "report-2026-07-01-2026-09-30",
    "report_url": "http://offboarding.test/reports/report-2026-07-01-2026-09-30",
    "period_label": "2026-Q3",
    "departures": 23,
    "respondents": None,
    "response_rate": 0.7391,
    "timezone": "Europe/Amsterdam",
    "has_review": True,
    "approved_by": "board@example.org",
    "comment": "Akkoord <met> kanttekening",
    "findings": ["Werkdruk in Finance"],
    "actions": [
        {
            "action_id": "a1",
            "text": "Werkdruk onderzoeken",
            "owner_email": "owner@example.org",
            "due_date": "2027-01-29",
        }
    ],
    "action_id": "a1",
    "text": "Werkdruk onderzoeken & bespreken",
    "owner_email": "owner@example.org",
    "due_date": "2027-01-29",
    "sent_back_by": "board@example.org",
    "remark": "Graag de cijfers van Finance toelichten",
    "answered_by": "hr@example.org",
    "answer": "De cijfers van Finance staan nu per team in bijlage 2",
}


EXPECTED = {
    "report_ready": {
        "nl": ["2026-Q3", "Vertrokken medewerkers: 23", "74%", "—", "goedkeuren"],
        "en": ["2026-Q3", "Employees who left: 23", "74%", "—", "approve"],
    },
    "report_review_reminder": {
        "nl": ["wacht nog op je review"],
        "en": ["still waiting for your review"],
    },
    "report_approved": {
        "nl": [
            "board@example.org",
            "- Werkdruk in Finance",
            "uiterlijk vrijdag 29 januari 2027",
        ],
        "en": [
            "board@example.org",
            "- Werkdruk in Finance",
            "due Friday, 29 January 2027",
        ],
    },
    "report_action_assigned": {
        "nl": ["Werkdruk onderzoeken & bespreken", "vrijdag 29 januari 2027"],
        "en": ["Werkdruk onderzoeken & bespreken", "Friday, 29 January 2027"],
    },
    "report_sent_back": {
        "nl": [
            "board@example.org",
            "Graag de cijfers van Finance toelichten",
            "/reports/report-2026-07-01-2026-09-30/review",
        ],
        "en": [
            "board@example.org",
            "Graag de cijfers van Finance toelichten",
            "/reports/report-2026-07-01-2026-09-30/review",
        ],
    },
    "report_remark_answered": {
        "nl": [
            "hr@example.org",
            "De cijfers van Finance staan nu per team",
            "/reports/report-2026-07-01-2026-09-30/review",
        ],
        "en": [
            "hr@example.org",
            "De cijfers van Finance staan nu per team",
            "/reports/report-2026-07-01-2026-09-30/review",
        ],
    },
    "report_action_overdue": {
        "nl": ["Werkdruk onderzoeken & bespreken", "vrijdag 29 januari 2027", "owner@example.org", "/review#action-a1"],
        "en": ["Werkdruk onderzoeken & bespreken", "Friday, 29 January 2027", "owner@example.org", "/review#action-a1"],
    },
    "report_action_reminder": {
        "nl": ["Werkdruk onderzoeken & bespreken", "vrijdag 29 januari 2027"],
        "en": ["Werkdruk onderzoeken & bespreken", "Friday, 29 January 2027"],
    },
}


async def configure(sessions, **policy) -> ReportPolicy:
    wanted = ReportPolicy(
        reviewers=[
            {"email": "board@example.org", "language": "nl"},
            {"email": "ceo@example.org", "language": "en"},
        ],
        **policy,
    )
    async with sessions.begin() as session:
        return await settings_store.update(session, wanted)


async def seed_quarter(sessions, start: date, respondents: int = 6, declined: int = 1, written: int = 0) -> None:
    """Closed cases of one quarter: ``respondents`` interviews held, ``declined`` declined, and ``written`` declined
    and then answered in writing."""
    closed_at = datetime.combine(start + timedelta(days=20), time(12), tzinfo=UTC)
    async with sessions.begin() as session:
        for _ in range(written):
            case = closed_case(closed_at=closed_at, department="Finance", interview_status="declined")
            session.add(case)
            await session.flush()
            row = interview(case, record(rating=3, recommend=6))
            row.mode, row.interviewer_email = "written", ""
            session.add(row)
        for number in range(respondents + declined):
            held = number < respondents
            case = closed_case(
                closed_at=closed_at,
                department="Finance",
                interview_status="held" if held else "declined",
            )
            session.add(case)
            await session.flush()
            if held:
                session.add(
                    interview(
                        case,
                        record(rating=4, recommend=9, went_well="Fijne collega's."),
                    )
                )


async def today_on_server(env) -> date:
    return (await env.get_current_time()).astimezone(UTC).date()


async def start_and_wait(http, period: str) -> dict:
    response = await http.post("/api/reports", json={"period": period})
    assert response.status_code == 202, response.text
    started = response.json()

    async def stored():
        answer = await http.get(f"/api/reports/{started['report_id']}")
        return answer.status_code == 200 and answer.json()

    figures = await eventually(stored, timeout=60)
    return {**started, "figures": figures}


async def start_period(env, sessions, settings, task_queue, period: str) -> service.ReportStart:
    """What the schedule does when a period ends, as HR's command for a missed period does it."""
    async with sessions() as session:
        return await service.start_missed_report(
            env.client, session, settings.model_copy(update={"task_queue": task_queue}), period
        )
