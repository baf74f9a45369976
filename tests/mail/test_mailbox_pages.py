"""The mailbox pages: the mail a local run sent, readable in the browser, and absent when switched off."""

import html
from html.parser import HTMLParser

import pytest

from tests.support import eventually, registration_data, serve
from tests.support.auth import signed_in_as


@pytest.fixture
async def http(http, sessions):
    """Signed in as HR (captured mail holds every employee link); the assertions read the English pages."""
    await signed_in_as(http, sessions, ["hr"], language="en")
    http.headers["Accept-Language"] = "en"
    return http


def _iframes(page: str) -> list[dict[str, str]]:
    frames: list[dict[str, str]] = []

    class Frames(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "iframe":
                frames.append({key: value or "" for key, value in attrs})

    Frames().feed(page)
    return frames


def _manager_announcement(mail_store):
    return next(
        (m for m in mail_store.all() if m.purpose == "announcement" and m.to == "bram.janssens@example.org"), None
    )


async def test_the_mailbox_lists_sent_mail_and_shows_each_one(http, worker, mail_store):
    assert (await http.post("/api/cases", json=registration_data(manager_language="en"))).status_code == 201
    mail = await eventually(lambda: _manager_announcement(mail_store))

    listing = await http.get("/mailbox")

    assert listing.status_code == 200
    assert "Anouk de Vries (Finance) is leaving: offboarding has started" in listing.text
    assert "bram.janssens@example.org" in listing.text
    assert f'href="http://offboarding.test/mailbox/{mail.key}"' in listing.text

    shown = await http.get(f"/mailbox/{mail.key}")

    assert shown.status_code == 200
    assert f"<h1>{html.escape(mail.subject)}</h1>" in shown.text
    assert "HR &lt;hr@example.org&gt;" in shown.text
    assert "<dd>English</dd>" in shown.text
    assert html.escape(mail.text.strip()[:60]) in shown.text
    # The HTML body is shown inert: inside an iframe's srcdoc, with every sandbox permission withheld.
    frames = _iframes(shown.text)
    assert len(frames) == 1
    assert frames[0]["sandbox"] == ""
    assert frames[0]["srcdoc"] == mail.html
    assert "<strong>Anouk de Vries</strong>" not in shown.text


async def test_an_unknown_mail_is_not_found(http, mail_store):
    response = await http.get("/mailbox/no-such-mail")

    assert response.status_code == 404
    assert "There is no mail no-such-mail." in response.text


async def test_the_mailbox_does_not_exist_when_disabled(settings, time_skipping_env, mail_store):
    mail_store.add(
        b"Date: Mon, 04 Jan 2027 09:00:00 +0100\r\nFrom: hr@example.org\r\nTo: someone@example.org\r\nSubject: Captured\r\n\r\nBody\r\n"
    )
    key = mail_store.all()[0].key

    async with serve(settings.model_copy(update={"mailbox_enabled": False}), time_skipping_env.client) as http:
        assert (await http.get("/mailbox")).status_code == 404
        assert (await http.get(f"/mailbox/{key}")).status_code == 404
        assert 'href="/mailbox"' not in (await http.get("/cases/new")).text
