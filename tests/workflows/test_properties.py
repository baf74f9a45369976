"""Properties that hold for any input, checked by hypothesis on the product's own functions (no database):
the departure as HR registers it, and the report's small-group suppression, within a table and across breakdowns."""

import itertools
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from models.field_errors import locate
from models.registration import (
    MAX_DAYS_AFTER_NOTICE,
    NOTICE_WINDOW_DAYS,
    DepartureType,
    Registration,
)
from models.report import CountTable, ReportPolicy
from models.text import HIDDEN_CATEGORIES
from reports.aggregate import (
    NPS_BANDS,
    RATINGS,
    multi_table,
    partition_table,
    rating,
    recommend,
    shown_count,
)
from reports.linked import shown_groups
from reports.suppression import protect

# No example database: a failure prints the falsifying example, and the checkout stays clean.
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# The departure.

identifiers = st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True)
names = st.text(st.characters(categories=["L", "N"]) | st.sampled_from(" -'."), min_size=1, max_size=60).filter(
    lambda s: s.strip()
)
_part = st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True)
emails = st.builds(
    lambda local, more, domain, tld: f"{local}{'.' + more if more else ''}@{domain}.{tld}",
    _part,
    st.none() | _part,
    _part,
    st.sampled_from(["org", "nl", "be", "com"]),
)
languages = st.sampled_from(["nl", "en"])
notice_dates = st.dates(
    min_value=date.today() - timedelta(days=NOTICE_WINDOW_DAYS),
    max_value=date.today() + timedelta(days=NOTICE_WINDOW_DAYS),
)
# Free text as people type it: any visible character, line breaks and the two joiners.
notes = st.text(
    st.characters(exclude_categories=sorted(HIDDEN_CATEGORIES)) | st.sampled_from("\n\t\u200c\u200d"), max_size=200
)
# Characters that change how a text reads without showing: bidirectional controls, zero-width and other format characters.
hidden = st.sampled_from(
    [
        chr(c)
        for c in (
            *range(0x202A, 0x202F),
            *range(0x2066, 0x206A),
            0x200B,
            0x200E,
            0x200F,
            0x061C,
            0x2060,
            0xFEFF,
            0x00AD,
            0xE0041,
        )
    ]
)


@st.composite
def registrations(draw) -> dict[str, Any]:
    """A registration that every rule allows, as the API receives it (JSON-like)."""
    notice = draw(notice_dates)
    last_day = notice + timedelta(days=draw(st.integers(0, MAX_DAYS_AFTER_NOTICE)))
    work_email = draw(emails)
    manager_email = draw(emails.filter(lambda e: e != work_email))
    announce = draw(st.none() | st.dates(min_value=notice, max_value=last_day + timedelta(days=30)))
    data: dict[str, Any] = {
        "employee": {
            "id": draw(identifiers),
            "name": draw(names),
            "work_email": work_email,
            "private_email": draw(st.none() | emails),
            "language": draw(languages),
            "department": draw(names),
            "job_title": draw(names),
            "start_date": draw(
                st.none() | st.dates(min_value=date(1970, 1, 1), max_value=last_day).map(date.isoformat)
            ),
        },
        "departure": {
            "type": draw(st.sampled_from([t.value for t in DepartureType])),
            "notice_date": notice.isoformat(),
            "last_working_day": last_day.isoformat(),
        },
        "manager": {"name": draw(names), "email": manager_email, "language": draw(languages)},
        "equipment": draw(
            st.lists(st.fixed_dictionaries({"name": names}, optional={"custodian_email": emails}), max_size=4)
        ),
        "extra_tasks": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"title": names},
                    optional={"assignee_email": emails, "due_days_before_last_day": st.integers(-30, 365)},
                ),
                max_size=4,
            )
        ),
        "note": draw(notes),
    }
    if draw(st.booleans()):
        data["successor"] = {"name": draw(names), "email": draw(emails), "language": draw(languages)}
    if announce is not None:
        data["team_announcement_date"] = announce.isoformat()
        data["team_email"] = draw(emails)
    return data


@PROPERTY_SETTINGS
@given(registrations())
def test_every_valid_registration_validates_round_trips_and_keeps_its_case_id(data):
    registration = Registration.model_validate(data)
    again = Registration.model_validate_json(registration.model_dump_json())

    assert again == registration
    assert (
        again.case_id
        == registration.case_id
        == f"offboarding-{data['employee']['id']}-{data['departure']['notice_date']}"
    )


def _set(data: dict, path: tuple, value: Any) -> dict:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _day(data: dict, path: tuple[str, str]) -> date:
    return date.fromisoformat(data[path[0]][path[1]])


# Each rule, how to break it on a valid registration, and the field the refusal must name.
BREAKS = {
    "last day before the notice": (
        lambda data, draw: _set(
            data,
            ("departure", "last_working_day"),
            (_day(data, ("departure", "notice_date")) - timedelta(days=draw(st.integers(1, 400)))).isoformat(),
        ),
        ("departure", "last_working_day"),
    ),
    "last day too long after the notice": (
        lambda data, draw: _set(
            data,
            ("departure", "last_working_day"),
            (
                _day(data, ("departure", "notice_date"))
                + timedelta(days=MAX_DAYS_AFTER_NOTICE + draw(st.integers(1, 3000)))
            ).isoformat(),
        ),
        ("departure", "last_working_day"),
    ),
    "bad work e-mail": (
        lambda data, draw: _set(
            data,
            ("employee", "work_email"),
            draw(st.sampled_from(["anouk", "anouk@", "@example.org", "a b@example.org", "a@@example.org"])),
        ),
        ("employee", "work_email"),
    ),
    "bad manager e-mail": (
        lambda data, draw: _set(
            data, ("manager", "email"), draw(st.sampled_from(["bram", "bram@", "bram at example.org"]))
        ),
        ("manager", "email"),
    ),
    "unknown departure type": (
        lambda data, draw: _set(
            data,
            ("departure", "type"),
            draw(st.text(min_size=1, max_size=20).filter(lambda t: t not in {d.value for d in DepartureType})),
        ),
        ("departure", "type"),
    ),
    "unknown language": (
        lambda data, draw: _set(data, ("employee", "language"), draw(st.sampled_from(["de", "fr", "NL", "", "dutch"]))),
        ("employee", "language"),
    ),
    "employee id with other characters": (
        lambda data, draw: _set(data, ("employee", "id"), draw(st.sampled_from(["E 1", "E/1", "ë1", "E1;"]))),
        ("employee", "id"),
    ),
    "blank name": (
        lambda data, draw: _set(data, ("employee", "name"), draw(st.sampled_from(["", "   ", "\t"]))),
        ("employee", "name"),
    ),
    "name too long": (
        lambda data, draw: _set(data, ("employee", "name"), "x" * draw(st.integers(201, 1000))),
        ("employee", "name"),
    ),
    "manager is the employee": (
        lambda data, draw: _set(data, ("manager", "email"), data["employee"]["work_email"]),
        ("manager", "email"),
    ),
    "manager is the employee in capitals": (
        lambda data, draw: _set(data, ("manager", "email"), data["employee"]["work_email"].upper()),
        ("manager", "email"),
    ),
    "notice date far from today": (
        lambda data, draw: _set(
            data,
            ("departure", "notice_date"),
            (
                date.today()
                + draw(st.sampled_from([-1, 1])) * timedelta(days=NOTICE_WINDOW_DAYS + draw(st.integers(1, 700_000)))
            ).isoformat(),
        ),
        ("departure", "notice_date"),
    ),
    "team announcement long after the last day": (
        lambda data, draw: {
            **data,
            "team_email": "team@example.org",
            "team_announcement_date": (
                _day(data, ("departure", "last_working_day")) + timedelta(days=draw(st.integers(31, 2000)))
            ).isoformat(),
        },
        ("team_announcement_date",),
    ),
    "invisible character in a name": (
        lambda data, draw: _set(data, ("employee", "name"), "Anouk" + draw(hidden) + "de Vries"),
        ("employee", "name"),
    ),
    "invisible character in the department": (
        lambda data, draw: _set(data, ("employee", "department"), draw(hidden) + "Finance"),
        ("employee", "department"),
    ),
    "invisible character in the note": (lambda data, draw: {**data, "note": "Reden" + draw(hidden)}, ("note",)),
    "started after the last day": (
        lambda data, draw: _set(
            data,
            ("employee", "start_date"),
            (_day(data, ("departure", "last_working_day")) + timedelta(days=draw(st.integers(1, 400)))).isoformat(),
        ),
        ("employee", "start_date"),
    ),
    "announcement date without team address": (
        lambda data, draw: {
            **{k: v for k, v in data.items() if k != "team_email"},
            "team_announcement_date": data["departure"]["notice_date"],
        },
        ("team_email",),
    ),
    "unknown field": (lambda data, draw: {**data, "salary": draw(st.integers())}, ("salary",)),
}


@PROPERTY_SETTINGS
@given(registrations(), st.sampled_from(sorted(BREAKS)), st.data())
def test_a_registration_breaking_a_rule_is_refused_naming_the_field(data, rule, drawing):
    break_it, field = BREAKS[rule]
    broken = break_it(data, drawing.draw)

    with pytest.raises(ValidationError) as refused:
        Registration.model_validate(broken)

    located = {tuple(locate(error)["loc"]) for error in refused.value.errors()}
    assert field in located, (rule, refused.value.errors())


# The report's suppression rule.

ks = st.integers(min_value=3, max_value=10)
# Small data sets: a handful of groups, each from nobody to a few more than k people.
group_counts = st.dictionaries(
    st.sampled_from(["finance", "sales", "it", "hr", "legal", "ops"]), st.integers(0, 14), min_size=1, max_size=6
)


def assert_safe(table: CountTable, counts: dict[str, int], k: int, hide: list[str] = ()) -> None:
    """What a reader sees rests on at least k people, no hidden cell is named, and none follows from the shown figures."""
    listed = {cell.key: cell.count for cell in table.cells}
    assert all(value is not None for value in listed.values()), "a hidden cell is listed by name"
    assert all(value == counts[key] for key, value in listed.items()), "a shown figure differs from the data"
    assert all(value == 0 or value >= k for value in listed.values()), (
        f"a shown figure rests on fewer than {k}: {listed}"
    )
    if table.total is None:
        assert not listed and table.other is None
        return
    assert table.total == 0 or table.total >= k
    unlisted = {key: value for key, value in counts.items() if key not in listed and value}
    assert (table.other or 0) == table.total - sum(listed.values()) == sum(unlisted.values())
    if unlisted:
        # The hidden cells together are no small group, and with one left out, neither are the zeros named.
        assert table.other >= k and 0 not in listed.values(), (counts, k, listed)
        # A cell hidden because it is small, or for another figure, is never the only one (a zero one counts: unlisted, it reads the same).
        if any(value < k or key in hide for key, value in unlisted.items()):
            assert len(set(unlisted) | set(hide)) >= 2, (counts, k, listed)


@PROPERTY_SETTINGS
@given(group_counts, ks)
def test_a_partition_shows_no_small_group_and_none_by_subtraction(counts, k):
    assert_safe(partition_table(counts, sum(counts.values()), k), counts, k)


@PROPERTY_SETTINGS
@given(group_counts, ks, st.data())
def test_a_cell_hidden_for_another_figure_stays_underivable(counts, k, drawing):
    hide = drawing.draw(st.lists(st.sampled_from(sorted(counts)), max_size=2))
    table = partition_table(counts, sum(counts.values()), k, hide=hide)
    assert_safe(table, counts, k, hide)
    if table.total is not None:
        assert all(shown_count(table, key) is None for key in hide if counts[key])


@PROPERTY_SETTINGS
@given(group_counts, st.integers(0, 20), ks)
def test_answers_several_per_person_show_no_small_count(counts, respondents, k):
    assume(all(value <= respondents for value in counts.values()))
    table = multi_table(counts, respondents, k)
    assert table.total is None or table.total == 0 or table.total >= k
    assert all(cell.count is None or cell.count == 0 or cell.count >= k for cell in table.cells)


@PROPERTY_SETTINGS
@given(st.lists(st.sampled_from(list(RATINGS)), max_size=30), ks)
def test_a_rating_shows_its_mean_and_distribution_only_on_enough_people(answers, k):
    distribution = {value: answers.count(value) for value in RATINGS if value in answers}
    mean = (sum(answers) / len(answers), len(answers)) if answers else None
    figures = rating("work_content", distribution, mean, k)
    counts = [cell.count for cell in figures.distribution]

    if len(answers) < k:
        assert figures.respondents is None and figures.mean is None and all(c is None for c in counts)
    # Beside a mean, a partial distribution could be solved: all of it or nothing.
    assert all(c is None for c in counts) or all(c is not None for c in counts)
    assert all(c is None or c == 0 or c >= k for c in counts)


@PROPERTY_SETTINGS
@given(st.lists(st.integers(0, 10), max_size=30), ks)
def test_the_recommend_score_shows_no_small_band(scores, k):
    bands = {
        "promoters": sum(s >= 9 for s in scores),
        "passives": sum(7 <= s <= 8 for s in scores),
        "detractors": sum(s <= 6 for s in scores),
    }
    figures = recommend(bands, (sum(scores) / len(scores), len(scores)) if scores else None, k)
    shown = [getattr(figures, band) for band in NPS_BANDS]

    if len(scores) < k:
        assert figures.respondents is None and figures.mean is None
    assert all(c is None for c in shown) or all(c is not None for c in shown)
    assert all(c is None or c == 0 or c >= k for c in shown)
    assert figures.nps is None or all(c is not None for c in shown)


@PROPERTY_SETTINGS
@given(group_counts, ks)
def test_protect_returns_a_total_only_with_a_safe_partition(counts, k):
    shown, total = protect(counts, sum(counts.values()), k)
    if total is None:
        assert set(shown.values()) == {None}
        return
    hidden = [key for key, value in shown.items() if value is None]
    assert all(
        shown[key] == counts[key] and (counts[key] == 0 or counts[key] >= k) for key in shown if key not in hidden
    )
    assert not hidden or (len(hidden) >= 2 and sum(counts[key] for key in hidden) >= k)


# Breakdowns suppressed together: an independent check, by brute force, that no combination of the groups shown
# (and the total) isolates a set of cells holding fewer than k people.
def _rank(vectors: list[tuple[int, ...]]) -> int:
    rows, rank = [[Fraction(v) for v in vector] for vector in vectors], 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][column]:
                factor = rows[i][column] / rows[rank][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=False)]
        rank += 1
    return rank


def isolated_small_set(cells: dict[tuple, int], shown: list[set[str]], k: int) -> tuple | None:
    merged: dict[tuple, int] = {}
    for cell, size in cells.items():
        key = tuple(group if group in shown[d] else None for d, group in enumerate(cell))
        merged[key] = merged.get(key, 0) + size
    groups = sorted({(d, group) for cell in merged for d, group in enumerate(cell)}, key=str)
    vector = {cell: tuple(int(cell[d] == group) for d, group in groups) for cell in merged}
    full = _rank(list(vector.values()))
    small = [cell for cell, size in merged.items() if size < k]
    for size in range(1, len(small) + 1):
        for chosen in itertools.combinations(small, size):
            if sum(merged[c] for c in chosen) < k and _rank([vector[c] for c in merged if c not in chosen]) < full:
                return chosen
    return None


respondents = st.lists(
    st.tuples(
        st.sampled_from(["finance", "sales", "it"]),
        st.sampled_from(["woman", "man", "not_given"]),
        st.sampled_from(["<25", "25-34", "35-44"]),
    ),
    max_size=24,
)


@PROPERTY_SETTINGS
@given(respondents, ks)
def test_breakdowns_together_isolate_no_group_of_fewer_than_k(people, k):
    cells: dict[tuple, int] = {}
    for person in people:
        cells[person] = cells.get(person, 0) + 1
    shown = shown_groups(cells, 3, k)
    if len(people) < k:
        # Then neither the total nor any group shows.
        assert shown == [set(), set(), set()]
        return
    for d in range(3):
        sizes = {group: sum(n for cell, n in cells.items() if cell[d] == group) for group in shown[d]}
        assert all(size >= k for size in sizes.values())
    assert isolated_small_set(cells, shown, k) is None, (cells, shown)


@PROPERTY_SETTINGS
@given(st.integers(-100, 2))
def test_the_minimum_group_size_is_never_below_three(k):
    with pytest.raises(ValidationError) as refused:
        ReportPolicy(report_min_group_size=k)
    assert refused.value.errors()[0]["loc"] == ("report_min_group_size",)


# The trends page: built from the stored figures alone.
def _numbers(figures: Any) -> set[float]:
    """Every number a stored report holds, wherever it holds it."""
    if isinstance(figures, dict):
        return set().union(*(_numbers(value) for value in figures.values())) if figures else set()
    if isinstance(figures, list):
        return set().union(*(_numbers(value) for value in figures)) if figures else set()
    if isinstance(figures, bool) or not isinstance(figures, int | float):
        return set()
    return {figures}


def _names(figures: dict) -> set[str]:
    tables = [figures["departures_by_type"], figures["departures_by_department"], figures["primary_reasons"]]
    tables += [group["reasons"] for b in figures.get("reasons_by_group", []) for group in b["groups"]]
    named = {cell["key"] for table in tables for cell in table["cells"]}
    return named | {group["key"] for b in figures["breakdowns"] for group in b["groups"]}


@st.composite
def stored_reports(draw) -> tuple[list[dict], int]:
    """A few periods' figures as the compiler stores them: the counts drawn, then suppressed by the product's tables."""
    k = draw(ks)
    counts = st.dictionaries(st.sampled_from(["Finance", "Legal", "Sales", "=HR"]), st.integers(0, 12), min_size=1)
    reasons = st.dictionaries(st.sampled_from(["workload", "manager", "pay_and_benefits"]), st.integers(0, 9))
    bands = st.dictionaries(st.sampled_from(["<25", "25-34", "55+"]), st.integers(1, 9), min_size=1)
    stored = []
    for number in range(draw(st.integers(1, 4))):
        departments, given, sizes = draw(counts), draw(reasons), draw(bands)
        total = sum(departments.values())
        shown = shown_groups({(band,): size for band, size in sizes.items()}, 1, k)[0]
        by_band = []
        for band in sorted(shown):
            mine = draw(reasons) | {"no_reason": draw(st.integers(0, 3))}
            if sum(mine.values()) >= k:
                by_band.append({"key": band, "reasons": partition_table(mine, sum(mine.values()), k).model_dump()})
        stored.append(
            {
                "label": f"2030-Q{number + 1}",
                "departures_by_type": partition_table({"resignation": total}, total, k).model_dump(),
                "departures_by_department": partition_table(departments, total, k).model_dump(),
                "response_rate": None,
                "respondents": sum(sizes.values()) if sum(sizes.values()) >= k else None,
                "primary_reasons": partition_table(given, sum(given.values()), k).model_dump(),
                "ratings": [{"metric": "work_content", "mean": draw(st.sampled_from([None, 3.5]))}],
                "belonging": [],
                "recommend": {"mean": None, "nps": None},
                "breakdowns": [
                    {
                        "dimension": "age_band",
                        "groups": [
                            {"key": band, "respondents": sizes[band], "means": {"work_content": 2.5 + len(band)}}
                            for band in sorted(shown)
                        ],
                    }
                ],
                "reasons_by_group": [{"dimension": "age_band", "groups": by_band}],
                "cross_breakdowns": [
                    {
                        "department": department,
                        "dimension": "age_band",
                        "groups": [
                            {"key": band, "respondents": k + 1, "means": {"work_content": 1.5 + len(band)}}
                            for band in sorted(shown)
                            if draw(st.booleans())
                        ],
                    }
                    for department in sorted(departments)
                    if departments[department] >= k
                ],
            }
        )
    return stored, k


@PROPERTY_SETTINGS
@given(stored_reports())
def test_the_trends_show_only_what_each_periods_report_showed(drawn):
    from reports import trends

    stored, k = drawn
    named = set().union(*(_names(figures) for figures in stored))
    choices = trends.choices(stored)
    departments = [c for c in choices if c.dimension == "department"]
    targets = [c for c in choices if c.dimension != "department"]
    asked = [(None, None), *((c, None) for c in choices), *((t, d) for t in targets for d in departments)]
    for chosen, within in asked:
        view = trends.build(stored, chosen, within)
        assert {c.key for c in view.choices} <= named, "the trends name a group no report named"
        for row in view.rows:
            assert row.label_kind not in ("department", "reason", "departure_type") or row.key in named
            for figures, value in zip(stored, row.values, strict=True):
                if value is None or value == 0 and row.kind in ("count", "rate"):
                    continue
                assert value in _numbers(figures), (row, figures)
        for row in view.rows:
            if row.label_kind == "department":
                for figures, value in zip(stored, row.values, strict=True):
                    table = figures["departures_by_department"]
                    listed = {cell["key"] for cell in table["cells"]}
                    # A department its report did not list reads as none only where that report hid nobody.
                    if row.key not in listed and value is not None:
                        assert value == 0 and table["total"] is not None and table["other"] is None
