"""A tiny server-side SVG chart renderer (line and bar), so pages need no chart library and no CDN.

Every label is escaped; colours are presentation attributes (no inline style), which the page's CSP allows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 320, 140
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 10, 12, 24
LINE = "#1f5fa8"
BAR = "#2d7a4a"
AXIS = "#555555"


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def nice_max(high: float) -> float:
    """The axis top: 1, 2 or 5 times a power of ten at or above the data (never the value itself, never 0 to 0)."""
    if high <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(high))
    for step in (1, 2, 5, 10):
        if high <= step * power:
            return float(step * power)
    return float(10 * power)


def line_chart(title: str, points: Sequence[tuple[str, float | None]], *, single: str = "one run so far") -> Markup:
    """`points` are (label, value) in order; missing values leave gaps. An empty series says so, and so does a
    series of one point (a lone dot with identical start and end dates says nothing)."""
    known = [v for _, v in points if v is not None]
    label = escape(title)
    if not known:
        return _empty(label)
    if len(known) == 1:
        only = next((name, v) for name, v in points if v is not None)
        return _single(label, only[0], float(only[1] or 0.0), single)
    low, high = min(0.0, *known), nice_max(max(known))
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
    high = nice_max(max(v for _, v in shown))
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


def _single(label: Markup, name: str, value: float, words: str) -> Markup:
    text = f"{_fmt(value)} on {name}"
    return _trusted(
        f'<svg class="chart" role="img" aria-label="{label}: {escape(words)}, {escape(text)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}"><title>{label}</title>'
        f'<circle cx="{WIDTH // 2}" cy="{HEIGHT // 2 - 18}" r="4" fill="{LINE}"/>'
        f'<text x="{WIDTH // 2}" y="{HEIGHT // 2 + 6}" text-anchor="middle" font-size="13" fill="{AXIS}">'
        f"{escape(words.capitalize())}: {escape(text)}</text></svg>"
    )


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
    if first == last:
        return (
            f'<text x="{WIDTH // 2}" y="{y}" text-anchor="middle" font-size="10" fill="{AXIS}">{escape(first)}</text>'
        )
    return (
        f'<text x="{PAD_LEFT}" y="{y}" font-size="10" fill="{AXIS}">{escape(first)}</text>'
        f'<text x="{WIDTH - PAD_RIGHT}" y="{y}" text-anchor="end" font-size="10" fill="{AXIS}">{escape(last)}</text>'
    )
