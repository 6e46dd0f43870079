"""Newcombe CI of two independent rates, probes needed, and the one lean wording (pure)."""

from __future__ import annotations

import math

import pytest

from swapsafe.stats import lean, newcombe_diff_ci, probes_needed


def test_newcombe_diff_matches_newcombe_1998_table_ii() -> None:
    # Newcombe (1998) Statist. Med. 17:873, Table II, example (a): 56/70 - 48/80, method 10
    ci = newcombe_diff_ci(56, 70, 48, 80)
    assert ci.value == pytest.approx(0.2)
    assert (ci.low, ci.high) == pytest.approx((0.0524, 0.3339), abs=5e-4)


def test_newcombe_diff_edges() -> None:
    zero = newcombe_diff_ci(0, 12, 0, 12)
    assert zero.value == 0 and zero.low < 0 < zero.high
    assert math.isnan(newcombe_diff_ci(1, 0, 0, 12).value)
    full = newcombe_diff_ci(12, 12, 0, 12)
    assert full.high == 1.0 and full.low > 0.5


def test_probes_needed_settles_either_way() -> None:
    # equal rates: enough probes per model to bring the upper bound under 5 points
    n = probes_needed(0, 12, 0, 12, 0.05)
    assert n is not None and n > 12
    assert newcombe_diff_ci(0, n, 0, n).high <= 0.05 < newcombe_diff_ci(0, n - 1, 0, n - 1).high
    # a point regression beyond the margin: probes to show it
    m = probes_needed(1, 12, 0, 12, 0.05)
    assert m is not None
    assert newcombe_diff_ci(m / 12, m, 0, m).low > 0.05
    assert probes_needed(1, 0, 0, 12, 0.05) is None


def test_lean_says_which_way_and_how_loud() -> None:
    assert lean(0.667, 0.02).kind == "likely_worse" and lean(0.667, 0.02).tone == "warn"
    assert lean(0.667, 0.02).text == "likely worse, not enough cases"
    assert lean(0.01, 0.02).kind == "leans_worse" and lean(0.01, 0.02).tone == "neutral"
    assert lean(-0.01, 0.02).kind == "leans_better"
    assert lean(0.0, 0.02).kind == "no_lean"
    assert lean(math.nan, 0.02).kind == "no_lean"
