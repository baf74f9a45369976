"""The notice-period check at registration, rule by rule, with the articles it follows. A warning, never a refusal."""

from datetime import date

import pytest

from models.registration import Registration
from planning import notice_be, notice_nl
from planning.months import add_months, end_of_month, full_months_between
from planning.notice import check
from tests.support import registration_data


def registration(departure_type: str, notice: date, last_day: date, start: date | None) -> Registration:
    data = registration_data(departure_type=departure_type, notice_date=notice, last_working_day=last_day)
    data["employee"]["start_date"] = start.isoformat() if start else None
    return Registration.model_validate(data)


def codes(
    departure_type: str, notice: date, last_day: date, start: date | None = date(2019, 3, 1), country: str = "NL"
) -> list[str]:
    return [warning.code for warning in check(registration(departure_type, notice, last_day, start), country)]


def test_months_are_counted_as_calendar_months():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)
    assert end_of_month(date(2028, 2, 3)) == date(2028, 2, 29)
    assert full_months_between(date(2017, 3, 1), date(2027, 2, 28)) == 119
    assert full_months_between(date(2017, 3, 1), date(2027, 3, 1)) == 120


@pytest.mark.parametrize(
    ("years", "months"),
    [(0, 1), (4, 1), (5, 2), (9, 2), (10, 3), (14, 3), (15, 4), (40, 4)],
)
def test_the_employers_period_grows_with_the_length_of_service(years, months):
    """Art. 7:672 lid 2 BW: under 5 years one month, 5-10 two, 10-15 three, 15 or more four."""
    assert notice_nl.employer_months(years) == months


def test_an_employee_in_the_netherlands_gives_one_month_against_the_end_of_the_month():
    """Art. 7:672 lid 3 BW (one month) and lid 1 (against the end of the month)."""
    notice = date(2027, 1, 15)
    assert codes("resignation", notice, date(2027, 2, 26)) == [], "Friday 26 February: the month's last working day"
    assert codes("resignation", notice, date(2027, 2, 12)) == ["notice_nl_employee"], (
        "before 15 February: short of one month"
    )
    assert codes("resignation", notice, date(2027, 2, 15)) == ["notice_nl_end_of_month"], (
        "one month served, but not to the month's end"
    )
    [warning] = check(registration("resignation", notice, date(2027, 2, 12), None), "NL")
    assert warning.params == {"last_day": "2027-02-12", "notice_date": "2027-01-15", "period_end": "2027-02-15"}
    assert "art. 7:672 lid 3 BW" in warning.message


def test_the_employers_period_depends_on_the_years_served_when_notice_is_given():
    """Art. 7:672 lid 2 BW, counted on the day of notice: 9 years and 11 months is still under ten."""
    start, notice = date(2017, 2, 1), date(2027, 1, 15)
    assert codes("dismissal", notice, date(2027, 3, 31), start) == [], "two months, to the end of March"
    [warning] = check(registration("dismissal", notice, date(2027, 3, 12), start), "NL")
    assert warning.code == "notice_nl_employer" and warning.params["months"] == "2" and warning.params["years"] == "9"
    assert codes("dismissal", notice, date(2027, 3, 31), date(2012, 1, 1)) == ["notice_nl_employer"], (
        "15 years: four months"
    )
    assert codes("dismissal", notice, date(2027, 2, 26), None) == [], (
        "no start date: only the one month every employer owes"
    )
    assert codes("dismissal", notice, date(2027, 2, 5), None) == ["notice_nl_employer_minimum"]


def test_a_period_ending_on_a_weekend_or_holiday_is_served_by_the_working_day_before():
    # One month from 30 April 2027 ends on Sunday 30 May... then the month ends on Monday 31 May.
    assert codes("resignation", date(2027, 4, 30), date(2027, 5, 28)) == ["notice_nl_end_of_month"]
    # 31 July 2027 is a Saturday: Friday 30 July is the last working day of the month.
    assert codes("resignation", date(2027, 6, 20), date(2027, 7, 30)) == []


@pytest.mark.parametrize("departure_type", ["end_of_contract", "retirement", "mutual_agreement"])
def test_departures_without_notice_are_not_checked(departure_type):
    """Art. 7:667 BW: a fixed-term contract ends by law; retirement and a mutual agreement end by agreement."""
    assert codes(departure_type, date(2027, 1, 15), date(2027, 1, 20)) == []


@pytest.mark.parametrize(
    ("seniority_months", "weeks"),
    [
        (0, 1),
        (2, 1),
        (3, 2),
        (6, 3),
        (12, 4),
        (18, 5),
        (24, 6),
        (47, 6),
        (48, 7),
        (60, 9),
        (72, 10),
        (84, 12),
        (95, 12),
        (96, 13),
        (300, 13),
    ],
)
def test_a_belgian_resignation_follows_the_weeks_of_the_unified_statute(seniority_months, weeks):
    """Arbeidsovereenkomstenwet art. 37/2 § 2, as the Wet Eenheidsstatuut (26 December 2013) wrote it."""
    assert notice_be.employee_weeks(seniority_months) == weeks


def test_a_belgian_notice_starts_on_the_monday_after_the_week_it_was_given():
    assert notice_be.notice_start(date(2027, 1, 13)) == date(2027, 1, 18), "a Wednesday: the next Monday"
    assert notice_be.notice_start(date(2027, 1, 18)) == date(2027, 1, 25), "a Monday: the Monday after its week"


def test_a_belgian_resignation_too_short_for_its_seniority_is_warned_about():
    # Started 1 March 2019: 7 years and 10 months on Monday 18 January 2027, so 12 weeks, until Sunday 11 April.
    notice, start = date(2027, 1, 13), date(2019, 3, 1)
    assert codes("resignation", notice, date(2027, 4, 9), start, country="BE") == [], (
        "Friday 9 April: the period's last working day"
    )
    [warning] = check(registration("resignation", notice, date(2027, 4, 2), start), "BE")
    assert warning.code == "notice_be_employee"
    assert warning.params == {
        "last_day": "2027-04-02",
        "weeks": "12",
        "seniority_months": "94",
        "start": "2027-01-18",
        "period_end": "2027-04-11",
    }
    assert "art. 37/2 § 2" in warning.message


def test_belgium_warns_only_where_the_rule_is_unambiguous():
    notice, too_soon = date(2027, 1, 13), date(2027, 1, 15)
    assert codes("resignation", notice, too_soon, date(2013, 6, 1), country="BE") == [], (
        "began before 2014: notice in two parts"
    )
    assert codes("resignation", notice, too_soon, None, country="BE") == [], "seniority not known"
    assert codes("dismissal", notice, too_soon, date(2020, 1, 1), country="BE") == [], (
        "an employer may pay in lieu of notice"
    )
    assert codes("resignation", notice, too_soon, date(2020, 1, 1), country="BE") == ["notice_be_employee"]


def test_every_warning_reads_in_dutch_with_the_same_placeholders():
    import re

    from models.notice import MESSAGES
    from web import i18n

    placeholder = re.compile(r"%\((\w+)\)s")
    dutch = i18n.translations("nl").gettext
    for code, sentence in MESSAGES.items():
        assert dutch(sentence) != sentence, f"{code}: no Dutch sentence in i18n/locale/nl"
        assert set(placeholder.findall(dutch(sentence))) == set(placeholder.findall(sentence)), code


# At registration: the API answers the warnings, the form shows them on the case page it leads to, the CLI prints
# them; the case starts all the same.


async def test_the_api_answers_the_warning_and_registers_all_the_same(http, worker):
    short = await http.post(
        "/api/cases", json=registration_data(notice_date=date(2027, 1, 4), last_working_day=date(2027, 1, 29))
    )
    assert short.status_code == 201, short.text
    [warning] = short.json()["warnings"]
    assert warning["code"] == "notice_nl_employee" and warning["params"]["period_end"] == "2027-02-04"
    assert "art. 7:672 lid 3 BW" in warning["message"]
    assert (await http.get(short.json()["status_url"])).status_code == 200

    served = await http.post(
        "/api/cases", json=registration_data(notice_date=date(2027, 1, 4), last_working_day=date(2027, 2, 26))
    )
    assert served.status_code == 201 and served.json()["warnings"] == []


async def test_the_form_leads_to_the_case_page_with_the_warning_in_the_readers_language(http, worker, sessions):
    from tests.support import unique
    from tests.support.auth import form_data, signed_in_as

    await signed_in_as(http, sessions, ["hr"], language="nl")
    page = await http.get("/cases/new")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = await http.post("/cases/new", data={**form_data(unique()), "csrf_token": token})
    assert response.status_code == 303

    shown = (await http.get(response.headers["location"])).text
    assert "Controleer de opzegtermijn" in shown and "2027-02-04 (art. 7:672 lid 3 BW)" in shown
    forged = response.headers["location"].rsplit("warnings=", 1)[0] + "warnings=eyJmb3JnZWQiOiB0cnVlfQ.abc"
    assert "Controleer de opzegtermijn" not in (await http.get(forged)).text


async def test_the_cli_prints_the_warning_and_exits_0(worker, cli_env):
    from tests.support.cli import offboarding_in_thread, registration_flags

    result = await offboarding_in_thread(["register", *registration_flags()], cli_env)

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "warning: The last working day (2027-01-29) comes before the end of the employee's statutory notice period: one month from "
        "the notice on 2027-01-04, until 2027-02-04 (art. 7:672 lid 3 BW). Check whether remaining leave or an agreement explains it."
    ]
