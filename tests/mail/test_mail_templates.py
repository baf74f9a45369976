"""Every mail template renders in Dutch and English with a full sample context.

Checks per template and language: a one-line subject, the employee's name and the key data in the
text, Dutch/English long dates, HTML autoescaping (while the plain-text part and the subject stay
unescaped), optional fields that are left out when empty, and the Dutch forms of address
("je" to the leaving employee, "u" to managers, HR and colleagues).
"""

import email
import email.policy
import gc
import re
import tracemalloc
from copy import deepcopy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtplib.email import flatten_message

from activities.mail_templates import MailTemplates
from tests.support.mail import COMMON, EXTRA, INVITATION, LANGUAGES, SLOT_ONLINE

NAMES = sorted(EXTRA)

# Mails that go to the leaving employee: warm "je" in Dutch, and never a link into the case.
EMPLOYEE_MAILS = {
    "equipment_reminder",
    "interview_invitation",
    "interview_invitation_reminder",
    "interview_confirmed",
    "interview_reminder",
    "interview_cancelled",
    "interview_thank_you",
    "consent_revoked",
}
STAFF_MAILS = set(NAMES) - EMPLOYEE_MAILS

LAST_DAY = {"nl": "vrijdag 29 januari 2027", "en": "Friday, 29 January 2027"}
FIRST_SLOT = {"nl": "vrijdag 22 januari 2027 om 10:00", "en": "Friday, 22 January 2027 at 10:00"}
SECOND_SLOT = {"nl": "donderdag 21 januari 2027 om 14:00", "en": "Thursday, 21 January 2027 at 14:00"}

# Per template and language: strings the plain-text part must contain (besides the employee's name).
EXPECTED: dict[str, dict[str, list[str]]] = {
    "interview_written_answers": {
        "nl": ["schriftelijk beantwoord", "http://offboarding.test/cases/case-123/interview"],
        "en": ["answered the questions in writing", "http://offboarding.test/cases/case-123/interview"],
    },
    "interview_main_points": {
        "nl": ["Beste Bram Janssens", "http://offboarding.test/my/cases/case-123/main-points"],
        "en": ["Dear Bram Janssens", "http://offboarding.test/my/cases/case-123/main-points"],
    },
    "consent_revoked": {
        "nl": ["woensdag 3 februari 2027", "ingetrokken", "alleen bij HR"],
        "en": ["Wednesday, 3 February 2027", "withdrew your consent", "stay with HR only"],
    },
    "consent_revoked_hr": {
        "nl": ["woensdag 3 februari 2027", "personeelsdossier", "http://offboarding.test/cases/case-123/interview"],
        "en": ["Wednesday, 3 February 2027", "personnel file", "http://offboarding.test/cases/case-123/interview"],
    },
    "interview_cancelled": {
        "nl": [
            f"Het exitgesprek op {FIRST_SLOT['nl']} tot 11:00 gaat niet door, zoals je ons liet weten.",
            "uit je agenda",
        ],
        "en": [
            f"The exit interview on {FIRST_SLOT['en']}–11:00 will not take place, as you let us know.",
            "out of your calendar",
        ],
    },
    "team_announcement": {
        "nl": [LAST_DAY["nl"], "bedanken", "Bram Janssens"],
        "en": [LAST_DAY["en"], "thank", "Bram Janssens"],
    },
    "tasks_assigned": {
        "nl": [
            "Overdracht klantdossiers (uiterlijk woensdag 27 januari 2027)\n  Klaar? Vink de taak af: http://offboarding.test/task/tok-t1",
            "Wachtwoorden kluis overdragen (uiterlijk donderdag 28 januari 2027)\n  Klaar? Vink de taak af: http://offboarding.test/task/tok-t2",
        ],
        "en": [
            "Overdracht klantdossiers (due Wednesday, 27 January 2027)\n  Done? Tick it off here: http://offboarding.test/task/tok-t1",
            "Wachtwoorden kluis overdragen (due Thursday, 28 January 2027)\n  Done? Tick it off here: http://offboarding.test/task/tok-t2",
        ],
    },
    "task_reminder": {
        "nl": ["Overdracht klantdossiers", "woensdag 27 januari 2027", "http://offboarding.test/task/tok-t1"],
        "en": ["Overdracht klantdossiers", "Wednesday, 27 January 2027", "http://offboarding.test/task/tok-t1"],
    },
    "task_overdue": {
        "nl": ["Overdracht klantdossiers", "woensdag 27 januari 2027", "opvolger@example.org", COMMON["case_url"]],
        "en": ["Overdracht klantdossiers", "Wednesday, 27 January 2027", "opvolger@example.org", COMMON["case_url"]],
    },
    "announcement_custodian": {
        "nl": ["- Leaseauto (1-ABC-23)\n- Tankpas", "kwijt", "http://offboarding.test/equipment", LAST_DAY["nl"]],
        "en": ["- Leaseauto (1-ABC-23)\n- Tankpas", "lost", "http://offboarding.test/equipment", LAST_DAY["en"]],
    },
    "equipment_reminder": {
        "nl": ["- Laptop", "- Badge", LAST_DAY["nl"]],
        "en": ["- Laptop", "- Badge", LAST_DAY["en"]],
    },
    "equipment_missing": {
        "nl": ["Laptop (beheerder: it@example.org)", "Badge (beheerder: facilities@example.org)", LAST_DAY["nl"]],
        "en": ["Laptop (custodian: it@example.org)", "Badge (custodian: facilities@example.org)", LAST_DAY["en"]],
    },
    "last_day_moved": {
        "nl": ["Was: vrijdag 26 februari 2027", f"Nu: {LAST_DAY['nl']}", "Reden: Resterende verlofdagen verrekend"],
        "en": ["Was: Friday, 26 February 2027", f"Now: {LAST_DAY['en']}", "Reason: Resterende verlofdagen verrekend"],
    },
    "case_withdrawn": {
        "nl": ["ingetrokken", "geannuleerd", "Reden: Nieuwe afspraken over de functie"],
        "en": ["withdrawn", "cancelled", "Reason: Nieuwe afspraken over de functie"],
    },
    "case_closed": {
        "nl": [
            "- Eindafrekening opstellen",
            "- Telefoon",
            "Te verrekenen in de eindafrekening:\n- Telefoon",
            "Exitgesprek: gevoerd",
            "Ontslag op eigen verzoek",
            LAST_DAY["nl"],
        ],
        "en": [
            "- Eindafrekening opstellen",
            "- Telefoon",
            "To settle in the final pay:\n- Telefoon",
            "Exit interview: held",
            "Resignation",
            LAST_DAY["en"],
        ],
    },
    "interview_confirm_request": {
        "nl": ["ontslag op eigen verzoek", "Bram Janssens", "overslaan", COMMON["case_url"]],
        "en": ["resignation", "Bram Janssens", "skip", COMMON["case_url"]],
    },
    "interview_invitation": {
        "nl": [
            f"- {FIRST_SLOT['nl']} tot 11:00\n",
            f"- {SECOND_SLOT['nl']} tot 15:00 (online)",
            "ongeveer 60 minuten",
            "vrijwillig",
            "vertrouwelijk",
            "geanonimiseerd",
            "een boekenbon",
            "Sanne Peeters",
            "agenda-uitnodiging",
            "vroegst mogelijke moment",
            INVITATION["action_url"],
            LAST_DAY["nl"],
            # Signed by its interviewer as 000's model letter has it, naming the place and the online link.
            "Ik voer het gesprek graag met je: Sanne Peeters. Ik zou het erg waarderen als je de achtergrond van je vertrek",
            "Op locatie is dat Kantoor Utrecht, kamer 2.14; online via https://meet.example.org/exit.",
            "Graag hoor ik van je of een van de momenten je past.",
        ],
        "en": [
            f"- {FIRST_SLOT['en']}–11:00\n",
            f"- {SECOND_SLOT['en']}–15:00 (online)",
            "about 60 minutes",
            "voluntary",
            "confidential",
            "anonymised",
            "een boekenbon",
            "Sanne Peeters",
            "calendar invitation",
            "earliest possible moment",
            INVITATION["action_url"],
            LAST_DAY["en"],
            "I would greatly appreciate it if you would share the background to your leaving",
            "On site, that is Kantoor Utrecht, kamer 2.14; online, https://meet.example.org/exit.",
            "Please let me know whether one of these times suits you.",
        ],
    },
    "interview_invitation_reminder": {
        "nl": [f"{FIRST_SLOT['nl']} tot 11:00", "(online)", "vrijwillig", "een boekenbon", INVITATION["action_url"]],
        "en": [f"{FIRST_SLOT['en']}–11:00", "(online)", "voluntary", "een boekenbon", INVITATION["action_url"]],
    },
    "interview_confirmed": {
        "nl": [
            f"Wanneer: {FIRST_SLOT['nl']} tot 11:00",
            "Met: Sanne Peeters",
            "Waar: ter plaatse, in een rustige, afgesloten ruimte: Kantoor Utrecht, kamer 2.14",
            "bijgewerkte agenda-uitnodiging",
            INVITATION["action_url"],
        ],
        "en": [
            f"When: {FIRST_SLOT['en']}–11:00",
            "With: Sanne Peeters",
            "Where: in person, in a quiet, closed room: Kantoor Utrecht, kamer 2.14",
            "updated calendar invitation",
            INVITATION["action_url"],
        ],
    },
    "interview_scheduled": {
        "nl": [
            f"Wanneer: {FIRST_SLOT['nl']} tot 11:00",
            "Gespreksvoerder: Sanne Peeters",
            "noteer waarin de medewerker uitblonk: http://offboarding.test/interviews/",
            COMMON["case_url"],
        ],
        "en": [
            f"When: {FIRST_SLOT['en']}–11:00",
            "Interviewer: Sanne Peeters",
            "where you saw them excel, for an appreciative close: http://offboarding.test/interviews/",
            COMMON["case_url"],
        ],
    },
    "interview_reminder": {
        "nl": [f"morgen, {FIRST_SLOT['nl']} tot 11:00"],
        "en": [f"tomorrow, {FIRST_SLOT['en']}–11:00"],
    },
    "interview_thank_you": {
        "nl": [
            "alleen je adviezen",
            "teruggekoppeld aan je leidinggevende, Bram Janssens",
            "intrekken",
            "http://offboarding.test/consent/tok-abc",
        ],
        "en": [
            "only your advice",
            "fed back to your manager, Bram Janssens",
            "withdraw",
            "http://offboarding.test/consent/tok-abc",
        ],
    },
    "interview_declined": {
        "nl": ["Reden: Geen behoefte aan een gesprek", "herinneringen", COMMON["case_url"]],
        "en": ["Reason: Geen behoefte aan een gesprek", "reminders", COMMON["case_url"]],
    },
    "interview_time_proposed": {
        "nl": [
            f"een eigen moment voor: {FIRST_SLOT['nl']} tot 11:00",
            "De agenda van de gespreksvoerder geeft dan een andere afspraak aan.",
            "http://offboarding.test/interviews/case-123/preparation",
        ],
        "en": [
            f"a time of their own for the exit interview: {FIRST_SLOT['en']}–11:00",
            "Your calendar shows another appointment then.",
            "http://offboarding.test/interviews/case-123/preparation",
        ],
    },
    "interview_other_interviewer": {
        "nl": ["liever met iemand anders dan Sanne Peeters", "Toelichting: Liever niet", COMMON["case_url"]],
        "en": ["with someone else than Sanne Peeters", "Explanation: Liever niet", COMMON["case_url"]],
    },
    "interview_no_response": {
        "nl": ["geen reactie", "herinneringen zijn gestopt", COMMON["case_url"]],
        "en": ["no response", "reminders have stopped", COMMON["case_url"]],
    },
    "access_failed": {
        "nl": [
            "geen account gevonden",
            "Antwoord van de server: GET /Users → 200; no account matches",
            "niet verwijderen",
            COMMON["case_url"],
        ],
        "en": [
            "No account was found",
            "The server's answer: GET /Users → 200; no account matches",
            "do not delete",
            COMMON["case_url"],
        ],
    },
    "access_now": {
        "nl": ["per direct", "Reden: Ontslag op staande voet", "niet verwijderen", COMMON["case_url"]],
        "en": ["with immediate effect", "Reason: Ontslag op staande voet", "do not delete", COMMON["case_url"]],
    },
}

OPTIONAL_REASON = ("last_day_moved", "case_withdrawn", "interview_declined", "access_now")
REASON_LABEL = {"nl": "Reden", "en": "Reason"}

INTERVIEW_STATUSES = (
    "awaiting_hr",
    "invited",
    "scheduled",
    "held",
    "declined",
    "skipped",
    "no_response",
    "not_held",
    "cancelled",
)


@pytest.fixture(scope="module")
def templates() -> MailTemplates:
    return MailTemplates()


def context_for(name: str, **overrides: Any) -> dict[str, Any]:
    return {**deepcopy(COMMON), **deepcopy(EXTRA[name]), **overrides}


def render(templates: MailTemplates, name: str, language: str, **overrides: Any) -> tuple[str, str, str]:
    message = templates.render(
        name,
        language,
        context_for(name, **overrides),
        sender="hr@example.org",
        to="someone@example.org",
        message_id="<x@y>",
    )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return str(message["Subject"]), text, html


def test_every_template_has_both_languages_and_expectations():
    assert set(EXPECTED) == set(EXTRA)
    for name in NAMES:
        assert set(EXPECTED[name]) == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", NAMES)
def test_renders_with_subject_name_and_key_data(templates, name, language):
    subject, text, html = render(templates, name, language)

    assert subject.strip()
    assert "\n" not in subject and "\r" not in subject
    assert "Anouk de Vries" in text
    assert "Anouk de Vries" in html
    for expected in EXPECTED[name][language]:
        assert expected in text, f"{expected!r} missing from {name}.{language} text:\n{text}"
    # The HTML part carries the same key data, autoescaped, in the shared layout.
    assert f'<html lang="{language}"' in html and "<p style=" in html
    assert "http://" not in html.replace('href="http://offboarding.test/', "")
    assert "<p>" not in text and "<br>" not in text
    assert "{{" not in text + html and "{%" not in text + html
    assert "\n\n\n" not in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", NAMES)
def test_html_escapes_values_while_text_and_subject_stay_plain(templates, name, language):
    subject, text, html = render(
        templates, name, language, employee_name="Anouk <script>", organisation_name="D'Hondt & Co"
    )

    assert "Anouk &lt;script&gt;" in html
    assert "<script>" not in html
    assert "Anouk <script>" in text
    assert "&lt;" not in text and "&amp;" not in text and "&#39;" not in text
    assert "&lt;" not in subject and "&amp;" not in subject and "&#39;" not in subject
    if "D'Hondt & Co" in text:
        assert "D'Hondt &amp; Co" in html or "D&#39;Hondt &amp; Co" in html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(EMPLOYEE_MAILS))
def test_employee_mails_do_not_link_to_the_case(templates, name, language):
    _, text, html = render(templates, name, language)
    assert COMMON["case_url"] not in text
    assert COMMON["case_url"] not in html


@pytest.mark.parametrize("name", sorted(EMPLOYEE_MAILS))
def test_dutch_mails_to_the_employee_use_je(templates, name):
    _, text, _ = render(templates, name, "nl")
    assert re.search(r"\bje\b", text)
    assert not re.search(r"\b(u|uw)\b", text), text


@pytest.mark.parametrize("name", sorted(STAFF_MAILS))
def test_dutch_mails_to_staff_use_u(templates, name):
    _, text, _ = render(templates, name, "nl")
    assert not re.search(r"\b(je|jij|jouw|jou)\b", text, re.IGNORECASE), text


def test_dutch_interviewer_reminder_uses_u(templates):
    _, text, _ = render(templates, "interview_reminder", "nl", recipient_is_employee=False)
    assert re.search(r"\bu\b", text)
    assert not re.search(r"\b(je|jij|jouw|jou)\b", text, re.IGNORECASE), text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", OPTIONAL_REASON)
def test_empty_reason_leaves_no_reason_line(templates, name, language):
    label = REASON_LABEL[language]
    _, text, html = render(templates, name, language, reason="")
    assert f"{label}:" not in text
    assert f"{label}:" not in html and f">{label}<" not in html
    _, text, html = render(templates, name, language, reason="Privé <omstandigheden>")
    assert f"{label}: Privé <omstandigheden>" in text
    assert "Privé &lt;omstandigheden&gt;" in html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ("interview_invitation", "interview_invitation_reminder"))
def test_invitation_optional_parts(templates, name, language):
    _, text, html = render(templates, name, language, appreciation_token="", interviewer_name="", short_notice=False)
    assert "boekenbon" not in text and "boekenbon" not in html
    assert "Sanne Peeters" not in text
    assert ("vroegst mogelijke" if language == "nl" else "earliest possible") not in text
    assert ("bedankje" if language == "nl" else "thank-you") not in text
    # The sign-off still closes properly without an interviewer.
    assert text.rstrip().endswith("HR, Van den Berg & Zonen")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ("interview_invitation", "interview_invitation_reminder"))
@pytest.mark.parametrize("short_notice", (True, False))
@pytest.mark.parametrize("interviewer_name", ("Sanne Peeters", ""))
def test_invitation_slot_list_stands_apart(templates, language, name, short_notice, interviewer_name):
    _, text, _ = render(templates, name, language, short_notice=short_notice, interviewer_name=interviewer_name)
    heading = "Voorgestelde momenten:" if language == "nl" else "Proposed times:"
    assert f"\n\n{heading}\n- " in text
    assert "\n\n\n" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_invitation_mentions_attachment_and_preparatory_questions(templates, language):
    _, text, html = render(templates, "interview_invitation", language)
    questions = re.findall(r"^\d\. .+\?$", text, re.MULTILINE)
    assert 6 <= len(questions) <= 8
    assert html.count("<li ") >= len(questions) + 2
    declining = "je hoeft niet uit te leggen waarom" if language == "nl" else "you do not need to explain why"
    assert declining in text
    assert FIRST_SLOT[language] in html and "(online)" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_invitation_reminder_wording_depends_on_reminder_number(templates, language):
    _, first, _ = render(templates, "interview_invitation_reminder", language, reminder_number=1)
    _, later, _ = render(templates, "interview_invitation_reminder", language, reminder_number=2)
    assert first != later


@pytest.mark.parametrize("language", LANGUAGES)
def test_interview_reminder_adapts_to_the_recipient(templates, language):
    subject_employee, to_employee, _ = render(templates, "interview_reminder", language, recipient_is_employee=True)
    subject_interviewer, to_interviewer, _ = render(
        templates, "interview_reminder", language, recipient_is_employee=False, slot=SLOT_ONLINE
    )
    assert subject_employee != subject_interviewer
    assert to_employee.startswith(("Beste Anouk de Vries", "Dear Anouk de Vries"))
    assert to_interviewer.startswith(("Beste collega", "Dear colleague"))
    assert "Anouk de Vries" in subject_interviewer
    assert COMMON["case_url"] in to_interviewer
    assert SECOND_SLOT[language] in to_interviewer


@pytest.mark.parametrize("because", ("declined", "withdrawn", "moved", "interviewer_changed"))
def test_cancellation_to_the_interviewer_says_why_in_the_u_form(templates, because):
    why = {
        "declined": "heeft afgezegd",
        "withdrawn": "ingetrokken",
        "moved": "nieuwe voorstellen",
        "interviewer_changed": "andere gespreksvoerder",
    }
    subject, text, _ = render(templates, "interview_cancelled", "nl", recipient_is_employee=False, because=because)
    assert subject.startswith("Gaat niet door: exitgesprek met Anouk de Vries")
    assert why[because] in text and "uit uw agenda" in text and COMMON["case_url"] in text
    assert not re.search(r"\b(je|jij|jouw|jou)\b", text, re.IGNORECASE), text
    _, english, _ = render(templates, "interview_cancelled", "en", recipient_is_employee=False, because=because)
    assert "will not take place" in english and COMMON["case_url"] in english


@pytest.mark.parametrize("language", LANGUAGES)
def test_calendar_file_only_with_the_agreed_time(templates, language):
    _, invitation, _ = render(templates, "interview_invitation", language, calendar_attached=False)
    assert (
        "Zodra we een moment hebben afgesproken" if language == "nl" else "Once we have agreed a time"
    ) in invitation
    assert ("eerste voorgestelde moment" if language == "nl" else "first proposed time") not in invitation
    _, scheduled, html = render(templates, "interview_scheduled", language, calendar_attached=True)
    attached = (
        "De agenda-uitnodiging voor dit gesprek zit in de bijlage"
        if language == "nl"
        else "The calendar invitation for this conversation is attached"
    )
    assert attached in scheduled and attached in html
    _, without, _ = render(templates, "interview_scheduled", language)
    assert attached not in without


@pytest.mark.parametrize("language", LANGUAGES)
def test_confirmed_and_scheduled_without_interviewer(templates, language):
    _, text, _ = render(templates, "interview_confirmed", language, interviewer_name="", slot=SLOT_ONLINE)
    assert "Met:" not in text and "With:" not in text
    assert "online" in text
    _, text, html = render(templates, "interview_scheduled", language, interviewer_name="")
    assert text.startswith(("Beste collega", "Dear colleague"))
    assert ("nog niet aangewezen" if language == "nl" else "not yet assigned") in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_case_closed_renders_a_human_interview_status(templates, language):
    labels = {}
    for status in INTERVIEW_STATUSES:
        _, text, html = render(templates, "case_closed", language, interview_status=status)
        line = next(line for line in text.splitlines() if line.startswith(("Exitgesprek:", "Exit interview:")))
        label = line.split(":", 1)[1].strip()
        assert label and "_" not in label
        assert label in html
        if language == "nl":
            assert label != status
        labels[status] = label
    assert len(set(labels.values())) == len(INTERVIEW_STATUSES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_case_closed_without_open_items(templates, language):
    subject, text, _ = render(templates, "case_closed", language, open_tasks=[], missing_equipment=[], settlement=[])
    assert ("geen, alle taken zijn afgerond" if language == "nl" else "none, all tasks are done") in text
    assert ("eindafrekening" if language == "nl" else "final pay") not in text
    assert "(" not in subject


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("share", (True, False))
def test_thank_you_labels_consent(templates, language, share):
    scope_lines = set()
    for scope in ("nothing", "advice_only", "advice_and_experiences"):
        _, text, html = render(
            templates, "interview_thank_you", language, consent_scope=scope, share_with_manager=share
        )
        assert "advice_only" not in text and "advice_and_experiences" not in text
        scope_line = next(line for line in text.splitlines() if "HR" in line and line.startswith("- "))
        scope_lines.add(scope_line)
        manager_line = next(line for line in text.splitlines() if "leidinggevende" in line or "manager" in line)
        assert ("Bram Janssens" in manager_line) is share
        assert ("Bram Janssens" in html) is share
    assert len(scope_lines) == 3


# Per departure type and language: what the invitation and the thank-you must say, and what they must not.
HOPE_TO_SEE_AGAIN = {
    "nl": ["met een goed gevoel", "weer als collega"],
    "en": ["with a good feeling", "a colleague again"],
}
DEPARTURE_WORDING: dict[str, dict[str, dict[str, list[str]]]] = {
    "dismissal": {
        "nl": {
            "invitation": [
                "Je dienstverband bij Van den Berg & Zonen eindigt",
                "niet je eigen keuze",
                "niet over het besluit zelf",
                "het allerbeste",
            ],
            "thank_you": ["het allerbeste voor wat er nu komt"],
            "never": [*HOPE_TO_SEE_AGAIN["nl"], "redenen spelen mee in je vertrek", "pensioen", "je blijft welkom"],
        },
        "en": {
            "invitation": [
                "Your employment with Van den Berg & Zonen is ending",
                "not your own choice",
                "not about the decision itself",
                "all the best",
            ],
            "thank_you": ["all the best for what comes next"],
            "never": [
                *HOPE_TO_SEE_AGAIN["en"],
                "reasons play a part in your leaving",
                "retirement",
                "always be welcome",
            ],
        },
    },
    "end_of_contract": {
        "nl": {
            "invitation": ["Je contract bij Van den Berg & Zonen loopt af", "als je contract was verlengd"],
            "thank_you": ["je inzet in de tijd dat je bij ons werkte"],
            "never": ["redenen spelen mee in je vertrek", "welke gaf de doorslag", "pensioen", "niet je eigen keuze"],
        },
        "en": {
            "invitation": [
                "Your contract with Van den Berg & Zonen is coming to an end",
                "if your contract had been extended",
            ],
            "thank_you": ["your work during your time with us"],
            "never": ["reasons play a part in your leaving", "tipped the balance", "retirement", "not your own choice"],
        },
    },
    "retirement": {
        "nl": {
            "invitation": [
                "Binnenkort ga je met pensioen",
                "al je jaren bij ons",
                "al die jaren inzet",
                "mooi pensioen",
                "je opvolger",
            ],
            "thank_you": ["al die jaren bij Van den Berg & Zonen", "mooi pensioen"],
            "never": ["redenen spelen mee in je vertrek", "weer als collega", "niet je eigen keuze"],
        },
        "en": {
            "invitation": [
                "You will soon be retiring",
                "all your years with us",
                "all those years of work",
                "wonderful retirement",
                "your successor",
            ],
            "thank_you": ["all those years at Van den Berg & Zonen", "wonderful retirement"],
            "never": ["reasons play a part in your leaving", "a colleague again", "not your own choice"],
        },
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("departure_type", sorted(DEPARTURE_WORDING))
def test_invitation_and_thank_you_fit_the_departure(templates, departure_type, language):
    wording = DEPARTURE_WORDING[departure_type][language]
    subject, invitation, invitation_html = render(
        templates, "interview_invitation", language, departure_type=departure_type
    )
    _, thank_you, thank_you_html = render(templates, "interview_thank_you", language, departure_type=departure_type)

    for expected in wording["invitation"]:
        assert expected in invitation, f"{expected!r} missing from the {departure_type} invitation:\n{invitation}"
    for expected in wording["thank_you"]:
        assert expected in thank_you, f"{expected!r} missing from the {departure_type} thank-you:\n{thank_you}"
    for text in (invitation, thank_you, invitation_html, thank_you_html, subject):
        for never in wording["never"]:
            assert never not in text, f"{never!r} in a {departure_type} mail:\n{text}"
    # Every paragraph still stands on its own, whichever wording it got.
    for text in (invitation, thank_you):
        assert not re.search(r"[.!?:][A-Z]", text), text
        assert "\n\n" + ("Hartelijke groet," if language == "nl" else "Warm regards,") in text
    assert ("\n\nWAAROM DIT GESPREK\n" if language == "nl" else "\n\nWHY THIS CONVERSATION\n") in invitation
    # The preparatory questions stay questions, as many as before.
    assert 6 <= len(re.findall(r"^\d\. .+\?$", invitation, re.MULTILINE)) <= 8
    assert wording["invitation"][0] in invitation_html.replace("&amp;", "&")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_resignation_keeps_the_warm_wording(templates, language):
    _, invitation, _ = render(templates, "interview_invitation", language, departure_type="resignation")
    _, thank_you, _ = render(templates, "interview_thank_you", language, departure_type="resignation")
    assert HOPE_TO_SEE_AGAIN[language][0] in invitation
    assert HOPE_TO_SEE_AGAIN[language][1] in thank_you
    assert (
        "redenen spelen mee in je vertrek" if language == "nl" else "reasons play a part in your leaving"
    ) in invitation


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(EMPLOYEE_MAILS | {"tasks_assigned", "task_reminder"}))
def test_the_organisation_chooses_first_name_or_full_name(templates, name, language):
    greeting = "Beste" if language == "nl" else "Dear"
    employee = {"recipient_is_employee": True}
    _, first, first_html = render(templates, name, language, salutation="first_name", **employee)
    _, full, _ = render(templates, name, language, salutation="full_name", **employee)
    _, unset, _ = render(templates, name, language, **employee)

    assert first.startswith(f"{greeting} Anouk,"), first
    assert f"{greeting} Anouk,</p>" in first_html
    assert full.startswith(f"{greeting} Anouk de Vries,") and unset.startswith(f"{greeting} Anouk de Vries,")


def test_the_thank_you_subject_uses_the_chosen_name(templates):
    subject, _, _ = render(templates, "interview_thank_you", "nl", salutation="first_name")
    assert subject == "Dank je wel voor het gesprek, Anouk"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_invitation_reminder_fits_the_departure(templates, language):
    texts = {
        kind: render(templates, "interview_invitation_reminder", language, departure_type=kind)[1]
        for kind in ("resignation", "dismissal", "retirement")
    }
    assert ("als je daarvoor openstaat" if language == "nl" else "if you are open to it") in texts["dismissal"]
    assert ("al je jaren bij ons" if language == "nl" else "all your years with us") in texts["retirement"]
    assert (
        "terug te kijken op je tijd bij ons" if language == "nl" else "look back with you on your time with us"
    ) in texts["resignation"]
    assert ("terug te kijken" if language == "nl" else "look back") not in texts["dismissal"]
    for text in texts.values():
        assert not re.search(r"[.!?:][A-Z]", text), text


@pytest.mark.parametrize(
    "language, words", [("nl", ("rustige, afgesloten ruimte", "camera aan")), ("en", ("quiet, closed room", "camera"))]
)
def test_an_online_conversation_asks_for_cameras_on_and_one_in_person_a_quiet_closed_room(templates, language, words):
    """002 Plannen: "zorg voor een rustige, afgesloten ruimte"; online, "zet de camera aan en vraag de medewerker
    hetzelfde te doen"."""
    room, camera = words
    _, invitation, _ = render(templates, "interview_invitation", language)
    assert room in invitation and camera in invitation
    _, confirmed, _ = render(
        templates, "interview_confirmed", language, slot=SLOT_ONLINE, online_link="https://meet.example.org/exit"
    )
    assert camera in confirmed and "https://meet.example.org/exit" in confirmed


def test_a_worker_keeps_no_memory_of_the_mails_it_has_built(templates):
    """Subjects and Message-IDs differ at every mail: a worker that sent thousands keeps none of them."""

    def build(number: int) -> None:
        templates.render(
            "team_announcement",
            "nl",
            context_for("team_announcement", employee_name=f"Medewerker {number}"),
            sender="hr@example.org",
            to="manager@example.org",
            message_id=f"<mail-{number}@example.org>",
        )

    for number in range(20):
        build(number)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(20, 220):
            build(number)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 256 * 1024, f"200 mails left {kept // 1024} KiB behind"


def test_a_header_shared_between_mails_is_written_as_each_mail_is_sent(templates):
    """From and Reply-To are shared by every mail of an organisation and folded once per way of writing them: the
    mail server gets CRLF line ends, a mail kept as a file plain ones, and a long name with accents folds as it would
    alone."""
    sender = "Personeelszaken en Organisatieontwikkeling van Gemeente Zoetermeer-Noordéwijk <hr@example.org>"

    def build(number: int):
        return templates.render(
            "team_announcement",
            "nl",
            context_for("team_announcement"),
            sender=sender,
            to="manager@example.org",
            message_id=f"<shared-{number}@example.org>",
        )

    first, second = build(1), build(2)
    assert first["From"] is second["From"]
    sent = first.as_bytes(policy=email.policy.SMTP)
    kept = second.as_bytes(policy=email.policy.default)
    unshared = EmailMessage(policy=email.policy.default)
    unshared["From"] = sender
    alone = unshared.as_bytes(policy=email.policy.SMTP).split(b"\r\n\r\n")[0] + b"\r\n"
    from_in_sent = re.search(rb"^From: .*?\r\n(?! )", sent, re.M | re.S)
    assert from_in_sent is not None and from_in_sent.group(0) == alone
    assert b"=?utf-8?" in alone and alone.count(b"\r\n") > 1  # encoded and folded: a header that tests something
    assert b"\r\n" not in kept
    assert unshared.as_bytes(policy=email.policy.default).split(b"\n\n")[0] + b"\n" in kept


def test_a_mail_server_without_8bitmime_does_not_make_a_worker_keep_each_mail(templates):
    """For a server without 8BITMIME the mail client makes a new 7-bit policy at every send: the shared headers'
    folded forms do not pile up with them."""
    message = templates.render(
        "team_announcement",
        "nl",
        context_for("team_announcement"),
        sender="Personeelszaken <hr@example.org>",
        to="manager@example.org",
        message_id="<seven-bit@example.org>",
    )
    for _ in range(20):
        flatten_message(message, cte_type="7bit")
    re.purge()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(300):
            flatten_message(message, cte_type="7bit")
        # The regular expressions of each send's new multipart boundary fill the re module's own bounded cache.
        re.purge()
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 64 * 1024, f"300 sends kept {kept // 1024} KiB"
