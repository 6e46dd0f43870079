"""Inline SVG bar charts for the HTML report: no network, no JavaScript, every label escaped.
Time charts (lines, bands, thresholds) are in :mod:`swapsafe.report.timecharts`.

Each function returns one ``<svg>`` element as text (pure; tested without a browser).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

COLORS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2")
W, H = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 26, 34


def _svg(body: str, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" '
        f'height="{H}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{W}" height="{H}" fill="#fff"/>{body}</svg>'
    )


def _empty(title: str, message: str) -> str:
    return _svg(
        f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" fill="#777" '
        f'font-size="13">{escape(message)}</text>',
        title,
    )


def _axis(y_max: float, fmt: str = "{:g}") -> str:
    parts = [
        f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" stroke="#333"/>',
    ]
    for i in range(5):
        value = y_max * i / 4
        y = H - BOTTOM - (H - TOP - BOTTOM) * i / 4
        parts.append(
            f'<line x1="{LEFT - 3}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{LEFT - 5}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
            f"{escape(fmt.format(value))}</text>"
        )
    return "".join(parts)


def _legend(names: Sequence[str]) -> str:
    parts = []
    x = LEFT
    for i, name in enumerate(names):
        color = COLORS[i % len(COLORS)]
        parts.append(
            f'<rect x="{x}" y="8" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14}" y="17" font-size="11">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    return "".join(parts)


def latency_histogram(samples: Mapping[str, Sequence[float]], bins: int = 24) -> str:
    """Share of calls per latency bin, one bar series per model (up to the 99th percentile)."""
    title = "Latency distribution"
    series = {k: np.asarray(v, dtype=np.float64) for k, v in samples.items() if len(v)}
    if not series:
        return _empty(title, "no latency samples yet")
    top = max(float(np.quantile(v, 0.99)) for v in series.values()) or 1.0
    edges = np.linspace(0.0, top, bins + 1)
    shares = {k: np.histogram(np.clip(v, 0, top), edges)[0] / v.size for k, v in series.items()}
    y_max = max(float(s.max()) for s in shares.values()) or 1.0
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = plot_w / bins
    bar = slot / (len(shares) + 0.5)
    parts = [_axis(y_max * 100, "{:.0f}%"), _legend(list(shares))]
    for si, (_, share) in enumerate(shares.items()):
        color = COLORS[si % len(COLORS)]
        for b, s in enumerate(share):
            h = plot_h * float(s) / y_max
            x = LEFT + b * slot + si * bar + bar * 0.25
            parts.append(
                f'<rect x="{x:.1f}" y="{H - BOTTOM - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{color}"/>'
            )
    for i in range(0, bins + 1, max(1, bins // 6)):
        x = LEFT + i * slot
        parts.append(
            f'<text x="{x:.1f}" y="{H - BOTTOM + 14}" text-anchor="middle" font-size="10">'
            f"{edges[i]:.0f}</text>"
        )
    parts.append(
        f'<text x="{W - RIGHT}" y="{H - 4}" text-anchor="end" font-size="10">latency (ms)</text>'
    )
    return _svg("".join(parts), title)


def pass_rate_bars(rates: Mapping[str, tuple[float | None, float | None, float | None]]) -> str:
    """Golden pass rate per model as bars with CI whiskers; values are fractions."""
    title = "Golden pass rate with confidence interval"
    shown = {k: v for k, v in rates.items() if v[0] is not None}
    if not shown:
        return _empty(title, "no golden eval results yet")
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = plot_w / len(shown)
    parts = [_axis(100, "{:.0f}%")]
    for i, (name, (value, low, high)) in enumerate(shown.items()):
        assert value is not None
        color = COLORS[i % len(COLORS)]
        x = LEFT + i * slot + slot * 0.25
        bw = slot * 0.5
        h = plot_h * value
        parts.append(
            f'<rect x="{x:.1f}" y="{H - BOTTOM - h:.1f}" width="{bw:.1f}" height="{h:.1f}" '
            f'fill="{color}"/>'
        )
        if low is not None and high is not None:
            cx = x + bw / 2
            y1, y2 = H - BOTTOM - plot_h * low, H - BOTTOM - plot_h * high
            parts.append(
                f'<line x1="{cx:.1f}" y1="{y1:.1f}" x2="{cx:.1f}" y2="{y2:.1f}" stroke="#222" '
                f'stroke-width="1.5"/><line x1="{cx - 6:.1f}" y1="{y1:.1f}" x2="{cx + 6:.1f}" '
                f'y2="{y1:.1f}" stroke="#222"/><line x1="{cx - 6:.1f}" y1="{y2:.1f}" '
                f'x2="{cx + 6:.1f}" y2="{y2:.1f}" stroke="#222"/>'
            )
        parts.append(
            f'<text x="{x + bw / 2:.1f}" y="{H - BOTTOM + 14}" text-anchor="middle" '
            f'font-size="11">{escape(name)} {100 * value:.1f}%</text>'
        )
    return _svg("".join(parts), title)
