"""Read the evidence the gates judge from the store (eval results, traffic, red-team, review)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from swapsafe.evals.compare import answered
from swapsafe.evals.datasets import load_cases
from swapsafe.evals.status import run_standing
from swapsafe.redteam.regression import CategoryRates, tally
from swapsafe.stats import PairedCounts

if TYPE_CHECKING:
    from collections.abc import Sequence

    from swapsafe.config import Config
    from swapsafe.store import Store
    from swapsafe.store.sql_report import ShadowPair

#: how far back traffic counts as evidence
GATE_WINDOW = timedelta(days=30)
#: how many recent runs are searched for one that covers both models
RUNS_SEARCHED = 20


#: fewest latency / cost samples per side before a ratio is judged
MIN_SAMPLES = 30


@dataclass
class Evidence:
    window: str = ""
    golden: GoldenEvidence = field(default_factory=lambda: GoldenEvidence())
    new_latency: list[float] = field(default_factory=list)
    old_latency: list[float] = field(default_factory=list)
    latency_paired: bool = False
    new_cost: list[float] = field(default_factory=list)
    old_cost: list[float] = field(default_factory=list)
    cost_paired: bool = False
    new_errors: int = 0
    new_calls: int = 0
    redteam: dict[str, CategoryRates] | None = None
    redteam_run_id: int | None = None
    review: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class GoldenEvidence:
    """The eval run the golden gate judges, and why newer runs were passed over."""

    run_id: int | None = None
    counts: PairedCounts | None = None
    finished_at: datetime | None = None
    age_days: float | None = None
    stale: bool = False
    max_age_days: int = 7
    passed_over: tuple[str, ...] = ()  # "#12 incomplete: ..." for newer runs not used


def _golden_ids(config: Config, workload: str) -> list[str] | None:
    path = config.workloads[workload].golden
    if path is None:
        return None
    try:
        return [c.id for c in load_cases(path)]
    except Exception:  # an unreadable golden set: judge the runs by their own marks
        return None


def golden_pairs(config: Config, store: Store, workload: str, now: datetime) -> GoldenEvidence:
    """The newest *complete* eval run (:func:`~swapsafe.evals.status.run_standing`) scoring
    both models over the workload's full golden set, as paired counts of the cases both
    answered. Ad hoc and incomplete runs are passed over (and named); an older run than
    ``[evals] max_age_days`` is stale."""
    wl = config.workloads[workload]
    old, new = wl.baseline, wl.candidate
    golden_ids = _golden_ids(config, workload)
    max_age = config.evals.max_age_days
    skipped: list[str] = []
    for run in store.list_eval_runs(workload, limit=RUNS_SEARCHED):
        if run.id is None or run.status in ("running", "missed"):
            continue
        results = store.eval_results(run.id)
        standing = run_standing(
            run, results, max_error_rate=config.evals.max_error_rate,
            models={old, new} if new else None, golden_ids=golden_ids,
        )  # fmt: skip
        if not standing.gate_evidence:
            skipped.append(f"#{run.id} {standing.status}: {standing.reason}")
            continue
        by_case: dict[str, dict[str, bool]] = {}
        for r in results:
            if answered(r) and r.model in (old, new):
                by_case.setdefault(r.case_id, {})[r.model] = bool(r.passed)
        pairs = [(m[old], m[new]) for m in by_case.values() if old in m and new in m]
        if not pairs:
            skipped.append(f"#{run.id}: does not score both {old} and {new}")
            continue
        when = run.finished_at or run.started_at
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        age = max((now - when).total_seconds() / 86400, 0.0)
        return GoldenEvidence(
            run.id, PairedCounts.from_pairs(pairs), when, age, age > max_age, max_age,
            tuple(skipped),
        )  # fmt: skip
    return GoldenEvidence(max_age_days=max_age, passed_over=tuple(skipped))


def redteam_rates(
    store: Store, workload: str, old: str, new: str
) -> tuple[int | None, dict[str, CategoryRates] | None]:
    """Attack success per category in the newest red-team run that probed both models."""
    for run in store.list_redteam_runs(workload, limit=RUNS_SEARCHED):
        if run.status != "done" or run.id is None:  # an incomplete run is never gate evidence
            continue
        findings = store.redteam_findings(run.id)
        if {f.model for f in findings} >= {old, new}:
            rows = ((f.category, f.model, f.success) for f in findings)
            return run.id, tally(rows, {old}, {new})
    return None, None


def review_counts(store: Store, workload: str, new_model: str | None = None) -> dict[str, int]:
    """Verdict counts over the workload's sampled pairs: each reviewer's latest verdict per pair.

    With ``new_model``, only pairs that model answered count: verdicts on an earlier candidate's
    answers say nothing about this one (pairs sampled before the queue recorded the model, with
    no ``new_model``, still count)."""
    pairs = store.list_review_pairs(workload=workload, limit=1_000_000)
    pair_ids = {
        p.pair_id
        for p in pairs
        # a pair sampled while one side had errored (older queues) is no quality verdict
        if "error" not in (p.disagreement or {}).get("types", [])
        and (new_model is None or (p.disagreement or {}).get("new_model", new_model) == new_model)
    }
    if not pair_ids:
        return {}
    latest: dict[tuple[str, str], str] = {}
    for v in store.list_review_verdicts(limit=10_000_000):  # oldest first
        if v.pair_id in pair_ids:
            latest[(v.pair_id, v.reviewer)] = v.verdict
    counts: dict[str, int] = {}
    for verdict in latest.values():
        counts[verdict] = counts.get(verdict, 0) + 1
    return counts


@dataclass(frozen=True)
class Window:
    workload: str
    old: str
    new: str
    since: datetime
    until: datetime


def _paired_or_served(
    store: Store, pairs: Sequence[ShadowPair], w: Window, column: str
) -> tuple[bool, list[float], list[float]]:
    """(paired, new values, old values) of ``column`` (latency_ms or cost_usd): from the shadow
    pairs where both sides answered, when there are ``MIN_SAMPLES`` of them; else from each
    model's served traffic in the window."""
    both = [
        (a, b)
        for p in pairs
        if p.new_ok and p.old_ok
        for a, b in [(getattr(p, f"new_{column}"), getattr(p, f"old_{column}"))]
        if a is not None and b is not None
    ]
    if len(both) >= MIN_SAMPLES:
        return True, [float(a) for a, _ in both], [float(b) for _, b in both]

    def served(model: str) -> list[float]:
        return store.column(column, workload=w.workload, model=model, role="served",
                            since=w.since, until=w.until, limit=50_000)  # fmt: skip

    return False, served(w.new), served(w.old)


def collect(
    config: Config, store: Store, workload: str, *, now: datetime | None = None
) -> Evidence:
    wl = config.workloads[workload]
    assert wl.candidate is not None
    old, new = wl.baseline, wl.candidate
    now = now or datetime.now(UTC)
    since = now - GATE_WINDOW
    ev = Evidence(window=f" in the last {GATE_WINDOW.days} days")
    ev.golden = golden_pairs(config, store, workload, now)
    ev.redteam_run_id, ev.redteam = redteam_rates(store, workload, old, new)
    ev.review = review_counts(store, workload, new)

    q = store
    pairs = q.shadow_pairs(workload=workload, new_model=new, old_model=old, since=since, until=now)
    window = Window(workload, old, new, since, now)
    ev.latency_paired, ev.new_latency, ev.old_latency = _paired_or_served(
        store, pairs, window, "latency_ms"
    )
    ev.cost_paired, ev.new_cost, ev.old_cost = _paired_or_served(store, pairs, window, "cost_usd")
    ev.new_errors, ev.new_calls = q.error_counts(
        workload=workload, model=new, since=since, until=now
    )
    return ev
