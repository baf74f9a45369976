"""The HR pages: registering through the form, its error messages, the case page and the dashboard."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest

from tests.support import eventually, unique
from tests.support.auth import form_data, signed_in_as


@pytest.fixture
async def http(http, sessions):
    """These pages are HR's: each test browses them signed in as an English-speaking HR account."""
    await signed_in_as(http, sessions, ["hr"])
    return http


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """The parts of a page a person (or a screen reader) relates: form controls and the text of elements by id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.controls: dict[str, dict[str, str]] = {}
        self.texts: dict[str, str] = {}
        self._open_ids: list[str | None] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag in ("input", "select", "textarea") and "name" in attrs:
            self.controls[attrs["name"]] = {**attrs, "value": attrs.get("value", "")}
        if tag == "select":
            self._select = attrs.get("name")
        if tag == "option" and self._select and "selected" in attrs:
            self.controls[self._select]["value"] = attrs["value"]
        if tag == "textarea":
            self._textarea = attrs.get("name")
        if tag not in VOID:
            self._open_ids.append(attrs.get("id"))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None
        if tag not in VOID and self._open_ids:
            self._open_ids.pop()

    def handle_data(self, data):
        for element_id in filter(None, self._open_ids):
            self.texts[element_id] = self.texts.get(element_id, "") + data
        if self._textarea:
            self.controls[self._textarea]["value"] += data

    def text(self, element_id: str) -> str:
        return " ".join(self.texts.get(element_id, "").split())

    def error_for(self, name: str) -> str:
        """The error message the field points at through aria-describedby, as assistive technology reads it."""
        control = self.controls[name]
        assert control.get("aria-invalid") == "true", f"{name} is not marked invalid"
        error_ids = [i for i in control.get("aria-describedby", "").split() if i.endswith("-error")]
        assert error_ids, f"{name} has no error message"
        return self.text(error_ids[0])


def _step_state(html: str, step: str) -> str | None:
    match = re.search(rf'<span class="step-name">{step}</span> <span class="step-state">([^<]+)</span>', html)
    return match.group(1) if match else None


async def test_the_form_registers_a_departure_and_leads_to_its_case(http, worker, mail_store):
    form = Page((await http.get("/cases/new")).text)
    assert {
        "employee.name",
        "manager.email",
        "successor.name",
        "equipment.0.name",
        "equipment.2.custodian_email",
        "team_announcement_date",
    } <= set(form.controls)
    employee_id = unique()

    response = await http.post("/cases/new", data=form_data(employee_id))

    case_id = f"offboarding-{employee_id}-2027-01-04"
    assert response.status_code == 303
    # The notice check's warnings (one month's notice ends after 29 January) ride along: tests/planning/test_notice_periods.py.
    assert response.headers["location"].startswith(f"http://offboarding.test/cases/{case_id}?notice=created&warnings=")

    page = await eventually(lambda: _page_when_announced(http, response.headers["location"]))
    assert "The departure is registered and the case has started." in page
    assert "<h1>Anouk de Vries</h1>" in page
    assert "Chris Peeters &lt;chris.peeters@example.org&gt;" in page
    assert re.search(
        r'<th scope="row" data-label="Task">Hand over the month-end closing file</th>\s*<td data-label="Owner">chris.peeters@example.org</td>',
        page,
    )
    assert re.search(r'<th scope="row" data-label="Item">Laptop <span class="muted">#NL-0412</span></th>', page)
    assert re.search(r'<th scope="row" data-label="Item">Badge</th>', page)

    facilities = await eventually(
        lambda: [m for m in mail_store.all() if m.purpose == "announcement" and m.to == "facilities@example.org"]
    )
    assert "Laptop (NL-0412), Badge" in facilities[0].text

    dashboard = (await http.get("/cases", params={"department": "Finance", "q": employee_id})).text
    assert f'href="http://offboarding.test/cases/{case_id}"' in dashboard
    assert "Anouk de Vries" in dashboard and "29 Jan 2027" in dashboard
    elsewhere = (await http.get("/cases", params={"department": "Legal", "q": employee_id})).text
    assert case_id not in elsewhere and "No cases match these filters." in elsewhere


async def _page_when_announced(http, url):
    response = await http.get(url)
    return (
        response.text if response.status_code == 200 and _step_state(response.text, "Announcement") == "Done" else None
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"departure.last_working_day": "2027-01-01"},
            "departure.last_working_day",
            "The last working day (2027-01-01) is before the notice date (2027-01-04).",
        ),
        ({"departure.type": "sabbatical"}, "departure.type", "Choose one of the options."),
        ({"manager.email": "bram.janssens"}, "manager.email", "Enter an email address like name@example.org."),
        ({"manager.name": "  "}, "manager.name", "Fill in this field."),
        (
            {"manager.email": "e77@example.org"},
            "manager.email",
            "The manager's address must not be the leaving employee's own address.",
        ),
        (
            {"team_announcement_date": "2027-01-20"},
            "team_email",
            "Give the team's email address when you choose a team announcement date.",
        ),
        ({"departure.notice_date": "04-01-2027"}, "departure.notice_date", "Enter a date as YYYY-MM-DD."),
        ({"employee.id": "E 77"}, "employee.id", "Use only letters, digits, dots, dashes and underscores."),
        ({"equipment.2.name": "x" * 201}, "equipment.2.name", "Use at most 200 characters."),
        ({"equipment.1.asset_tag": "NL-0413"}, "equipment.1.name", "Fill in this field."),
        (
            {"equipment.2.custodian_email": "fleet"},
            "equipment.2.custodian_email",
            "Enter an email address like name@example.org.",
        ),
        (
            {"manager.name": "Bram\u202eJanssens"},
            "manager.name",
            "Remove the invisible character U+202E RIGHT-TO-LEFT OVERRIDE: it can change how the text reads.",
        ),
        (
            {"equipment.2.name": "Badge\u2066"},
            "equipment.2.name",
            "Remove the invisible character U+2066 LEFT-TO-RIGHT ISOLATE: it can change how the text reads.",
        ),
        (
            {"manager.email": "E77@Example.org"},
            "manager.email",
            "The manager's address must not be the leaving employee's own address.",
        ),
        (
            {"departure.notice_date": "9999-06-01", "departure.last_working_day": "9999-12-31"},
            "departure.notice_date",
            f"The notice date must lie within two years of today ({date.today().isoformat()}).",
        ),
    ],
    ids=[
        "last-day-before-notice",
        "unknown-departure-type",
        "malformed-email",
        "missing-manager-name",
        "manager-is-employee",
        "team-date-without-address",
        "malformed-date",
        "bad-employee-number",
        "item-name-too-long",
        "item-without-a-name",
        "item-returned-to-a-malformed-address",
        "invisible-character-in-a-name",
        "invisible-character-in-an-item",
        "manager-is-employee-in-capitals",
        "notice-date-far-from-today",
    ],
)
async def test_form_errors_are_shown_next_to_their_field_with_the_entered_values(http, overrides, field, message):
    submitted = form_data("E77", **overrides)

    response = await http.post("/cases/new", data=submitted)

    assert response.status_code == 422
    page = Page(response.text)
    assert page.error_for(field) == f"Error: {message}"
    assert message in page.text("error-summary")
    assert page.controls["employee.name"]["value"] == "Anouk de Vries"
    assert page.controls["departure.type"]["value"] == submitted["departure.type"]
    if field != "manager.name":
        assert page.controls[field]["value"].strip() == submitted[field].strip()
    others = [name for name, control in page.controls.items() if control.get("aria-invalid") and name != field]
    assert others == []


async def test_registering_the_same_departure_again_leads_to_the_existing_case(http, worker):
    data = form_data(unique())
    first = await http.post("/cases/new", data=data)

    again = await http.post("/cases/new", data=data)

    assert again.status_code == 303
    assert (
        again.headers["location"]
        == first.headers["location"].replace("notice=created", "notice=duplicate").split("&warnings=")[0]
    )
    page = await http.get(again.headers["location"])
    assert page.status_code == 200
    assert "This departure was already registered. This is the existing case; nothing new was started." in page.text


async def test_an_unknown_case_shows_a_not_found_page(http):
    response = await http.get("/cases/offboarding-nobody-2027-01-04")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no case offboarding-nobody-2027-01-04." in response.text
