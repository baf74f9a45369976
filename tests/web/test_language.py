"""The language a reader chose holds: for the next click and the next form, signed in or not, and every message
on a page is in it (checks across fields, a page not found, the accounts form). English pages write dates and
times the British way (en_GB), as people in the Netherlands and Belgium read English."""

import re

from sqlalchemy import select

from accounts import tokens as api_tokens
from models.tables import Account
from privacy.audit import Auditor
from tests.support import registration_data, unique
from tests.support.auth import csrf_token, make_account, sign_in

ENGLISH_LEFTOVERS = (
    "Value error",
    "String should",
    "value is not a valid",
    "must not be the leaving",
    "There is no case",
    "Field required",
)


def page_language(html: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', html).group(1)


async def test_a_language_chosen_before_signing_in_holds_for_the_next_page_and_form(http):
    chosen = await http.get("/login", params={"lang": "en"})
    assert page_language(chosen.text) == "en"
    assert "offboarding_lang=en" in chosen.headers["set-cookie"]

    next_page = await http.get("/login")
    refused = await http.post(
        "/login",
        data={"email": "nobody@example.org", "password": "wrong-password", "csrf_token": csrf_token(next_page.text)},
    )

    assert page_language(next_page.text) == "en"
    assert refused.status_code == 401
    assert page_language(refused.text) == "en"

    back = await http.get("/login", params={"lang": "nl"})
    assert page_language(back.text) == "nl"
    assert page_language((await http.get("/login")).text) == "nl"


async def test_a_language_chosen_while_signed_in_beats_the_accounts_own_and_every_message_is_in_it(http, sessions):
    email = await make_account(sessions, f"{unique('hr-')}@example.org", ["hr"], language="en")
    await sign_in(http, email)

    dutch = await http.get("/cases/new", params={"lang": "nl"})
    assert page_language(dutch.text) == "nl"
    form = {"csrf_token": csrf_token(dutch.text)}
    data = registration_data()
    for group in ("employee", "departure", "manager"):
        form.update({f"{group}.{key}": value for key, value in data[group].items()})
    form["manager.email"] = form["employee.work_email"]  # a check across fields
    answered = await http.post("/cases/new", data=form)

    assert answered.status_code == 422
    assert page_language(answered.text) == "nl"
    assert (
        "Het adres van de leidinggevende mag niet het eigen adres van de vertrekkende medewerker zijn." in answered.text
    )
    for english in ENGLISH_LEFTOVERS:
        assert english not in answered.text

    missing = await http.get("/cases/offboarding-nobody-2027-01-04")
    assert missing.status_code == 404
    assert page_language(missing.text) == "nl"
    assert "Niet gevonden" in missing.text or "niets" in missing.text
    assert "There is no case" not in missing.text and "Not Found" not in missing.text


async def test_the_accounts_form_names_each_problem_in_the_page_language(http, sessions):
    admin = await make_account(sessions, f"{unique('admin-')}@example.org", ["admin"], language="nl")
    await sign_in(http, admin)
    page = await http.get("/admin/accounts")

    answered = await http.post(
        "/admin/accounts",
        data={
            "csrf_token": csrf_token(page.text),
            "email": "not-an-address",
            "name": "",
            "language": "nl",
            "password": "short",
        },
    )

    assert answered.status_code == 422
    assert page_language(answered.text) == "nl"
    summary = re.search(r'id="error-summary">(.*?)</div>', answered.text, re.S).group(1)
    assert "E-mailadres" in summary or "e-mailadres" in summary
    assert "Vul een e-mailadres in zoals naam@example.org." in summary or "naam@example.org" in summary
    assert "Gebruik minstens 10 tekens." in summary
    for english in ENGLISH_LEFTOVERS:
        assert english not in summary


async def test_english_pages_write_dates_and_times_the_british_way(http, sessions):
    admin = await make_account(sessions, f"{unique('admin-')}@example.org", ["admin"], language="en")
    async with sessions() as session:
        account = (await session.execute(select(Account).where(Account.email == admin))).scalar_one()
        await api_tokens.issue(
            session,
            account,
            "british dates",
            expires_in_days=30,
            made_by=Auditor(account.email, frozenset(account.roles)),
        )
        await session.commit()
    await sign_in(http, admin)

    page = await http.get("/admin/tokens")

    assert page_language(page.text) == "en"
    assert re.search(r"\b\d{2}/\d{2}/\d{4}, \d{2}:\d{2}\b", page.text), "no day/month/year, 24-hour time on the page"
    assert not re.search(r"\b\d{1,2}:\d{2}\s?[AP]M\b", page.text)
