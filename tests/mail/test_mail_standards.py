"""Every mail the templates make, read by independent parsers: Python's strict e-mail parser
(``email.policy.strict``, which raises at any defect) and the `mail-parser` package. Each mail says it is
automatic (RFC 3834 ``Auto-Submitted: auto-generated``; ``X-Auto-Response-Suppress: All`` for Exchange), names
a person's mailbox as Reply-To, and carries a plain-text part beside an HTML part in the shared layout: tables,
inline styles, the language, a preheader, and nothing loaded from elsewhere.

The mails the cases send are checked too, as they arrive at the mail server: who a reply reaches."""

import html as html_module
import mailbox
import re
from email import policy
from email.parser import BytesParser

import mailparser
import pytest

from activities.mail_templates import TEMPLATE_DIR, MailTemplates
from cases import service
from models.actors import Actor, Role
from models.interview import AssignInterviewer, ResendInvitation
from models.registration import Registration
from tests.support import eventually, registration_data
from tests.support.mail import COMMON, EXTRA, LANGUAGES
from tests.support.report import EXPECTED as REPORT_EXPECTED
from tests.support.report import SAMPLE as REPORT_SAMPLE

ANNOUNCEMENTS = {name: {} for name in ("announcement_manager", "announcement_hr", "announcement_facilities")}
CASE_MAILS = [(name, {**COMMON, **context}) for name, context in sorted({**EXTRA, **ANNOUNCEMENTS}.items())]
REPORT_MAILS = [(name, REPORT_SAMPLE) for name in sorted(REPORT_EXPECTED)]
EVERY_MAIL = [(name, language, context) for name, context in CASE_MAILS + REPORT_MAILS for language in LANGUAGES]
REPLY_TO = "Sanne Peeters <sanne.peeters@example.org>"


def render(name: str, language: str, context: dict) -> bytes:
    message = MailTemplates().render(
        name,
        language,
        context,
        sender="HR <hr@example.org>",
        to="anouk@example.org",
        message_id="<a1b2@offboarding>",
        reply_to=REPLY_TO,
    )
    return bytes(message)


def test_every_template_is_covered():
    names = {path.name.split(".")[0] for path in TEMPLATE_DIR.glob("*.j2") if not path.name.startswith("_")}
    assert names == {name for name, _, _ in EVERY_MAIL}


@pytest.mark.parametrize(("name", "language", "context"), EVERY_MAIL, ids=[f"{n}-{lang}" for n, lang, _ in EVERY_MAIL])
def test_the_strict_parser_reads_an_automatic_mail_with_a_reply_to_a_person(name, language, context):
    message = BytesParser(policy=policy.strict).parsebytes(render(name, language, context))

    assert message.defects == []
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    [reply_to] = message["Reply-To"].addresses
    assert reply_to.addr_spec == "sanne.peeters@example.org" and reply_to.display_name == "Sanne Peeters"
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    for part in message.walk():
        assert part.defects == []
    assert message.get_body(("plain",)).get_content().strip()


@pytest.mark.parametrize(("name", "language", "context"), EVERY_MAIL, ids=[f"{n}-{lang}" for n, lang, _ in EVERY_MAIL])
def test_mail_parser_reads_the_layout_a_mail_client_renders(name, language, context):
    parsed = mailparser.parse_from_bytes(render(name, language, context))

    assert parsed.defects == []
    assert parsed.headers["Auto-Submitted"] == "auto-generated"
    assert parsed.reply_to == [("Sanne Peeters", "sanne.peeters@example.org")]
    [text] = parsed.text_plain
    [html] = parsed.text_html
    assert text.strip() and "<p" not in text and "<br" not in text
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{language}"' in html
    assert "<title>" in html
    # Layout tables, styles inlined into the elements, no stylesheet left for clients to strip.
    assert 'role="presentation"' in html
    assert "<style" not in html and "<link" not in html
    unstyled = re.findall(r"<(?:p|li|td|th|a)(?:\s(?![^>]*style=)[^>]*)?>", html)
    assert unstyled == [], f"elements without inline style: {unstyled[:5]}"
    # Nothing loaded from elsewhere: no images, scripts, frames, fonts or CSS urls.
    assert not re.search(r"<(img|script|iframe|object|embed|video|audio)\b", html)
    assert "url(" not in html and "@import" not in html
    # The preheader: hidden text first in the body, from the mail's own words.
    preheader = re.search(r'<body[^>]*>\s*<div style="display: none;[^"]*">([^<]+)</div>', html)
    assert preheader and len(html_module.unescape(preheader.group(1))) <= 141
    assert preheader.group(1).split()[0] in " ".join(text.split())
    # The footer says where a reply goes.
    assert "sanne.peeters@example.org" in html


async def test_the_cases_mails_answer_to_hr_and_the_employees_interview_mails_to_the_interviewer(
    time_skipping_env, worker, mail_store, task_queue
):
    registration = Registration.model_validate(registration_data())
    case_id = (await service.register(time_skipping_env.client, registration, task_queue)).case_id
    employee = str(registration.employee.work_email)

    def raw_mails() -> list:
        box = mailbox.Maildir(mail_store.directory, create=True)
        mails = [BytesParser(policy=policy.strict).parsebytes(box.get_bytes(key)) for key in box.keys()]
        return [mail for mail in mails if mail["X-Offboarding-Case"] == case_id]

    def purposes(prefix: str) -> list:
        return [mail for mail in raw_mails() if mail["X-Offboarding-Purpose"].startswith(prefix)]

    announcements = await eventually(lambda: len(purposes("announcement")) == 3 and purposes("announcement"))
    [invitation] = await eventually(lambda: purposes("interview:invitation"))
    for mail in [*announcements, invitation]:
        assert mail["Auto-Submitted"] == "auto-generated"
        assert mail["Reply-To"].addresses[0].addr_spec == "hr@example.org", (mail["X-Offboarding-Purpose"], mail["To"])
    assert invitation["To"].addresses[0].addr_spec == employee

    hr = Actor(email="hr@example.org", role=Role.HR)
    await service.act(
        time_skipping_env.client,
        case_id,
        AssignInterviewer(actor=hr, interviewer={"name": "Sanne Peeters", "email": "sanne.peeters@example.org"}),
    )
    await service.act(time_skipping_env.client, case_id, ResendInvitation(actor=hr))

    def to_the_interviewer():
        return [
            mail
            for mail in purposes("interview:")
            if mail["Reply-To"].addresses[0].addr_spec == "sanne.peeters@example.org"
        ]

    [again] = await eventually(to_the_interviewer)
    assert again["To"].addresses[0].addr_spec == employee
