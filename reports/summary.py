"""The report's opening summary in words: what changed against the previous period, the three reasons for leaving
named most, and where the actions of earlier reports stand.

It is written from the stored figures alone, so it says nothing the figures below it do not show: a suppressed
figure is left out of the sentences as it is left out of the tables. The sentences come from the product's
catalogue (``i18n``), in the reader's language."""

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations

from i18n.catalogue import format_locale, translations
from models.report import ActionState, CountTable, ReportFigures, Trend
from reports.labels import value_label

# The changes named first, then the largest of the ratings; at most this many in all.
LEADING = ["departures", "response_rate", "recommend"]
CHANGES_NAMED = 5
REASONS_NAMED = 3


def summary(figures: ReportFigures, language: str, country: str = "NL") -> list[str]:
    """The opening paragraph, one sentence per subject."""
    catalogue = translations(language, country)
    return [
        _changes(figures, language, catalogue, country),
        _reasons(figures, language, catalogue, country),
        _actions(figures, language, catalogue),
    ]


def _number(value: float, language: str) -> str:
    return format_decimal(value, format="#,##0.0", locale=format_locale(language))


def _change(trend: Trend, language: str, country: str) -> str:
    delta = trend.delta or 0.0
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    if trend.metric == "response_rate":
        shown = format_percent(abs(delta), format="#,##0%", locale=format_locale(language))
    elif trend.metric == "departures":
        shown = format_decimal(round(abs(delta)), locale=format_locale(language))
    else:
        shown = _number(abs(delta), language)
    label = value_label("metric", trend.metric, language, country)
    # In the middle of a sentence: "vertrek +3, respons −5%".
    return f"{label[0].lower() + label[1:]} {sign}{shown}"


def _changes(figures: ReportFigures, language: str, catalogue: NullTranslations, country: str) -> str:
    _ = catalogue.gettext
    if figures.previous_label is None:
        return _("This is the first report: there is no earlier period to compare with yet.")
    changed = [t for t in figures.trends if t.delta is not None]
    if not changed:
        return _(
            "No changes can be shown against %(previous)s: the figures of one of the two periods rest on too few"
            " people."
        ) % {"previous": figures.previous_label}
    leading = [t for metric in LEADING for t in changed if t.metric == metric]
    rest = sorted((t for t in changed if t.metric not in LEADING), key=lambda t: -abs(t.delta or 0.0))
    named = (leading + rest)[:CHANGES_NAMED]
    return _("Compared with %(previous)s: %(changes)s.") % {
        "previous": figures.previous_label,
        "changes": format_list([_change(t, language, country) for t in named], locale=format_locale(language)),
    }


def _reasons(figures: ReportFigures, language: str, catalogue: NullTranslations, country: str) -> str:
    _ = catalogue.gettext
    pool = figures.pooled
    if pool is not None:
        if pool.respondents is None or pool.primary_reasons is None:
            return _(
                "This period has too few respondents for figures on their answers; so have the earlier periods it"
                " could be counted with."
            )
        named = _top_reasons(pool.primary_reasons, language, country)
        if named:
            periods = format_list(pool.labels, locale=format_locale(language))
            return _("In %(periods)s together, the primary reasons for leaving named most: %(reasons)s.") % {
                "periods": periods,
                "reasons": named,
            }
        return _("The reasons for leaving rest on too few people in this period to be shown.")
    named = _top_reasons(figures.primary_reasons, language, country)
    if named:
        return _("The primary reasons for leaving named most: %(reasons)s.") % {"reasons": named}
    return _("The reasons for leaving rest on too few people in this period to be shown.")


def _top_reasons(table: CountTable, language: str, country: str) -> str:
    # The cells are stored largest first; a reason left out for its size is not in them at all.
    top = [cell for cell in table.cells if cell.count][:REASONS_NAMED]
    named = [f"{value_label('reason', cell.key, language, country)} ({cell.count})" for cell in top]
    return format_list(named, locale=format_locale(language)) if named else ""


def _actions(figures: ReportFigures, language: str, catalogue: NullTranslations) -> str:
    _ = catalogue.gettext
    if not figures.earlier_actions:
        return _("No actions from earlier reports are open.")
    waiting = sorted(
        (a for a in figures.earlier_actions if a.state != ActionState.DONE), key=lambda a: (a.due_date, a.text)
    )
    if not waiting:
        return _("The actions from earlier reports are done.")
    late = sum(1 for a in waiting if a.state == ActionState.LATE)
    values = {
        "num": len(waiting),
        "late": late,
        "text": waiting[0].text,
        "due": format_date(waiting[0].due_date, format="long", locale=format_locale(language)),
    }
    if late:
        return (
            catalogue.ngettext(
                "From earlier reports one action is open, %(late)s of them past the due date; first: %(text)s"
                " (due %(due)s).",
                "From earlier reports %(num)s actions are open, %(late)s of them past the due date; first: %(text)s"
                " (due %(due)s).",
                len(waiting),
            )
            % values
        )
    return (
        catalogue.ngettext(
            "From earlier reports one action is open; first: %(text)s (due %(due)s).",
            "From earlier reports %(num)s actions are open; first: %(text)s (due %(due)s).",
            len(waiting),
        )
        % values
    )
