"""Pure interval statistics the gates and baselines need: Wilson, paired Newcombe, bootstrap.

``swapsafe.evals.stats`` owns the golden-set statistics (paired Newcombe CI, non-inferiority
verdict); this module adds what traffic figures need. Bootstrap intervals are seeded and
order-independent, so the same data always gives the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy.stats import binom, norm

if TYPE_CHECKING:
    from swapsafe.evals.stats import PairedCounts as EvalsPairedCounts

FloatArray = npt.NDArray[np.float64]
#: resamples per bootstrap interval, and the largest sample a bootstrap resamples from
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_MAX_N = 20_000
_SEED = 20240601


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval."""

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


def z_value(confidence: float) -> float:
    return float(norm.ppf(1 - (1 - confidence) / 2))


def wilson(k: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval of ``k`` successes in ``n`` trials (``n == 0`` gives [0, 1])."""
    if n <= 0:
        return Interval(math.nan, 0.0, 1.0, 0)
    z = z_value(confidence)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), n)


@dataclass(frozen=True)
class PairedCounts:
    """2x2 table of paired pass/fail outcomes: ``both``, ``new_only``, ``old_only``, ``neither``."""

    both: int
    new_only: int
    old_only: int
    neither: int

    @property
    def n(self) -> int:
        return self.both + self.new_only + self.old_only + self.neither

    def for_evals(self) -> EvalsPairedCounts:
        from swapsafe.evals.stats import PairedCounts as Counts

        return Counts(self.both, self.old_only, self.new_only, self.neither)

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[bool, bool]]) -> PairedCounts:
        """``pairs`` of (old passed, new passed) on the same case."""
        both = sum(1 for o, n in pairs if o and n)
        new_only = sum(1 for o, n in pairs if n and not o)
        old_only = sum(1 for o, n in pairs if o and not n)
        return cls(both, new_only, old_only, len(pairs) - both - new_only - old_only)


def paired_newcombe(counts: PairedCounts, confidence: float = 0.95) -> Interval:
    """CI of (new pass rate - old pass rate) on paired cases: Newcombe (1998) method 10.

    Computed by :func:`swapsafe.evals.stats.newcombe_paired_ci`, so evals and gates agree.
    """
    from swapsafe.evals import stats

    n = counts.n
    if n == 0:
        return Interval(math.nan, -1.0, 1.0, 0)
    low, high = stats.newcombe_paired_ci(counts.for_evals(), confidence)
    return Interval((counts.new_only - counts.old_only) / n, low, high, n)


Statistic = Callable[[FloatArray], FloatArray]  # (resamples, n) -> (resamples,)


def p95(samples: FloatArray) -> FloatArray:
    return np.asarray(np.quantile(samples, 0.95, axis=-1), dtype=np.float64)


def p50(samples: FloatArray) -> FloatArray:
    return np.asarray(np.quantile(samples, 0.5, axis=-1), dtype=np.float64)


def mean(samples: FloatArray) -> FloatArray:
    return np.asarray(np.mean(samples, axis=-1), dtype=np.float64)


def _capped(values: Sequence[float] | FloatArray, rng: np.random.Generator) -> FloatArray:
    """The values sorted (so row order from the store never changes an interval), capped."""
    arr = np.sort(np.asarray(values, dtype=np.float64))
    if arr.size > BOOTSTRAP_MAX_N:
        arr = rng.choice(arr, BOOTSTRAP_MAX_N, replace=False)
    return arr


def _resample_stats(arr: FloatArray, stat: Statistic, rng: np.random.Generator) -> FloatArray:
    out = np.empty(BOOTSTRAP_RESAMPLES)
    chunk = max(1, 2_000_000 // max(arr.size, 1))
    for start in range(0, BOOTSTRAP_RESAMPLES, chunk):
        stop = min(BOOTSTRAP_RESAMPLES, start + chunk)
        idx = rng.integers(0, arr.size, size=(stop - start, arr.size))
        out[start:stop] = stat(arr[idx])
    return out


def quantile_ci(
    values: Sequence[float] | FloatArray, q: float, confidence: float = 0.95
) -> Interval:
    """Percentile-bootstrap CI of the ``q`` quantile, computed exactly instead of by resampling.

    In a resample of size n the k-th order statistic is <= x(j) exactly when at least k of
    the n draws are <= x(j), which is Binomial(n, j/n): so the bootstrap distribution of the
    quantile (the limit of infinitely many resamples) follows from the sorted sample in O(n).
    Deterministic and fast on millions of rows. The point estimate interpolates linearly
    (as ``numpy.quantile`` and PostgreSQL ``percentile_cont`` do).
    """
    arr = np.sort(np.asarray(values, dtype=np.float64))
    n = int(arr.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    point = float(np.quantile(arr, q))
    k = math.floor(q * (n - 1)) + 1  # 1-based order statistic the estimate starts from
    cdf = binom.sf(k - 1, n, np.arange(1, n + 1) / n)  # P(resampled k-th stat <= x(j))
    alpha = (1 - confidence) / 2
    lo_j = int(np.searchsorted(cdf, alpha, side="left"))
    hi_j = int(np.searchsorted(cdf, 1 - alpha, side="left"))
    low = float(arr[min(lo_j, n - 1)])
    high = float(arr[min(hi_j + 1, n - 1)])  # the upper neighbour the estimate interpolates to
    return Interval(point, min(low, point), max(high, point), n)


def mean_ci(values: Sequence[float] | FloatArray, confidence: float = 0.95) -> Interval:
    """CI of the mean: bootstrap up to ``BOOTSTRAP_MAX_N`` values, the normal limit above it."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size <= BOOTSTRAP_MAX_N:
        return bootstrap(arr, mean, confidence)
    m = float(arr.mean())
    half = z_value(confidence) * float(arr.std(ddof=1)) / math.sqrt(arr.size)
    return Interval(m, m - half, m + half, int(arr.size))


def bootstrap(
    values: Sequence[float] | FloatArray, stat: Statistic = p95, confidence: float = 0.95
) -> Interval:
    """Percentile-bootstrap CI of ``stat`` over one sample."""
    rng = np.random.default_rng(_SEED)
    arr = _capped(values, rng)
    if arr.size == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    point = float(stat(arr[None, :])[0])
    stats = _resample_stats(arr, stat, rng)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return Interval(point, float(low), float(high), int(np.asarray(values).size))


def bootstrap_ratio(
    new: Sequence[float] | FloatArray,
    old: Sequence[float] | FloatArray,
    stat: Statistic = p95,
    confidence: float = 0.95,
    *,
    paired: bool = False,
) -> Interval:
    """CI of ``stat(new) / stat(old)``; ``paired`` resamples (new, old) pairs together."""
    rng = np.random.default_rng(_SEED)
    a = np.asarray(new, dtype=np.float64)
    b = np.asarray(old, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    denom0 = float(stat(b[None, :])[0])
    point = float(stat(a[None, :])[0]) / denom0 if denom0 > 0 else math.inf
    alpha = (1 - confidence) / 2
    if paired:
        if a.size != b.size:
            raise ValueError("paired samples must have the same length")
        order = np.lexsort((b, a))
        a, b = a[order], b[order]
        if a.size > BOOTSTRAP_MAX_N:
            keep = rng.choice(a.size, BOOTSTRAP_MAX_N, replace=False)
            a, b = a[keep], b[keep]
        ratios = np.empty(BOOTSTRAP_RESAMPLES)
        chunk = max(1, 2_000_000 // a.size)
        for start in range(0, BOOTSTRAP_RESAMPLES, chunk):
            stop = min(BOOTSTRAP_RESAMPLES, start + chunk)
            idx = rng.integers(0, a.size, size=(stop - start, a.size))
            ratios[start:stop] = _safe_div(stat(a[idx]), stat(b[idx]))
    else:
        ratios = _safe_div(
            _resample_stats(_capped(a, rng), stat, rng),
            _resample_stats(_capped(b, rng), stat, rng),
        )
    low, high = np.quantile(ratios, [alpha, 1 - alpha])
    return Interval(point, float(low), float(high), int(min(np.size(new), np.size(old))))


def _safe_div(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
    return np.asarray(out, dtype=np.float64)
