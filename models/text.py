"""Text that people type (names, titles, departments, reasons, comments, notes) and the addresses they give,
as every input model takes them.

Invisible characters are refused: the bidirectional controls (U+202A-U+202E, U+2066-U+2069, the marks
U+200E, U+200F and U+061C) turn text around on screen, so a name in a mail subject or on a page can read as
something else than it is; the other format characters (zero-width spaces, word joiners, the byte order
mark, tag characters) hide text or split words unseen. Only the two joiners stay, which some scripts and
emoji need to be spelled at all. Control characters are refused too; line breaks and tabs only in
text of several lines.

Addresses are kept in lower case, so that one mailbox is one address everywhere: in accounts, sign-in,
cases, tasks and every check of who may act.

Both rules apply at the boundary; stored data is read back as it was (models/recorded.py)."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, EmailStr, ValidationInfo
from pydantic_core import PydanticCustomError

from models.recorded import is_recorded

# The error type of a refused character, for callers that word the refusal themselves (the pages).
INVISIBLE_CHARACTER = "invisible_character"
# Zero-width non-joiner and joiner: part of correct spelling in Persian, Indic scripts and emoji sequences.
JOINERS = frozenset("\u200c\u200d")
# Tab, line feed, carriage return: what a multi-line text may hold of the control characters.
LINE_BREAKS = frozenset("\t\n\r")
# Format (Cf), control (Cc), line and paragraph separators (Zl, Zp), lone surrogates (Cs).
HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp", "Cs"})


def hidden_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character of ``text`` that does not show as itself, or None."""
    allowed = JOINERS | LINE_BREAKS if multiline else JOINERS
    for char in text:
        if char not in allowed and unicodedata.category(char) in HIDDEN_CATEGORIES:
            return char
    return None


def describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}".strip()


def _checked(multiline: bool):
    def check(value: str, info: ValidationInfo) -> str:
        if is_recorded(info):
            return value
        char = hidden_character(value, multiline=multiline)
        if char is not None:
            raise PydanticCustomError(
                INVISIBLE_CHARACTER,
                "contains an invisible character ({character}) that can change how the text reads; remove it",
                {"character": describe(char)},
            )
        return value

    return check


def _lower(value: str, info: ValidationInfo) -> str:
    return value if is_recorded(info) else value.lower()


def address_key(address: object) -> str:
    """An address as compared: two spellings of one mailbox are the same address."""
    return str(address).strip().lower()


def same_address(one: object, other: object) -> bool:
    return address_key(one) == address_key(other)


# Annotations for a text field: ``Annotated[str, StringConstraints(...), Visible]``.
Visible = AfterValidator(_checked(multiline=False))  # one line: a name, a title, a department
VisibleLines = AfterValidator(_checked(multiline=True))  # one or more lines: a comment, a reason, a note
Email = Annotated[EmailStr, AfterValidator(_lower)]
