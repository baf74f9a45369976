"""Who holds the interview (002: "bij voorkeur door een hr-professional zonder directe band"; 004: "als dat niet
mogelijk is, kan de direct leidinggevende het gesprek voeren"): never the manager by default; HR may choose them
explicitly, warned, with a reason that goes on the audit log; and the employee may ask for someone else through
their link, which HR hears of and answers by assigning another interviewer. In-process, on the time-skipping server."""

from tests.support.api import HR, MANAGER, at_agreed_time, invited
from tests.support.auth import another_client, csrf_token, make_account, post_form, unique_email
from tests.support.links import link_in
from tests.support.privacy import audit_entries


async def test_hr_chooses_the_direct_manager_only_explicitly_and_with_a_reason_on_the_audit_log(
    case, people, sessions, time_skipping_env
):
    await invited(case)
    hr_email = unique_email("hr")
    hr = await people(hr_email, ["hr"])
    manager = await people(MANAGER["email"], ["manager"])
    page = await hr.get(f"/cases/{case.id}")
    assert 'id="assign-manager"' in page.text and "Your choice and your reason go on the audit log." in page.text

    # Not by default: the ordinary assignment refuses the manager, and the fallback wants a reason.
    plain = await case.post(
        "interview/assign",
        {"actor": HR, "interviewer": {"name": "Bram Janssens", "email": MANAGER["email"], "language": "en"}},
    )
    assert plain.status_code == 409 and plain.json()["code"] == "interviewer_is_manager"
    no_reason = await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign-manager", {"reason": " "})
    assert no_reason.status_code == 409 and "Say why no one without a reporting line" in no_reason.text
    assert (await case.interview())["interviewer"] is None

    chosen = await post_form(
        hr,
        f"/cases/{case.id}",
        f"/cases/{case.id}/interview/assign-manager",
        {"reason": "Kleine vestiging: geen HR-collega beschikbaar"},
    )
    assert chosen.status_code == 303 and chosen.headers["location"].endswith("?done=assigned")
    interview = await case.interview()
    assert interview["interviewer"]["email"] == MANAGER["email"] and interview["interviewer_is_manager"] is True
    shown = await hr.get(f"/cases/{case.id}")
    assert 'id="interviewer-is-manager"' in shown.text

    [entry] = await audit_entries(sessions, action="interview.manager_chosen", subject=case.data["employee"]["id"])
    assert entry.actor == hr_email and entry.actor_role == "hr"
    assert entry.detail == {
        "case_id": case.id,
        "manager": MANAGER["email"],
        "reason": "Kleine vestiging: geen HR-collega beschikbaar",
    }
    await at_agreed_time(case, time_skipping_env)
    # The manager now holds it: the questionnaire opens for them, with the guide.
    questionnaire = await manager.get(f"/interviews/{case.id}")
    assert questionnaire.status_code == 200 and 'id="conversation-guide"' in questionnaire.text
    to_consent = await post_form(manager, f"/interviews/{case.id}", f"/interviews/{case.id}", {})
    recorded = await post_form(
        manager,
        to_consent.headers["location"],
        to_consent.headers["location"],
        {"scope": "advice_only", "share_with_manager": "no", "text_version": "2026-11"},
    )
    assert recorded.status_code == 303 and (await case.interview())["status"] == "held"


async def test_the_employee_asks_for_someone_else_by_link_and_hr_assigns_another(case, http, people, sessions):
    await invited(case)
    first, second = unique_email("ilse"), unique_email("noor")
    hr = await people(unique_email("hr"), ["hr"])
    await make_account(sessions, first, ["interviewer"], name="Ilse Maes")
    await make_account(sessions, second, ["interviewer"], name="Noor Smits")
    await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": first})

    invitation = (await case.wait_for_mail("interview:invitation", to=case.employee["email"]))[0]
    employee = another_client(http)
    url = link_in(invitation)
    page = await employee.get(url + "?lang=en")
    assert 'id="other-interviewer"' in page.text and "Ilse Maes holds the conversation now." in page.text
    asked = await employee.post(
        url + "/other-interviewer?lang=en",
        data={"reason": "Ilse was lang mijn teamgenoot", "csrf_token": csrf_token(page.text)},
    )
    assert asked.status_code == 303 and asked.headers["location"].endswith("done=other_interviewer")
    after = await employee.get(asked.headers["location"])
    assert "HR will find someone else" in after.text and 'id="other-interviewer-asked"' in after.text
    # The link still answers the invitation: asking is not an answer.
    assert "/accept" in after.text
    again = await employee.post(url + "/other-interviewer?lang=en", data={"csrf_token": csrf_token(after.text)})
    assert again.status_code == 409 and "you have already asked for someone else" in again.text

    [told] = await case.wait_for_mail("interview:interviewer_change_asked", to="hr@example.org")
    assert "Ilse was lang mijn teamgenoot" in told.text and "Ilse Maes" in told.text
    panel = await hr.get(f"/cases/{case.id}")
    assert 'id="other-interviewer-asked"' in panel.text and "Ilse was lang mijn teamgenoot" in panel.text

    await post_form(hr, f"/cases/{case.id}", f"/cases/{case.id}/interview/assign", {"interviewer": second})
    interview = await case.interview()
    assert interview["interviewer"]["email"] == second and interview["other_interviewer_asked"] is False
    # The employee hears who it is now: the invitation again, signed by the new interviewer.
    renewed = await case.wait_for_mail("interview:invitation:interviewer", to=case.employee["email"])
    assert "Ik voer het gesprek graag met je: Noor Smits. Ik zou het erg waarderen" in renewed[0].text
    assert "Graag hoor ik van je of een van de momenten je past." in renewed[0].text
    await employee.aclose()
