"""Always-valid comparison of two proportions: the stated false-alarm rate holds for any number
of looks, and a real regression beyond the margin is caught within a bounded number of looks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from swapsafe.stats import compare_proportions, difference_cs, mixture_half_width
from swapsafe.stats.sequential import mixing_scale, verdicts

HOLDS = 1000
LOOKS = 20
ALPHA = 0.05
MARGIN = 0.01  # 1 point
#: 3 standard errors of a share estimated from HOLDS holds when its truth is ALPHA
SIM_ERROR = 3 * math.sqrt(ALPHA * (1 - ALPHA) / HOLDS)


def _holds(
    p_base: float, p_canary: float, per_look: int, ratio: int, margin: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) bounds at each look of HOLDS simulated holds, shape (HOLDS, LOOKS)."""
    rng = np.random.default_rng(seed)
    kc = rng.binomial(per_look, p_canary, (HOLDS, LOOKS)).cumsum(axis=1)
    kb = rng.binomial(per_look * ratio, p_base, (HOLDS, LOOKS)).cumsum(axis=1)
    looks = np.arange(1, LOOKS + 1)
    _, lower, upper = difference_cs(
        kc, per_look * looks, kb, per_look * ratio * looks, alpha=ALPHA, tau=mixing_scale(margin)
    )
    return lower, upper


@pytest.mark.parametrize(("per_look", "ratio"), [(50, 99), (200, 9), (1000, 1)])
def test_equal_cohorts_breach_in_at_most_alpha_of_holds(per_look: int, ratio: int) -> None:
    lower, _ = _holds(0.02, 0.02, per_look, ratio, MARGIN, seed=per_look)
    breached = (lower > MARGIN).any(axis=1).mean()
    assert breached <= ALPHA + SIM_ERROR


@pytest.mark.parametrize(("per_look", "ratio"), [(50, 99), (200, 9), (1000, 1)])
def test_least_favourable_null_keeps_alpha_too(per_look: int, ratio: int) -> None:
    """Canary worse by exactly the margin (the hardest case that must not breach), and a
    margin of 0 with equal cohorts: still at most alpha of the holds breach at any look."""
    lower, _ = _holds(0.02, 0.02 + MARGIN, per_look, ratio, MARGIN, seed=7 + per_look)
    assert (lower > MARGIN).any(axis=1).mean() <= ALPHA + SIM_ERROR
    lower0, _ = _holds(0.02, 0.02, per_look, ratio, 0.0, seed=11 + per_look)
    assert (lower0 > 0).any(axis=1).mean() <= ALPHA + SIM_ERROR


def test_a_fixed_sample_interval_at_every_look_does_not_keep_alpha() -> None:
    """Why the analysis needs the mixture boundary: the 95% z-interval checked at 20 looks
    calls a difference where there is none far more often than 5% of the time."""
    rng = np.random.default_rng(3)
    n = 500 * np.arange(1, LOOKS + 1)
    kc = rng.binomial(500, 0.2, (HOLDS, LOOKS)).cumsum(axis=1)
    kb = rng.binomial(500, 0.2, (HOLDS, LOOKS)).cumsum(axis=1)
    pc, pb = kc / n, kb / n
    z = (pc - pb) / np.sqrt(pc * (1 - pc) / n + pb * (1 - pb) / n)
    naive = (z > 1.96).any(axis=1).mean()
    _, lower, _ = difference_cs(kc, n, kb, n, alpha=ALPHA, tau=0.01)
    assert naive > ALPHA  # one-sided 2.5% at one look, over 5% across 20 looks
    assert (lower > 0).any(axis=1).mean() <= ALPHA / 2 + SIM_ERROR


def test_twice_the_baseline_error_rate_breaches_within_bounded_looks() -> None:
    """2% baseline, 4% canary (below a 5% absolute trigger), 1000 canary requests a look."""
    lower, _ = _holds(0.02, 0.04, 1000, 99, MARGIN, seed=5)
    breach = lower > MARGIN
    assert breach.any(axis=1).mean() >= 0.99
    first = breach.argmax(axis=1) + 1
    assert np.median(first) <= 6
    assert np.quantile(first, 0.95) <= 12


def test_equal_cohorts_with_enough_traffic_show_non_inferiority() -> None:
    _, upper = _holds(0.02, 0.02, 1000, 9, MARGIN, seed=9)
    assert (upper[:, -1] < MARGIN).mean() >= 0.99


def test_half_width_matches_the_formula_and_shrinks_with_data() -> None:
    v, tau, alpha = 1e-5, 0.01, 0.05
    expected = math.sqrt(v * (v + tau**2) / tau**2 * math.log((v + tau**2) / (v * alpha**2)))
    assert mixture_half_width(v, alpha, tau) == pytest.approx(expected)
    widths = mixture_half_width(np.array([1e-3, 1e-4, 1e-5, 1e-6]), alpha, tau)
    assert np.all(np.diff(widths) < 0)
    assert mixture_half_width(v, 0.01, tau) > mixture_half_width(v, 0.1, tau)
    with pytest.raises(ValueError):
        mixture_half_width(v, 0.0, tau)


def test_compare_proportions_reports_numbers_and_verdict() -> None:
    worse = compare_proportions(410, 10_000, 200, 10_000, margin=MARGIN, alpha=ALPHA)
    assert worse.verdict == "breach"
    assert worse.canary_rate == pytest.approx(0.041) and worse.baseline_rate == 0.02
    assert worse.lower > MARGIN and worse.lower < worse.estimate < worse.upper
    same = compare_proportions(200, 10_000, 200, 10_000, margin=MARGIN, alpha=ALPHA)
    assert same.verdict == "non-inferior" and same.upper < MARGIN
    early = compare_proportions(1, 20, 0, 20, margin=MARGIN, alpha=ALPHA)
    assert early.verdict == "continue"
    assert list(verdicts([0.02, -0.02, -0.02], [0.03, 0.005, 0.02], MARGIN)) == [
        "breach",
        "non-inferior",
        "continue",
    ]
    with pytest.raises(ValueError):
        compare_proportions(0, 0, 0, 10, margin=MARGIN, alpha=ALPHA)
