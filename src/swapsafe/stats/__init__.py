"""Statistics, once (pure: numbers in, numbers out; numpy and scipy only, no other swapsafe module).

Every interval, test and verdict rule that evals, gates, baselines, review, red-team, rollout
analysis and the report show is computed here, so two pages can never disagree on a formula.

=====================  =======================================================================
``proportions``        normal quantile, Wilson score interval (clamped at k = 0 and k = n),
                       :class:`Interval`, pass rates
``paired``             :class:`PairedCounts` (the paired 2x2 table), exact McNemar, Newcombe
                       (1998, method 10) and Tango (1998) CIs of a paired difference
``resampling``         seeded percentile bootstraps: one sample, a ratio, a paired difference
``quantiles``          percentiles, the exact bootstrap CI of a quantile, CIs of a mean
``noninferiority``     the verdict rules: non-inferiority against a margin, an upper bound
                       against a maximum, and the extra cases an inconclusive result needs
``independent``        Newcombe hybrid score CI of the difference of two independent rates
``lean``               which way an inconclusive result leans (wording and tone, once)
``sample_size``        cases needed before a paired non-inferiority run; probes per model
``kappa``              Cohen's kappa for two ratings per item
``sequential``         always-valid (normal-mixture) confidence sequence of a difference of two
                       proportions, and its breach / non-inferior / continue verdict (canary)
=====================  =======================================================================

Differences and margins are fractions (0.02 = 2 points); callers that speak points convert.
"""

from swapsafe.stats.independent import newcombe_diff_ci
from swapsafe.stats.kappa import Kappa, cohens_kappa
from swapsafe.stats.lean import Lean, lean
from swapsafe.stats.noninferiority import (
    NonInferiority,
    Verdict,
    bound_verdict,
    cases_needed,
    non_inferiority,
    verdict_for,
)
from swapsafe.stats.paired import (
    PairedCounts,
    mcnemar_exact,
    newcombe_paired_ci,
    paired_newcombe,
    tango_paired_ci,
)
from swapsafe.stats.proportions import (
    Interval,
    PassRate,
    pass_rate,
    wilson,
    wilson_interval,
    z_two_sided,
)
from swapsafe.stats.quantiles import mean_ci, mean_interval, percentile, quantile_ci
from swapsafe.stats.resampling import (
    bootstrap,
    bootstrap_paired_ci,
    bootstrap_ratio,
    mean,
    p50,
    p95,
)
from swapsafe.stats.sample_size import plan_size, probes_needed
from swapsafe.stats.sequential import (
    SequentialComparison,
    compare_proportions,
    difference_cs,
    mixture_half_width,
)

__all__ = [
    "Interval",
    "Kappa",
    "Lean",
    "NonInferiority",
    "PairedCounts",
    "PassRate",
    "SequentialComparison",
    "Verdict",
    "bootstrap",
    "bootstrap_paired_ci",
    "bootstrap_ratio",
    "bound_verdict",
    "cases_needed",
    "cohens_kappa",
    "compare_proportions",
    "difference_cs",
    "lean",
    "mcnemar_exact",
    "mean",
    "mean_ci",
    "mean_interval",
    "mixture_half_width",
    "newcombe_diff_ci",
    "newcombe_paired_ci",
    "non_inferiority",
    "p50",
    "p95",
    "paired_newcombe",
    "pass_rate",
    "percentile",
    "plan_size",
    "probes_needed",
    "quantile_ci",
    "tango_paired_ci",
    "verdict_for",
    "wilson",
    "wilson_interval",
    "z_two_sided",
]
