"""Read the evidence the gates judge from the store (eval results, traffic, red-team, review)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from swapsafe.evals.compare import answered
from swapsafe.evals.datasets import load_cases
from swapsafe.evals.status import run_standing
from swapsafe.redteam.regression import CategoryRates, tally
from swapsafe.stats import PairedCounts

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from swapsafe.config import Config
    from swapsafe.store import Store
    from swapsafe.store.sql_pairs import ShadowPair

#: how far back traffic counts as evidence
GATE_WINDOW = timedelta(days=30)
#: how many recent runs are searched for one that covers both models
RUNS_SEARCHED = 20


#: fewest latency / cost samples per side before a ratio is judged
MIN_SAMPLES = 30
#: most samples the latency and cost gates read: the newest shadow pairs of the window (or,
#: without pairs, each model's newest served calls). 5,000 pairs put 250 values above the p95
#: the bootstrap resamples, and keep the read and the bootstrap bounded on any store (about
#: 0.2 s for both). Older samples in the window are not read; the gate says so (:func:`newest`).
GATE_SAMPLES = 5_000

T = TypeVar("T")


def newest(read: Callable[[int], list[T]]) -> tuple[list[T], bool]:
    """The one sample cap of the gates: ``read(limit)`` returns rows newest first; keep the
    :data:`GATE_SAMPLES` newest, and say whether the window held more (the cap applied)."""
    rows = read(GATE_SAMPLES + 1)
    return rows[:GATE_SAMPLES], len(rows) > GATE_SAMPLES


@dataclass(frozen=True)
class Samples:
    """What the latency or the cost gate judges: the candidate's and the baseline's values,
    ``paired`` when they come from shadow pairs, ``capped`` when they are the newest
    :data:`GATE_SAMPLES` of a window that held more."""

    new: list[float] = field(default_factory=list)
    old: list[float] = field(default_factory=list)
    paired: bool = False
    capped: bool = False


@dataclass
class Evidence:
    window: str = ""
    golden: GoldenEvidence = field(default_factory=lambda: GoldenEvidence())
    latency: Samples = field(default_factory=Samples)
    cost: Samples = field(default_factory=Samples)
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
    store: Store, pairs: Sequence[ShadowPair], capped: bool, w: Window, column: str
) -> Samples:
    """``column`` (latency_ms or cost_usd) of the shadow pairs where both sides answered, when
    there are ``MIN_SAMPLES`` of them; else of each model's served traffic in the window."""
    both = [
        (a, b)
        for p in pairs
        if p.new_ok and p.old_ok
        for a, b in [(getattr(p, f"new_{column}"), getattr(p, f"old_{column}"))]
        if a is not None and b is not None
    ]
    if len(both) >= MIN_SAMPLES:
        return Samples([float(a) for a, _ in both], [float(b) for _, b in both], True, capped)

    def served(model: str) -> tuple[list[float], bool]:
        return newest(lambda limit: store.column(
            column, workload=w.workload, model=model, role="served", since=w.since,
            until=w.until, limit=limit,
        ))  # fmt: skip

    (new, new_capped), (old, old_capped) = served(w.new), served(w.old)
    return Samples(new, old, False, new_capped or old_capped)


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

    pairs, capped = newest(lambda limit: store.shadow_pairs(
        workload=workload, new_model=new, old_model=old, since=since, until=now, limit=limit
    ))  # fmt: skip
    window = Window(workload, old, new, since, now)
    ev.latency = _paired_or_served(store, pairs, capped, window, "latency_ms")
    ev.cost = _paired_or_served(store, pairs, capped, window, "cost_usd")
    ev.new_errors, ev.new_calls = store.error_counts(
        workload=workload, model=new, since=since, until=now
    )
    return ev
