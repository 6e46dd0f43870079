"""Paired tables: exact McNemar, Newcombe and Tango intervals against references."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq, minimize_scalar
from scipy.stats import binomtest, norm

from swapsafe.stats import (
    PairedCounts,
    mcnemar_exact,
    newcombe_paired_ci,
    paired_newcombe,
    tango_paired_ci,
    wilson,
)
from swapsafe.stats.paired import tango_statistic

CAVO = PairedCounts(both=59, improved=6, regressed=16, neither=80)
BENTUR = PairedCounts(both=1, improved=1, regressed=7, neither=12)

tables = st.builds(
    lambda a, b, c, d: PairedCounts(both=a, regressed=b, improved=c, neither=d),
    st.integers(0, 40), st.integers(0, 40), st.integers(0, 40), st.integers(0, 40),
).filter(lambda t: t.n > 0)  # fmt: skip


def test_counts_are_keyword_only_and_built_from_outcomes() -> None:
    with pytest.raises(TypeError):
        PairedCounts(1, 2, 3, 4)  # type: ignore[misc]
    base = [True, True, False, False, True]
    cand = [True, False, True, False, True]
    c = PairedCounts.from_outcomes(base, cand)
    assert (c.both, c.regressed, c.improved, c.neither) == (2, 1, 1, 1)
    assert c == PairedCounts.from_pairs(list(zip(base, cand, strict=True)))
    assert (c.baseline_rate, c.candidate_rate, c.diff, c.discordance) == (0.6, 0.6, 0.0, 0.4)
    with pytest.raises(ValueError):
        PairedCounts.from_outcomes([True], [])


@given(st.integers(0, 60), st.integers(0, 60))
@settings(max_examples=200, deadline=None)
def test_mcnemar_exact_matches_scipy_binomtest(regressed: int, improved: int) -> None:
    m = regressed + improved
    expected = 1.0 if m == 0 else binomtest(regressed, m, 0.5).pvalue
    assert mcnemar_exact(regressed, improved) == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert mcnemar_exact(regressed, improved) == mcnemar_exact(improved, regressed)


def test_mcnemar_by_hand() -> None:
    # b=1, c=7: p = 2 * (C(8,0) + C(8,1)) / 2^8 = 18/256
    assert mcnemar_exact(1, 7) == pytest.approx(18 / 256)
    assert mcnemar_exact(5, 5) == 1.0


def test_newcombe_published_examples() -> None:
    # Fagerland, Lydersen & Laake (2014), "Recommended tests and confidence intervals for paired
    # binomial proportions", Stat Med 33:2850-2875, Newcombe square-and-add (method 10):
    # Cavo et al. (2012) [[59, 6], [16, 80]]: -0.0621 (-0.1186 to -0.0046)
    assert CAVO.diff == pytest.approx(-0.0621, abs=1e-4)
    assert tuple(round(x, 4) for x in newcombe_paired_ci(CAVO)) == (-0.1186, -0.0046)
    # Bentur et al. (2009) [[1, 1], [7, 12]]: -0.2857 (-0.5069 to -0.0256)
    ci = paired_newcombe(BENTUR)
    assert ci.value == pytest.approx(-6 / 21) and ci.n == 21
    assert (round(ci.low, 4), round(ci.high, 4)) == (-0.5069, -0.0256)


def test_newcombe_phi_by_hand() -> None:
    # a*d - b*c = 5*5 - 0*0 = 25 > n/2 = 5: phi = (25 - 5)/sqrt(5*5*5*5) = 0.8
    counts = PairedCounts(both=5, improved=0, regressed=0, neither=5)
    l1, u1 = wilson(5, 10)
    half = math.sqrt((0.5 - l1) ** 2 - 2 * 0.8 * (0.5 - l1) * (u1 - 0.5) + (u1 - 0.5) ** 2)
    assert newcombe_paired_ci(counts) == pytest.approx((-half, half))
    # Bentur: a*d - b*c = 12 - 7 = 5 <= n/2: no correlation term, plain square-and-add
    p1, p2 = 2 / 21, 8 / 21
    (l1, u1), (l2, u2) = wilson(2, 21), wilson(8, 21)
    low = (p1 - p2) - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = (p1 - p2) + math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    assert newcombe_paired_ci(BENTUR) == pytest.approx((low, high))


def _tango_reference(c: PairedCounts, conf: float = 0.95) -> tuple[float, float]:
    """Tango's score interval from first principles: the restricted MLE of the regressed-cell
    probability found numerically (scipy), the score test inverted with brentq."""
    n, imp, reg = c.n, c.improved, c.regressed
    rest = n - imp - reg

    def stat(delta: float) -> float:
        lo, hi = max(0.0, -delta) + 1e-12, (1 - delta) / 2 - 1e-12

        def nll(q: float) -> float:
            return -(
                reg * math.log(q) + imp * math.log(q + delta) + rest * math.log(1 - 2 * q - delta)
            )

        q = minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13}).x
        return (imp - reg - n * delta) / math.sqrt(n * (2 * q + delta - delta * delta))

    z = norm.ppf(1 - (1 - conf) / 2)
    est = c.diff
    return brentq(lambda d: stat(d) - z, -0.999, est), brentq(lambda d: stat(d) + z, est, 0.999)


@pytest.mark.parametrize(
    "counts", [CAVO, BENTUR, PairedCounts(both=36, improved=12, regressed=2, neither=3)]
)
def test_tango_matches_the_constrained_mle_score_interval(counts: PairedCounts) -> None:
    low, high = tango_paired_ci(counts)
    ref = _tango_reference(counts)
    assert (low, high) == (pytest.approx(ref[0], abs=2e-5), pytest.approx(ref[1], abs=2e-5))
    z = norm.ppf(0.975)
    assert tango_statistic(low, counts.improved, counts.regressed, counts.n) == pytest.approx(
        z, abs=1e-6
    )


def test_tango_values() -> None:
    # regression literals, cross-checked by the constrained-MLE reference above
    assert tuple(round(x, 4) for x in tango_paired_ci(CAVO)) == (-0.1240, -0.0054)
    assert tuple(round(x, 4) for x in tango_paired_ci(BENTUR)) == (-0.5172, -0.0260)


@given(tables, st.sampled_from([0.9, 0.95, 0.99]))
@settings(max_examples=300, deadline=None)
def test_paired_intervals_are_bounded_contain_the_estimate_and_mirror(
    c: PairedCounts, conf: float
) -> None:
    mirrored = PairedCounts(
        both=c.both, regressed=c.improved, improved=c.regressed, neither=c.neither
    )
    for ci in (newcombe_paired_ci, tango_paired_ci):
        low, high = ci(c, conf)
        assert -1.0 <= low <= c.diff + 1e-9 and c.diff - 1e-9 <= high <= 1.0
        m_low, m_high = ci(mirrored, conf)
        assert m_low == pytest.approx(-high, abs=1e-7) and m_high == pytest.approx(-low, abs=1e-7)


def test_tango_without_discordant_pairs_is_symmetric() -> None:
    """b = c = 0: the score statistic is 0/0 at delta 0 (its limit is 0); the interval used to
    collapse to [-0.73, 0] for one concordant case instead of [-0.73, 0.73]."""
    z = norm.ppf(0.95)
    low, high = tango_paired_ci(PairedCounts(both=0, regressed=0, improved=0, neither=1), 0.9)
    assert high == pytest.approx(z * z / (1 + z * z), abs=1e-8)  # n d / (1 - d) = z^2
    assert low == pytest.approx(-high, abs=1e-8)


def test_empty_tables() -> None:
    empty = PairedCounts(both=0, regressed=0, improved=0, neither=0)
    assert newcombe_paired_ci(empty) == (-1.0, 1.0) == tango_paired_ci(empty)
    assert math.isnan(paired_newcombe(empty).value)
