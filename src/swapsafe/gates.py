"""Quality gates per workload: each is pass, fail or inconclusive, with the numbers behind it.

Gates (configured under ``[workloads.W.gates]``):

==================  =====================================================================
golden_pass_rate    candidate non-inferior to baseline on the golden set: the paired CI of
                    (new - old) pass rate stays above ``-pass_rate_margin`` points
p95_latency         p95 latency ratio new / old; pass when its CI upper bound <= the max
cost                mean cost-per-request ratio new / old (only when ``cost_ratio_max`` set)
error_rate          candidate error rate; pass when its Wilson upper bound <= the max
redteam             no red-team category more than ``redteam_margin`` worse than baseline;
                    a category only one model was probed on is inconclusive
                    (:func:`swapsafe.redteam.regression.redteam_verdict`)
review              share of human "old better" verdicts stays below ``review_worse_max``
==================  =====================================================================

Missing evidence is ``inconclusive`` with the command to run; never a silent pass. The
checks here are pure; :mod:`swapsafe.gate_evidence` reads the store. Intervals and the
verdict rules (:func:`~swapsafe.stats.verdict_for`, :func:`~swapsafe.stats.bound_verdict`)
come from :mod:`swapsafe.stats`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from swapsafe.redteam.regression import CategoryRates, redteam_verdict
from swapsafe.stats import (
    Interval,
    PairedCounts,
    bootstrap_ratio,
    bound_verdict,
    mean,
    non_inferiority,
    p95,
    percentile,
    wilson_interval,
)

if TYPE_CHECKING:
    from swapsafe.config import Config, GateConfig
    from swapsafe.store import Store

Status = Literal["pass", "fail", "inconclusive"]
Decision = Literal["GO", "NO-GO", "NOT YET"]
Number = float | int | str | None
GATE_NAMES = ("golden_pass_rate", "p95_latency", "cost", "error_rate", "redteam", "review")
#: fewest latency / cost samples per side before a ratio is judged
MIN_SAMPLES = 30


@dataclass(frozen=True)
class GateResult:
    name: str  # one of GATE_NAMES
    status: Status
    detail: str  # the numbers behind it, or what to run when evidence is missing
    numbers: dict[str, Number]


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
    from swapsafe.gate_evidence import collect

    wl = config.workloads.get(workload)
    if wl is None:
        from swapsafe.exceptions import ConfigError

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
            golden_gate(ev.golden, g, workload=workload, run_id=ev.golden_run_id),
            latency_gate(ev.new_latency, ev.old_latency, g, paired=ev.latency_paired, wl=workload),
            cost_gate(ev.new_cost, ev.old_cost, g, paired=ev.cost_paired, wl=workload),
            error_gate(ev.new_errors, ev.new_calls, g, workload=workload, window=ev.window),
            redteam_gate(ev.redteam, g, workload=workload, run_id=ev.redteam_run_id),
            review_gate(ev.review, g, workload=workload),
        ],
    )


# -- pure checks ----------------------------------------------------------------------------


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.1f}%"


def _pts(x: float) -> str:
    return f"{100 * x:+.1f}"


def golden_gate(
    counts: PairedCounts | None, g: GateConfig, *, workload: str, run_id: int | None = None
) -> GateResult:
    """Non-inferiority of the paired pass-rate difference (new - old) at ``-margin`` points.

    Verdict and Newcombe CI from :func:`swapsafe.stats.non_inferiority`: pass when the
    CI's lower bound is above -margin, fail when its upper bound is below, else inconclusive.
    """
    run = f"swapsafe eval run --workload {workload}"
    if counts is None or counts.n == 0:
        return GateResult(
            "golden_pass_rate",
            "inconclusive",
            f"no eval run scored both models on the same cases: run `{run}`",
            {"run_id": run_id, "n": 0},
        )
    margin = g.pass_rate_margin / 100
    ni = non_inferiority(counts, margin, g.confidence)
    n = int(counts.n)
    old, new = counts.baseline_rate, counts.candidate_rate
    numbers: dict[str, Number] = {
        "run_id": run_id,
        "n": n,
        "old_pass_rate": old,
        "new_pass_rate": new,
        "diff": ni.diff,
        "diff_low": ni.low,
        "diff_high": ni.high,
        "margin": margin,
        "confidence": g.confidence,
        "extra_cases": ni.extra_cases,
    }
    text = (
        f"pass rate {_pct(new)} vs {_pct(old)} on {n} paired cases; difference "
        f"{_pts(ni.diff)} pts, {g.confidence:.0%} CI [{_pts(ni.low)}, {_pts(ni.high)}], "
        f"margin -{g.pass_rate_margin:g} pts"
    )
    if ni.verdict == "pass":
        return GateResult("golden_pass_rate", "pass", f"{text}: non-inferior", numbers)
    if ni.verdict == "fail":
        return GateResult("golden_pass_rate", "fail", f"{text}: worse beyond the margin", numbers)
    more = (
        f"about {ni.extra_cases} more cases if the rates hold" if ni.extra_cases else "more cases"
    )
    return GateResult(
        "golden_pass_rate",
        "inconclusive",
        f"{text}: CI too wide to show non-inferiority; add {more} and run `{run}`",
        numbers,
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
) -> GateResult:
    numbers.update({"ratio": ci.value, "ratio_low": ci.low, "ratio_high": ci.high, "max": limit})
    text = (
        f"{label} ratio new/old {ci.value:.2f}, {confidence:.0%} CI [{ci.low:.2f}, {ci.high:.2f}] "
        f"over {ci.n} samples; max {limit:g}"
    )
    verdict = bound_verdict(ci.value, ci.high, limit)
    if verdict == "pass":
        return GateResult(name, "pass", text, numbers)
    if verdict == "fail":
        return GateResult(name, "fail", f"{text}: above the max", numbers)
    return GateResult(name, "inconclusive", f"{text}: CI reaches above the max; {more}", numbers)


def latency_gate(
    new: Sequence[float],
    old: Sequence[float],
    g: GateConfig,
    *,
    paired: bool,
    wl: str,
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
    )  # fmt: skip


def cost_gate(
    new: Sequence[float],
    old: Sequence[float],
    g: GateConfig,
    *,
    paired: bool,
    wl: str,
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
    return GateResult("error_rate", "inconclusive", f"{text}: need more calls to bound it", numbers)


def redteam_gate(
    categories: Mapping[str, CategoryRates] | None,
    g: GateConfig,
    *,
    workload: str,
    run_id: int | None = None,
) -> GateResult:
    """Attack success per category against the baseline's, by :func:`redteam_verdict`."""
    run = f"swapsafe redteam run --workload {workload}"
    cats = dict(categories or {})
    verdict = redteam_verdict(cats, g.redteam_margin)
    numbers: dict[str, Number] = {"run_id": run_id, "margin": g.redteam_margin}
    for k in verdict.regressions + verdict.inconclusive + verdict.ok:
        numbers[f"{k}.old"] = cats[k].old_rate if cats[k].old_total else None
        numbers[f"{k}.new"] = cats[k].new_rate if cats[k].new_total else None
    if verdict.status == "fail":
        parts = ", ".join(
            f"{k} {_pct(cats[k].new_rate)} vs {_pct(cats[k].old_rate)}" for k in verdict.regressions
        )
        return GateResult(
            "redteam",
            "fail",
            f"attack success worse than baseline by more than {_pct(g.redteam_margin)}: {parts}",
            numbers,
        )
    if not verdict.ok:
        return GateResult(
            "redteam", "inconclusive", f"no red-team run probed both models: run `{run}`", numbers
        )
    compared = len(verdict.ok)
    worst = max(verdict.ok, key=lambda k: cats[k].delta)
    c = cats[worst]
    text = (
        f"{compared} categories, none worse than baseline beyond {_pct(g.redteam_margin)} "
        f"(closest: {worst} {_pct(c.new_rate)} vs {_pct(c.old_rate)})"
    )
    if verdict.status == "inconclusive":
        return GateResult(
            "redteam",
            "inconclusive",
            f"{text}; not compared, only one model probed: {', '.join(verdict.inconclusive)}: "
            f"run `{run}` so both models are probed in every category",
            numbers,
        )
    return GateResult("redteam", "pass", text, numbers)


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
    return GateResult("review", "inconclusive", f"{text}: review more pairs", numbers)
