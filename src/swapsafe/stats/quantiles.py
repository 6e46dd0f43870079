"""Percentiles and the intervals of a quantile or a mean.

:func:`quantile_ci` is the percentile-bootstrap CI of a quantile computed exactly (no
resampling); :func:`mean_ci` bootstraps small samples and uses the normal limit above
``BOOTSTRAP_MAX_N``; :func:`mean_interval` is that normal limit from running sums (SQL).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy.stats import binom

from swapsafe.stats.proportions import Interval, z_two_sided
from swapsafe.stats.resampling import BOOTSTRAP_MAX_N, FloatArray, bootstrap, mean


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100, linear interpolation); None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


def quantile_ci(
    values: Sequence[float] | FloatArray, q: float, confidence: float = 0.95
) -> Interval:
    """Percentile-bootstrap CI of the ``q`` quantile, computed exactly instead of by resampling.

    In a resample of size n the k-th order statistic is <= x(j) exactly when at least k of
    the n draws are <= x(j), which is Binomial(n, j/n): so the bootstrap distribution of the
    quantile (the limit of infinitely many resamples) follows from the sorted sample, and the
    interval's ends from a binary search over it (about log2 n binomial tails). Deterministic
    and fast on millions of rows. The point estimate interpolates linearly
    (as ``numpy.quantile`` and PostgreSQL ``percentile_cont`` do).
    """
    arr = np.sort(np.asarray(values, dtype=np.float64))
    n = int(arr.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    point = float(np.quantile(arr, q))
    k = math.floor(q * (n - 1)) + 1  # 1-based order statistic the estimate starts from

    def cdf(j: int) -> float:  # P(resampled k-th stat <= x(j)), increasing in j
        return float(binom.sf(k - 1, n, (j + 1) / n))

    alpha = (1 - confidence) / 2
    lo_j = _first_at_least(cdf, n, alpha)
    hi_j = _first_at_least(cdf, n, 1 - alpha)
    low = float(arr[min(lo_j, n - 1)])
    high = float(arr[min(hi_j + 1, n - 1)])  # the upper neighbour the estimate interpolates to
    return Interval(point, min(low, point), max(high, point), n)


def _first_at_least(f: Callable[[int], float], n: int, target: float) -> int:
    """``numpy.searchsorted([f(0), ..., f(n - 1)], target, side="left")``, evaluating ``f``
    only where that binary search looks (about log2 n times instead of n): the same index."""
    low, high = 0, n
    while low < high:
        mid = low + ((high - low) >> 1)
        if f(mid) < target:
            low = mid + 1
        else:
            high = mid
    return low


def mean_interval(total: float, total_sq: float, n: int, confidence: float) -> Interval:
    """Normal CI of a mean from its sums (the bootstrap's limit for large n)."""
    m = total / n
    var = max(total_sq / n - m * m, 0.0) * n / (n - 1) if n > 1 else 0.0
    half = z_two_sided(confidence) * math.sqrt(var / n)
    return Interval(m, m - half, m + half, n)


def mean_ci(values: Sequence[float] | FloatArray, confidence: float = 0.95) -> Interval:
    """CI of the mean: bootstrap up to ``BOOTSTRAP_MAX_N`` values, the normal limit above it."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size <= BOOTSTRAP_MAX_N:
        return bootstrap(arr, mean, confidence)
    return mean_interval(float(arr.sum()), float((arr * arr).sum()), int(arr.size), confidence)
