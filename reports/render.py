"""The report as a page (HTML with inline SVG), as PDF (WeasyPrint) and as CSV of the aggregated figures.

Everything renders from the stored figures, so a report reads the same whenever it is fetched. Its words come from
the product's catalogue (``i18n``) in the reader's language, as the pages' and mails' do."""

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from i18n.catalogue import format_locale, translations
from models.report import CountTable, ReportFigures
from reports import spreadsheet, svg
from reports.labels import group_order, value_label
from reports.sql import METRIC_COLUMNS
from reports.summary import summary

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "reports"
DASH = "—"
# Scale of each trend line: ratings 1-5, the recommend score 0-10, rates 0-1; departures scale to their peak.
TREND_SCALES = {"recommend": (0, 10), "response_rate": (0, 1)}
# Trend metrics that count people: shown and exported as whole numbers.
WHOLE_METRICS = {"departures"}


@lru_cache
def _environment(language: str, country: str) -> Environment:
    """The report's template with ``_()``, ``pgettext()`` and ``{% trans %}`` in ``language``; white space in a
    ``{% trans %}`` block is folded, as Babel extracts it."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("j2", "html"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(language, country), newstyle=True)  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
    env.globals.update(bars=svg.bars, stacked=svg.stacked, line=svg.line)
    return env


class Formatter:
    """Numbers, dates and labels in the reader's language; a suppressed value reads as a dash."""

    def __init__(self, language: str, country: str = "NL") -> None:
        self.language = language
        self.country = country
        self.locale = format_locale(language, country)
        self.gettext = translations(language, country).gettext

    def label(self, kind: str, value: str) -> str:
        return value_label(kind, value, self.language, self.country)

    def num(self, value: float | int | None, digits: int = 1) -> str:
        if value is None:
            return DASH
        if isinstance(value, int):
            return format_decimal(value, locale=self.locale)
        return format_decimal(value, format=f"#,##0.{'0' * digits}", locale=self.locale)

    def pct(self, value: float | None) -> str:
        return DASH if value is None else format_percent(value, format="#,##0%", locale=self.locale)

    def count(self, value: float | None) -> str:
        """A number of people: whole, whatever type it was stored as (``+124``, never ``+124,0``)."""
        return DASH if value is None else format_decimal(round(value), locale=self.locale)

    def signed(self, value: float | None, percent: bool = False, whole: bool = False) -> str:
        if value is None:
            return DASH
        shown = self.pct(abs(value)) if percent else self.count(abs(value)) if whole else self.num(abs(value))
        return ("+" if value > 0 else "−" if value < 0 else "±") + shown

    def change(self, trend) -> str:
        """A trend's change against the previous period, in the unit of its metric."""
        return self.signed(trend.delta, percent=trend.metric == "response_rate", whole=trend.metric in WHOLE_METRICS)

    def dimension(self, breakdown) -> str:
        """A breakdown's name: a self-declared group as the organisation named it when the report was made."""
        if breakdown.name:
            return breakdown.name.get(self.language) or next(iter(breakdown.name.values()))
        return self.label("dimension", breakdown.dimension)

    def ordered(self, groups):
        """A breakdown's groups in their natural order: age and tenure bands from young to old, "not given" last."""
        return sorted(groups, key=lambda group: group_order(group.key))

    def date(self, value) -> str:
        # English the British way (29 January 2027), as the pages and mails write it.
        return format_date(value, format="long", locale=self.locale)

    def count_bars(self, table: CountTable, kind: str, title: str):
        items = [(self.label(kind, c.key), c.count, self.num(c.count)) for c in table.cells]
        if table.other is not None:
            items.append((self.other_groups(), table.other, self.num(table.other)))
        return svg.bars(
            items, maximum=max((count for _, count, _ in items if count is not None), default=0), title=title
        )

    def other_groups(self) -> str:
        return self.gettext("Other groups together")

    def trend_chart(self, trend, title: str):
        values = [p.value for p in trend.points if p.value is not None]
        low, high = TREND_SCALES.get(
            trend.metric, (1, 5) if trend.metric != "departures" else (0, max(values, default=1))
        )
        fmt = self.pct if trend.metric == "response_rate" else self.count
        return svg.line([(p.label, p.value) for p in trend.points], low=low, high=high, title=title, fmt=fmt)


def render_html(figures: ReportFigures, language: str, organisation_name: str = "", country: str = "NL") -> str:
    """The report in ``language``, with the words and date forms of the organisation's ``country``."""
    return (
        _environment(language, country)
        .get_template("report.html.j2")
        .render(
            figures=figures,
            f=Formatter(language, country),
            language=language,
            organisation_name=organisation_name,
            metrics=list(METRIC_COLUMNS),
            summary=summary(figures, language, country),
        )
    )


def render_pdf(figures: ReportFigures, language: str, organisation_name: str = "", country: str = "NL") -> bytes:
    return html_to_pdf(render_html(figures, language, organisation_name, country))


def html_to_pdf(html: str, stylesheet: str = "") -> bytes:
    """A self-contained HTML page (its styles inline or in ``stylesheet``, no outside images) as PDF."""
    # Imported here: WeasyPrint loads Pango at import, which only making a PDF needs; processes start without it.
    from weasyprint import CSS, HTML

    styles = [CSS(string=stylesheet)] if stylesheet else None
    return HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf(stylesheets=styles)


CSV_COLUMNS = ["section", "dimension", "key", "measure", "value", "base", "suppressed"]


def _csv_rows(f: ReportFigures) -> Iterator[tuple]:
    """The figures that show; a suppressed group is not listed, ``other_groups`` counts the people left out."""

    def table(section: str, dimension: str, t: CountTable):
        yield section, dimension, "total", "count", t.total, None
        for cell in t.cells:
            yield section, dimension, cell.key, "count", cell.count, t.total
        if t.other is not None:
            yield section, dimension, "", "other_groups", t.other, t.total

    yield from table("departures", "type", f.departures_by_type)
    yield from table("departures", "department", f.departures_by_department)
    yield from table("interviews", "outcome", f.interview_response)
    yield "interviews", "", "all", "response_rate", f.response_rate, f.departures_by_type.total
    yield "respondents", "", "all", "count", f.respondents, None
    yield from table("reasons", "primary", f.primary_reasons)
    yield from table("reasons", "secondary", f.secondary_reasons)
    for section, ratings in (("ratings", f.ratings), ("belonging", f.belonging)):
        for r in ratings:
            yield section, r.metric, "all", "mean", r.mean, r.respondents
            for cell in r.distribution:
                yield section, r.metric, cell.key, "count", cell.count, r.respondents
    rec = f.recommend
    for measure in ("mean", "promoters", "passives", "detractors", "nps"):
        yield "recommend", "", "all", measure, getattr(rec, measure), rec.respondents
    yield from table("belonging", "influences", f.influences)
    for breakdown in f.breakdowns:
        for group in sorted(breakdown.groups, key=lambda g: group_order(g.key)):
            yield "breakdown", breakdown.dimension, group.key, "respondents", group.respondents, None
            for metric, mean in group.means.items():
                yield "breakdown", breakdown.dimension, group.key, f"mean_{metric}", mean, group.respondents
        if breakdown.other is not None:
            yield "breakdown", breakdown.dimension, "", "other_groups", breakdown.other, f.respondents
    for cross in f.cross_breakdowns:
        within = f"department={cross.department}/{cross.dimension}"
        for in_both in sorted(cross.groups, key=lambda g: group_order(g.key)):
            yield "cross_breakdown", within, in_both.key, "respondents", in_both.respondents, None
            for metric, mean in in_both.means.items():
                yield "cross_breakdown", within, in_both.key, f"mean_{metric}", mean, in_both.respondents
    for reasons in f.reasons_by_group:
        for of_group in sorted(reasons.groups, key=lambda g: group_order(g.key)):
            yield from table("reasons_by_group", f"{reasons.dimension}={of_group.key}", of_group.reasons)
    if (pool := f.pooled) is not None:
        yield "pooled", "periods", " ".join(pool.labels), "respondents", pool.respondents, None
        for name, pooled_table in (
            ("primary", pool.primary_reasons),
            ("secondary", pool.secondary_reasons),
            ("influences", pool.influences),
        ):
            if pooled_table is not None:
                yield from table("pooled", name, pooled_table)
        for r in [*pool.ratings, *pool.belonging]:
            yield "pooled", r.metric, "all", "mean", r.mean, r.respondents
        if pool.recommend is not None:
            yield "pooled", "recommend", "all", "mean", pool.recommend.mean, pool.recommend.respondents
            yield "pooled", "recommend", "all", "nps", pool.recommend.nps, pool.recommend.respondents
    for trend in f.trends:
        whole = _whole if trend.metric in WHOLE_METRICS else _same
        for point in trend.points:
            yield "trend", trend.metric, point.label, "value", whole(point.value), point.base
        yield "trend", trend.metric, f.label, "change", whole(trend.delta), None


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _same(value: float | None) -> float | None:
    return value


def render_csv(figures: ReportFigures) -> str:
    """The aggregated figures only: no free text, no names; a suppressed value is empty and flagged.

    Every text cell is quoted, and one a spreadsheet would run as a formula (a department named ``=HYPERLINK(...)``)
    starts with a single quote, so it shows as the text it is; numbers stay numbers."""
    rows = (
        [
            section,
            dimension,
            key,
            measure,
            "" if value is None else value,
            "" if base is None else base,
            "yes" if value is None else "",
        ]
        for section, dimension, key, measure, value, base in _csv_rows(figures)
    )
    return spreadsheet.to_csv(CSV_COLUMNS, rows)
