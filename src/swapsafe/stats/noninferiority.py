"""Verdict rules over intervals: pass, fail or inconclusive.

- :func:`verdict_for`: non-inferiority of a difference (candidate - baseline) against
  ``-margin``: pass when the CI's lower bound is above it, fail when the upper bound is below,
  else inconclusive. The golden-set gate and ``swapsafe eval compare`` use it.
- :func:`bound_verdict`: a quantity that must stay at or below a maximum (error rate, share of
  "old better" reviews, latency and cost ratios): pass when the CI's upper bound is within the
  maximum, fail when the point estimate is above it, else inconclusive.
- :func:`non_inferiority`: the Newcombe CI of a paired table, its verdict, and for an
  inconclusive result the extra cases that would settle it if the observed rates hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from swapsafe.stats.paired import PairedCounts, newcombe_paired_ci
from swapsafe.stats.sample_size import smallest_clearing

Verdict = Literal["pass", "fail", "inconclusive"]


def verdict_for(low: float, high: float, margin: float) -> Verdict:
    """Non-inferiority of a difference with CI [low, high] at ``-margin``."""
    if low > -margin:
        return "pass"
    if high < -margin:
        return "fail"
    return "inconclusive"


def bound_verdict(value: float, high: float, limit: float) -> Verdict:
    """A quantity with point estimate ``value`` and CI upper bound ``high`` against ``limit``."""
    if high <= limit:
        return "pass"
    if value > limit:
        return "fail"
    return "inconclusive"


@dataclass(frozen=True)
class NonInferiority:
    verdict: Verdict
    diff: float
    low: float
    high: float
    margin: float
    extra_cases: int | None = None  # for inconclusive: more cases needed if rates hold


def cases_needed(counts: PairedCounts, margin: float, conf: float = 0.95) -> int | None:
    """Smallest total case count whose CI would clear ``-margin`` if the observed rates hold;
    None when the observed difference itself is at or below ``-margin``."""
    if counts.n <= 0 or counts.diff <= -margin:
        return None

    def clears(total: float) -> bool:
        return newcombe_paired_ci(counts.scaled(total / counts.n), conf)[0] > -margin

    return smallest_clearing(clears, max(int(counts.n), 1), floor=max(int(counts.n) // 2, 1))


def non_inferiority(counts: PairedCounts, margin: float, conf: float = 0.95) -> NonInferiority:
    """Candidate non-inferior to baseline within ``margin`` (a fraction), Newcombe CI."""
    low, high = newcombe_paired_ci(counts, conf)
    verdict = verdict_for(low, high, margin)
    extra = None
    if verdict == "inconclusive":
        needed = cases_needed(counts, margin, conf)
        extra = None if needed is None else max(needed - int(counts.n), 1)
    return NonInferiority(verdict, counts.diff, low, high, margin, extra)
