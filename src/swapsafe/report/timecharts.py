"""The time charts shown by the web UI and the HTML report (pure: numbers in, SVG out).

- :func:`canary_charts`: canary vs baseline error rate and p95 over the hold, each with its
  rollback trigger drawn; the baseline is dashed and drawn over the canary, so both show.
- :func:`agreement_chart`: shadow agreement per day with its 95 % Wilson interval as a band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from swapsafe.config import TriggerConfig
from swapsafe.report.svg import BASELINE, CANARY, Chart, Line, Threshold, line_chart
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
