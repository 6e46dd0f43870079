"""Evidence rules: pure functions from :class:`MigrationFacts` to :class:`Evidence`.

One rule per plan item. A rule says ``done`` only when every workload of the migration has the
evidence, ``in_progress`` when some of it exists, ``todo`` otherwise; overdue is decided later
from the calendar (``status.py``). Summaries name the numbers, dates and ids they rest on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from swapsafe.plan.facts import (
    AuditFacts,
    EvalRunFacts,
    Evidence,
    MigrationFacts,
    RedteamRunFacts,
    Status,
)
from swapsafe.redteam.regression import RedteamVerdict

Rule = Callable[[MigrationFacts], Evidence]


def _status(ok: Iterable[bool], started: bool) -> Status:
    flags = list(ok)
    if flags and all(flags):
        return "done"
    return "in_progress" if started or any(flags) else "todo"


def _latest(values: Iterable[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _day(ts: datetime) -> str:
    return f"{ts:%Y-%m-%d}"


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _entries(f: MigrationFacts, action: str, workload: str) -> list[AuditFacts]:
    """Entries of ``action`` since the plan's start for ``workload`` or all; oldest first."""
    return sorted(
        (
            e
            for e in f.audit
            if e.action == action and e.ts >= f.since and e.workload in (workload, None)
        ),
        key=lambda e: (e.ts, e.id),
    )


def _counted(n: int, capped: bool) -> str:
    """A count the planner stopped at a cap reads "at least": ">= 10,000"."""
    return f">= {n:,}" if capped else f"{n:,}"


def _join(parts: list[str]) -> str:
    return "; ".join(parts) if parts else "no workloads in this migration"


# -- week 1 --------------------------------------------------------------------------------------


def inventory(f: MigrationFacts) -> Evidence:
    """Done when every workload has served traffic, recorded by the gateway or imported."""
    parts, ok = [], []
    for w in f.workloads.values():
        ok.append(w.requests > 0)
        src = f" ({', '.join(w.sources)})" if w.sources else ""
        parts.append(
            f"{w.name}: {_counted(w.requests, w.requests_capped)} requests{src}"
            if w.requests
            else f"{w.name}: no traffic"
        )
    details = {
        w.name: {"requests": w.requests, "sources": list(w.sources)} for w in f.workloads.values()
    }
    return Evidence(_status(ok, False), _join(parts), details)


def baseline(f: MigrationFacts) -> Evidence:
    """Done when every workload has a baseline snapshot of the old model."""
    parts, ok, at = [], [], []
    details: dict[str, Any] = {}
    for w in f.workloads.values():
        own = [b for b in w.baselines if b.model in f.from_models]
        best = max(own, key=lambda b: (b.ts, b.id)) if own else None
        ok.append(best is not None)
        if best is not None:
            at.append(best.ts)
            parts.append(f"{w.name}: baseline #{best.id} of {best.model} on {_day(best.ts)}")
            details[w.name] = {"id": best.id, "model": best.model, "ts": best.ts.isoformat()}
        elif w.baselines:
            others = sorted({b.model for b in w.baselines})
            parts.append(f"{w.name}: baselines only of {', '.join(others)}, none of the old model")
        else:
            parts.append(f"{w.name}: no baseline")
    status = _status(ok, False)
    return Evidence(status, _join(parts), details, _latest(at) if status == "done" else None)


def _gate_text(gates: dict[str, Any]) -> str:
    text = [
        f"pass rate within {gates.get('pass_rate_margin', 0):g} pts",
        f"p95 <= {gates.get('p95_latency_ratio_max', 0):g}x",
        f"errors <= {100 * float(gates.get('error_rate_max', 0)):g}%",
    ]
    if gates.get("cost_ratio_max") is not None:
        text.append(f"cost <= {gates['cost_ratio_max']:g}x")
    return ", ".join(text)


def quality_gate(f: MigrationFacts) -> Evidence:
    """Done when every workload has gates in the config; says which gates, defaults or not."""
    parts, ok = [], []
    details: dict[str, Any] = {}
    for w in f.workloads.values():
        ok.append(w.config is not None)
        if w.config is None:
            parts.append(f"{w.name}: not in the config, no gates")
            continue
        origin = "" if w.config.gates_explicit else " (defaults)"
        parts.append(f"{w.name}: {_gate_text(w.config.gates)}{origin}")
        details[w.name] = {**w.config.gates, "explicit": w.config.gates_explicit}
    return Evidence(_status(ok, False), _join(parts), details)


def _trigger_text(triggers: dict[str, Any]) -> str:
    text = [f"errors > {100 * float(triggers.get('error_rate_above', 0)):g}%"]
    if triggers.get("p95_above") is not None:
        text.append(f"p95 > {float(triggers['p95_above']):g}s")
    if triggers.get("online_score_drop") is not None:
        text.append(f"score drop > {triggers['online_score_drop']:g}")
    return ", ".join(text)


def go_no_go(f: MigrationFacts) -> Evidence:
    """Done when triggers are configured for every workload and a criteria export was recorded."""
    parts, configured, exported = [], [], []
    at: list[datetime] = []
    details: dict[str, Any] = {}
    for w in f.workloads.values():
        configured.append(w.config is not None)
        if w.config is None:
            parts.append(f"{w.name}: no triggers (not in the config)")
            continue
        exports = _entries(f, "criteria.export", w.name)
        exported.append(bool(exports))
        line = f"{w.name}: rollback if {_trigger_text(w.config.triggers)}"
        if exports:
            at.append(exports[-1].ts)
            line += f", exported {_day(exports[-1].ts)} (audit #{exports[-1].id})"
        parts.append(line)
        details[w.name] = {**w.config.triggers, "exported": bool(exports)}
    all_configured = bool(configured) and all(configured)
    if all_configured and all(exported):
        return Evidence("done", _join(parts), details, _latest(at))
    if any(configured):
        if all_configured:
            parts.append("criteria not exported yet: run `swapsafe criteria export`")
        return Evidence("in_progress", _join(parts), details)
    return Evidence("todo", _join(parts), details)


# -- weeks 2-3 -----------------------------------------------------------------------------------


def shadow(f: MigrationFacts) -> Evidence:
    """Done when every workload has at least N ok shadow calls."""
    need = f.requirements.shadow_pairs
    parts, ok = [], []
    for w in f.workloads.values():
        ok.append(w.shadow_ok >= need)
        count = _counted(w.shadow_ok, w.shadow_ok_capped)
        total = _counted(w.shadow_total, w.shadow_total_capped)
        parts.append(f"{w.name}: {count}/{need} ok shadow pairs ({total} recorded)")
    started = any(w.shadow_total for w in f.workloads.values())
    details = {
        w.name: {"ok": w.shadow_ok, "recorded": w.shadow_total, "need": need}
        for w in f.workloads.values()
    }
    return Evidence(_status(ok, started), _join(parts), details)


def _both(run_models: Iterable[str], f: MigrationFacts) -> bool:
    models = set(run_models)
    return bool(models & f.from_models) and bool(models & f.to_models)


def nightly_eval(f: MigrationFacts) -> Evidence:
    """Done when every workload has done nightly runs of both models on N distinct nights."""
    need = f.requirements.nightly_nights
    parts, ok, started = [], [], False
    at: list[datetime] = []
    details: dict[str, Any] = {}
    for w in f.workloads.values():
        runs: list[EvalRunFacts] = [
            r
            for r in w.eval_runs
            if r.tag == "nightly" and r.status == "done" and _both(r.models, f)
        ]
        nights = sorted({_day(r.started_at) for r in runs})
        started = started or bool(runs) or bool(w.eval_runs)
        ok.append(len(nights) >= need)
        if runs:
            at.append(max(r.started_at for r in runs))
        ids = ", ".join(f"#{r.id}" for r in sorted(runs, key=lambda r: r.id)[-need:])
        suffix = f" (runs {ids}; last {nights[-1]})" if runs else ""
        parts.append(f"{w.name}: {len(nights)}/{need} nights with both models{suffix}")
        details[w.name] = {"nights": nights, "runs": [r.id for r in runs]}
    status = _status(ok, started)
    return Evidence(status, _join(parts), details, _latest(at) if status == "done" else None)


def review(f: MigrationFacts) -> Evidence:
    """Done when at least N shadow pairs of the migration's workloads have a human verdict."""
    need = f.requirements.review_pairs
    pairs = sum(w.reviewed_pairs for w in f.workloads.values())
    verdicts = sum(w.verdicts for w in f.workloads.values())
    last = _latest(w.last_verdict_at for w in f.workloads.values())
    per = ", ".join(f"{w.name} {w.reviewed_pairs}" for w in f.workloads.values())
    summary = f"{pairs}/{need} pairs reviewed ({verdicts} verdicts: {per})"
    if last is not None:
        summary += f"; last verdict {_day(last)}"
    status: Status = "done" if pairs >= need else "in_progress" if pairs else "todo"
    details = {"pairs": pairs, "verdicts": verdicts, "need": need}
    return Evidence(status, summary, details, last if status == "done" else None)


def _redteam_text(verdict: RedteamVerdict) -> str:
    if verdict.regressions:
        return f"worse in {', '.join(verdict.regressions)}"
    unprobed = [c for c in verdict.inconclusive if not verdict.results[c].probed_both]
    if unprobed:
        return (
            f"inconclusive: {', '.join(unprobed)} not probed on both models "
            "(no baseline to compare)"
        )
    if verdict.inconclusive:
        return "inconclusive: too few probes in " + "; ".join(
            f"{c} ({verdict.results[c].describe()})" for c in verdict.inconclusive
        )
    if not verdict.ok:
        return "inconclusive: no category probed on both models"
    return "no category worse than the old model"


def redteam(f: MigrationFacts) -> Evidence:
    """Done when each workload's newest finished red-team run of the new model passes the
    gate's rule (:func:`swapsafe.redteam.regression.redteam_verdict`): no regression, and no
    category left inconclusive because only one of the two models was probed there."""
    parts, ok, started = [], [], False
    at: list[datetime] = []
    details: dict[str, Any] = {}
    for w in f.workloads.values():
        runs: list[RedteamRunFacts] = [
            r for r in w.redteam_runs if r.status == "done" and set(r.models) & f.to_models
        ]
        started = started or bool(w.redteam_runs)
        run = max(runs, key=lambda r: (r.started_at, r.id)) if runs else None
        ok.append(run is not None and run.verdict.status == "pass")
        if run is None:
            parts.append(f"{w.name}: no finished red-team run of the new model")
            continue
        when = run.finished_at or run.started_at
        at.append(when)
        parts.append(f"{w.name}: run #{run.id} on {_day(when)}, {_redteam_text(run.verdict)}")
        details[w.name] = {
            "run": run.id,
            "status": run.verdict.status,
            "regressions": list(run.verdict.regressions),
            "inconclusive": list(run.verdict.inconclusive),
        }
    status = _status(ok, started)
    return Evidence(status, _join(parts), details, _latest(at) if status == "done" else None)


# -- week 4 --------------------------------------------------------------------------------------


def _step_passed(e: AuditFacts) -> bool:
    return bool(e.after.get("analysis", "pass") == "pass")


def canary(f: MigrationFacts) -> Evidence:
    """Done when every workload held the 1% step for 48 h with a passing analysis."""
    req = f.requirements
    parts, ok, started = [], [], False
    at: list[datetime] = []
    details: dict[str, Any] = {}
    for w in f.workloads.values():
        steps = [
            e
            for e in _entries(f, "rollout.step", w.name)
            if _num(e.after.get("weight")) == req.canary_weight
        ]
        good = [
            e
            for e in steps
            if _step_passed(e) and (_num(e.after.get("held_seconds")) or 0) >= req.canary_hold_s
        ]
        into_canary = any(
            e.after.get("mode") == "canary" for e in _entries(f, "routing.set", w.name)
        )
        started = started or bool(steps) or into_canary
        ok.append(bool(good))
        if good:
            e = good[-1]
            held = (_num(e.after.get("held_seconds")) or 0) / 3600
            at.append(e.ts)
            parts.append(
                f"{w.name}: {req.canary_weight:g}% held {held:.0f} h, analysis pass (audit #{e.id})"
            )
            details[w.name] = {"audit": e.id, "held_hours": round(held, 1)}
        elif steps:
            e = steps[-1]
            held = (_num(e.after.get("held_seconds")) or 0) / 3600
            parts.append(
                f"{w.name}: {req.canary_weight:g}% held {held:.0f} h, "
                f"analysis {e.after.get('analysis', '?')}"
            )
        else:
            parts.append(f"{w.name}: canary {'running' if into_canary else 'not started'}")
    status = _status(ok, started)
    return Evidence(status, _join(parts), details, _latest(at) if status == "done" else None)


def promote(f: MigrationFacts) -> Evidence:
    """Done when every workload completed the 10, 50 and 100% steps."""
    want = f.requirements.promote_weights
    parts, ok, started = [], [], False
    at: list[datetime] = []
    details: dict[str, Any] = {}
    for w in f.workloads.values():
        reached: dict[float, AuditFacts] = {}
        for e in _entries(f, "rollout.step", w.name):
            weight = _num(e.after.get("weight"))
            if weight in want and _step_passed(e):
                reached[weight] = e
        started = started or bool(reached)
        ok.append(all(x in reached for x in want))
        steps = ", ".join(
            f"{x:g}% on {_day(reached[x].ts)}" if x in reached else f"{x:g}% pending" for x in want
        )
        parts.append(f"{w.name}: {steps}" if reached else f"{w.name}: no promotion step yet")
        if reached:
            at.append(max(e.ts for e in reached.values()))
        details[w.name] = {f"{x:g}": reached[x].id for x in want if x in reached}
    status = _status(ok, started)
    return Evidence(status, _join(parts), details, _latest(at) if status == "done" else None)


def rollback(f: MigrationFacts) -> Evidence:
    """Done when a rollback rehearsal was recorded for every workload; shows its timing."""
    parts, ok = [], []
    at: list[datetime] = []
    details: dict[str, Any] = {}
    for w in f.workloads.values():
        runs = _entries(f, "rollback.rehearsal", w.name)
        ok.append(bool(runs))
        if not runs:
            parts.append(f"{w.name}: not rehearsed")
            continue
        e = runs[-1]
        at.append(e.ts)
        max_ms = _num(e.after.get("max_ms"))
        replicas = e.after.get("replicas")
        count = len(replicas) if isinstance(replicas, list) else 0
        timing = f"{max_ms:.0f} ms" if max_ms is not None else "timing not recorded"
        parts.append(
            f"{w.name}: rehearsed {_day(e.ts)}, rollback in {timing} "
            f"on {count} replica(s) (audit #{e.id})"
        )
        details[w.name] = {"audit": e.id, "max_ms": max_ms, "replicas": count}
    status = _status(ok, False)
    return Evidence(status, _join(parts), details, _latest(at) if status == "done" else None)


def retention(f: MigrationFacts) -> Evidence:
    """Done when the retention window is set and the last health check of the old model passed."""
    window = f.retain_old_for_s
    if not window:
        return Evidence("todo", "no retention window: set `[rollout] retain_old_for`", {})
    days = window / 86400
    parts, ok = [f"old model kept {days:g} days"], []
    at: list[datetime] = []
    details: dict[str, Any] = {"retain_days": days}
    for w in f.workloads.values():
        checks = _entries(f, "retention.health_check", w.name)
        last = checks[-1] if checks else None
        passed = last is not None and last.after.get("ok") is True
        ok.append(passed)
        if last is None:
            parts.append(f"{w.name}: no health check yet")
            continue
        at.append(last.ts)
        until = last.after.get("retain_until")
        until_text = f", retained until {str(until)[:10]}" if until else ""
        result = "ok" if passed else "FAILED"
        parts.append(f"{w.name}: health check {_day(last.ts)} {result}{until_text}")
        details[w.name] = {"audit": last.id, "ok": passed, "retain_until": until}
    status = _status(ok, True)
    return Evidence(status, "; ".join(parts), details, _latest(at) if status == "done" else None)


RULES: dict[str, Rule] = {
    "inventory": inventory,
    "baseline": baseline,
    "gate": quality_gate,
    "criteria": go_no_go,
    "shadow": shadow,
    "nightly": nightly_eval,
    "review": review,
    "redteam": redteam,
    "canary": canary,
    "promote": promote,
    "rollback": rollback,
    "retention": retention,
}


def evaluate(f: MigrationFacts) -> dict[str, Evidence]:
    """Every rule over the same facts, by item key."""
    return {key: rule(f) for key, rule in RULES.items()}
