"""A tiny server-side SVG chart renderer (line and bar), so pages need no chart library and no CDN.

Every label is escaped; colours are presentation attributes (no inline style), which the page's CSP allows.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 320, 140
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 10, 12, 24
LINE = "#1f5fa8"
BAR = "#2d7a4a"
AXIS = "#555555"


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def line_chart(title: str, points: Sequence[tuple[str, float | None]]) -> Markup:
    """`points` are (label, value) in order; missing values leave gaps. An empty series says so."""
    known = [v for _, v in points if v is not None]
    label = escape(title)
    if not known:
        return _empty(label)
    low, high = min(0.0, *known), max(known)
    span = (high - low) or 1.0
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        x = PAD_LEFT + (index * step if len(points) > 1 else inner_w / 2)
        return round(x, 1), round(PAD_TOP + inner_h - (value - low) / span * inner_h, 1)

    parts = [
        f'<svg class="chart" role="img" aria-label="{label}: latest {escape(_fmt(known[-1]))}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">',
        f"<title>{label}</title>",
        _axes(_fmt(high), _fmt(low)),
    ]
    segment: list[str] = []
    for index, (_, value) in enumerate(points):
        if value is None:
            parts.append(_polyline(segment))
            segment = []
            continue
        x, y = xy(index, value)
        segment.append(f"{x},{y}")
        parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{LINE}"/>')
    parts.append(_polyline(segment))
    parts.append(_x_labels(points[0][0], points[-1][0]))
    parts.append("</svg>")
    return _trusted("".join(parts))


def bar_chart(title: str, bars: Sequence[tuple[str, float]]) -> Markup:
    label = escape(title)
    if not bars:
        return _empty(label)
    shown = list(bars)[:12]
    high = max(v for _, v in shown) or 1.0
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = inner_w / len(shown)
    described = ", ".join(f"{name} {_fmt(value)}" for name, value in shown)
    parts = [
        f'<svg class="chart" role="img" aria-label="{label}: {escape(described)}" viewBox="0 0 {WIDTH} {HEIGHT}">',
        f"<title>{label}</title>",
        _axes(_fmt(high), "0"),
    ]
    for index, (name, value) in enumerate(shown):
        height = round(value / high * inner_h, 1)
        x = round(PAD_LEFT + index * slot + slot * 0.15, 1)
        y = round(PAD_TOP + inner_h - height, 1)
        parts.append(
            f'<rect x="{x}" y="{y}" width="{round(slot * 0.7, 1)}" height="{height}" fill="{BAR}">'
            f"<title>{escape(name)}: {escape(_fmt(value))}</title></rect>"
        )
        text = escape(name if len(name) <= 10 else name[:9] + "…")
        parts.append(
            f'<text x="{round(x + slot * 0.35, 1)}" y="{HEIGHT - 8}" text-anchor="middle" font-size="9" '
            f'fill="{AXIS}">{text}</text>'
        )
    parts.append("</svg>")
    return _trusted("".join(parts))


def _empty(label: Markup) -> Markup:
    return _trusted(
        f'<svg class="chart" role="img" aria-label="{label}: no data yet" viewBox="0 0 {WIDTH} {HEIGHT}">'
        f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle" fill="{AXIS}">No data yet</text></svg>'
    )


def _trusted(svg: str) -> Markup:
    """Every caller builds `svg` from numbers and `escape()`d text only."""
    return Markup(svg)  # noqa: S704


def _axes(high: str, low: str) -> str:
    bottom = HEIGHT - PAD_BOTTOM
    return (
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{bottom}" stroke="{AXIS}"/>'
        f'<line x1="{PAD_LEFT}" y1="{bottom}" x2="{WIDTH - PAD_RIGHT}" y2="{bottom}" stroke="{AXIS}"/>'
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" text-anchor="end" font-size="10" fill="{AXIS}">'
        f"{escape(high)}</text>"
        f'<text x="{PAD_LEFT - 4}" y="{bottom}" text-anchor="end" font-size="10" fill="{AXIS}">{escape(low)}</text>'
    )


def _polyline(segment: list[str]) -> str:
    if len(segment) < 2:
        return ""
    return f'<polyline points="{" ".join(segment)}" fill="none" stroke="{LINE}" stroke-width="2"/>'


def _x_labels(first: str, last: str) -> str:
    y = HEIGHT - 8
    return (
        f'<text x="{PAD_LEFT}" y="{y}" font-size="10" fill="{AXIS}">{escape(first)}</text>'
        f'<text x="{WIDTH - PAD_RIGHT}" y="{y}" text-anchor="end" font-size="10" fill="{AXIS}">{escape(last)}</text>'
    )
