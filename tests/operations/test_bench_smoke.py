"""The benchmarks in bench/ still run: each at a tiny size, into a results file of its own; those that take a
database, on the run's kind (SQLite, or PostgreSQL in the PostgreSQL run).

No figure is checked (timings on a shared machine say nothing in a test); a benchmark that errors,
hangs or writes no section fails here."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness import backend_label, write_section

# Real processes and real time: `make test-fast` leaves this module out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TEST_DATABASE_URL = os.environ.get("OFFBOARDING_TEST_DATABASE_URL", "")


def run_bench(module: str, results: Path, *args: str, timeout: float = 120) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OFFBOARDING_")}
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", "--results", str(results), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, (
        f"bench.{module} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return results.read_text()


@pytest.fixture
def results(tmp_path) -> Path:
    return tmp_path / "RESULTS.md"


def test_start_throughput(results):
    text = run_bench("start_throughput", results, "--count", "5", "--concurrency", "2")
    assert "<!-- bench:start_throughput -->" in text
    assert "| Ratio ours / bare |" in text and "skeleton" in text
    assert "Command: `.venv/bin/python -m bench.start_throughput --results" in text


def test_open_cases(results):
    text = run_bench("open_cases", results, "--count", "5", "--samples", "3")
    assert "<!-- bench:open_cases -->" in text
    assert "| Peak RSS per open case, net of baseline |" in text
    assert "p95" in text


POSTGRES_RUN = TEST_DATABASE_URL.startswith("postgresql")
KIND = backend_label("postgresql" if POSTGRES_RUN else "sqlite")


def backends() -> list[str]:
    """The run's kind of database: SQLite, or PostgreSQL in the PostgreSQL run."""
    if POSTGRES_RUN:
        return ["--backend", "postgresql", "--postgres-url", TEST_DATABASE_URL]
    return ["--backend", "sqlite"]


@pytest.mark.database
def test_mail_throughput(results):
    text = run_bench(
        "mail_throughput", results, "--count", "10", "--warm-up", "2", "--concurrency", "1", "2", *backends()
    )
    assert "<!-- bench:mail_throughput -->" in text
    for path in ("one mail per activity", "a case's 8 mails per activity"):
        assert f"| {KIND}, {path}, concurrency 2: bare / product |" in text


@pytest.mark.database
def test_report_aggregation(results):
    text = run_bench("report_aggregation", results, "--count", "200", "--repeat", "1", *backends())
    assert "<!-- bench:report_aggregation -->" in text
    assert f"{KIND}: report for" in text


def test_each_run_replaces_only_its_own_section(results):
    results.write_text("# Benchmark results\n\nKept by hand.\n")
    write_section(results, "one", "## One\n\nfirst\n")
    write_section(results, "two", "## Two\n\nsecond\n")
    write_section(results, "one", "## One\n\nagain\n")
    text = results.read_text()
    assert "Kept by hand." in text
    assert "again" in text and "first" not in text
    assert "second" in text
    assert text.index("## One") < text.index("## Two")


@pytest.mark.database
def test_page_latency(results):
    text = run_bench(
        "page_latency", results, "--count", "5", "--samples", "2", "--lag-samples", "2", *backends(), timeout=240
    )
    assert "<!-- bench:page_latency -->" in text
    assert f"| {KIND}: lists complete | dashboard 7, case list 7, API X-Total-Count 7" in text
    assert "read model lag after a step's answer" in text


@pytest.mark.database
def test_mass_departure(results):
    text = run_bench(
        "mass_departure", results, "--count", "2", "--paths", "import", "--workers", "1", *backends(), timeout=180
    )
    assert "<!-- bench:mass_departure -->" in text
    assert "| Skeleton: every case waiting |" in text
    assert "| Skeleton: CPU per case of Temporal |" in text
    assert f"| {KIND}, import, 1 worker: mails expected / received / missing / duplicated | 24 / 24 / 0 / 0 |" in text
    assert f"| {KIND}, import, 1 worker: activity attempts failed (and retried) | 0 | 0 |" in text
    assert f"| {KIND}, import, 1 worker: workflow tasks replayed from history (cache misses), workflows evicted" in text
    assert f"| {KIND}, import, 1 worker: worker CPU per case |" in text


def test_chaos(results):
    text = run_bench(
        "chaos", results, "--count", "4", "--kills", "1", "--every", "1", "1", "--backend", "sqlite", timeout=180
    )
    assert "<!-- bench:chaos -->" in text
    assert "| SQLite: mails expected / missing / duplicated | 40 / 0 /" in text
    assert "| SQLite: per kill, duplicates (SMTP conversations open) |" in text
