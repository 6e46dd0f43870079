"""Always-valid comparison of two proportions, for looking again and again (canary analysis).

The canary analysis looks at the same, growing cohorts every ``[rollout] interval``. A fixed
sample test repeated at every look trips on noise sooner or later; a *confidence sequence*
does not: with probability at least ``1 - alpha`` it covers the true difference at every
look at once, however many looks there are and whenever one stops (Ville's inequality).

Method: the normal-mixture boundary of Robbins (1970), as in the mixture SPRT of Johari,
Pekelis and Walsh ("Always valid inference", 2017) and the asymptotic confidence sequences
of Howard, Ramdas, McAuliffe and Sekhon (2021) / Waudby-Smith et al. (2024). For the
difference ``d = p_canary - p_baseline`` estimated by ``d_hat`` with variance ``V``::

    d_hat ± sqrt( V (V + tau²) / tau² · ln( (V + tau²) / (V · alpha²) ) )

``V = p~c (1 - p~c) / n_c + p~b (1 - p~b) / n_b`` with ``p~ = (k + 1) / (n + 2)`` (one
success and one failure added, so a cohort with no errors yet still has a variance), and
``tau`` the mixing scale: the margin (1 point when the margin is 0), the effect size the
boundary is tightest for. The normal approximation makes the guarantee asymptotic; the
tests and ``bench/canary_sim.py`` check the false-alarm rate by simulation.

Decision against a non-inferiority ``margin`` (all fractions here; callers speak points):
lower bound > margin -> ``breach``; upper bound < margin -> ``non-inferior``; else
``continue``. Arrays in, arrays out: the simulation runs thousands of holds at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

SequentialOutcome = Literal["continue", "non-inferior", "breach"]

#: mixing scale used when the margin is 0 (one point)
DEFAULT_TAU = 0.01


@dataclass(frozen=True)
class SequentialComparison:
    """One look: the estimated difference, its always-valid interval and the verdict."""

    canary_k: int
    canary_n: int
    baseline_k: int
    baseline_n: int
    estimate: float
    lower: float
    upper: float
    margin: float
    alpha: float
    verdict: SequentialOutcome

    @property
    def canary_rate(self) -> float:
        return self.canary_k / self.canary_n if self.canary_n else 0.0

    @property
    def baseline_rate(self) -> float:
        return self.baseline_k / self.baseline_n if self.baseline_n else 0.0


def mixing_scale(margin: float) -> float:
    """``tau`` of the mixture: the margin, or one point when the margin is 0."""
    return margin if margin > 0 else DEFAULT_TAU


def mixture_half_width(variance: ArrayLike, alpha: float, tau: float) -> NDArray[np.float64]:
    """Half-width of the two-sided normal-mixture confidence sequence at ``variance``."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    v = np.maximum(np.asarray(variance, dtype=np.float64), 1e-300)
    t2 = tau * tau
    out: NDArray[np.float64] = np.sqrt(v * (v + t2) / t2 * np.log((v + t2) / (v * alpha**2)))
    return out


def difference_cs(
    canary_k: ArrayLike,
    canary_n: ArrayLike,
    baseline_k: ArrayLike,
    baseline_n: ArrayLike,
    *,
    alpha: float,
    tau: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """(estimate, lower, upper) of ``p_canary - p_baseline``, elementwise; ``n`` must be > 0."""
    kc = np.asarray(canary_k, dtype=np.float64)
    nc = np.asarray(canary_n, dtype=np.float64)
    kb = np.asarray(baseline_k, dtype=np.float64)
    nb = np.asarray(baseline_n, dtype=np.float64)
    if np.any(nc <= 0) or np.any(nb <= 0):
        raise ValueError("both cohorts need at least one request")
    estimate = kc / nc - kb / nb
    pc = (kc + 1) / (nc + 2)
    pb = (kb + 1) / (nb + 2)
    variance = pc * (1 - pc) / nc + pb * (1 - pb) / nb
    half = mixture_half_width(variance, alpha, tau)
    return estimate, estimate - half, estimate + half


def verdicts(lower: ArrayLike, upper: ArrayLike, margin: float) -> NDArray[np.str_]:
    """``breach`` / ``non-inferior`` / ``continue`` for each (lower, upper) pair."""
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    out = np.full(lo.shape, "continue", dtype="<U12")
    out[hi < margin] = "non-inferior"
    out[lo > margin] = "breach"
    return out


def compare_proportions(
    canary_k: int,
    canary_n: int,
    baseline_k: int,
    baseline_n: int,
    *,
    margin: float,
    alpha: float,
) -> SequentialComparison:
    """One look at two cohorts: is the canary's rate worse than the baseline's by > margin?"""
    est, lo, hi = difference_cs(
        canary_k, canary_n, baseline_k, baseline_n, alpha=alpha, tau=mixing_scale(margin)
    )
    verdict = str(verdicts(lo, hi, margin)[()])
    assert verdict in ("continue", "non-inferior", "breach")
    return SequentialComparison(
        canary_k=canary_k,
        canary_n=canary_n,
        baseline_k=baseline_k,
        baseline_n=baseline_n,
        estimate=float(est),
        lower=float(lo),
        upper=float(hi),
        margin=margin,
        alpha=alpha,
        verdict=verdict,  # type: ignore[arg-type]
    )


__all__ = [
    "DEFAULT_TAU",
    "SequentialComparison",
    "SequentialOutcome",
    "compare_proportions",
    "difference_cs",
    "mixing_scale",
    "mixture_half_width",
    "verdicts",
]
