"""Line charts over time as inline SVG (pure): axes with units, lines, confidence bands and
labelled threshold lines (triggers, margins). The web pages and the HTML report draw every
time chart through :func:`line_chart`, so a chart means the same wherever it is shown.

Colours and dashes are SVG presentation attributes (no ``style``), so the charts render under
the web UI's Content-Security-Policy and inside the self-contained report alike. Every label
is escaped here; the result is safe to embed as markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

CANARY, BASELINE, THRESHOLD = "#d97706", "#4c78a8", "#c0392b"
PALETTE = ("#4c78a8", "#d97706", "#54a24b", "#b279a2")
W, H = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 34


@dataclass(frozen=True)
class Line:
    """One series: a value per x position (None: no data there), with an optional band."""

    name: str
    values: Sequence[float | None]
    color: str = PALETTE[0]
    dashed: bool = False
    low: Sequence[float | None] | None = None
    high: Sequence[float | None] | None = None


@dataclass(frozen=True)
class Threshold:
    """A horizontal rule: a trigger, a margin or a target, labelled with its value."""

    value: float
    label: str
    color: str = THRESHOLD


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str  # shown on the y axis and in tooltips: "%", "ms", "$"
    x_labels: Sequence[str]
    lines: Sequence[Line]
    thresholds: Sequence[Threshold] = field(default_factory=tuple)
    x_title: str = ""
    y_max: float | None = None  # fixed top of the scale (e.g. 100 for a percentage)


def _nice_top(value: float) -> float:
    """A round number at or above ``value`` (1, 2, 2.5, 5 x 10^k)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _scale(chart: Chart) -> float:
    if chart.y_max is not None:
        return chart.y_max
    seen = [v for ln in chart.lines for v in (*ln.values, *(ln.high or ())) if v is not None]
    seen += [t.value for t in chart.thresholds]
    return _nice_top(max(seen, default=0.0) * 1.05)


def _x(i: int, n: int) -> float:
    plot = W - LEFT - RIGHT
    return LEFT + (plot * i / (n - 1) if n > 1 else plot / 2)


def _y(value: float, top: float) -> float:
    plot = H - TOP - BOTTOM
    return H - BOTTOM - plot * min(max(value, 0.0), top) / top


def _axes(chart: Chart, top: float) -> list[str]:
    out = [
        f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" stroke="#333"/>',
        f'<text x="{LEFT - 6}" y="{TOP - 8}" text-anchor="end" font-size="10" '
        f'class="unit">{escape(chart.unit)}</text>',
    ]
    for i in range(5):
        value, y = top * i / 4, _y(top * i / 4, top)
        out.append(
            f'<line x1="{LEFT - 3}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{LEFT - 6}" y="{y + 3.5:.1f}" text-anchor="end" font-size="10">'
            f"{escape(_fmt(value))}</text>"
        )
    n = len(chart.x_labels)
    every = max(1, math.ceil(n / 6))
    for i, label in enumerate(chart.x_labels):
        if i % every == 0:
            out.append(
                f'<text x="{_x(i, n):.1f}" y="{H - BOTTOM + 14}" text-anchor="middle" '
                f'font-size="10">{escape(label)}</text>'
            )
    if chart.x_title:
        out.append(
            f'<text x="{W - RIGHT}" y="{H - 4}" text-anchor="end" font-size="10">'
            f"{escape(chart.x_title)}</text>"
        )
    return out


def _band(line: Line, n: int, top: float) -> str:
    if line.low is None or line.high is None:
        return ""
    pts = [
        (i, lo, hi)
        for i, (lo, hi) in enumerate(zip(line.low, line.high, strict=True))
        if lo is not None and hi is not None
    ]
    if not pts:
        return ""
    upper = [f"{_x(i, n):.1f},{_y(hi, top):.1f}" for i, _, hi in pts]
    lower = [f"{_x(i, n):.1f},{_y(lo, top):.1f}" for i, lo, _ in reversed(pts)]
    if len(pts) == 1:  # a single point: an error bar instead of an area
        i, lo, hi = pts[0]
        x = _x(i, n)
        return (
            f'<line class="band" x1="{x:.1f}" y1="{_y(lo, top):.1f}" x2="{x:.1f}" '
            f'y2="{_y(hi, top):.1f}" stroke="{line.color}" stroke-width="6" opacity="0.3"/>'
        )
    return (
        f'<polygon class="band" points="{" ".join(upper + lower)}" fill="{line.color}" '
        f'opacity="0.18"/>'
    )


def _line(line: Line, labels: Sequence[str], top: float, unit: str) -> str:
    n = len(labels)
    dash = ' stroke-dasharray="6 4"' if line.dashed else ""
    out: list[str] = []
    run: list[str] = []
    for i, v in enumerate([*line.values, None]):
        if v is None:
            if len(run) > 1:
                out.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{line.color}" '
                    f'stroke-width="2"{dash}/>'
                )
            run = []
            continue
        x, y = _x(i, n), _y(v, top)
        run.append(f"{x:.1f},{y:.1f}")
        tip = f"{line.name} · {labels[i]}: {_fmt(v)} {unit}"
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{line.color}">'
            f"<title>{escape(tip)}</title></circle>"
        )
    return f'<g class="series" data-series="{escape(line.name)}">{"".join(out)}</g>'


def _threshold(t: Threshold, top: float) -> str:
    y = _y(t.value, top)
    return (
        f'<g class="threshold"><line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" '
        f'stroke="{t.color}" stroke-width="1.5" stroke-dasharray="3 3"/>'
        f'<text x="{W - RIGHT - 2}" y="{y - 4:.1f}" text-anchor="end" font-size="10" '
        f'fill="{t.color}">{escape(t.label)}</text></g>'
    )


def _legend(chart: Chart) -> str:
    parts, x = [], LEFT
    for line in chart.lines:
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        parts.append(
            f'<line x1="{x}" y1="13" x2="{x + 16}" y2="13" stroke="{line.color}" '
            f'stroke-width="2"{dash}/><text x="{x + 20}" y="17" font-size="11">'
            f"{escape(line.name)}</text>"
        )
        x += 34 + 7 * len(line.name)
    return "".join(parts)


def line_chart(chart: Chart) -> str:
    """The chart as one ``<svg>`` element. Bands first, then thresholds, then the lines in
    the order given (put the line that must stay visible last, or give it a dash)."""
    title = chart.title
    n = len(chart.x_labels)
    has_data = any(v is not None for ln in chart.lines for v in ln.values)
    if not n or not has_data:
        body = (
            f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" fill="#6b7280" '
            f'font-size="13">no data yet</text>'
        )
    else:
        top = _scale(chart)
        parts = _axes(chart, top)
        parts += [_band(ln, n, top) for ln in chart.lines]
        parts += [_threshold(t, top) for t in chart.thresholds]
        parts += [_line(ln, chart.x_labels, top, chart.unit) for ln in chart.lines]
        parts.append(_legend(chart))
        body = "".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {H}" '
        f'width="{W}" height="{H}" role="img" aria-label="{escape(title)}">'
        f'<title>{escape(title)}</title><rect width="{W}" height="{H}" fill="#fff"/>{body}</svg>'
    )
