"""An item of equipment written on one line, as the command line and the CSV import take it.

``name | kind | asset tag | returned to``: only the name is needed, the other parts may be left out from the
right or left empty (``Lease car | car | | fleet@example.org``). The kind is one of the ``ItemKind`` values or
its Dutch word (``telefoon``, ``pas``, ``sleutels``, ``auto``, ``kaart``, ``overig``), in any capitals; anything
else is passed on as written so that the model's complaint names the allowed kinds."""

from typing import Any

from models.registration import ItemKind

SEPARATOR = "|"
PARTS = ("name", "kind", "asset_tag", "custodian_email")
DUTCH_KINDS = {
    "laptop": ItemKind.LAPTOP,
    "telefoon": ItemKind.PHONE,
    "pas": ItemKind.BADGE,
    "toegangspas": ItemKind.BADGE,
    "sleutels": ItemKind.KEYS,
    "sleutel": ItemKind.KEYS,
    "auto": ItemKind.CAR,
    "leaseauto": ItemKind.CAR,
    "kaart": ItemKind.CARD,
    "tankpas": ItemKind.CARD,
    "overig": ItemKind.OTHER,
}


def kind_of(text: str) -> str:
    word = text.strip().lower()
    return str(DUTCH_KINDS.get(word, word))


def from_text(text: str) -> dict[str, Any]:
    """The item's fields from its line; more parts than four are kept in the last so that the model refuses them."""
    parts = [part.strip() for part in text.split(SEPARATOR, len(PARTS) - 1)]
    item: dict[str, Any] = {}
    for key, value in zip(PARTS, parts, strict=False):
        if value or key == "name":
            item[key] = kind_of(value) if key == "kind" else value
    if "custodian_email" in item:
        item["custodian_email"] = item["custodian_email"].lower()
    return item


def from_list(text: str) -> list[dict[str, Any]]:
    """Items separated by semicolons, as one CSV cell holds them."""
    return [from_text(part) for part in text.split(";") if part.strip()]
