"""The verdict rules, non-inferiority with the extra cases it needs, and the sample size."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from swapsafe.stats import (
    PairedCounts,
    bound_verdict,
    newcombe_paired_ci,
    non_inferiority,
    plan_size,
    verdict_for,
)


def test_verdict_for_a_difference_against_a_margin() -> None:
    assert verdict_for(-0.01, 0.03, 0.02) == "pass"
    assert verdict_for(-0.09, -0.03, 0.02) == "fail"
    assert verdict_for(-0.03, 0.01, 0.02) == "inconclusive"
    assert verdict_for(-0.02, 0.01, 0.02) == "inconclusive"  # touching the margin is not clear


def test_bound_verdict_for_a_maximum() -> None:
    assert bound_verdict(0.01, 0.02, 0.02) == "pass"  # upper bound at the max passes
    assert bound_verdict(0.03, 0.05, 0.02) == "fail"
    assert bound_verdict(0.01, 0.05, 0.02) == "inconclusive"


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
@settings(max_examples=300, deadline=None)
def test_bound_verdict_is_monotone(value: float, width: float, limit: float) -> None:
    high = min(1.0, value + width)
    v = bound_verdict(value, high, limit)
    assert (v == "pass") == (high <= limit)
    assert (v == "fail") == (high > limit and value > limit)


def test_non_inferiority_verdicts() -> None:
    tight = PairedCounts(both=900, improved=5, regressed=5, neither=90)
    assert non_inferiority(tight, 0.02).verdict == "pass"
    worse = PairedCounts(both=800, improved=0, regressed=100, neither=100)
    r = non_inferiority(worse, 0.02)
    assert r.verdict == "fail" and r.high < -0.02 and r.extra_cases is None
    assert (r.low, r.high) == newcombe_paired_ci(worse)
    small = PairedCounts(both=90, improved=2, regressed=2, neither=6)
    r = non_inferiority(small, 0.02)
    assert r.verdict == "inconclusive" and r.extra_cases is not None and r.extra_cases > 0
    assert non_inferiority(small.scaled((100 + r.extra_cases) / 100), 0.02).verdict == "pass"
    one_less = small.scaled((100 + r.extra_cases - 1) / 100)
    assert non_inferiority(one_less, 0.02).verdict == "inconclusive"


def test_inconclusive_beyond_margin_needs_no_count() -> None:
    r = non_inferiority(PairedCounts(both=5, improved=0, regressed=1, neither=4), 0.02)
    assert r.verdict == "inconclusive" and r.extra_cases is None


def test_plan_size_by_hand() -> None:
    # Connor (1987) / Nam (1997) paired design without continuity term:
    # (z_.975 + z_.8)^2 * psi / margin^2 = (1.959964 + 0.841621)^2 * 0.1 / 0.02^2 = 1962.2 -> 1963
    assert plan_size(0.02, 0.9, 0.1) == 1963
    assert plan_size(0.02, 0.9, 0.1, power=0.9) > 1963
    z = norm.ppf(0.975) + norm.ppf(0.8)
    assert plan_size(0.05, 0.9, 0.1) == math.ceil(z * z * 0.1 / 0.0025)
    assert plan_size(0.02, 0.9, 0.1, expected_diff=0.01) == math.ceil(
        z * z * (0.1 - 1e-4) / 0.03**2
    )
    with pytest.raises(ValueError, match="impossible with a baseline rate"):
        plan_size(0.02, 0.98, 0.1)
    with pytest.raises(ValueError, match="margin"):
        plan_size(0, 0.9, 0.1)
