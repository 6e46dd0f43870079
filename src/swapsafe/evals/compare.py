"""Summaries and paired comparisons of stored eval results (pure: records in, numbers out).

:func:`summarize` gives one model's pass rate (Wilson CI), latency p50/p95 and cost per case;
:func:`compare` pairs two models' results on their common cases: McNemar, Newcombe CI of the
difference, a seeded bootstrap CI, the non-inferiority verdict and the flipped cases
(pass → fail first), each with a unified diff of the two outputs.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from swapsafe import stats
from swapsafe.store.records import EvalResult


@dataclass(frozen=True)
class ModelSummary:
    model: str
    n: int
    passed: int
    low: float
    high: float
    errors: int
    p50_ms: float | None
    p95_ms: float | None
    cost_per_case: float | None
    cost_total: float | None

    @property
    def rate(self) -> float:
        return self.passed / self.n if self.n else 0.0


@dataclass(frozen=True)
class Flip:
    case_id: str
    direction: str  # "regressed" (baseline pass -> candidate fail) or "improved"
    baseline_output: str
    candidate_output: str
    baseline_reason: str
    candidate_reason: str

    def diff(self, context: int = 2) -> list[str]:
        return list(
            difflib.unified_diff(
                self.baseline_output.splitlines(),
                self.candidate_output.splitlines(),
                "baseline",
                "candidate",
                lineterm="",
                n=context,
            )
        )


@dataclass(frozen=True)
class Comparison:
    baseline: ModelSummary
    candidate: ModelSummary
    counts: stats.PairedCounts
    p_value: float
    low: float
    high: float
    boot_low: float
    boot_high: float
    result: stats.NonInferiority
    flips: list[Flip] = field(default_factory=list)

    @property
    def diff(self) -> float:
        return self.counts.diff


def answered(r: EvalResult) -> bool:
    """The call returned and was scored: an errored call is no outcome (neither pass nor fail)."""
    return r.error is None and r.passed is not None


def summarize(model: str, rows: Sequence[EvalResult], conf: float = 0.95) -> ModelSummary:
    """Pass rate over the answered cases (``n``); ``errors`` counts the errored calls apart."""
    scored = [r for r in rows if answered(r)]
    passed = sum(1 for r in scored if r.passed)
    low, high = stats.wilson(passed, len(scored), conf)
    latencies = [r.latency_ms for r in rows if r.latency_ms is not None and r.error is None]
    costs = [r.cost_usd for r in rows if r.cost_usd is not None]
    total = sum(costs) if costs else None
    return ModelSummary(
        model=model,
        n=len(scored),
        passed=passed,
        low=low,
        high=high,
        errors=sum(1 for r in rows if r.error),
        p50_ms=stats.percentile(latencies, 50),
        p95_ms=stats.percentile(latencies, 95),
        cost_per_case=None if total is None or not rows else total / len(rows),
        cost_total=total,
    )


def by_model(rows: Sequence[EvalResult]) -> dict[str, list[EvalResult]]:
    grouped: dict[str, list[EvalResult]] = {}
    for r in rows:
        grouped.setdefault(r.model, []).append(r)
    return grouped


def _reason(r: EvalResult) -> str:
    if r.error:
        return r.error
    rows = (r.scores or {}).get("assertions") or []
    failed = [a for a in rows if not a.get("passed")]
    return "; ".join(str(a.get("reason", "")) for a in (failed or rows)[:3])


def compare(
    baseline_rows: Sequence[EvalResult],
    candidate_rows: Sequence[EvalResult],
    *,
    margin: float,
    conf: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """Pair two models' results on the cases both answered (errored calls are left out);
    ``margin`` is a fraction (0.02). The summaries count each side's errored calls."""
    base = {r.case_id: r for r in baseline_rows}
    cand = {r.case_id: r for r in candidate_rows}
    common = sorted(c for c in set(base) & set(cand) if answered(base[c]) and answered(cand[c]))
    b_out = [bool(base[c].passed) for c in common]
    c_out = [bool(cand[c].passed) for c in common]
    counts = stats.PairedCounts.from_outcomes(b_out, c_out)
    low, high = stats.newcombe_paired_ci(counts, conf)
    boot = stats.bootstrap_paired_ci(b_out, c_out, conf=conf, seed=seed) if common else (0.0, 0.0)
    flips = [
        Flip(
            case_id=c,
            direction="regressed" if base[c].passed else "improved",
            baseline_output=base[c].output or "",
            candidate_output=cand[c].output or "",
            baseline_reason=_reason(base[c]),
            candidate_reason=_reason(cand[c]),
        )
        for c in common
        if bool(base[c].passed) != bool(cand[c].passed)
    ]
    flips.sort(key=lambda f: (f.direction != "regressed", f.case_id))
    b_model = baseline_rows[0].model if baseline_rows else "baseline"
    c_model = candidate_rows[0].model if candidate_rows else "candidate"
    shared = sorted(set(base) & set(cand))
    b_err = sum(1 for c in shared if not answered(base[c]))
    c_err = sum(1 for c in shared if not answered(cand[c]))
    b_sum = replace(summarize(b_model, [base[c] for c in common], conf), errors=b_err)
    c_sum = replace(summarize(c_model, [cand[c] for c in common], conf), errors=c_err)
    return Comparison(
        baseline=b_sum,
        candidate=c_sum,
        counts=counts,
        p_value=stats.mcnemar_exact(int(counts.regressed), int(counts.improved)),
        low=low,
        high=high,
        boot_low=boot[0],
        boot_high=boot[1],
        result=stats.non_inferiority(counts, margin, conf),
        flips=flips,
    )
