"""Cohort comparison against the rollback triggers (pure: numbers in, verdict out).

The canary cohort is the traffic served by the candidate, the baseline cohort the traffic
served by the baseline over the same window. Each check needs ``triggers.min_samples``:

- ``error_rate``: canary error rate above ``error_rate_above`` -> breach (required check)
- ``p95``: canary p95 latency above ``p95_above`` -> breach (required when configured)
- ``online_score``: mean user feedback of the canary lower than the baseline's by more than
  ``online_score_drop`` -> breach (only where both cohorts have enough feedback)

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

    @classmethod
    def from_raw(
        cls, model: str, raw: CohortRaw, agreement: tuple[int, int] = (0, 0)
    ) -> CohortMetrics:
        """``agreement`` is (agreeing pairs, pairs) by
        :func:`swapsafe.review.agreement.agreement_counts`."""
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
        )


@dataclass(frozen=True)
class Check:
    name: str
    status: CheckStatus
    detail: str
    value: float | None = None
    limit: float | None = None
    required: bool = True


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
            "canary": asdict(self.canary),
            "baseline": None if self.baseline is None else asdict(self.baseline),
            "checks": [asdict(c) for c in self.checks],
        }


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def analyse(
    canary: CohortMetrics,
    baseline: CohortMetrics | None,
    triggers: TriggerConfig,
    *,
    since: datetime,
    until: datetime,
    label: str = "hold",
) -> Analysis:
    """Judge one window. ``baseline`` is None when nothing is served by the baseline (100%)."""
    need = max(triggers.min_samples, 1)
    checks: list[Check] = []

    limit = triggers.error_rate_above
    if canary.requests < need or canary.error_rate is None:
        checks.append(
            Check(
                "error_rate",
                "insufficient",
                f"canary has {canary.requests} requests, needs {need}",
                None,
                limit,
            )
        )
    else:
        rate = canary.error_rate
        breach = rate > limit
        checks.append(
            Check(
                "error_rate",
                "breach" if breach else "pass",
                f"canary error rate {_pct(rate)} {'above' if breach else 'within'} {_pct(limit)} "
                f"({canary.errors}/{canary.requests})",
                rate,
                limit,
            )
        )

    if triggers.p95_above is None:
        checks.append(
            Check(
                "p95", "skipped", "p95 trigger not configured", canary.p95_ms, None, required=False
            )
        )
    else:
        limit_ms = triggers.p95_above * 1000
        if canary.latency_samples < need or canary.p95_ms is None:
            checks.append(
                Check(
                    "p95",
                    "insufficient",
                    f"canary has {canary.latency_samples} timed requests, needs {need}",
                    None,
                    limit_ms,
                )
            )
        else:
            breach = canary.p95_ms > limit_ms
            checks.append(
                Check(
                    "p95",
                    "breach" if breach else "pass",
                    f"canary p95 {canary.p95_ms:.0f} ms {'above' if breach else 'within'} "
                    f"{limit_ms:.0f} ms",
                    canary.p95_ms,
                    limit_ms,
                )
            )

    drop_limit = triggers.online_score_drop
    if drop_limit is None:
        checks.append(
            Check(
                "online_score",
                "skipped",
                "online_score_drop not configured",
                None,
                None,
                required=False,
            )
        )
    elif (
        baseline is None
        or canary.online_score is None
        or baseline.online_score is None
        or canary.feedback_n < need
        or baseline.feedback_n < need
    ):
        have = f"{canary.feedback_n} canary / {0 if baseline is None else baseline.feedback_n}"
        checks.append(
            Check(
                "online_score",
                "skipped",
                f"not enough feedback ({have} baseline, needs {need} each)",
                None,
                drop_limit,
                required=False,
            )
        )
    else:
        drop = baseline.online_score - canary.online_score
        breach = drop > drop_limit
        checks.append(
            Check(
                "online_score",
                "breach" if breach else "pass",
                f"online score {canary.online_score:.3f} vs baseline {baseline.online_score:.3f} "
                f"(drop {drop:.3f}, limit {drop_limit:.3f})",
                drop,
                drop_limit,
            )
        )

    if any(c.status == "breach" for c in checks):
        outcome: Outcome = "breach"
    elif any(c.status == "insufficient" and c.required for c in checks):
        outcome = "insufficient"
    else:
        outcome = "pass"
    return Analysis(outcome, checks, canary, baseline, since, until, label)
