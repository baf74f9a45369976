"""The report's opening summary in words: what changed against the previous period, the three reasons for leaving
named most, and where the actions of earlier reports stand.

It is written from the stored figures alone, so it says nothing the figures below it do not show: a suppressed
figure is left out of the sentences as it is left out of the tables."""

from typing import Any

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from models.report import ActionState, CountTable, ReportFigures, Trend
from reports.labels import value_label

# The changes named first, then the largest of the ratings; at most this many in all.
LEADING = ["departures", "response_rate", "recommend"]
CHANGES_NAMED = 5
REASONS_NAMED = 3

WORDS: dict[str, dict[str, Any]] = {
    "nl": {
        "first": "Dit is de eerste rapportage: er is nog geen eerdere periode om mee te vergelijken.",
        "changed": "Vergeleken met {previous}: {changes}.",
        "unchanged": "Vergeleken met {previous} zijn geen verschillen te tonen: de cijfers rusten in een van beide perioden op te weinig mensen.",
        "reasons": "De meest genoemde hoofdredenen van vertrek: {reasons}.",
        "no_reasons": "De redenen van vertrek rusten in deze periode op te weinig mensen om te tonen.",
        "pooled_reasons": "Over {periods} samen de meest genoemde hoofdredenen van vertrek: {reasons}.",
        "pooled_too_few": "Deze periode heeft te weinig respondenten voor cijfers over hun antwoorden; ook samen met eerdere perioden nog wel.",
        "no_actions": "Er staan geen acties uit eerdere rapportages open.",
        "all_done": "De acties uit eerdere rapportages zijn gedaan.",
        "open": "Uit eerdere rapportages {verb} {count} open{late}; als eerste: {text} (uiterlijk {due}).",
        "open_verb": ("staat", "staan"),
        "open_count": ("één actie", "{n} acties"),
        "late": ", waarvan {late} over de uiterste datum",
    },
    "en": {
        "first": "This is the first report: there is no earlier period to compare with yet.",
        "changed": "Compared with {previous}: {changes}.",
        "unchanged": "No changes can be shown against {previous}: the figures of one of the two periods rest on too few people.",
        "reasons": "The primary reasons for leaving named most: {reasons}.",
        "no_reasons": "The reasons for leaving rest on too few people in this period to be shown.",
        "pooled_reasons": "In {periods} together, the primary reasons for leaving named most: {reasons}.",
        "pooled_too_few": "This period has too few respondents for figures on their answers; so have the earlier periods it could be counted with.",
        "no_actions": "No actions from earlier reports are open.",
        "all_done": "The actions from earlier reports are done.",
        "open": "From earlier reports {count} {verb} open{late}; first: {text} (due {due}).",
        "open_verb": ("is", "are"),
        "open_count": ("one action", "{n} actions"),
        "late": ", {late} of them past the due date",
    },
}


def summary(figures: ReportFigures, language: str) -> list[str]:
    """The opening paragraph, one sentence per subject."""
    words = WORDS[language]
    return [_changes(figures, language, words), _reasons(figures, language, words), _actions(figures, language, words)]


def _locale(language: str) -> str:
    # English the British way (29 January 2027; a, b and c), as the report and the mails write it.
    return {"en": "en_GB"}.get(language, language)


def _number(value: float, language: str) -> str:
    return format_decimal(value, format="#,##0.0", locale=language)


def _change(trend: Trend, language: str) -> str:
    delta = trend.delta or 0.0
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    if trend.metric == "response_rate":
        shown = format_percent(abs(delta), format="#,##0%", locale=language)
    elif trend.metric == "departures":
        shown = format_decimal(round(abs(delta)), locale=language)
    else:
        shown = _number(abs(delta), language)
    label = value_label("metric", trend.metric, language)
    # In the middle of a sentence: "vertrek +3, respons −5%".
    return f"{label[0].lower() + label[1:]} {sign}{shown}"


def _changes(figures: ReportFigures, language: str, words: dict) -> str:
    if figures.previous_label is None:
        return words["first"]
    changed = [t for t in figures.trends if t.delta is not None]
    if not changed:
        return words["unchanged"].format(previous=figures.previous_label)
    leading = [t for metric in LEADING for t in changed if t.metric == metric]
    rest = sorted((t for t in changed if t.metric not in LEADING), key=lambda t: -abs(t.delta or 0.0))
    named = (leading + rest)[:CHANGES_NAMED]
    return words["changed"].format(
        previous=figures.previous_label,
        changes=format_list([_change(t, language) for t in named], locale=_locale(language)),
    )


def _reasons(figures: ReportFigures, language: str, words: dict) -> str:
    pool = figures.pooled
    if pool is not None:
        if pool.respondents is None or pool.primary_reasons is None:
            return words["pooled_too_few"]
        named = _top_reasons(pool.primary_reasons, language)
        if named:
            periods = format_list(pool.labels, locale=_locale(language))
            return words["pooled_reasons"].format(periods=periods, reasons=named)
        return words["no_reasons"]
    named = _top_reasons(figures.primary_reasons, language)
    return words["reasons"].format(reasons=named) if named else words["no_reasons"]


def _top_reasons(table: CountTable, language: str) -> str:
    # The cells are stored largest first; a reason left out for its size is not in them at all.
    top = [cell for cell in table.cells if cell.count][:REASONS_NAMED]
    named = [f"{value_label('reason', cell.key, language)} ({cell.count})" for cell in top]
    return format_list(named, locale=_locale(language)) if named else ""


def _actions(figures: ReportFigures, language: str, words: dict) -> str:
    if not figures.earlier_actions:
        return words["no_actions"]
    waiting = sorted(
        (a for a in figures.earlier_actions if a.state != ActionState.DONE), key=lambda a: (a.due_date, a.text)
    )
    if not waiting:
        return words["all_done"]
    late = sum(1 for a in waiting if a.state == ActionState.LATE)
    one, many = words["open_count"]
    singular, plural = words["open_verb"]
    return words["open"].format(
        count=one if len(waiting) == 1 else many.format(n=len(waiting)),
        verb=singular if len(waiting) == 1 else plural,
        late=words["late"].format(late=late) if late else "",
        due=format_date(waiting[0].due_date, format="long", locale=_locale(language)),
        text=waiting[0].text,
    )
