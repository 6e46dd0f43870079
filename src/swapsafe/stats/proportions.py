"""Proportions: the normal quantile, the Wilson score interval and pass rates.

:func:`wilson` is the one Wilson interval in swapsafe (evals, gates, baselines, review,
red-team). It is clamped: the lower bound is exactly 0 when ``k == 0`` and the upper bound
exactly 1 when ``k == n``, and ``n == 0`` gives the uninformative (0, 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist


def z_two_sided(conf: float) -> float:
    """The normal quantile for a two-sided interval at confidence ``conf`` (1.96 for 0.95)."""
    if not 0.0 < conf < 1.0:
        raise ValueError("confidence must be between 0 and 1")
    return NormalDist().inv_cdf(1.0 - (1.0 - conf) / 2.0)


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval over ``n`` observations."""

    value: float
    low: float
    high: float
    n: int

    def as_dict(self, prefix: str) -> dict[str, float | int]:
        return {
            prefix: self.value,
            f"{prefix}_low": self.low,
            f"{prefix}_high": self.high,
            f"{prefix}_n": self.n,
        }


def wilson(k: float, n: float, conf: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials; (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= k <= n:
        raise ValueError("k must be between 0 and n")
    z = z_two_sided(conf)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def wilson_interval(k: int, n: int, conf: float = 0.95) -> Interval:
    """:func:`wilson` with its point estimate (NaN when ``n == 0``) as an :class:`Interval`."""
    low, high = wilson(k, n, conf)
    return Interval(k / n if n > 0 else math.nan, low, high, max(n, 0))


@dataclass(frozen=True)
class PassRate:
    passed: int
    n: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        return self.passed / self.n if self.n else 0.0


def pass_rate(outcomes: Sequence[bool], conf: float = 0.95) -> PassRate:
    """Share of true outcomes with its Wilson interval."""
    k = sum(1 for o in outcomes if o)
    low, high = wilson(k, len(outcomes), conf)
    return PassRate(k, len(outcomes), low, high)
