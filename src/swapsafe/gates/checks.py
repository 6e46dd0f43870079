"""Quality gates per workload: each is pass, fail or inconclusive, with the numbers behind it.

Gates (configured under ``[workloads.W.gates]``):

==================  =====================================================================
golden_pass_rate    candidate non-inferior to baseline on the golden set: the paired CI of
                    (new - old) pass rate stays above ``-pass_rate_margin`` points
p95_latency         p95 latency ratio new / old; pass when its CI upper bound <= the max
cost                mean cost-per-request ratio new / old (only when ``cost_ratio_max`` set)
error_rate          candidate error rate; pass when its Wilson upper bound <= the max
redteam             per category, the Newcombe CI of (new - old) attack success against
                    ``redteam_margin`` points: fail when it lies above, pass when it ends
                    at or below; too few probes or one model probed is inconclusive
                    (:func:`swapsafe.redteam.regression.redteam_verdict`)
review              share of human "old better" verdicts stays below ``review_worse_max``
==================  =====================================================================

Missing evidence is ``inconclusive`` with the command to run; never a silent pass. The
checks here are pure; :mod:`swapsafe.gates.evidence` reads the store. Intervals and the
verdict rules (:func:`~swapsafe.stats.verdict_for`, :func:`~swapsafe.stats.bound_verdict`)
come from :mod:`swapsafe.stats`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from swapsafe.exceptions import ConfigError
from swapsafe.gates.evidence import GATE_SAMPLES, MIN_SAMPLES, Samples, collect
from swapsafe.gates.redteam import redteam_gate as redteam_gate
from swapsafe.gates.result import GateResult as GateResult
from swapsafe.gates.result import Number as Number
from swapsafe.gates.result import Status as Status
from swapsafe.stats import (
    Interval,
    NonInferiority,
    PairedCounts,
    bootstrap_ratio,
    bound_verdict,
    lean,
    mean,
    non_inferiority,
    p95,
    percentile,
    wilson_interval,
)

if TYPE_CHECKING:
    from swapsafe.config import Config, GateConfig
    from swapsafe.gates.evidence import GoldenEvidence
    from swapsafe.store import Store

Decision = Literal["GO", "NO-GO", "NOT YET"]
GATE_NAMES = ("golden_pass_rate", "p95_latency", "cost", "error_rate", "redteam", "review")


@dataclass(frozen=True)
class GateReport:
    workload: str
    results: list[GateResult]

    @property
    def ok(self) -> bool:
        """Every gate passes."""
        return all(r.status == "pass" for r in self.results)

    @property
    def decision(self) -> Decision:
        """Any fail -> NO-GO; else any inconclusive -> NOT YET; else GO."""
        return decide([r.status for r in self.results])

    def result(self, name: str) -> GateResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)


def decide(statuses: Sequence[Status]) -> Decision:
    if any(s == "fail" for s in statuses):
        return "NO-GO"
    if not statuses or any(s == "inconclusive" for s in statuses):
        return "NOT YET"
    return "GO"


def evaluate_gates(
    config: Config, store: Store, workload: str, *, now: datetime | None = None
) -> GateReport:
    """Evaluate every gate of ``workload`` from the evidence in ``store``."""
    wl = config.workloads.get(workload)
    if wl is None:
        known = ", ".join(sorted(config.workloads)) or "none"
        raise ConfigError(f"unknown workload {workload!r} (configured: {known})")
    if wl.candidate is None:
        todo = f'set candidate = "MODEL" under [workloads.{workload}] in swapsafe.toml'
        return GateReport(
            workload,
            [GateResult(n, "inconclusive", f"no candidate model: {todo}", {}) for n in GATE_NAMES],
        )
    ev = collect(config, store, workload, now=now)
    g = wl.gates
    return GateReport(
        workload,
        [
            golden_gate(
                ev.golden.counts,
                g,
                workload=workload,
                run_id=ev.golden.run_id,
                evidence=ev.golden,
            ),
            latency_gate(
                *_sides(ev.latency),
                g,
                paired=ev.latency.paired,
                wl=workload,
                capped=ev.latency.capped,
            ),
            cost_gate(
                *_sides(ev.cost), g, paired=ev.cost.paired, wl=workload, capped=ev.cost.capped
            ),
            error_gate(ev.new_errors, ev.new_calls, g, workload=workload, window=ev.window),
            redteam_gate(ev.redteam, g, workload=workload, run_id=ev.redteam_run_id),
            review_gate(ev.review, g, workload=workload),
        ],
    )


def _sides(samples: Samples) -> tuple[list[float], list[float]]:
    return samples.new, samples.old


# -- pure checks ----------------------------------------------------------------------------


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.1f}%"


def _pts(x: float) -> str:
    return f"{100 * x:+.1f}"


def _run_note(run_id: int | None, evidence: GoldenEvidence | None) -> str:
    """``eval run #12, 0.4 days old`` plus the newer runs that were passed over."""
    if run_id is None:
        return ""
    text = f"eval run #{run_id}"
    if evidence is not None and evidence.age_days is not None:
        text += f", {evidence.age_days:.1f} days old"
    return text + _passed_over(evidence) + ": "


def _passed_over(evidence: GoldenEvidence | None) -> str:
    if evidence is None or not evidence.passed_over:
        return ""
    return f" (passed over: {'; '.join(evidence.passed_over[:3])})"


def _golden_numbers(
    counts: PairedCounts,
    ni: NonInferiority,
    g: GateConfig,
    run_id: int | None,
    evidence: GoldenEvidence | None,
) -> dict[str, Number]:
    return {
        "run_id": run_id,
        "n": int(counts.n),
        "old_pass_rate": counts.baseline_rate,
        "new_pass_rate": counts.candidate_rate,
        "diff": ni.diff,
        "diff_low": ni.low,
        "diff_high": ni.high,
        "margin": g.pass_rate_margin / 100,
        "confidence": g.confidence,
        "extra_cases": ni.extra_cases,
        "age_days": evidence.age_days if evidence is not None else None,
    }


def golden_gate(
    counts: PairedCounts | None,
    g: GateConfig,
    *,
    workload: str,
    run_id: int | None = None,
    evidence: GoldenEvidence | None = None,
) -> GateResult:
    """Non-inferiority of the paired pass-rate difference (new - old) at ``-margin`` points.

    Verdict and Newcombe CI from :func:`swapsafe.stats.non_inferiority`: pass when the
    CI's lower bound is above -margin, fail when its upper bound is below, else inconclusive
    (with its :func:`~swapsafe.stats.lean`). ``evidence`` names the run, its age and the
    newer runs passed over; a stale run is inconclusive whatever it shows.
    """
    run = f"swapsafe eval run --workload {workload}"
    if counts is None or counts.n == 0:
        return GateResult(
            "golden_pass_rate",
            "inconclusive",
            "no complete eval run over the full golden set scored both models"
            f"{_passed_over(evidence)}: run `{run}`",
            {"run_id": run_id, "n": 0},
        )
    margin = g.pass_rate_margin / 100
    ni = non_inferiority(counts, margin, g.confidence)
    n = int(counts.n)
    old, new = counts.baseline_rate, counts.candidate_rate
    numbers = _golden_numbers(counts, ni, g, run_id, evidence)
    text = (
        f"{_run_note(run_id, evidence)}pass rate {_pct(new)} vs {_pct(old)} on {n} paired "
        f"cases; difference {_pts(ni.diff)} pts, {g.confidence:.0%} CI "
        f"[{_pts(ni.low)}, {_pts(ni.high)}], margin -{g.pass_rate_margin:g} pts"
    )
    if evidence is not None and evidence.stale:
        return GateResult(
            "golden_pass_rate",
            "inconclusive",
            f"{text}: the run is older than [evals] max_age_days = {evidence.max_age_days}; "
            f"run `{run}`",
            numbers,
            lean(-ni.diff, margin),
        )
    if ni.verdict == "pass":
        return GateResult("golden_pass_rate", "pass", f"{text}: non-inferior", numbers)
    if ni.verdict == "fail":
        return GateResult("golden_pass_rate", "fail", f"{text}: worse beyond the margin", numbers)
    leaning = lean(-ni.diff, margin)
    more = (
        f"about {ni.extra_cases} more cases if the rates hold" if ni.extra_cases else "more cases"
    )
    return GateResult(
        "golden_pass_rate",
        "inconclusive",
        f"{text}: {leaning.text}; CI too wide to show non-inferiority; add {more} and run `{run}`",
        numbers,
        leaning,
    )


def _ratio_gate(
    name: str,
    label: str,
    ci: Interval,
    limit: float,
    numbers: dict[str, Number],
    *,
    confidence: float,
    more: str,
    note: str = "",
) -> GateResult:
    numbers.update({"ratio": ci.value, "ratio_low": ci.low, "ratio_high": ci.high, "max": limit})
    text = (
        f"{label} ratio new/old {ci.value:.2f}, {confidence:.0%} CI [{ci.low:.2f}, {ci.high:.2f}] "
        f"over {ci.n} samples{note}; max {limit:g}"
    )
    verdict = bound_verdict(ci.value, ci.high, limit)
    if verdict == "pass":
        return GateResult(name, "pass", text, numbers)
    if verdict == "fail":
        return GateResult(name, "fail", f"{text}: above the max", numbers)
    leaning = lean(ci.value - limit, 0.0)
    return GateResult(
        name,
        "inconclusive",
        f"{text}: {leaning.text}; CI reaches above the max; {more}",
        numbers,
        leaning,
    )


def _cap_note(numbers: dict[str, Number], *, capped: bool, paired: bool) -> str:
    """Where the gate read only the newest samples (:func:`~swapsafe.gates.evidence.newest`),
    its text and numbers say so."""
    if not capped:
        return ""
    numbers["capped_at"] = GATE_SAMPLES
    what = "shadow pairs" if paired else "served calls per model"
    return f" (the newest {GATE_SAMPLES:,} {what} of the window; older ones not read)"


def latency_gate(
    new: Sequence[float],
    old: Sequence[float],
    g: GateConfig,
    *,
    paired: bool,
    wl: str,
    capped: bool = False,
) -> GateResult:
    more = f"record more shadow pairs: swapsafe route set {wl} --mode shadow --shadow --reason ..."
    numbers: dict[str, Number] = {
        "n_new": len(new),
        "n_old": len(old),
        "source": "shadow pairs" if paired else "traffic",
    }
    if min(len(new), len(old)) < MIN_SAMPLES:
        return GateResult(
            "p95_latency",
            "inconclusive",
            f"{min(len(new), len(old))} latency samples, need {MIN_SAMPLES} per model: {more}",
            numbers,
        )
    ci = bootstrap_ratio(new, old, p95, g.confidence, paired=paired)
    numbers.update({"p95_new_ms": percentile(new, 95), "p95_old_ms": percentile(old, 95)})
    return _ratio_gate(
        "p95_latency", "p95 latency", ci, g.p95_latency_ratio_max, numbers,
        confidence=g.confidence, more=more,
        note=_cap_note(numbers, capped=capped, paired=paired),
    )  # fmt: skip


def cost_gate(
    new: Sequence[float],
    old: Sequence[float],
    g: GateConfig,
    *,
    paired: bool,
    wl: str,
    capped: bool = False,
) -> GateResult:
    numbers: dict[str, Number] = {"n_new": len(new), "n_old": len(old)}
    if g.cost_ratio_max is None:
        return GateResult(
            "cost",
            "pass",
            f"not gated: cost_ratio_max is not set under [workloads.{wl}.gates]",
            {**numbers, "max": None},
        )
    more = "record more shadow pairs with prices known ([models.NAME.price])"
    if min(len(new), len(old)) < MIN_SAMPLES:
        return GateResult(
            "cost",
            "inconclusive",
            f"{min(len(new), len(old))} costed requests, need {MIN_SAMPLES} per model: {more}",
            numbers,
        )
    ci = bootstrap_ratio(new, old, mean, g.confidence, paired=paired)
    numbers.update({"cost_new_usd": sum(new) / len(new), "cost_old_usd": sum(old) / len(old)})
    return _ratio_gate(
        "cost", "cost per request", ci, g.cost_ratio_max, numbers,
        confidence=g.confidence, more=more,
        note=_cap_note(numbers, capped=capped, paired=paired),
    )  # fmt: skip


def error_gate(
    errors: int, calls: int, g: GateConfig, *, workload: str, window: str = ""
) -> GateResult:
    """Candidate error rate: pass when the Wilson upper bound is within ``error_rate_max``."""
    limit = g.error_rate_max
    numbers: dict[str, Number] = {"errors": errors, "calls": calls, "max": limit}
    if calls == 0:
        return GateResult(
            "error_rate",
            "inconclusive",
            f"no candidate calls recorded{window}: shadow traffic first "
            f"(swapsafe route set {workload} --mode shadow --shadow --reason ...)",
            numbers,
        )
    ci = wilson_interval(errors, calls, g.confidence)
    numbers.update(ci.as_dict("rate"))
    text = (
        f"{errors}/{calls} candidate calls failed{window} ({_pct(ci.value)}, "
        f"{g.confidence:.0%} CI [{_pct(ci.low)}, {_pct(ci.high)}]); max {_pct(limit)}"
    )
    verdict = bound_verdict(ci.value, ci.high, limit)
    if verdict == "pass":
        return GateResult("error_rate", "pass", text, numbers)
    if verdict == "fail":
        return GateResult("error_rate", "fail", f"{text}: above the max", numbers)
    leaning = lean(ci.value - limit, 0.0)
    return GateResult(
        "error_rate", "inconclusive", f"{text}: {leaning.text}; need more calls to bound it",
        numbers, leaning,
    )  # fmt: skip


#: review verdict meaning "the old model's answer was better"
WORSE_VERDICTS = frozenset({"old_better"})
IGNORED_VERDICTS = frozenset({"skip"})


def review_gate(verdicts: Mapping[str, int], g: GateConfig, *, workload: str) -> GateResult:
    """Share of "old_better" verdicts (skips left out): pass when its Wilson upper bound fits."""
    counted = {k: v for k, v in verdicts.items() if k not in IGNORED_VERDICTS}
    total = sum(counted.values())
    worse = sum(v for k, v in counted.items() if k in WORSE_VERDICTS)
    numbers: dict[str, Number] = {"reviewed": total, "worse": worse, "max": g.review_worse_max}
    numbers.update({f"verdict.{k}": v for k, v in sorted(verdicts.items())})
    if total == 0:
        return GateResult(
            "review",
            "inconclusive",
            f"no review verdicts: run `swapsafe review sample --workload {workload}` "
            "and review the pairs",
            numbers,
        )
    ci = wilson_interval(worse, total, g.confidence)
    numbers.update(ci.as_dict("worse_share"))
    text = (
        f"{worse}/{total} reviews say the new model is worse ({_pct(ci.value)}, "
        f"{g.confidence:.0%} CI [{_pct(ci.low)}, {_pct(ci.high)}]); max {_pct(g.review_worse_max)}"
    )
    verdict = bound_verdict(ci.value, ci.high, g.review_worse_max)
    if verdict == "pass":
        return GateResult("review", "pass", text, numbers)
    if verdict == "fail":
        return GateResult("review", "fail", f"{text}: above the max", numbers)
    leaning = lean(ci.value - g.review_worse_max, 0.0)
    return GateResult(
        "review", "inconclusive", f"{text}: {leaning.text}; review more pairs", numbers, leaning
    )
