"""Seed closed cases with exit interviews over the last three quarters, publish their reports as the schedule
would (a quarter already reported keeps its report), then render the last one to PDF (and PNG when pdftoppm is there).

    .venv/bin/python -m bench.seed_reports --count 200 --out /tmp/report

Uses the configured database (OFFBOARDING_DATABASE_URL, else the embedded SQLite file) after
running the migrations. The builders below also give the report tests their data."""

import argparse
import asyncio
import random
import shutil
import subprocess
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from config import get_settings
from db import migrate
from db.engine import create_engine, create_sessionmaker
from models.questionnaire import ExperienceArea, InterviewRecord, LeavingReason
from models.tables import Case, InterviewRecordRow, InterviewText
from reports import periods, published
from reports.aggregate import compile_report
from reports.anonymise import shareable_texts
from reports.render import render_csv, render_html, render_pdf
from reports.tables import ReportRow

DEPARTMENTS = ["Finance", "Sales", "IT", "Operations", "HR", "Marketing"]
FIRST_NAMES = ["Anouk", "Bram", "Sanne", "Daan", "Lotte", "Jeroen", "Fleur", "Pieter", "Noor", "Thijs", "Els", "Wouter"]
SURNAMES = [
    "de Vries",
    "Janssens",
    "Peeters",
    "Bakker",
    "van den Berg",
    "Maes",
    "Visser",
    "Claes",
    "de Jong",
    "Willems",
]


def closed_case(
    *,
    closed_at: datetime,
    department: str = "Finance",
    departure_type: str = "resignation",
    employee_name: str = "Anouk de Vries",
    manager_name: str = "Bram Janssens",
    interview_status: str | None = "held",
    case_id: str | None = None,
    start_date: date | None = None,
) -> Case:
    case_id = case_id or f"offboarding-seed-{uuid.uuid4().hex[:12]}"
    day = closed_at.date()
    return Case(
        id=case_id,
        employee_id=case_id[-12:],
        employee_name=employee_name,
        work_email=f"{case_id[-12:]}@example.org",
        private_email=None,
        language="nl",
        department=department,
        job_title="Medewerker",
        manager_name=manager_name,
        manager_email="manager@example.org",
        departure_type=departure_type,
        notice_date=day - timedelta(days=40),
        last_working_day=day - timedelta(days=3),
        status="closed",
        registration={"employee": {"start_date": start_date.isoformat()}} if start_date else {},
        closed_at=closed_at,
        interview_status=interview_status,
    )


def record(rating: int = 4, recommend: int = 8, primary: str = "career_opportunity", **fields: Any) -> dict:
    """A valid questionnaire; ``fields`` override any answer (experiences, belonging, target_group, texts)."""
    data: dict[str, Any] = {
        "experiences": {area.value: {"rating": rating, "comment": ""} for area in ExperienceArea},
        "primary_reason": primary,
        "secondary_reasons": [],
        "recommend_score": recommend,
        "belonging": {"felt_safe": rating, "felt_at_home": rating, "felt_valued": rating, "influences": []},
    }
    data.update(fields)
    return InterviewRecord.model_validate(data).model_dump(mode="json")


def interview(
    case: Case, answers: dict, *, scope: str = "advice_and_experiences", revoked_at: datetime | None = None
) -> InterviewRecordRow:
    held = case.closed_at - timedelta(days=10)
    return InterviewRecordRow(
        case_id=case.id,
        interviewer_email="interviewer@example.org",
        record=answers,
        consent_scope=scope,
        share_with_manager=False,
        consent_text_version="2026-11",
        consent_given_at=held,
        consent_revoked_at=revoked_at,
        held_at=held,
        texts=[
            InterviewText(field=field, text=text)
            for field, text in shareable_texts(answers, (case.employee_name, case.manager_name)).items()
        ],
    )


def random_case(rng: random.Random, start: date, end: date) -> list:
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    closed_at = datetime.combine(day, time(12), tzinfo=UTC)
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    manager = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    status = rng.choices(["held", "declined", "no_response", "skipped"], weights=[70, 15, 10, 5])[0]
    case = closed_case(
        closed_at=closed_at,
        department=rng.choice(DEPARTMENTS),
        departure_type=rng.choices(
            ["resignation", "end_of_contract", "dismissal", "retirement", "mutual_agreement"], [70, 12, 6, 7, 5]
        )[0],
        employee_name=name,
        manager_name=manager,
        interview_status=status,
    )
    if status != "held":
        return [case]
    reasons = rng.sample([r.value for r in LeavingReason], 3)
    base = rng.randint(2, 5)
    answers = record(
        primary=reasons[0],
        secondary_reasons=reasons[1 : rng.randint(1, 3)],
        recommend_score=max(0, min(10, base * 2 + rng.randint(-2, 1))),
        experiences={
            a.value: {"rating": max(1, min(5, base + rng.randint(-1, 1))), "comment": ""} for a in ExperienceArea
        },
        belonging={
            "felt_safe": max(1, min(5, base + rng.randint(-1, 1))),
            "felt_at_home": max(1, min(5, base + rng.randint(-1, 1))),
            "felt_valued": max(1, min(5, base + rng.randint(-2, 1))),
            "influences": rng.sample(
                ["gender_bias", "sense_of_belonging", "professional_self_confidence", "work_life_balance"],
                rng.randint(0, 2),
            ),
        },
        target_group={
            "gender": rng.choice(["woman", "man", None]),
            "age_band": rng.choice(["<25", "25-34", "35-44", "45-54", "55+"]),
        },
        most_important_advice=rng.choice(
            [
                "Geef meer ruimte voor opleiding.",
                f"Luister beter, zoals {manager} had kunnen doen.",
                "Plan het werk realistischer.",
            ]
        ),
        should_improve=rng.choice(
            [
                "Minder vergaderen.",
                f"Mail {name.split()[0].lower()}@example.org niet meer na 18 uur.",
                "Duidelijkere doelen.",
            ]
        ),
        went_well=rng.choice(["Fijne collega's.", "Goede begeleiding bij de start.", "Veel vrijheid."]),
    )
    scope = rng.choices(["advice_and_experiences", "advice_only", "nothing"], [75, 15, 10])[0]
    return [case, interview(case, answers, scope=scope)]


async def seed_and_render(database_url: str, count: int, out: Path, seed: int) -> list[Path]:
    await asyncio.to_thread(migrate.upgrade, database_url)  # Alembic runs its own event loop.
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    rng = random.Random(seed)
    quarters = [periods.period_just_ended(date.today(), "quarter")]
    while len(quarters) < 3:
        quarters.insert(0, periods.period_containing(quarters[0][0] - timedelta(days=1), "quarter"))
    (first, _), (start, end) = quarters[0], quarters[-1]
    async with sessions.begin() as session:
        for _ in range(count):
            # Three quarters of cases land in the reported quarter; the rest make the trend lines.
            in_period = rng.random() < 0.75
            rows = random_case(rng, start if in_period else first, end if in_period else start - timedelta(days=1))
            session.add(rows[0])
            await session.flush()
            session.add_all(rows[1:])
    for quarter in quarters:
        report_id = periods.report_id(*quarter)
        async with sessions.begin() as session:
            row = await session.get(ReportRow, report_id)
            if row is None:
                compiled = await compile_report(
                    session,
                    report_id=report_id,
                    start=quarter[0],
                    end=quarter[1],
                    zone="Europe/Amsterdam",
                    k=5,
                    as_of=datetime.now(UTC),
                )
                row = ReportRow(
                    id=report_id,
                    revision=1,
                    run_id="seed",
                    period_start=quarter[0],
                    period_end=quarter[1],
                    status="published",
                    requested_by="bench.seed_reports",
                )
                published.add(session, row, compiled)
            figures = await published.figures_of(session, row)
    await engine.dispose()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for language in ("nl", "en"):
        html = out / f"report.{language}.html"
        html.write_text(render_html(figures, language))
        pdf = out / f"report.{language}.pdf"
        pdf.write_bytes(render_pdf(figures, language))
        written += [html, pdf]
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(out / f"report.{language}")], check=True)
            written += sorted(out.glob(f"report.{language}-*.png"))
    csv = out / "report.csv"
    csv.write_text(render_csv(figures))
    return written + [csv]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="closed cases to add (default 200)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the rendered report")
    parser.add_argument("--seed", type=int, default=7, help="random seed, for a repeatable data set")
    args = parser.parse_args()
    for path in asyncio.run(seed_and_render(get_settings().database_url, args.count, args.out, args.seed)):
        print(path)


if __name__ == "__main__":
    main()
