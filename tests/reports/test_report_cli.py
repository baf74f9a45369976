"""`offboarding report` against the time-skipping server and the test database (its own quarter, 2008)."""

import json
from datetime import date

from reports import service
from tests.support import eventually
from tests.support.cli import offboarding, offboarding_in_thread
from tests.support.report import configure, csv_rows, seed_quarter


async def test_a_report_is_started_listed_shown_and_exported(cli_env, worker, sessions, tmp_path):  # noqa: F811
    await configure(sessions)
    await seed_quarter(sessions, date(2008, 1, 1))

    started = await offboarding_in_thread(["report", "start", "--period", "2008-Q1"], cli_env)
    assert started.exit_code == 0, started.output
    report_id = "report-2008-01-01-2008-03-31"
    assert f"started: report {report_id} (2008-Q1)" in started.stdout

    async def stored():
        async with sessions() as session:
            try:
                return await service.figures(session, report_id)
            except service.ReportNotFound:
                return None

    await eventually(stored, timeout=60)

    again = await offboarding_in_thread(["report", "start", "--period", "2008-Q1"], cli_env)
    assert again.exit_code == 5 and "2008-Q1 has been reported already" in again.stderr

    listed = await offboarding_in_thread(["report", "list", "--json"], cli_env)
    assert listed.exit_code == 0, listed.output
    assert report_id in [r["report_id"] for r in json.loads(listed.stdout)]

    shown = await offboarding_in_thread(["report", "show", report_id, "--json"], cli_env)
    assert shown.exit_code == 0 and json.loads(shown.stdout)["respondents"] == 6
    plain = await offboarding_in_thread(["report", "show", report_id], cli_env)
    assert plain.exit_code == 0 and "2008-Q1" in plain.stdout

    pdf, csv, html = tmp_path / "r.pdf", tmp_path / "r.csv", tmp_path / "r.html"
    for fmt, out in [("pdf", pdf), ("csv", csv), ("html", html)]:
        exported = await offboarding_in_thread(
            ["report", "export", report_id, "--format", fmt, "--out", str(out), "--lang", "en"], cli_env
        )
        assert exported.exit_code == 0, exported.output
    assert pdf.read_bytes().startswith(b"%PDF")
    assert list(csv_rows(csv.read_text())[0]) == [
        "section",
        "dimension",
        "key",
        "measure",
        "value",
        "base",
        "suppressed",
    ]
    assert "Exit interview report 2008-Q1" in html.read_text()


def test_bad_input_names_the_flag_and_unknown_reports_exit_4(cli_env, tmp_path):  # noqa: F811
    for flags, named in ([["--from", "2008-01-01", "--to", "2008-03-31"], "--from"], [["--to", "2008-03-31"], "--to"]):
        a_range = offboarding(["report", "start", *flags], cli_env)
        assert (
            a_range.exit_code == 2 and f"{named}: reports cover only the organisation's fixed periods" in a_range.stderr
        )
    for period, reason in [
        ("2008-03", "is not a period"),
        ("2008", "the organisation reports per quarter"),
        ("2999-Q4", "has not ended yet"),
    ]:
        refused = offboarding(["report", "start", "--period", period], cli_env)
        assert refused.exit_code == 2 and "--period: " in refused.stderr and reason in refused.stderr, refused.stderr
    bad_format = offboarding(
        ["report", "export", "report-x", "--format", "docx", "--out", str(tmp_path / "x")], cli_env
    )
    assert bad_format.exit_code == 2 and "--format" in bad_format.stderr
    bad_lang = offboarding(
        ["report", "export", "report-x", "--format", "pdf", "--out", str(tmp_path / "x"), "--lang", "de"], cli_env
    )
    assert bad_lang.exit_code == 2 and "--lang" in bad_lang.stderr

    unknown = "report-1999-01-01-1999-03-31"
    assert offboarding(["report", "show", unknown], cli_env).exit_code == 4
    missing = offboarding(["report", "export", unknown, "--format", "csv", "--out", str(tmp_path / "x.csv")], cli_env)
    assert missing.exit_code == 4 and f"no report {unknown}" in missing.stderr
