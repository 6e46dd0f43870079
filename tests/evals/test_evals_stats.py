"""Statistics against scipy and published / hand-calculated reference values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest, norm

from swapsafe.evals import stats
from swapsafe.evals.stats import PairedCounts


def test_wilson_8_of_10_by_hand() -> None:
    # p = 0.8, z = 1.959964: centre = (0.8 + z²/20) / (1 + z²/10),
    # half = z·sqrt(.016 + z²/400) / (1 + z²/10)
    z = 1.959963984540054
    denom = 1 + z * z / 10
    centre = (0.8 + z * z / 20) / denom
    half = z * math.sqrt(0.8 * 0.2 / 10 + z * z / 400) / denom
    low, high = stats.wilson(8, 10)
    assert (low, high) == pytest.approx((centre - half, centre + half))
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)


def test_wilson_edges() -> None:
    assert stats.wilson(0, 0) == (0.0, 1.0)
    low, high = stats.wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    assert stats.wilson(10, 10)[1] == 1.0
    assert stats.wilson(8, 10, 0.99)[0] < stats.wilson(8, 10, 0.95)[0]


@given(st.integers(0, 60), st.integers(0, 60))
@settings(max_examples=200, deadline=None)
def test_mcnemar_exact_matches_scipy_binomtest(regressed: int, improved: int) -> None:
    m = regressed + improved
    expected = 1.0 if m == 0 else binomtest(regressed, m, 0.5).pvalue
    assert stats.mcnemar_exact(regressed, improved) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_mcnemar_by_hand() -> None:
    # b=1, c=7: p = 2 * (C(8,0) + C(8,1)) / 2^8 = 18/256
    assert stats.mcnemar_exact(1, 7) == pytest.approx(18 / 256)
    assert stats.mcnemar_exact(5, 5) == 1.0


def test_newcombe_published_example() -> None:
    # Cavo et al. 2012 as used by Fagerland, Lydersen & Laake (Newcombe square-and-add, method 10):
    # table [[59, 6], [16, 80]] -> estimate -0.0621, 95% CI -0.1186 to -0.0046
    counts = PairedCounts(both=59, improved=6, regressed=16, neither=80)
    assert counts.diff == pytest.approx(-0.0621, abs=1e-4)
    low, high = stats.newcombe_paired_ci(counts)
    assert (round(low, 4), round(high, 4)) == (-0.1186, -0.0046)


def test_newcombe_phi_zero_branch_by_hand() -> None:
    # a*d - b*c = 5*5 - 0*0 = 25 > n/2 = 5: phi = (25 - 5)/sqrt(5*5*5*5) = 0.8
    counts = PairedCounts(both=5, improved=0, regressed=0, neither=5)
    l1, u1 = stats.wilson(5, 10)
    phi = 0.8
    half = math.sqrt((0.5 - l1) ** 2 - 2 * phi * (0.5 - l1) * (u1 - 0.5) + (u1 - 0.5) ** 2)
    assert stats.newcombe_paired_ci(counts) == pytest.approx((-half, half))


def test_tango_solves_its_score_equation_and_agrees_with_newcombe() -> None:
    counts = PairedCounts(both=59, improved=6, regressed=16, neither=80)
    low, high = stats.tango_paired_ci(counts)
    z = norm.ppf(0.975)
    assert stats._tango_statistic(low, 6, 16, 161) == pytest.approx(z, abs=1e-6)
    assert stats._tango_statistic(high, 6, 16, 161) == pytest.approx(-z, abs=1e-6)
    assert low < counts.diff < high
    n_low, n_high = stats.newcombe_paired_ci(counts)
    assert abs(low - n_low) < 0.01 and abs(high - n_high) < 0.01


def test_bootstrap_is_seeded_and_brackets_the_difference() -> None:
    base = [True] * 75 + [False] * 86
    cand = [True] * 65 + [False] * 96
    a = stats.bootstrap_paired_ci(base, cand, seed=7)
    assert a == stats.bootstrap_paired_ci(base, cand, seed=7)
    rng = np.random.default_rng(7)
    diffs = np.array(cand, dtype=float) - np.array(base, dtype=float)
    means = diffs[rng.integers(0, 161, size=(2000, 161))].mean(axis=1)
    assert a == (np.quantile(means, 0.025), np.quantile(means, 0.975))
    assert a[0] < -10 / 161 < a[1]
    low, high = stats.percentile_bootstrap_ci(np.arange(100.0), np.median, seed=1)
    assert low < 49.5 < high


def test_non_inferiority_verdicts() -> None:
    # 1000 cases, identical behaviour except 5 each way: CI tight around 0 -> pass at 2 points
    tight = PairedCounts(both=900, improved=5, regressed=5, neither=90)
    assert stats.non_inferiority(tight, 0.02).verdict == "pass"
    # candidate clearly worse: 100 regressions out of 1000
    worse = PairedCounts(both=800, improved=0, regressed=100, neither=100)
    r = stats.non_inferiority(worse, 0.02)
    assert r.verdict == "fail" and r.high < -0.02 and r.extra_cases is None
    # small sample: inconclusive, with the extra cases that would settle it if rates hold
    small = PairedCounts(both=90, improved=2, regressed=2, neither=6)
    r = stats.non_inferiority(small, 0.02)
    assert r.verdict == "inconclusive" and r.extra_cases is not None and r.extra_cases > 0
    bigger = small.scaled((100 + r.extra_cases) / 100)
    assert stats.non_inferiority(bigger, 0.02).verdict == "pass"
    one_less = small.scaled((100 + r.extra_cases - 1) / 100)
    assert stats.non_inferiority(one_less, 0.02).verdict == "inconclusive"


def test_inconclusive_beyond_margin_needs_no_count() -> None:
    r = stats.non_inferiority(PairedCounts(both=5, improved=0, regressed=1, neither=4), 0.02)
    assert r.verdict == "inconclusive" and r.extra_cases is None


def test_plan_size_by_hand() -> None:
    # (1.959964 + 0.841621)^2 * 0.1 / 0.02^2 = 1962.2 -> 1963
    assert stats.plan_size(0.02, 0.9, 0.1) == 1963
    assert stats.plan_size(0.02, 0.9, 0.1, power=0.9) > 1963
    assert stats.plan_size(0.05, 0.9, 0.1) == math.ceil((1.959964 + 0.841621) ** 2 * 0.1 / 0.0025)
    with pytest.raises(ValueError, match="impossible with a baseline rate"):
        stats.plan_size(0.02, 0.98, 0.1)


def test_pass_rate_and_percentile() -> None:
    r = stats.pass_rate([True] * 8 + [False] * 2)
    assert r.rate == 0.8 and round(r.low, 4) == 0.4902
    assert stats.percentile([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    assert stats.percentile([], 95) is None
