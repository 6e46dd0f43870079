"""Paired outcomes: the 2x2 table of baseline vs candidate on the same cases, and its tests.

- :class:`PairedCounts`: ``both`` passed, ``regressed`` (baseline passed, candidate failed),
  ``improved`` (baseline failed, candidate passed), ``neither``. Keyword-only, so a table can
  never be built with two cells swapped.
- :func:`mcnemar_exact`: two-sided exact McNemar p-value (a binomial test of the discordant
  pairs at 1/2).
- :func:`newcombe_paired_ci`: Newcombe (1998) method 10, hybrid score with the continuity-
  corrected phi, for candidate - baseline; :func:`paired_newcombe` gives it as an
  :class:`~swapsafe.stats.proportions.Interval`.
- :func:`tango_paired_ci`: Tango (1998) asymptotic score interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from swapsafe.stats.proportions import Interval, wilson, z_two_sided


@dataclass(frozen=True, kw_only=True)
class PairedCounts:
    """Outcomes on the same cases: ``regressed`` = baseline passed and candidate failed."""

    both: float
    regressed: float  # baseline pass, candidate fail
    improved: float  # baseline fail, candidate pass
    neither: float

    @classmethod
    def from_outcomes(cls, baseline: Sequence[bool], candidate: Sequence[bool]) -> PairedCounts:
        """From two outcome lists in case order."""
        if len(baseline) != len(candidate):
            raise ValueError("paired outcomes must have the same length")
        return cls.from_pairs(list(zip(baseline, candidate, strict=True)))

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[bool, bool]]) -> PairedCounts:
        """From ``(baseline passed, candidate passed)`` per case."""
        both = sum(1 for b, c in pairs if b and c)
        regressed = sum(1 for b, c in pairs if b and not c)
        improved = sum(1 for b, c in pairs if c and not b)
        neither = len(pairs) - both - regressed - improved
        return cls(both=both, regressed=regressed, improved=improved, neither=neither)

    @property
    def n(self) -> float:
        return self.both + self.regressed + self.improved + self.neither

    @property
    def baseline_rate(self) -> float:
        return (self.both + self.regressed) / self.n if self.n else 0.0

    @property
    def candidate_rate(self) -> float:
        return (self.both + self.improved) / self.n if self.n else 0.0

    @property
    def diff(self) -> float:
        """Candidate pass rate minus baseline pass rate."""
        return (self.improved - self.regressed) / self.n if self.n else 0.0

    @property
    def discordance(self) -> float:
        return (self.improved + self.regressed) / self.n if self.n else 0.0

    def scaled(self, factor: float) -> PairedCounts:
        return PairedCounts(
            both=self.both * factor,
            regressed=self.regressed * factor,
            improved=self.improved * factor,
            neither=self.neither * factor,
        )


def mcnemar_exact(regressed: int, improved: int) -> float:
    """Two-sided exact McNemar p-value: a binomial test of the discordant pairs at 1/2."""
    m = regressed + improved
    if m == 0:
        return 1.0
    k = min(regressed, improved)
    tail = sum(math.comb(m, i) for i in range(k + 1))
    return min(1.0, 2 * tail / (1 << m))


def _phi(counts: PairedCounts) -> float:
    """Newcombe's continuity-corrected correlation of the paired table (0 when undefined)."""
    # rows: candidate pass/fail; columns: baseline pass/fail
    a, b, c, d = counts.both, counts.improved, counts.regressed, counts.neither
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    if margins <= 0:
        return 0.0
    cross = a * d - b * c
    if cross > counts.n / 2:
        return (cross - counts.n / 2) / math.sqrt(margins)
    if cross < 0:
        return cross / math.sqrt(margins)
    return 0.0


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
    phi = _phi(counts)
    diff = p1 - p2
    low_sq = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    high_sq = (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2
    return max(-1.0, diff - math.sqrt(max(low_sq, 0.0))), min(
        1.0, diff + math.sqrt(max(high_sq, 0.0))
    )


def paired_newcombe(counts: PairedCounts, conf: float = 0.95) -> Interval:
    """:func:`newcombe_paired_ci` with the observed difference (NaN for no cases)."""
    n = counts.n
    if n <= 0:
        return Interval(math.nan, -1.0, 1.0, 0)
    low, high = newcombe_paired_ci(counts, conf)
    return Interval(counts.diff, low, high, int(n))


def tango_statistic(delta: float, improved: float, regressed: float, n: float) -> float:
    """Tango's score statistic for the hypothesis that the paired difference is ``delta``."""
    a = 2 * n
    b = -improved - regressed + (2 * n - improved + regressed) * delta
    c = -regressed * delta * (1 - delta)
    q = (math.sqrt(max(b * b - 4 * a * c, 0.0)) - b) / (2 * a)
    var = n * (2 * q + delta * (1 - delta))
    num = improved - regressed - n * delta
    if var <= 0:  # no discordant pairs at delta 0: the statistic's limit there is 0
        return 0.0 if num == 0 else math.copysign(math.inf, num)
    return num / math.sqrt(var)


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
        else _bisect(lambda d: tango_statistic(d, imp, reg, n) - z, -1 + eps, est)
    )
    high = (
        1.0
        if est >= 1 - eps
        else _bisect(lambda d: tango_statistic(d, imp, reg, n) + z, est, 1 - eps)
    )
    return low, high
