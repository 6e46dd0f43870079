"""Cohort comparison against the rollback triggers (pure: numbers in, verdict out).

The canary cohort is the traffic served by the candidate, the baseline cohort the traffic
served by the baseline over the same window. Each check needs ``triggers.min_samples``:

- ``error_rate``: canary error rate above ``error_rate_above`` -> breach (required check)
- ``p95``: canary p95 latency above ``p95_above`` -> breach (required when configured)
- ``online_score``: mean user feedback of the canary lower than the baseline's by more than
  ``online_score_drop`` -> breach (only where both cohorts have enough feedback)

These absolute checks are hard guards. The hold window (``look`` given) also compares the
canary with the baseline cohort of the same window, sequentially (docs/rollout.md):

- ``error_rate_vs_baseline``: always-valid confidence sequence of canary - baseline error rate
  (:mod:`swapsafe.stats.sequential`); lower bound > ``error_rate_margin`` points -> breach
- ``latency_vs_baseline``: the same for the share of requests slower than the baseline's p95
  of the window (the baseline's own share is about 5%) against ``latency_margin`` points

A sequential check passes when it shows non-inferiority (upper bound < margin), or when it
cannot tell yet but both cohorts have ``min_samples`` (so a hold that ends promotes); with
fewer it is insufficient. Both are required while a baseline cohort exists.

Cost per request and shadow agreement are reported, not judged. Shadow agreement is the one
measure of :mod:`swapsafe.review.agreement` (the overview and the report show the same), over
the cohort's served calls that have a shadow call of the other model.
Outcome: any breach -> ``breach``; else a required check without enough data ->
``insufficient``; else ``pass``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from swapsafe.config import TriggerConfig
from swapsafe.stats.sequential import SequentialComparison, compare_proportions
from swapsafe.store.records_rollout import CohortRaw

Outcome = Literal["pass", "breach", "insufficient"]
CheckStatus = Literal["pass", "breach", "insufficient", "skipped"]


@dataclass(frozen=True)
class CohortMetrics:
    model: str
    requests: int
    errors: int
    error_rate: float | None
    latency_samples: int
    p95_ms: float | None
    cost_per_request: float | None
    pairs: int
    agreement: float | None
    feedback_n: int
    online_score: float | None
    #: timed requests slower than the baseline cohort's p95 of the same window (None: unknown)
    slow: int | None = None

    @classmethod
    def from_raw(
        cls,
        model: str,
        raw: CohortRaw,
        agreement: tuple[int, int] = (0, 0),
        slow: int | None = None,
    ) -> CohortMetrics:
        """``agreement`` is (agreeing pairs, pairs) by
        :func:`swapsafe.review.agreement.agreement_counts`; ``slow`` counts the requests
        slower than the baseline's p95 (:meth:`cohort_slower`)."""
        agree, pairs = agreement
        return cls(
            model=model,
            requests=raw.total,
            errors=raw.errors,
            error_rate=raw.errors / raw.total if raw.total else None,
            latency_samples=raw.ok,
            p95_ms=raw.p95_ms,
            cost_per_request=raw.cost_sum / raw.cost_n if raw.cost_n else None,
            pairs=pairs,
            agreement=agree / pairs if pairs else None,
            feedback_n=raw.feedback_n,
            online_score=raw.feedback_mean,
            slow=slow,
        )


@dataclass(frozen=True)
class Check:
    name: str
    status: CheckStatus
    detail: str
    value: float | None = None
    limit: float | None = None
    required: bool = True
    #: numbers of a sequential canary-vs-baseline check (see :func:`sequential_numbers`)
    sequential: dict[str, Any] | None = None


@dataclass(frozen=True)
class Analysis:
    outcome: Outcome
    checks: list[Check]
    canary: CohortMetrics
    baseline: CohortMetrics | None
    since: datetime
    until: datetime
    label: str = "hold"
    notes: list[str] = field(default_factory=list)
    look: int | None = None

    @property
    def summary(self) -> str:
        """One line: what breached, what lacks data, or that every check passed."""
        picked = [c for c in self.checks if c.status == self.outcome and c.required]
        if self.outcome == "pass" or not picked:
            return "; ".join(c.detail for c in self.checks if c.status != "skipped") or "pass"
        return "; ".join(c.detail for c in picked)

    def numbers(self) -> dict[str, Any]:
        """JSON-ready numbers for audit entries, notifications and the UI."""
        return {
            "window": {
                "label": self.label,
                "since": self.since.isoformat(),
                "until": self.until.isoformat(),
            },
            "outcome": self.outcome,
            "look": self.look,
            "canary": asdict(self.canary),
            "baseline": None if self.baseline is None else asdict(self.baseline),
            "checks": [asdict(c) for c in self.checks],
        }


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _error_check(canary: CohortMetrics, triggers: TriggerConfig, need: int) -> Check:
    limit = triggers.error_rate_above
    if canary.requests < need or canary.error_rate is None:
        detail = f"canary has {canary.requests} requests, needs {need}"
        return Check("error_rate", "insufficient", detail, None, limit)
    rate = canary.error_rate
    breach = rate > limit
    return Check(
        "error_rate",
        "breach" if breach else "pass",
        f"canary error rate {_pct(rate)} {'above' if breach else 'within'} {_pct(limit)} "
        f"({canary.errors}/{canary.requests})",
        rate,
        limit,
    )


def _p95_check(canary: CohortMetrics, triggers: TriggerConfig, need: int) -> Check:
    if triggers.p95_above is None:
        detail = "p95 trigger not configured"
        return Check("p95", "skipped", detail, canary.p95_ms, None, required=False)
    limit_ms = triggers.p95_above * 1000
    if canary.latency_samples < need or canary.p95_ms is None:
        detail = f"canary has {canary.latency_samples} timed requests, needs {need}"
        return Check("p95", "insufficient", detail, None, limit_ms)
    breach = canary.p95_ms > limit_ms
    return Check(
        "p95",
        "breach" if breach else "pass",
        f"canary p95 {canary.p95_ms:.0f} ms {'above' if breach else 'within'} {limit_ms:.0f} ms",
        canary.p95_ms,
        limit_ms,
    )


def _score_check(
    canary: CohortMetrics, baseline: CohortMetrics | None, triggers: TriggerConfig, need: int
) -> Check:
    drop_limit = triggers.online_score_drop
    if drop_limit is None:
        detail = "online_score_drop not configured"
        return Check("online_score", "skipped", detail, None, None, required=False)
    if (
        baseline is None
        or canary.online_score is None
        or baseline.online_score is None
        or canary.feedback_n < need
        or baseline.feedback_n < need
    ):
        have = f"{canary.feedback_n} canary / {0 if baseline is None else baseline.feedback_n}"
        detail = f"not enough feedback ({have} baseline, needs {need} each)"
        return Check("online_score", "skipped", detail, None, drop_limit, required=False)
    drop = baseline.online_score - canary.online_score
    breach = drop > drop_limit
    return Check(
        "online_score",
        "breach" if breach else "pass",
        f"online score {canary.online_score:.3f} vs baseline {baseline.online_score:.3f} "
        f"(drop {drop:.3f}, limit {drop_limit:.3f})",
        drop,
        drop_limit,
    )


def _pt(x: float) -> str:
    return f"{100 * x:+.2f}"


def sequential_numbers(c: SequentialComparison, look: int) -> dict[str, Any]:
    """JSON-ready numbers of one sequential look: rates (fractions), difference, interval and
    margin in points, confidence, look count and the verdict."""
    return {
        "canary_rate": c.canary_rate,
        "baseline_rate": c.baseline_rate,
        "canary": [c.canary_k, c.canary_n],
        "baseline": [c.baseline_k, c.baseline_n],
        "difference_pt": 100 * c.estimate,
        "interval_pt": [100 * c.lower, 100 * c.upper],
        "margin_pt": 100 * c.margin,
        "confidence": 1 - c.alpha,
        "look": look,
        "verdict": c.verdict,
    }


def sequential_detail(what: str, c: SequentialComparison, look: int) -> str:
    """The verdict in words, with the numbers: what a user reads in the audit and the UI."""
    conf = f"{100 * (1 - c.alpha):g}% always-valid confidence"
    margin = f"{100 * c.margin:g} pt"
    head = f"{what} {100 * c.canary_rate:.1f}% vs baseline {100 * c.baseline_rate:.1f}%"
    said = {
        "breach": f", difference ≥ {margin} with {conf}",
        "non-inferior": f", difference < {margin} with {conf}",
        "continue": "",
    }[c.verdict]
    return (
        f"{head}{said} (difference {_pt(c.estimate)} pt, "
        f"{100 * (1 - c.alpha):g}% CS [{_pt(c.lower)}, {_pt(c.upper)}] pt, margin {margin}, "
        f"look {look}, {c.canary_k}/{c.canary_n} vs {c.baseline_k}/{c.baseline_n}): {c.verdict}"
    )


def _sequential_check(
    name: str,
    what: str,
    counts: tuple[int, int, int, int],
    margin_pt: float,
    alpha: float,
    need: int,
    look: int,
) -> Check:
    kc, nc, kb, nb = counts
    margin = margin_pt / 100
    if nc == 0 or nb == 0:
        detail = f"{what}: no data yet ({nc} canary / {nb} baseline requests)"
        return Check(name, "insufficient", detail, None, margin)
    c = compare_proportions(kc, nc, kb, nb, margin=margin, alpha=alpha)
    if c.verdict == "breach":
        status: CheckStatus = "breach"
    elif c.verdict == "non-inferior" or min(nc, nb) >= need:
        status = "pass"
    else:
        status = "insufficient"
    detail = sequential_detail(what, c, look)
    if status == "insufficient":
        detail += f"; needs {need} requests in each cohort"
    return Check(name, status, detail, c.estimate, margin, True, sequential_numbers(c, look))


def sequential_checks(
    canary: CohortMetrics, baseline: CohortMetrics, triggers: TriggerConfig, look: int
) -> list[Check]:
    """Canary vs baseline of the same window, on error rate and on the slow-request share."""
    need = max(triggers.min_samples, 1)
    counts = (canary.errors, canary.requests, baseline.errors, baseline.requests)
    checks = [
        _sequential_check(
            "error_rate_vs_baseline",
            "canary error rate",
            counts,
            triggers.error_rate_margin,
            triggers.alpha,
            need,
            look,
        )
    ]
    if baseline.p95_ms is None or canary.slow is None or baseline.slow is None:
        detail = "latency vs baseline: no timed baseline requests in the window yet"
        checks.append(Check("latency_vs_baseline", "skipped", detail, None, None, False))
        return checks
    slow = (canary.slow, canary.latency_samples, baseline.slow, baseline.latency_samples)
    what = f"canary requests slower than the baseline's p95 ({baseline.p95_ms:.0f} ms)"
    checks.append(
        _sequential_check(
            "latency_vs_baseline", what, slow, triggers.latency_margin, triggers.alpha, need, look
        )
    )
    return checks


def analyse(
    canary: CohortMetrics,
    baseline: CohortMetrics | None,
    triggers: TriggerConfig,
    *,
    since: datetime,
    until: datetime,
    label: str = "hold",
    look: int | None = None,
) -> Analysis:
    """Judge one window. ``baseline`` is None when nothing is served by the baseline (100%).
    ``look`` (the how-many-th look at this hold) turns on the sequential canary-vs-baseline
    checks; leave it None for a window that is not a growing hold (e.g. the last interval)."""
    need = max(triggers.min_samples, 1)
    checks = [
        _error_check(canary, triggers, need),
        _p95_check(canary, triggers, need),
        _score_check(canary, baseline, triggers, need),
    ]
    if look is not None and baseline is not None:
        checks.extend(sequential_checks(canary, baseline, triggers, look))
    if any(c.status == "breach" for c in checks):
        outcome: Outcome = "breach"
    elif any(c.status == "insufficient" and c.required for c in checks):
        outcome = "insufficient"
    else:
        outcome = "pass"
    return Analysis(outcome, checks, canary, baseline, since, until, label, look=look)
