"""Wilson intervals and pass rates against scipy and published values; clamps and monotonicity."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest, norm

from swapsafe.stats import pass_rate, wilson, wilson_interval, z_two_sided


def test_z_matches_scipy() -> None:
    for conf in (0.8, 0.9, 0.95, 0.99):
        assert z_two_sided(conf) == pytest.approx(norm.ppf(1 - (1 - conf) / 2), rel=1e-12)
    with pytest.raises(ValueError):
        z_two_sided(1.0)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion",
        # Stat Med 17:857-872, Table I, method 3 (Wilson score without continuity correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_newcombe_1998_table_i(k: int, n: int, low: float, high: float) -> None:
    assert wilson(k, n) == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_wilson_8_of_10_by_hand() -> None:
    z = 1.959963984540054
    denom = 1 + z * z / 10
    centre = (0.8 + z * z / 20) / denom
    half = z * math.sqrt(0.8 * 0.2 / 10 + z * z / 400) / denom
    assert wilson(8, 10) == (pytest.approx(centre - half), pytest.approx(centre + half))
    assert tuple(round(x, 4) for x in wilson(8, 10)) == (0.4902, 0.9433)


@given(st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_wilson_matches_scipy(kn: tuple[int, int], conf: float) -> None:
    k, n = kn
    ref = binomtest(k, n).proportion_ci(confidence_level=conf, method="wilson")
    low, high = wilson(k, n, conf)
    assert low == pytest.approx(ref.low, abs=1e-12)
    assert high == pytest.approx(ref.high, abs=1e-12)


@given(st.integers(1, 500))
@settings(max_examples=200, deadline=None)
def test_wilson_is_clamped_at_the_edges(n: int) -> None:
    """k = 0 gives a lower bound of exactly 0, k = n an upper bound of exactly 1 (the gates'
    copy of Wilson missed these clamps: 5.55e-17 for 0 of 3, 0.99999... for 10 of 10)."""
    assert wilson(0, n)[0] == 0.0 and wilson_interval(0, n).low == 0.0
    assert wilson(n, n)[1] == 1.0 and wilson_interval(n, n).high == 1.0


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
@settings(max_examples=300, deadline=None)
def test_wilson_bounds_order_and_monotonicity(kn: tuple[int, int]) -> None:
    k, n = kn
    low, high = wilson(k, n)
    nxt = wilson(k + 1, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert nxt[0] >= low and nxt[1] >= high  # more successes never lower a bound
    narrow = wilson(k, n, 0.8)
    assert narrow[0] >= low and narrow[1] <= high  # lower confidence, narrower interval


def test_wilson_without_trials_and_bad_counts() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    empty = wilson_interval(0, 0)
    assert math.isnan(empty.value) and (empty.low, empty.high, empty.n) == (0.0, 1.0, 0)
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson(5, 4)


def test_wilson_interval_and_pass_rate_use_the_same_formula() -> None:
    ci = wilson_interval(8, 10)
    assert (ci.value, ci.low, ci.high, ci.n) == (0.8, *wilson(8, 10), 10)
    assert ci.as_dict("rate") == {
        "rate": 0.8,
        "rate_low": ci.low,
        "rate_high": ci.high,
        "rate_n": 10,
    }
    r = pass_rate([True] * 8 + [False] * 2)
    assert (r.passed, r.n, r.rate, r.low, r.high) == (8, 10, 0.8, ci.low, ci.high)
