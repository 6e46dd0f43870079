"""Statistics for golden-set evals (pure: numbers in, numbers out; no I/O).

- :func:`wilson`: Wilson score interval of a pass rate.
- :class:`PairedCounts`: a paired 2x2 table of baseline vs candidate outcomes on the same cases.
- :func:`mcnemar_exact`: exact (binomial) McNemar p-value on the discordant pairs.
- :func:`newcombe_paired_ci` (Newcombe 1998, method 10, hybrid score with the continuity-
  corrected phi) and :func:`tango_paired_ci` (Tango 1998 score interval) for candidate - baseline.
- :func:`bootstrap_paired_ci` / :func:`percentile_bootstrap_ci`: seeded percentile bootstrap.
- :func:`non_inferiority`: pass / fail / inconclusive against a margin, with the number of extra
  cases an inconclusive result needs; :func:`plan_size`: cases needed before a run.

Differences and margins are fractions here (0.02 = 2 points); the CLI speaks points.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

Verdict = Literal["pass", "fail", "inconclusive"]
_MAX_CASES = 10_000_000


def z_two_sided(conf: float) -> float:
    """The normal quantile for a two-sided interval at confidence ``conf`` (1.96 for 0.95)."""
    if not 0.0 < conf < 1.0:
        raise ValueError("confidence must be between 0 and 1")
    return NormalDist().inv_cdf(1.0 - (1.0 - conf) / 2.0)


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
    k = sum(1 for o in outcomes if o)
    low, high = wilson(k, len(outcomes), conf)
    return PassRate(k, len(outcomes), low, high)


@dataclass(frozen=True)
class PairedCounts:
    """Outcomes on the same cases: ``regressed`` = baseline passed and candidate failed."""

    both: float
    regressed: float  # baseline pass, candidate fail
    improved: float  # baseline fail, candidate pass
    neither: float

    @classmethod
    def from_outcomes(cls, baseline: Sequence[bool], candidate: Sequence[bool]) -> PairedCounts:
        if len(baseline) != len(candidate):
            raise ValueError("paired outcomes must have the same length")
        both = regressed = improved = neither = 0
        for b, c in zip(baseline, candidate, strict=True):
            if b and c:
                both += 1
            elif b:
                regressed += 1
            elif c:
                improved += 1
            else:
                neither += 1
        return cls(both, regressed, improved, neither)

    @property
    def n(self) -> float:
        return self.both + self.regressed + self.improved + self.neither

    @property
    def diff(self) -> float:
        """Candidate pass rate minus baseline pass rate."""
        return (self.improved - self.regressed) / self.n if self.n else 0.0

    @property
    def discordance(self) -> float:
        return (self.improved + self.regressed) / self.n if self.n else 0.0

    def scaled(self, factor: float) -> PairedCounts:
        return PairedCounts(
            self.both * factor,
            self.regressed * factor,
            self.improved * factor,
            self.neither * factor,
        )


def mcnemar_exact(regressed: int, improved: int) -> float:
    """Two-sided exact McNemar p-value: a binomial test of the discordant pairs at 1/2."""
    m = regressed + improved
    if m == 0:
        return 1.0
    k = min(regressed, improved)
    tail = sum(math.comb(m, i) for i in range(k + 1))
    return min(1.0, 2 * tail / (1 << m))


def newcombe_paired_ci(counts: PairedCounts, conf: float = 0.95) -> tuple[float, float]:
    """Newcombe (1998) method 10 CI for candidate - baseline on paired data."""
    n = counts.n
    if n <= 0:
        return -1.0, 1.0
    cand_k = counts.both + counts.improved
    base_k = counts.both + counts.regressed
    p1, p2 = cand_k / n, base_k / n
    l1, u1 = wilson(cand_k, n, conf)
    l2, u2 = wilson(base_k, n, conf)
    # rows: candidate pass/fail; columns: baseline pass/fail
    a, b, c, d = counts.both, counts.improved, counts.regressed, counts.neither
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    phi = 0.0
    if margins > 0:
        cross = a * d - b * c
        if cross > n / 2:
            phi = (cross - n / 2) / math.sqrt(margins)
        elif cross < 0:
            phi = cross / math.sqrt(margins)
    diff = p1 - p2
    low_sq = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    high_sq = (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2
    return max(-1.0, diff - math.sqrt(max(low_sq, 0.0))), min(
        1.0, diff + math.sqrt(max(high_sq, 0.0))
    )


def _tango_statistic(delta: float, improved: float, regressed: float, n: float) -> float:
    a = 2 * n
    b = -improved - regressed + (2 * n - improved + regressed) * delta
    c = -regressed * delta * (1 - delta)
    q = (math.sqrt(max(b * b - 4 * a * c, 0.0)) - b) / (2 * a)
    var = n * (2 * q + delta * (1 - delta))
    if var <= 0:
        return math.inf if improved - regressed - n * delta > 0 else -math.inf
    return (improved - regressed - n * delta) / math.sqrt(var)


def _bisect(f: Callable[[float], float], lo: float, hi: float, tol: float = 1e-10) -> float:
    flo = f(lo)
    for _ in range(200):
        mid = (lo + hi) / 2
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
        if hi - lo < tol:
            break
    return (lo + hi) / 2


def tango_paired_ci(counts: PairedCounts, conf: float = 0.95) -> tuple[float, float]:
    """Tango (1998) asymptotic score CI for candidate - baseline on paired data."""
    n = counts.n
    if n <= 0:
        return -1.0, 1.0
    z = z_two_sided(conf)
    imp, reg = counts.improved, counts.regressed
    est = (imp - reg) / n
    eps = 1e-9
    low = (
        -1.0
        if est <= -1 + eps
        else _bisect(lambda d: _tango_statistic(d, imp, reg, n) - z, -1 + eps, est)
    )
    high = (
        1.0
        if est >= 1 - eps
        else _bisect(lambda d: _tango_statistic(d, imp, reg, n) + z, est, 1 - eps)
    )
    return low, high


def percentile_bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    stat: Callable[[np.ndarray], float] = np.mean,
    *,
    conf: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap CI of ``stat`` over ``values`` (resampled with a seeded generator)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, data.size, size=(n_resamples, data.size))
    stats = np.array([stat(data[row]) for row in idx])
    alpha = (1.0 - conf) / 2.0
    return float(np.quantile(stats, alpha)), float(np.quantile(stats, 1.0 - alpha))


def bootstrap_paired_ci(
    baseline: Sequence[bool],
    candidate: Sequence[bool],
    *,
    conf: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """Bootstrap CI of candidate - baseline pass rate, resampling cases (pairs stay together)."""
    diffs = np.asarray(candidate, dtype=float) - np.asarray(baseline, dtype=float)
    if diffs.size == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, diffs.size, size=(n_resamples, diffs.size))
    means = diffs[idx].mean(axis=1)
    alpha = (1.0 - conf) / 2.0
    return float(np.quantile(means, alpha)), float(np.quantile(means, 1.0 - alpha))


@dataclass(frozen=True)
class NonInferiority:
    verdict: Verdict
    diff: float
    low: float
    high: float
    margin: float
    extra_cases: int | None = None  # for inconclusive: more cases needed if rates hold


def verdict_for(low: float, high: float, margin: float) -> Verdict:
    if low > -margin:
        return "pass"
    if high < -margin:
        return "fail"
    return "inconclusive"


def cases_needed(counts: PairedCounts, margin: float, conf: float = 0.95) -> int | None:
    """Smallest total case count whose CI would clear ``-margin`` if the observed rates hold;
    None when the observed difference itself is at or below ``-margin``."""
    if counts.n <= 0 or counts.diff <= -margin:
        return None

    def clears(total: float) -> bool:
        return newcombe_paired_ci(counts.scaled(total / counts.n), conf)[0] > -margin

    hi = max(int(counts.n), 1)
    while not clears(hi):
        hi *= 2
        if hi > _MAX_CASES:
            return None
    lo = max(int(counts.n) // 2, 1)
    while lo < hi:
        mid = (lo + hi) // 2
        if clears(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


def non_inferiority(counts: PairedCounts, margin: float, conf: float = 0.95) -> NonInferiority:
    """Candidate non-inferior to baseline within ``margin`` (a fraction), Newcombe CI."""
    low, high = newcombe_paired_ci(counts, conf)
    verdict = verdict_for(low, high, margin)
    extra = None
    if verdict == "inconclusive":
        needed = cases_needed(counts, margin, conf)
        extra = None if needed is None else max(needed - int(counts.n), 1)
    return NonInferiority(verdict, counts.diff, low, high, margin, extra)


def plan_size(
    margin: float,
    baseline_rate: float,
    discordance: float,
    *,
    power: float = 0.8,
    conf: float = 0.95,
    expected_diff: float = 0.0,
) -> int:
    """Cases needed to show non-inferiority within ``margin`` with ``power`` (paired design).

    n = (z_{conf} + z_{power})² · (ψ - δ²) / (δ + margin)², with ψ the discordance (share of cases
    where the two models disagree), δ the expected difference and z_{conf} the two-sided quantile.
    """
    if margin <= 0:
        raise ValueError("margin must be > 0")
    if not 0 < baseline_rate < 1:
        raise ValueError("baseline rate must be between 0 and 1")
    if not 0 < discordance <= 1:
        raise ValueError("discordance must be between 0 and 1")
    if not 0.5 <= power < 1:
        raise ValueError("power must be between 0.5 and 1")
    if expected_diff + margin <= 0:
        raise ValueError("the expected difference is already beyond the margin")
    regressed = (discordance - expected_diff) / 2
    improved = (discordance + expected_diff) / 2
    if regressed < 0 or improved < 0 or regressed > baseline_rate or improved > 1 - baseline_rate:
        raise ValueError(
            f"a discordance of {discordance:g} is impossible with a baseline rate of "
            f"{baseline_rate:g}; it must be at most {2 * min(baseline_rate, 1 - baseline_rate):g}"
        )
    z = z_two_sided(conf) + NormalDist().inv_cdf(power)
    return math.ceil(z * z * (discordance - expected_diff**2) / (expected_diff + margin) ** 2)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100, linear interpolation); None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))
