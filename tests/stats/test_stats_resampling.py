"""Bootstraps, quantile and mean intervals: seeded, order-independent, against references."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom, norm

from swapsafe.stats import (
    bootstrap,
    bootstrap_paired_ci,
    bootstrap_ratio,
    mean_ci,
    mean_interval,
    p50,
    p95,
    percentile,
    quantile_ci,
)


def test_paired_bootstrap_of_a_difference_is_seeded() -> None:
    base = [True] * 75 + [False] * 86
    cand = [True] * 65 + [False] * 96
    a = bootstrap_paired_ci(base, cand, seed=7)
    assert a == bootstrap_paired_ci(base, cand, seed=7)
    rng = np.random.default_rng(7)
    diffs = np.array(cand, dtype=float) - np.array(base, dtype=float)
    means = diffs[rng.integers(0, 161, size=(2000, 161))].mean(axis=1)
    assert a == (np.quantile(means, 0.025), np.quantile(means, 0.975))
    assert a[0] < -10 / 161 < a[1]


def test_bootstrap_is_order_independent() -> None:
    x = list(np.random.default_rng(3).lognormal(5, 1, 500))
    ci = bootstrap(x, p50)
    assert ci == bootstrap(list(reversed(x)), p50)
    assert ci.low < ci.value < ci.high and ci.value == pytest.approx(float(np.median(x)))


def test_paired_bootstrap_ratio_brackets_the_truth() -> None:
    rnd = random.Random(3)
    old = [rnd.uniform(100, 300) for _ in range(500)]
    new = [x * 1.2 for x in old]
    ci = bootstrap_ratio(new, old, paired=True)
    assert ci.value == pytest.approx(1.2)
    assert ci.low == pytest.approx(1.2) and ci.high == pytest.approx(1.2)  # exactly 1.2 per pair
    unpaired = bootstrap_ratio(new, old)
    assert unpaired.low < 1.2 < unpaired.high
    with pytest.raises(ValueError):
        bootstrap_ratio([1.0], [1.0, 2.0], paired=True)


@pytest.mark.parametrize("n", [1, 2, 7, 100, 1001, 25_000])
def test_quantiles_of_resamples_equal_numpy_on_the_resampled_values(n: int) -> None:
    """p50 / p95 of a resample come from order statistics of ranks (no gathered copy): the
    same numbers, bit for bit, as numpy.quantile over the resampled values themselves."""
    rng = np.random.default_rng(n)
    new = np.round(rng.lognormal(6, 0.5, n))  # rounded: ties, as real latencies have
    old = np.round(new * rng.lognormal(0, 0.2, n))
    for stat in (p50, p95):

        def plain(x: np.ndarray, q: float = stat.q) -> np.ndarray:
            return np.asarray(np.quantile(x, q, axis=-1), dtype=np.float64)

        for paired in (True, False):
            fast = bootstrap_ratio(new, old, stat, paired=paired)
            assert fast == bootstrap_ratio(new, old, plain, paired=paired)
        assert bootstrap(new, stat) == bootstrap(new, plain)


def test_exact_quantile_bootstrap_agrees_with_resampling() -> None:
    x = np.random.default_rng(1).lognormal(5, 1, 2000)
    for q, stat in ((0.5, p50), (0.95, p95)):
        exact, resampled = quantile_ci(x, q), bootstrap(x, stat)
        assert exact.value == resampled.value == pytest.approx(float(np.quantile(x, q)))
        assert exact.low == pytest.approx(resampled.low, rel=0.03)
        assert exact.high == pytest.approx(resampled.high, rel=0.03)


@given(
    st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=300),
    st.sampled_from([0.5, 0.9, 0.95, 0.99]),
)
@settings(max_examples=200, deadline=None)
def test_quantile_ci_brackets_the_numpy_quantile(values: list[float], q: float) -> None:
    ci = quantile_ci(values, q)
    assert ci.value == pytest.approx(float(np.quantile(values, q)))
    assert min(values) <= ci.low <= ci.value <= ci.high <= max(values)


@pytest.mark.parametrize("n", [1, 2, 9, 250, 20_001])
def test_quantile_ci_ends_are_the_searchsorted_ends_of_the_exact_distribution(n: int) -> None:
    """The interval's ends come from a binary search over the bootstrap distribution of the
    order statistic: the same ends as numpy.searchsorted over the whole distribution."""
    x = np.sort(np.round(np.random.default_rng(n).lognormal(6, 0.5, n)))
    for q in (0.5, 0.95, 0.99):
        for confidence in (0.9, 0.95):
            k = math.floor(q * (n - 1)) + 1
            cdf = binom.sf(k - 1, n, np.arange(1, n + 1) / n)
            alpha = (1 - confidence) / 2
            lo = int(np.searchsorted(cdf, alpha, side="left"))
            hi = int(np.searchsorted(cdf, 1 - alpha, side="left"))
            point = float(np.quantile(x, q))
            ci = quantile_ci(x, q, confidence)
            assert ci.low == min(float(x[min(lo, n - 1)]), point)
            assert ci.high == max(float(x[min(hi + 1, n - 1)]), point)


def test_mean_intervals_reach_the_normal_limit() -> None:
    big = np.random.default_rng(2).exponential(1.0, 50_000)
    ci = mean_ci(big)
    se = float(big.std(ddof=1)) / big.size**0.5
    assert ci.value == pytest.approx(float(big.mean()))
    assert (ci.low, ci.high) == (
        pytest.approx(ci.value - norm.ppf(0.975) * se, rel=1e-9),
        pytest.approx(ci.value + norm.ppf(0.975) * se, rel=1e-9),
    )
    by_sums = mean_interval(float(big.sum()), float((big * big).sum()), big.size, 0.95)
    assert (by_sums.low, by_sums.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    small = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert small.low <= 2.5 <= small.high


def test_percentile_and_empty_samples() -> None:
    assert percentile([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    assert percentile([], 95) is None
    for ci in (quantile_ci([], 0.5), bootstrap([]), bootstrap_ratio([], [1.0])):
        assert ci.n == 0 and np.isnan(ci.value)
