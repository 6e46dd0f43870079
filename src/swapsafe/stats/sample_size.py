"""Sample size before a run: cases needed to show paired non-inferiority with some power."""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

from swapsafe.stats.independent import newcombe_diff_ci
from swapsafe.stats.proportions import z_two_sided

MAX_CASES = 10_000_000


def smallest_clearing(clears: Callable[[int], bool], start: int, floor: int = 1) -> int | None:
    """The smallest n >= ``floor`` for which a monotone ``clears(n)`` holds: doubling from
    ``start`` until it clears (None past :data:`MAX_CASES`), then bisecting."""
    hi = start
    while not clears(hi):
        hi *= 2
        if hi > MAX_CASES:
            return None
    lo = floor
    while lo < hi:
        mid = (lo + hi) // 2
        if clears(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


def _check(margin: float, baseline_rate: float, discordance: float, power: float) -> None:
    if margin <= 0:
        raise ValueError("margin must be > 0")
    if not 0 < baseline_rate < 1:
        raise ValueError("baseline rate must be between 0 and 1")
    if not 0 < discordance <= 1:
        raise ValueError("discordance must be between 0 and 1")
    if not 0.5 <= power < 1:
        raise ValueError("power must be between 0.5 and 1")


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
    where the two models disagree), δ the expected difference and z_{conf} the two-sided quantile
    (Connor 1987; Nam 1997 without the continuity term).
    """
    _check(margin, baseline_rate, discordance, power)
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


def probes_needed(
    new_k: int, new_n: int, old_k: int, old_n: int, margin: float, conf: float = 0.95
) -> int | None:
    """Probes per model that would settle the Newcombe CI of ``new - old`` against ``margin``
    if the observed rates hold: its upper bound at or below the margin when the observed
    difference is within it, its lower bound above the margin when the difference is beyond
    it. None when a side was not probed or the difference sits on the margin."""
    if new_n <= 0 or old_n <= 0:
        return None
    p_new, p_old = new_k / new_n, old_k / old_n
    within = p_new - p_old < margin
    if p_new - p_old == margin:
        return None

    def clears(n: int) -> bool:
        ci = newcombe_diff_ci(p_new * n, n, p_old * n, n, conf)
        return ci.high <= margin if within else ci.low > margin

    return smallest_clearing(clears, max(new_n, old_n, 1))
