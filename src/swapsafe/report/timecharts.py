"""The time charts shown by the web UI and the HTML report (pure: numbers in, SVG out).

- :func:`canary_charts`: canary vs baseline error rate and p95 over the hold, each with its
  rollback trigger drawn; the baseline is dashed and drawn over the canary, so both show.
- :func:`agreement_chart`: shadow agreement per day with its 95 % Wilson interval as a band.
- :func:`golden_chart`: golden pass rate per model per nightly run, with its interval.
- :func:`cost_chart`: served cost per day, the projected cost per day after the swap drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from swapsafe.config import TriggerConfig
from swapsafe.report.svg import BASELINE, CANARY, PALETTE, Chart, Line, Threshold, line_chart
from swapsafe.report.trends import NightRate
from swapsafe.stats.proportions import wilson


@dataclass(frozen=True)
class CanaryPoint:
    """One time bucket of the hold: counted requests, errors and p95 of each cohort."""

    label: str
    canary_requests: int
    canary_errors: int
    canary_p95_ms: float | None
    baseline_requests: int
    baseline_errors: int
    baseline_p95_ms: float | None


def _rate(errors: int, requests: int) -> float | None:
    return 100 * errors / requests if requests else None


def canary_charts(points: Sequence[CanaryPoint], triggers: TriggerConfig) -> list[str]:
    """Error rate (%) and p95 latency (ms) of both cohorts per bucket, triggers drawn."""
    labels = [p.label for p in points]
    limit = 100 * triggers.error_rate_above
    errors = Chart(
        "Error rate: canary vs baseline",
        "%",
        labels,
        [
            Line("canary", [_rate(p.canary_errors, p.canary_requests) for p in points], CANARY),
            Line(
                "baseline",
                [_rate(p.baseline_errors, p.baseline_requests) for p in points],
                BASELINE,
                dashed=True,
            ),
        ],
        [Threshold(limit, f"rollback trigger {limit:g} %")],
        x_title="time (UTC)",
    )
    thresholds = []
    if triggers.p95_above is not None:
        ms = 1000 * triggers.p95_above
        thresholds.append(Threshold(ms, f"rollback trigger {ms:,.0f} ms"))
    latency = Chart(
        "p95 latency: canary vs baseline",
        "ms",
        labels,
        [
            Line("canary", [p.canary_p95_ms for p in points], CANARY),
            Line("baseline", [p.baseline_p95_ms for p in points], BASELINE, dashed=True),
        ],
        thresholds,
        x_title="time (UTC)",
    )
    return [line_chart(errors), line_chart(latency)]


def agreement_chart(days: Sequence[tuple[date, int, int]]) -> str:
    """Daily share of shadow pairs that agree, (day, agreeing, pairs), with a 95 % band."""
    shown = [(d, k, n) for d, k, n in days if n > 0]
    bands = [wilson(k, n) for _, k, n in shown]
    line = Line(
        "agree",
        [100 * k / n for _, k, n in shown],
        BASELINE,
        low=[100 * lo for lo, _ in bands],
        high=[100 * hi for _, hi in bands],
    )
    chart = Chart(
        "Shadow agreement per day (95 % interval)",
        "%",
        [d.strftime("%m-%d") for d, _, _ in shown],
        [line],
        x_title="day (UTC)",
        y_max=100.0,
    )
    return line_chart(chart)


def golden_chart(nights: Sequence[NightRate]) -> str:
    """Golden pass rate per model per nightly run, each with its 95 % interval as a band."""
    days = sorted({n.day for n in nights})
    models = list(dict.fromkeys(n.model for n in nights))
    index = {d: i for i, d in enumerate(days)}
    lines = []
    for k, model in enumerate(models):
        values: list[float | None] = [None] * len(days)
        low: list[float | None] = [None] * len(days)
        high: list[float | None] = [None] * len(days)
        for n in nights:
            if n.model == model and n.n:
                i = index[n.day]
                values[i], low[i], high[i] = 100 * n.passed / n.n, 100 * n.low, 100 * n.high
        color = (BASELINE, CANARY)[k % 2] if k < 2 else PALETTE[k % len(PALETTE)]
        lines.append(Line(model, values, color, dashed=k == 0, low=low, high=high))
    chart = Chart(
        "Golden pass rate per nightly run (95 % interval)",
        "%",
        [d.strftime("%m-%d") for d in days],
        lines,
        x_title="eval run (UTC day)",
        y_max=100.0,
    )
    return line_chart(chart)


def cost_chart(days: Sequence[tuple[date, float]], projected_per_day: float | None) -> str:
    """Served cost per day now, with the projected cost per day after the swap drawn."""
    thresholds = []
    if projected_per_day is not None:
        thresholds.append(
            Threshold(projected_per_day, f"after the swap: ${projected_per_day:,.2f}/day", CANARY)
        )
    chart = Chart(
        "Cost per day: now vs projected after the swap",
        "$",
        [d.strftime("%m-%d") for d, _ in days],
        [Line("served cost per day", [usd for _, usd in days], BASELINE)],
        thresholds,
        x_title="day (UTC)",
    )
    return line_chart(chart)
