"""Codes a person types from a terminal: the setup code that opens the first-run page."""

import secrets

# Letters and digits that cannot be mistaken for one another when typed from a terminal.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_LENGTH = 4, 5  # 20 characters from 32: 100 bits


def new_setup_code() -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join(groups)
