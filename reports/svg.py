"""Small inline SVG charts for the report page and its PDF: horizontal bars, stacked rating bars, trend lines.

Hand-written so the page needs no script and WeasyPrint draws exactly what the browser shows. A
suppressed value is drawn as an empty outline with a dash, never as a zero."""

from collections.abc import Sequence

from markupsafe import Markup, escape

FONT = 'font-family="DejaVu Sans, Arial, sans-serif" font-size="11"'
BAR = "#2b6cb0"
MUTED = "#a0aec0"
# Ratings 1 (poor) to 5 (good), from warm to cool.
RATING_COLOURS = ["#c53030", "#dd6b20", "#d69e2e", "#38a169", "#2b6cb0"]
DASH = "—"


def _svg(width: int, height: int, body: str, title: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {FONT}><title>{escape(title)}</title>{body}</svg>'
    )


def bars(items: Sequence[tuple[str, float | None, str]], *, maximum: float, title: str, width: int = 560) -> Markup:
    """One bar per (label, value, shown text); ``maximum`` sets the full length."""
    # Room for the longest label (about 6.5 px a character at this size), so no label is cut off.
    label_w = max(120, min(300, int(max((len(label) for label, _, _ in items), default=0) * 6.5) + 12))
    text_w, row = 60, 20
    room = width - label_w - text_w
    parts = []
    for i, (label, value, text) in enumerate(items):
        y = i * row
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>')
        if value is None:
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{room}" height="12" fill="none" stroke="{MUTED}" stroke-dasharray="3 3"/>'
            )
            parts.append(f'<text x="{label_w + room + 6}" y="{y + 14}" fill="{MUTED}">{DASH}</text>')
            continue
        length = 0 if maximum <= 0 else max(1.0, room * value / maximum) if value > 0 else 0
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="12" fill="{BAR}"/>')
        parts.append(f'<text x="{label_w + length + 6:.1f}" y="{y + 14}">{escape(text)}</text>')
    return _svg(width, max(row, len(items) * row), "".join(parts), title)


def stacked(shares: Sequence[float | None], *, title: str, width: int = 300) -> Markup:
    """A 100% bar of the 1-5 rating shares; an outline when the distribution is suppressed."""
    height = 16
    known = [share for share in shares if share is not None]
    if len(known) < len(shares):
        body = f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" stroke="{MUTED}" stroke-dasharray="3 3"/>'
        body += f'<text x="{width / 2}" y="12" text-anchor="middle" fill="{MUTED}">{DASH}</text>'
        return _svg(width, height, body, title)
    x, parts = 0.0, []
    for share, colour in zip(known, RATING_COLOURS, strict=False):
        w = width * share
        if w > 0:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{colour}"/>')
        x += w
    return _svg(width, height, "".join(parts), title)


def line(
    points: Sequence[tuple[str, float | None]],
    *,
    low: float,
    high: float,
    title: str,
    fmt=str,
    width: int = 260,
    height: int = 120,
) -> Markup:
    """A trend line over the periods; the line breaks where a point is suppressed."""
    left, right, top, bottom = 34, 26, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points) - 1)
    span = (high - low) or 1

    def xy(i: int, value: float) -> tuple[float, float]:
        return left + i * step, top + plot_h * (1 - (value - low) / span)

    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#718096"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{escape(fmt(high))}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">{escape(fmt(low))}</text>',
    ]
    run: list[str] = []
    for i, (label, value) in enumerate(points):
        x = left + i * step
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="9">{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{x:.1f}" y="{top + plot_h - 4}" text-anchor="middle" fill="{MUTED}">{DASH}</text>')
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{BAR}" stroke-width="2"/>')
            run = []
            continue
        px, py = xy(i, value)
        run.append(f"{px:.1f},{py:.1f}")
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{BAR}"/>')
    if len(run) > 1:
        parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    return _svg(width, height, "".join(parts), title)
