"""Seeded percentile bootstraps (the same data always gives the same interval).

Statistics are vectorised: ``stat(samples)`` takes a ``(resamples, n)`` array and returns one
value per row (:data:`p95`, :data:`p50`, :func:`mean`). :func:`bootstrap` and
:func:`bootstrap_ratio` sort their input first, so the row order a store returns never changes
an interval, and resample at most ``BOOTSTRAP_MAX_N`` values.

A :class:`Quantile` of a resample is read off two order statistics of the resampled positions
in the sorted sample (a partition of integers), instead of gathering and partitioning the
resampled values: the same draws and the same numbers, in about half the time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from swapsafe.stats.proportions import Interval

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Statistic = Callable[[FloatArray], FloatArray]  # (resamples, n) -> (resamples,)
#: resamples per bootstrap interval, and the largest sample a bootstrap resamples from
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_MAX_N = 20_000
SEED = 20240601
_CELLS_PER_CHUNK = 2_000_000


@dataclass(frozen=True)
class Quantile:
    """The ``q`` quantile of each row, interpolated linearly (``numpy.quantile``'s default)."""

    q: float

    def __call__(self, samples: FloatArray) -> FloatArray:
        return np.asarray(np.quantile(samples, self.q, axis=-1), dtype=np.float64)

    def of_positions(self, ordered: FloatArray, positions: IntArray) -> FloatArray:
        """The quantile of each row of ``ordered[positions]`` (``ordered`` sorted ascending),
        from two order statistics of ``positions``, which it partitions in place."""
        n = positions.shape[-1]
        h = (n - 1) * self.q  # numpy's "linear" virtual index
        k = math.floor(h)
        k1 = min(k + 1, n - 1)
        positions.partition(sorted({k, k1}), axis=-1)
        low, high = ordered[positions[:, k]], ordered[positions[:, k1]]
        gamma = h - k
        step = high - low
        # numpy's _lerp: from the nearer end, so the result stays within [low, high]
        out = high - step * (1 - gamma) if gamma >= 0.5 else low + step * gamma
        return np.asarray(out, dtype=np.float64)


p95 = Quantile(0.95)
p50 = Quantile(0.5)


def mean(samples: FloatArray) -> FloatArray:
    return np.asarray(np.mean(samples, axis=-1), dtype=np.float64)


def _capped(values: Sequence[float] | FloatArray, rng: np.random.Generator) -> FloatArray:
    """The values sorted (so row order from the store never changes an interval), capped."""
    arr = np.sort(np.asarray(values, dtype=np.float64))
    if arr.size > BOOTSTRAP_MAX_N:
        arr = rng.choice(arr, BOOTSTRAP_MAX_N, replace=False)
    return arr


def _of_resamples(arr: FloatArray, stat: Statistic) -> Callable[[IntArray], FloatArray]:
    """``stat`` of ``arr[idx]`` for each row of resample indices ``idx``; a :class:`Quantile`
    from the ranks of ``arr`` (equal values, no gathered copy of every resample)."""
    if not isinstance(stat, Quantile):
        return lambda idx: stat(arr[idx])
    order = np.argsort(arr, kind="stable")
    ordered = arr[order]
    rank = np.empty(arr.size, dtype=np.intp)
    rank[order] = np.arange(arr.size)
    return lambda idx: stat.of_positions(ordered, rank[idx])


def resample_stats(
    arr: FloatArray,
    stat: Statistic,
    rng: np.random.Generator,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
) -> FloatArray:
    """``stat`` of ``n_resamples`` resamples (with replacement) of ``arr``, in chunks."""
    out = np.empty(n_resamples)
    of = _of_resamples(arr, stat)
    chunk = max(1, _CELLS_PER_CHUNK // max(arr.size, 1))
    for start in range(0, n_resamples, chunk):
        stop = min(n_resamples, start + chunk)
        idx = rng.integers(0, arr.size, size=(stop - start, arr.size))
        out[start:stop] = of(idx)
    return out


def _percentiles(stats: FloatArray, confidence: float) -> tuple[float, float]:
    alpha = (1 - confidence) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return float(low), float(high)


def bootstrap(
    values: Sequence[float] | FloatArray, stat: Statistic = p95, confidence: float = 0.95
) -> Interval:
    """Percentile-bootstrap CI of ``stat`` over one sample."""
    rng = np.random.default_rng(SEED)
    arr = _capped(values, rng)
    if arr.size == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    point = float(stat(arr[None, :])[0])
    low, high = _percentiles(resample_stats(arr, stat, rng), confidence)
    return Interval(point, low, high, int(np.asarray(values).size))


def _paired_ratios(
    a: FloatArray, b: FloatArray, stat: Statistic, rng: np.random.Generator
) -> FloatArray:
    """Ratios of ``stat`` over resamples that keep each (new, old) pair together."""
    if a.size != b.size:
        raise ValueError("paired samples must have the same length")
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    if a.size > BOOTSTRAP_MAX_N:
        keep = rng.choice(a.size, BOOTSTRAP_MAX_N, replace=False)
        a, b = a[keep], b[keep]
    ratios = np.empty(BOOTSTRAP_RESAMPLES)
    of_a, of_b = _of_resamples(a, stat), _of_resamples(b, stat)
    chunk = max(1, _CELLS_PER_CHUNK // a.size)
    for start in range(0, BOOTSTRAP_RESAMPLES, chunk):
        stop = min(BOOTSTRAP_RESAMPLES, start + chunk)
        idx = rng.integers(0, a.size, size=(stop - start, a.size))
        ratios[start:stop] = _safe_div(of_a(idx), of_b(idx))
    return ratios


def bootstrap_ratio(
    new: Sequence[float] | FloatArray,
    old: Sequence[float] | FloatArray,
    stat: Statistic = p95,
    confidence: float = 0.95,
    *,
    paired: bool = False,
) -> Interval:
    """CI of ``stat(new) / stat(old)``; ``paired`` resamples (new, old) pairs together."""
    rng = np.random.default_rng(SEED)
    a = np.asarray(new, dtype=np.float64)
    b = np.asarray(old, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    denom0 = float(stat(b[None, :])[0])
    point = float(stat(a[None, :])[0]) / denom0 if denom0 > 0 else math.inf
    if paired:
        ratios = _paired_ratios(a, b, stat, rng)
    else:
        ratios = _safe_div(
            resample_stats(_capped(a, rng), stat, rng),
            resample_stats(_capped(b, rng), stat, rng),
        )
    low, high = _percentiles(ratios, confidence)
    return Interval(point, low, high, int(min(np.size(new), np.size(old))))


def bootstrap_paired_ci(
    baseline: Sequence[bool],
    candidate: Sequence[bool],
    *,
    conf: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """Bootstrap CI of candidate - baseline pass rate, resampling cases (pairs stay together)."""
    diffs = np.asarray(candidate, dtype=np.float64) - np.asarray(baseline, dtype=np.float64)
    if diffs.size == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    return _percentiles(resample_stats(diffs, mean, rng, n_resamples), conf)


def _safe_div(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
    return np.asarray(out, dtype=np.float64)
