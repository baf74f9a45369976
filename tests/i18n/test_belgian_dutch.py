"""A Belgian organisation reads Belgian Dutch: its own words where Belgium and the Netherlands differ (ontslagname,
opzeggingstermijn, loon), in its pages and mails alike, and Belgian date forms (29/01/2027 where the Netherlands
write 29-01-2027); a Dutch organisation keeps its own."""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from cases import service
from models.registration import Registration
from tests.support import eventually, registration_data, serve
from tests.support.auth import signed_in_as
from tests.support.environment import new_task_queue
from worker import build_worker

LOCALE = Path(__file__).resolve().parents[2] / "i18n" / "locale"
TIME_TAG = re.compile(r'<time datetime="([^"]+)">([^<]+)</time>')


def _catalogue(path: Path):
    with path.open("rb") as po_file:
        return read_po(po_file)


def test_every_belgian_word_replaces_a_message_the_product_still_shows():
    template = {message.id for message in _catalogue(LOCALE / "messages.pot") if message.id}
    belgian = [message for message in _catalogue(LOCALE / "nl_BE" / "LC_MESSAGES" / "messages.po") if message.id]
    assert belgian, "the Belgian catalogue is empty"
    stale = [message.id for message in belgian if message.id not in template]
    assert not stale, f"Belgian words for messages the product no longer has: {stale}"
    assert all(message.string for message in belgian)
    with (LOCALE / "nl_BE" / "LC_MESSAGES" / "messages.mo").open("rb") as mo_file:
        compiled = read_mo(mo_file)
    stale = [
        message.id
        for message in belgian
        if compiled.get(message.id) is None or compiled.get(message.id).string != message.string
    ]
    assert not stale, f"i18n/locale/nl_BE/LC_MESSAGES/messages.mo is older than its .po (make translations): {stale}"


async def _registered_case(time_skipping_env, settings, sessions, mail_store, country: str):
    task_queue = new_task_queue()
    local = settings.model_copy(update={"organisation_country": country, "task_queue": task_queue})
    registration = Registration.model_validate(registration_data())
    async with build_worker(time_skipping_env.client, local, sessions, task_queue=task_queue):
        result = await service.register(time_skipping_env.client, registration, task_queue)
        hr_mail = await eventually(
            lambda: next(
                (
                    mail
                    for mail in mail_store.all()
                    if mail.case_id == result.case_id and mail.purpose == "announcement" and mail.to == "hr@example.org"
                ),
                None,
            )
        )
        async with serve(local, time_skipping_env.client) as http:
            await signed_in_as(http, sessions, ["hr"], language="nl")
            page = await eventually(lambda: _case_page(http, result.case_id))
    return hr_mail, page


async def _case_page(http, case_id: str):
    answer = await http.get(f"/cases/{case_id}")
    return answer.text if answer.status_code == 200 and "29" in answer.text else None


async def test_a_belgian_organisation_reads_ontslagname_where_a_dutch_one_reads_ontslag_op_eigen_verzoek(
    time_skipping_env, settings, sessions, mail_store
):
    hr_mail, page = await _registered_case(time_skipping_env, settings, sessions, mail_store, "BE")
    assert "Ontslagname" in hr_mail.text and "Ontslag op eigen verzoek" not in hr_mail.text
    assert "vrijdag 29 januari 2027" in hr_mail.text
    assert "Ontslagname" in page and "Ontslag op eigen verzoek" not in page

    hr_mail, page = await _registered_case(time_skipping_env, settings, sessions, mail_store, "NL")
    assert "Ontslag op eigen verzoek" in hr_mail.text and "Ontslagname" not in hr_mail.text
    assert "Ontslag op eigen verzoek" in page and "Ontslagname" not in page


def _timeline_times(page: str) -> list[tuple[datetime, str]]:
    """The case timeline's moments: when each happened (the machine-readable form) and as the reader sees it."""
    timeline = page.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    return [(datetime.fromisoformat(moment), shown) for moment, shown in TIME_TAG.findall(timeline)]


async def test_a_belgian_organisation_reads_short_dates_with_slashes_where_a_dutch_one_reads_hyphens(
    time_skipping_env, settings, sessions, mail_store
):
    _, belgian_page = await _registered_case(time_skipping_env, settings, sessions, mail_store, "BE")
    _, dutch_page = await _registered_case(time_skipping_env, settings, sessions, mail_store, "NL")

    # Belgian: 7/12/2026 (the day without a leading zero); Dutch: 07-12-2026.
    for page, zone, short_day in (
        (belgian_page, "Europe/Brussels", lambda local: f"{local.day}/{local.month:02d}/{local.year}"),
        (dutch_page, "Europe/Amsterdam", lambda local: f"{local.day:02d}-{local.month:02d}-{local.year}"),
    ):
        moments = _timeline_times(page)
        assert moments, "the case page shows its timeline"
        for moment, shown in moments:
            local = moment.astimezone(ZoneInfo(zone))
            assert shown == f"{short_day(local)}, {local:%H:%M}", (zone, shown)
