"""One Dutch word for one thing, in every page, mail and report: the compiled catalogues (the ones the product loads)
call the person who holds the exit interview the gespreksvoerder, the company's property bedrijfsmiddelen and those who
review a report beoordelaars, and speak to the employee with "je"."""

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo

LOCALE = Path(__file__).resolve().parents[2] / "i18n" / "locale"
COMPILED = ("nl", "nl_BE")

# Words that name the same thing as a glossary word and so must not appear, with the word to use instead.
BANNED = {
    "gesprekspartner": "gespreksvoerder",
    "gespreksleider": "gespreksvoerder",
    "interviewer": "gespreksvoerder",
    "spullen": "bedrijfsmiddelen",
    "materiaal": "bedrijfsmiddelen",
    "apparatuur": "bedrijfsmiddelen",
    "uitrusting": "bedrijfsmiddelen",
    "bedrijfseigendommen": "bedrijfsmiddelen",
    "reviewer": "beoordelaar",
    "reviewers": "beoordelaars",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{[^}]*\}\}")


def _messages(locale: str) -> list[tuple[str, str]]:
    with (LOCALE / locale / "LC_MESSAGES" / "messages.mo").open("rb") as mo_file:
        catalogue = read_mo(mo_file)
    pairs = []
    for message in catalogue:
        if not message.id:
            continue
        pairs.append((_joined(message.id), _joined(message.string)))
    return pairs


def _joined(text: str | tuple[str, ...] | list[str]) -> str:
    """A message with plural forms as one text: its singular and plural side by side."""
    return text if isinstance(text, str) else " ".join(text)


def _words(text: str) -> str:
    """The text without its placeholders (a placeholder's name, like %(interviewer)s, is no Dutch word)."""
    return PLACEHOLDER.sub(" ", text)


@pytest.mark.parametrize("locale", COMPILED)
def test_no_dutch_message_uses_a_second_word_for_a_glossary_term(locale):
    offending = [
        (banned, instead, dutch)
        for _, dutch in _messages(locale)
        for banned, instead in BANNED.items()
        if re.search(rf"\b{banned}\b", _words(dutch), re.IGNORECASE)
    ]
    assert not offending, "\n".join(f"{banned!r} (write {instead!r}): {dutch}" for banned, instead, dutch in offending)


@pytest.mark.parametrize(
    ("english", "dutch"),
    [(r"\binterviewers?\b", "gespreksvoerder"), (r"\bequipment\b", "bedrijfsmiddel")],
)
def test_every_message_about_the_interviewer_or_the_equipment_uses_the_glossary_word(english, dutch):
    missing = [
        (source, translated)
        for source, translated in _messages("nl")
        if re.search(english, _words(source), re.IGNORECASE) and dutch not in translated.lower()
    ]
    assert not missing, "\n".join(f"{source!r} -> {translated!r}" for source, translated in missing)


def test_messages_to_the_employee_say_je():
    to_the_employee = [
        (source, translated)
        for source, translated in _messages("nl")
        if re.search(r"\byour (interviewer|last working day|exit interview)\b", source, re.IGNORECASE)
    ]
    assert to_the_employee
    formal = [(source, translated) for source, translated in to_the_employee if re.search(r"\b(u|uw)\b", translated)]
    assert not formal, formal
    assert all(re.search(r"\b(je|jij|jou|jouw)\b", translated, re.IGNORECASE) for _, translated in to_the_employee), [
        translated for _, translated in to_the_employee if not re.search(r"\bje\b", translated, re.IGNORECASE)
    ]


def test_the_employee_reads_gespreksvoerder_and_bedrijfsmiddelen_in_the_compiled_catalogue():
    from i18n.catalogue import translations

    dutch = translations("nl")
    assert "je gespreksvoerder" in dutch.gettext(
        "Your proposed time, %(when)s, waits for your interviewer's confirmation."
    )
    assert "je bedrijfsmiddelen" in dutch.gettext("Your last working day is coming up: please return your work items")
    belgian = translations("nl", "BE")
    assert "bedrijfsmiddelen" in belgian.gettext("Find the equipment of one departure")
