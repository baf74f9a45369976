"""Every setting is documented: a new field in Settings without a row in README.md's table fails here."""

import re
from pathlib import Path

from pydantic_core import PydanticUndefined

from config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _row(name: str) -> str:
    field = Settings.model_fields[name]
    default = "" if field.default is PydanticUndefined else str(field.default)
    shown = f"`{default}`" if default else "(empty)"
    return f"| `OFFBOARDING_{name.upper()}` | {shown} | {field.description} |"


def test_every_setting_has_a_row_in_the_readme_settings_table():
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(OFFBOARDING_[A-Z0-9_]+)` \|", text, re.M))
    missing = [name for name in Settings.model_fields if f"OFFBOARDING_{name.upper()}" not in documented]
    assert not missing, "README.md's Settings table lacks these rows:\n" + "\n".join(_row(name) for name in missing)


def test_the_readme_documents_no_setting_that_does_not_exist():
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(OFFBOARDING_[A-Z0-9_]+)` \|", text, re.M))
    fields = {f"OFFBOARDING_{name.upper()}" for name in Settings.model_fields}
    assert documented <= fields, f"README.md documents settings that do not exist: {sorted(documented - fields)}"
