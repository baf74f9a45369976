"""Each role's pages, used as people use them: forms with their CSRF token, answered by a redirect to the page
with what changed, or by the page with the case's reason. In-process, against the time-skipping server."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models.tables import InterviewDraft, InterviewRecordRow
from tests.support import eventually
from tests.support.api import at_agreed_time, invited, register
from tests.support.auth import (
    another_client,
    csrf_token,
    forms_without_token,
    post_form,
    unique_email,
)
from tests.support.links import link_in
from tests.support.privacy import audit_entries

MANAGER = "bram.janssens@example.org"


async def test_a_manager_ticks_off_hands_over_and_adds_tasks(case, browser, sessions):
    manager = await browser(MANAGER, ["manager"], sessions)
    live = await case.live()
    mine = [t for t in live["tasks"] if t["assignee_email"] == MANAGER]
    assert len(mine) >= 2, live["tasks"]

    page = await manager.get("/my/tasks")
    assert page.status_code == 200
    assert mine[0]["title"] in page.text and "Departures in your team" in page.text
    done = await post_form(
        manager, "/my/tasks", f"/my/tasks/{case.id}/{mine[0]['id']}/complete", {"comment": "Overgedragen aan Sam"}
    )
    handed = await post_form(
        manager,
        "/my/tasks",
        f"/my/tasks/{case.id}/{mine[1]['id']}/reassign",
        {"assignee_email": "kim@example.org", "comment": "Kim neemt dit"},
    )
    due = (date.fromisoformat(live["last_working_day"]) - timedelta(days=3)).isoformat()
    added = await post_form(
        manager,
        f"/my/cases/{case.id}",
        f"/my/cases/{case.id}/tasks",
        {"title": "Klantenlijst delen", "assignee_email": "sam@example.org", "due_date": due, "back": "case"},
    )
    twice = await post_form(manager, "/my/tasks", f"/my/tasks/{case.id}/{mine[0]['id']}/complete", {})

    assert done.status_code == 303 and done.headers["location"].endswith("/my/tasks?done=completed")
    assert "The task is marked as done." in (await manager.get(done.headers["location"])).text
    assert (
        handed.status_code == 303
        and added.status_code == 303
        and added.headers["location"].endswith(f"/my/cases/{case.id}?done=added")
    )
    assert twice.status_code == 409 and "already done" in twice.text
    after = {t["id"]: t for t in (await case.live())["tasks"]}
    assert after[mine[0]["id"]]["state"] == "done" and after[mine[0]["id"]]["completed_by"] == MANAGER
    assert after[mine[0]["id"]]["comments"] == ["Overgedragen aan Sam"]
    assert after[mine[1]["id"]]["assignee_email"] == "kim@example.org"
    assert any(t["title"] == "Klantenlijst delen" for t in after.values())
    team = await manager.get(f"/my/cases/{case.id}")
    assert team.status_code == 200 and "Laptop" in team.text and "Klantenlijst delen" in team.text
    assert "Nothing from the exit interview is shared with you." in team.text


async def test_a_colleague_handed_a_task_does_it_from_their_own_list(case, browser, sessions):
    sam = await browser("sam@example.org", ["manager"], sessions)
    task = next(t for t in (await case.live())["tasks"] if t["assignee_email"] == "sam@example.org")

    page = await sam.get("/my/tasks")
    done = await post_form(sam, "/my/tasks", f"/my/tasks/{case.id}/{task['id']}/complete", {})

    assert task["title"] in page.text
    assert done.status_code == 303
    assert next(t for t in (await case.live())["tasks"] if t["id"] == task["id"])["state"] == "done"
    assert (await sam.get(f"/my/cases/{case.id}")).status_code == 404  # not their team's departure


async def test_it_facilities_confirm_each_item_that_comes_back(case, browser, sessions):
    custodian = await browser("facilities@example.org", ["custodian"], sessions)
    # The facilities mailbox receives every departure's equipment: they find this one's by the employee number, in any capitals.
    page = await custodian.get("/equipment", params={"q": case.data["employee"]["id"].lower()})
    assert page.status_code == 200
    assert {case.id} == set(re.findall(r'/equipment/(offboarding-[^/"]+)/e\d+/return', page.text)), (
        "only the departure searched for"
    )
    assert f"/equipment/{case.id}/e1/return" in page.text and f"/equipment/{case.id}/e2/return" in page.text

    returned = await post_form(custodian, "/equipment", f"/equipment/{case.id}/e1/return", {"note": "in goede staat"})
    again = await post_form(custodian, "/equipment", f"/equipment/{case.id}/e1/return", {})

    assert returned.status_code == 303 and returned.headers["location"].endswith("/equipment?done=returned")
    after = await custodian.get("/equipment", params={"q": case.data["employee"]["id"]})
    assert f"/equipment/{case.id}/e1/return" not in after.text and f"/equipment/{case.id}/e2/return" in after.text
    # In the account's language: an earlier test may have made this shared mailbox's account Dutch.
    assert again.status_code == 409 and ("already returned" in again.text or "al ingeleverd" in again.text)
    items = {item["id"]: item for item in (await case.live())["equipment"]}
    assert (
        items["e1"]["state"] == "returned"
        and items["e1"]["confirmed_by"] == "facilities@example.org"
        and items["e1"]["note"] == "in goede staat"
    )


async def test_the_employee_accepts_a_time_by_their_link_and_downloads_the_calendar_invitation(case, http, mail_store):
    interview = await invited(case)
    mail = (await case.wait_for_mail("interview:invitation", to=case.employee["email"]))[0]
    page_url = link_in(mail) + "?lang=en"
    employee = another_client(http)

    page = await employee.get(page_url)
    assert page.status_code == 200
    assert "Something to think about beforehand" in page.text and "Voluntary and confidential" in page.text
    start = interview["proposed_slots"][0]["start"]
    accepted = await employee.post(
        link_in(mail) + "/accept?lang=en", data={"start": start, "csrf_token": csrf_token(page.text)}
    )

    assert accepted.status_code == 303 and accepted.headers["location"].endswith("?lang=en&done=accepted")
    agreed = await employee.get(accepted.headers["location"])
    assert "Your interview is agreed" in agreed.text
    assert (await case.interview())["status"] == "scheduled"
    ics = await employee.get(link_in(mail) + "/interview.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert (
        "BEGIN:VEVENT" in ics.text
        and datetime.fromisoformat(start).astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ") in ics.text
    )
    await employee.aclose()


async def test_the_employee_proposes_another_time_or_declines(case, http, mail_store):
    interview = await invited(case)
    mail = (await case.wait_for_mail("interview:invitation", to=case.employee["email"]))[0]
    employee = another_client(http)
    url = link_in(mail)
    local = datetime.fromisoformat(interview["proposed_slots"][1]["start"]).astimezone(ZoneInfo("Europe/Amsterdam"))

    page = await employee.get(url)
    outside_hours = await employee.post(
        url + "/propose", data={"day": local.date().isoformat(), "at": "22:00", "csrf_token": csrf_token(page.text)}
    )
    proposed = await employee.post(
        url + "/propose",
        data={
            "day": local.date().isoformat(),
            "at": local.strftime("%H:%M"),
            "online": "1",
            "csrf_token": csrf_token(page.text),
        },
    )

    assert (
        outside_hours.status_code == 409 and "het gesprek moet binnen de werktijd vallen" in outside_hours.text
    )  # in the employee's language
    assert proposed.status_code == 303
    scheduled = (await case.interview())["scheduled"]
    assert scheduled["online"] is True and datetime.fromisoformat(scheduled["start"]) == local

    # The answer used the link up; the confirmation mail brings a new one.
    url = link_in((await case.wait_for_mail("interview:interview_confirmed", to=case.employee["email"]))[0])
    declined = await employee.post(
        url + "/decline", data={"reason": "Liever niet", "csrf_token": csrf_token(page.text)}
    )
    assert declined.status_code == 303 and (await case.interview())["status"] == "declined"
    after = await employee.get(url)
    assert 'id="declined"' in after.text and "/accept" not in after.text
    await employee.aclose()


async def test_the_interviewer_records_with_drafts_then_the_employee_consents(
    case, http, browser, sessions, mail_store, time_skipping_env
):
    await invited(case)
    interviewer_email = unique_email("ilse")
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    interviewer = await browser(interviewer_email, ["interviewer"], sessions)
    manager = await browser(MANAGER, ["manager"], sessions)

    assigned = await post_form(
        hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": interviewer_email}
    )
    assert assigned.status_code == 303 and assigned.headers["location"].endswith("?done=assigned")
    await at_agreed_time(case, time_skipping_env)
    listing = await interviewer.get("/interviews")
    assert f"/interviews/{case.id}" in listing.text

    form = await interviewer.get(f"/interviews/{case.id}")
    token = csrf_token(form.text)
    assert 'data-autosave="http://offboarding.test/interviews/' in form.text
    draft = await interviewer.post(
        f"/interviews/{case.id}/draft",
        data={"experiences.work_content.rating": "4", "went_well": "De collega's"},
        headers={"X-CSRF-Token": token},
    )
    assert draft.status_code == 200 and "saved_at" in draft.json()
    reopened = await interviewer.get(f"/interviews/{case.id}")
    assert (
        'name="experiences.work_content.rating" value="4" checked' in reopened.text
        and "De collega&#39;s" in reopened.text
    )

    # An answer outside its scale comes back with the question it is about named in the error summary.
    wrong = await interviewer.post(
        f"/interviews/{case.id}",
        data={"experiences.work_content.rating": "4", "recommend_score": "11", "csrf_token": token},
    )
    assert wrong.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', wrong.text, re.DOTALL).group(0)
    assert (
        '<a href="#recommend_score">Would you recommend us as an employer?: Choose a number in the scale.</a>'
        in summary
    )

    answers = {
        **{
            f"experiences.{area}.rating": str(r)
            for area, r in [
                ("work_content", 4),
                ("working_conditions", 3),
                ("working_relations", 5),
                ("terms_of_employment", 2),
                ("work_organisation", 3),
            ]
        },
        "experiences.work_content.comment": "Boeiend werk",
        "primary_reason": "career_opportunity",
        "secondary_reasons": ["pay_and_benefits", "career_opportunity"],
        "went_well": "Het team",
        "should_improve": "Doorgroeien",
        "most_important_advice": "Geef mensen een loopbaanpad.",
        "recommend_score": "8",
        "belonging.felt_safe": "4",
        "belonging.felt_at_home": "4",
        "belonging.felt_valued": "3",
        "belonging.influences": ["work_life_balance"],
        "remember_with_pleasure": "De uitjes",
        "advice_summary": "Loopbaanpaden.",
        "csrf_token": token,
    }
    complete = await interviewer.post(f"/interviews/{case.id}", data=answers)
    assert complete.status_code == 303 and complete.headers["location"].endswith(f"/interviews/{case.id}/consent")
    consent_page = await interviewer.get(complete.headers["location"])
    assert "Loopbaanpaden." in consent_page.text and 'name="text_version" value="2026-11"' in consent_page.text

    submitted = await interviewer.post(
        complete.headers["location"],
        data={"scope": "advice_only", "share_with_manager": "yes", "text_version": "2026-11", "csrf_token": token},
    )
    assert submitted.status_code == 303 and submitted.headers["location"].endswith("/interviews?done=recorded")
    assert (await case.interview())["status"] == "held"
    async with sessions() as session:
        assert (
            await session.execute(select(InterviewDraft).where(InterviewDraft.case_id == case.id))
        ).scalar_one_or_none() is None
        row = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case.id))
        ).scalar_one()
    assert row.interviewer_email == interviewer_email and row.record["secondary_reasons"] == ["pay_and_benefits"]
    after = await interviewer.get(f"/interviews/{case.id}")
    assert "Het team" not in after.text and 'id="not-recordable"' in after.text  # the record is HR's now

    # Every sight of the notes and their writing is on the audit log, on the interviewer's name, without the notes.
    logged = [
        (entry.action, entry.detail.get("part"), entry.actor_role)
        for entry in await audit_entries(sessions, actor=interviewer_email)
    ]
    assert logged == [
        ("interview.written", "draft", "interviewer"),
        ("interview.read", "draft", "interviewer"),
        ("interview.read", "consent_screen", "interviewer"),
        ("interview.recorded", None, "interviewer"),
    ]
    [recorded] = await audit_entries(sessions, actor=interviewer_email, action="interview.recorded")
    assert recorded.detail == {"case_id": case.id, "consent_scope": "advice_only"}

    record = await hr.get(f"/cases/{case.id}/interview")
    assert record.status_code == 200 and "Het team" in record.text and "Only the advice, anonymised" in record.text
    shared = await manager.get(f"/my/cases/{case.id}")
    assert (
        "Geef mensen een loopbaanpad." in shared.text
        and "Het team" not in shared.text
        and "Doorgroeien" not in shared.text
    )

    thanks = (await case.wait_for_mail("interview:interview_thank_you", to=case.employee["email"]))[0]
    employee = another_client(http)
    consent_url = link_in(thanks)
    mine = await employee.get(consent_url + "?lang=en")
    assert mine.status_code == 200 and "Only the advice, anonymised" in mine.text
    asked = await employee.post(consent_url + "/revoke?lang=en", data={"csrf_token": csrf_token(mine.text)})
    assert asked.status_code == 200 and "Withdraw your consent?" in asked.text
    revoked = await employee.post(
        consent_url + "/revoke?lang=en", data={"csrf_token": csrf_token(asked.text), "confirmed": "yes"}
    )
    assert revoked.status_code == 303 and revoked.headers["location"].endswith("?lang=en&done=revoked")
    assert "Your consent is withdrawn." in (await employee.get(revoked.headers["location"])).text
    assert "Geef mensen een loopbaanpad." not in (await manager.get(f"/my/cases/{case.id}")).text
    await employee.aclose()


async def test_every_answer_is_optional_and_prefer_not_to_say_is_an_answer(case, browser, sessions, time_skipping_env):
    """001: "we hoeven niet alle vragen te bespreken". A Dutch interviewer leaves most questions empty and records
    "wil ik niet zeggen" at a rating and at the main reason; the record keeps which, and HR reads it so."""
    await invited(case)
    interviewer_email = unique_email("ilse")
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    interviewer = await browser(interviewer_email, ["interviewer"], sessions, language="nl")
    await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": interviewer_email})
    await at_agreed_time(case, time_skipping_env)

    form = await interviewer.get(f"/interviews/{case.id}")
    assert form.text.count('value="prefer_not_to_say"') == 12  # nine scales, the main reason, gender and age band
    assert form.text.count("Wil ik niet zeggen") >= 12
    token = csrf_token(form.text)

    empty = await interviewer.post(f"/interviews/{case.id}", data={"csrf_token": token})
    assert empty.status_code == 303 and empty.headers["location"].endswith(f"/interviews/{case.id}/consent")

    declined = await interviewer.post(
        f"/interviews/{case.id}",
        data={
            "experiences.working_relations.rating": "prefer_not_to_say",
            "experiences.work_content.rating": "4",
            "primary_reason": "prefer_not_to_say",
            "target_group.age_band": "prefer_not_to_say",
            "advice_summary": "Meer ruimte voor overleg.",
            "csrf_token": token,
        },
    )
    assert declined.status_code == 303
    again = await interviewer.get(f"/interviews/{case.id}")
    assert 'name="experiences.working_relations.rating" value="prefer_not_to_say" checked' in again.text
    assert '<option value="prefer_not_to_say" selected>Wil ik niet zeggen</option>' in again.text

    submitted = await interviewer.post(
        declined.headers["location"],
        data={"scope": "advice_only", "share_with_manager": "no", "text_version": "2026-11", "csrf_token": token},
    )
    assert submitted.status_code == 303 and submitted.headers["location"].endswith("/interviews?done=recorded")
    async with sessions() as session:
        row = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case.id))
        ).scalar_one()
    assert sorted(row.record["prefer_not_to_say"]) == [
        "experiences.working_relations.rating",
        "primary_reason",
        "target_group.age_band",
    ]
    assert row.record["primary_reason"] is None and row.record["experiences"]["working_relations"]["rating"] is None
    assert row.record["experiences"]["work_content"]["rating"] == 4 and row.record["recommend_score"] is None
    assert row.primary_reason is None and row.recommend_score is None

    page = (await hr.get(f"/cases/{case.id}/interview")).text
    relations = re.search(r"Working relations.*?</tr>", page, re.DOTALL).group(0)
    assert "Prefer not to say" in relations
    assert re.search(r"Primary reason</dt><dd><em>Prefer not to say</em>", page)
    assert re.search(r'Would recommend us \(0-10\)</dt><dd><span class="hint">Not discussed</span>', page)


async def test_hr_moves_the_last_day_resends_and_withdraws_from_the_case_page(case, browser, sessions):
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    await invited(case)
    later = (date.fromisoformat((await case.live())["last_working_day"]) + timedelta(days=7)).isoformat()

    moved = await post_form(
        hr,
        f"/cases/{case.id}",
        f"/cases/{case.id}/last-working-day",
        {"last_working_day": later, "reason": "Extra overdracht"},
    )
    assert moved.status_code == 303 and moved.headers["location"].endswith(f"/cases/{case.id}?done=moved")
    assert "The last working day is moved" in (await hr.get(moved.headers["location"])).text
    assert (await case.live())["last_working_day"] == later

    resent = await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/resend")
    assert resent.status_code == 303
    assert (await case.interview())["invitations_sent"] >= 2

    withdrawn = await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/withdraw", {"reason": "Blijft toch"})
    assert withdrawn.status_code == 303

    async def ended():
        return (await hr.get(f"/cases/{case.id}")).text.count("Withdrawn") > 0 and (await case.live())[
            "status"
        ] == "withdrawn"

    await eventually(ended)
    refused = await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/withdraw", {"reason": "x"})
    assert refused.status_code == 409 and "The case did not accept this" in refused.text


async def test_hr_skips_the_interview_after_a_dismissal_only_with_a_reason(http, worker, mail_store, browser, sessions):
    case = await register(http, mail_store, departure_type="dismissal")
    await case.wait_for_mail("interview:interview_confirm_request", to="hr@example.org")
    hr = await browser(unique_email("hr"), ["hr"], sessions)

    page = await hr.get(f"/cases/{case.id}")
    assert "Skip the interview" in page.text and "Invite the employee" in page.text
    without = await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/confirm", {"proceed": "no"})
    skipped = await post_form(
        hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/confirm", {"proceed": "no", "reason": "Relatie verstoord"}
    )

    assert without.status_code == 409 and "give a reason" in without.text
    assert skipped.status_code == 303 and skipped.headers["location"].endswith("?done=skipped")
    assert (await case.interview())["status"] == "skipped"


async def test_the_dashboard_searches_and_shows_what_is_late(case, browser, sessions):
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    employee_id = case.data["employee"]["id"]

    found = await hr.get("/cases", params={"q": employee_id.lower()})
    nothing = await hr.get("/cases", params={"q": "no such person_%"})
    late_only = await hr.get("/cases", params={"overdue": "1", "q": employee_id})

    assert found.status_code == 200 and f"/cases/{case.id}" in found.text and "Next task due" in found.text
    assert f"/cases/{case.id}" not in nothing.text and "No cases match these filters." in nothing.text
    assert f"/cases/{case.id}" not in late_only.text  # nothing of it is due yet


async def test_pages_speak_the_language_of_the_person_reading_them(case, http, browser, sessions, mail_store):
    dutch = await browser(unique_email("manager"), ["manager"], sessions, language="nl")
    english = await browser(unique_email("manager"), ["manager"], sessions, language="en")

    mijn = await dutch.get("/my/tasks")
    switched = await dutch.get("/my/tasks", params={"lang": "en"})
    mine = await english.get("/my/tasks")

    assert '<html lang="nl">' in mijn.text and "<h1>Mijn taken</h1>" in mijn.text and "Uitloggen" in mijn.text
    assert '<html lang="en">' in switched.text and "<h1>My tasks</h1>" in switched.text
    assert "<h1>My tasks</h1>" in mine.text

    # The leaving employee reads their link page in their own language (nl here), or the one they pick.
    await invited(case)
    url = link_in((await case.wait_for_mail("interview:invitation", to=case.employee["email"]))[0])
    employee = another_client(http)
    eigen = await employee.get(url)
    assert (
        '<html lang="nl">' in eigen.text
        and "<h1>Je exitgesprek</h1>" in eigen.text
        and "Om vooraf over na te denken" in eigen.text
    )
    assert 'action="http://offboarding.test' + url + '/accept"' in eigen.text
    chosen = await employee.get(url, params={"lang": "en"})
    assert "<h1>Your exit interview</h1>" in chosen.text and url + '/accept?lang=en"' in chosen.text
    # Dates follow the language too.
    months = (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    )
    assert any(f" {month} " in eigen.text for month in months)
    await employee.aclose()

    # HR's timeline names each mail in words of the reader's language, not by its template.
    hr = await browser(unique_email("hr"), ["hr"], sessions, language="nl")
    tijdlijn = (await hr.get(f"/cases/{case.id}")).text
    assert "Aankondiging aan de leidinggevende →" in tijdlijn and "announcement_manager" not in tijdlijn


async def test_an_english_speaking_employee_gets_english_link_pages(http, worker, mail_store):
    case = await register(http, mail_store, language="en")
    await invited(case)
    url = link_in((await case.wait_for_mail("interview:invitation", to=case.employee["email"]))[0])
    employee = another_client(http)
    page = await employee.get(url, headers={"Accept-Language": "nl"})
    assert '<html lang="en">' in page.text and "<h1>Your exit interview</h1>" in page.text
    await employee.aclose()


def test_the_dutch_catalogue_translates_every_page_string_and_is_compiled():
    """A string added to a page without a Dutch translation, or a .po edited without compiling it, fails here.
    Update with: make translations (then translate, then make translations again to compile)."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    method_map = [("web/**.py", "python"), ("templates/pages/**.html", "jinja2")]
    options = {"templates/pages/**.html": {"extensions": "jinja2.ext.i18n"}}
    used = {
        message[2]
        for message in extract_from_dir(str(root), method_map, options)
        if message[0].startswith(("web", "templates/pages"))
    }
    with open(root / "i18n/locale/nl/LC_MESSAGES/messages.po", "rb") as po_file:
        po = read_po(po_file, locale="nl")
    with open(root / "i18n/locale/nl/LC_MESSAGES/messages.mo", "rb") as mo_file:
        mo = read_mo(mo_file)

    untranslated = [
        msgid
        for msgid in used
        if not (po.get(msgid) and all(po.get(msgid).string if isinstance(msgid, tuple) else [po.get(msgid).string]))
    ]
    assert not untranslated, f"without a Dutch translation: {untranslated}"

    def text(message):
        return tuple(message.string) if isinstance(message.string, (list, tuple)) else message.string

    # A message with a context (msgctxt) is its own entry beside the same words without one.
    stale = [
        m.id
        for m in po
        if m.id and (mo.get(m.id, context=m.context) is None or text(mo.get(m.id, context=m.context)) != text(m))
    ]
    assert not stale, f"messages.mo is older than messages.po (run pybabel compile -d i18n/locale): {stale[:5]}"


async def test_every_form_on_every_page_carries_its_csrf_token(case, http, browser, sessions, mail_store):
    """Browsers send no header: a form without the hidden field would always be refused."""
    await invited(case)
    interviewer_email = unique_email("ilse")
    hr = await browser(unique_email("hr"), ["hr", "admin"], sessions)
    interviewer = await browser(interviewer_email, ["interviewer"], sessions)
    await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": interviewer_email})
    url = link_in((await case.wait_for_mail("interview:invitation", to=case.employee["email"]))[0])
    pages = {
        "login": await another_client(http).get("/login"),
        "new case": await hr.get("/cases/new"),
        "case": await hr.get(f"/cases/{case.id}"),
        "accounts": await hr.get("/admin/accounts"),
        "questionnaire": await interviewer.get(f"/interviews/{case.id}"),
        "invitation": await another_client(http).get(url),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert 'method="post"' in page.text, name
        assert not forms_without_token(page.text), (name, forms_without_token(page.text))


async def test_hr_schedules_on_the_employees_behalf(case, browser, sessions):
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    interview = await invited(case)
    local = datetime.fromisoformat(interview["proposed_slots"][1]["start"]).astimezone(ZoneInfo("Europe/Amsterdam"))

    scheduled = await post_form(
        hr,
        f"/cases/{case.id}",
        f"/cases/{case.id}/interview/schedule",
        {"day": local.date().isoformat(), "at": local.strftime("%H:%M"), "online": "1"},
    )
    nonsense = await post_form(
        hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/schedule", {"day": "tomorrow", "at": "10:00"}
    )

    assert scheduled.status_code == 303 and scheduled.headers["location"].endswith("?done=scheduled")
    after = await case.interview()
    assert after["status"] == "scheduled" and after["scheduled"]["online"] is True
    assert datetime.fromisoformat(after["scheduled"]["start"]) == local
    page = await hr.get(scheduled.headers["location"])
    assert (
        "The interview is scheduled; the employee is told." in page.text
        and 'id="interview-status">Scheduled<' in page.text
    )
    assert nonsense.status_code == 409 and "Please check what you entered" in nonsense.text


async def test_a_self_declared_target_group_is_kept_only_with_its_own_consent(
    case, browser, sessions, time_skipping_env, organisation_groups
):
    """The organisation asks about its own groups (report settings); the employee answers each only if they choose,
    and the answer is kept only with their consent to its use in the anonymous reports."""
    await invited(case)
    interviewer_email = unique_email("ilse")
    hr = await browser(unique_email("hr"), ["hr"], sessions)
    interviewer = await browser(interviewer_email, ["interviewer"], sessions, language="nl")
    await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": interviewer_email})
    await at_agreed_time(case, time_skipping_env)
    form = await interviewer.get(f"/interviews/{case.id}")
    assert "<legend>Migratieachtergrond</legend>" in form.text and "<legend>Deeltijd</legend>" in form.text
    token = csrf_token(form.text)

    unconsented = await interviewer.post(
        f"/interviews/{case.id}", data={"target_group.declared.migratieachtergrond": "yes", "csrf_token": token}
    )
    assert unconsented.status_code == 422
    assert "Alleen met toestemming van de medewerker" in unconsented.text
    assert 'href="#target_group-declared-migratieachtergrond">Migratieachtergrond:' in unconsented.text

    consented = await interviewer.post(
        f"/interviews/{case.id}",
        data={
            "target_group.declared.migratieachtergrond": "yes",
            "target_group.consent.migratieachtergrond": "yes",
            # Consent without an answer keeps nothing: there is nothing to use.
            "target_group.consent.deeltijd": "yes",
            "csrf_token": token,
        },
    )
    assert consented.status_code == 303
    submitted = await interviewer.post(
        consented.headers["location"],
        data={
            "scope": "advice_and_experiences",
            "share_with_manager": "no",
            "share_with_board": "yes",
            "text_version": "2026-11",
            "csrf_token": token,
        },
    )
    assert submitted.status_code == 303
    async with sessions() as session:
        row = (
            await session.execute(select(InterviewRecordRow).where(InterviewRecordRow.case_id == case.id))
        ).scalar_one()
    assert row.record["target_group"]["declared"] == {"migratieachtergrond": "yes"}
    assert row.declared_groups == {"migratieachtergrond": "yes"}
    assert row.share_with_board is True  # the board may read the short record (001 §3.1)
