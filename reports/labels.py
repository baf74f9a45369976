"""The values of a report as its reader knows them (a departure type, a reason, a metric, a group...), through the
labels every page and mail uses (``i18n.labels``), and the natural order of a breakdown's groups. Values without a
label (a department, an age band such as "25-34") read as themselves."""

from functools import lru_cache

from i18n.catalogue import translations
from i18n.labels import Labels


@lru_cache
def labels(language: str, country: str = "NL") -> Labels:
    """The labels in ``language`` (as the organisation's country says them), the words of the report's own context
    (``pgettext("report", …)``) included."""
    catalogue = translations(language, country)
    return Labels(catalogue.gettext, catalogue.pgettext)


@lru_cache
def kinds(language: str, country: str = "NL") -> dict[str, dict[str, str]]:
    """Each kind of value a report names, with its labels in ``language``."""
    known = labels(language, country)
    return {
        "departure_type": known.departure_types,
        "outcome": known.interview_outcomes,
        "metric": known.metrics,
        "reason": known.reasons_in_short,
        "influence": known.influences,
        "dimension": known.breakdown_dimensions,
        "group": known.breakdown_groups,
        "action_state": known.review_action_states,
        "topic": known.free_text_topics,
    }


def value_label(kind: str, value: str, language: str, country: str = "NL") -> str:
    """A departure type, reason, metric, group... as the reader knows it; departments stay as they are."""
    return kinds(language, country).get(kind, {}).get(value, value)


# Groups in the order a reader expects them: bands from young (or short) to old (or long), "not given" last.
# Groups not listed (departments, the organisation's own target groups) follow in alphabetical order.
NATURAL_ORDER = [
    "<25",
    "25-34",
    "35-44",
    "45-54",
    "55+",
    "<1",
    "1-2",
    "2-5",
    "5-10",
    "10+",
    "woman",
    "man",
    "non_binary",
    "yes",
    "no",
]


def group_order(key: str) -> tuple[int, int, str]:
    """Sort key of a group: the bands in ``NATURAL_ORDER``, then the rest alphabetically, ``not_given`` last."""
    if key == "not_given":
        return (2, 0, "")
    if key in NATURAL_ORDER:
        return (0, NATURAL_ORDER.index(key), "")
    return (1, 0, key.casefold())
