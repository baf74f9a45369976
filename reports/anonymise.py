"""Names and e-mail addresses out of free text before it leaves HR.

Three nets: e-mail addresses by pattern; the leaving employee's and manager's names known from
the case, in any capitalisation; and every capitalised first name or surname that appears among
the people in the cases table, which catches colleagues named in passing."""

import re
from collections.abc import Iterable

REDACTED = "[…]"
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Dutch and Flemish surname particles: never a name on their own, but part of the name they precede.
PARTICLES = {"van", "de", "der", "den", "ter", "ten", "te", "het", "'t", "in", "op", "la", "le", "du", "da", "di", "von", "vd", "v.d."}
PARTICLE_RUN = r"(?:(?:" + "|".join(re.escape(p) for p in sorted(PARTICLES, key=len, reverse=True)) + r")\s+)*"
MIN_PART = 2


def name_parts(full_name: str) -> set[str]:
    return {part for part in re.split(r"[\s,]+", full_name.strip()) if len(part) >= MIN_PART and part.lower() not in PARTICLES}


def _pattern(words: Iterable[str], *, ignore_case: bool) -> re.Pattern[str] | None:
    alternatives = sorted({w for w in words if w}, key=len, reverse=True)
    if not alternatives:
        return None
    body = "|".join(re.escape(w) for w in alternatives)
    flags = re.IGNORECASE | re.UNICODE if ignore_case else re.UNICODE
    # A particle run before the name goes with it ("meneer De Vries" keeps no stray "De").
    return re.compile(rf"(?<![\w-]){PARTICLE_RUN}(?:{body})(?![\w-])", flags)


class Scrubber:
    """Built once per report from every name in the cases table."""

    def __init__(self, known_names: Iterable[str]) -> None:
        parts = set()
        for name in known_names:
            parts |= name_parts(name)
        # Only capitalised forms: "Roos" the colleague, not "roos" the flower.
        self._known = _pattern((p[0].upper() + p[1:] for p in parts), ignore_case=False)
        # A respondent's texts come up once per topic; compiling their names' pattern each time cost most of a report.
        self._own: dict[frozenset[str], re.Pattern[str] | None] = {}

    def scrub(self, text: str, case_names: Iterable[str] = ()) -> str:
        text = EMAIL.sub(REDACTED, text)
        own = set()
        for name in case_names:
            own |= {name.strip()} | name_parts(name)
        key = frozenset(own)
        if key not in self._own:
            self._own[key] = _pattern(key, ignore_case=True)
        own_pattern = self._own[key]
        if own_pattern is not None:
            text = own_pattern.sub(REDACTED, text)
        if self._known is not None:
            text = self._known.sub(REDACTED, text)
        # Adjacent redactions ("[…] […]") say no more than one.
        return re.sub(rf"(?:{re.escape(REDACTED)}\s*)+(?={re.escape(REDACTED)})", "", text).strip()
