"""Baselines: a dated snapshot of how a workload performs on a model, with confidence intervals.

Per workload and model: golden pass rate of the newest eval run that scored the model (Wilson
CI), and from traffic (served calls; shadow calls when the model served none): request count,
error rate (Wilson CI), cost per request, p50 / p95 latency (bootstrap CIs) and tokens per
request. Counts and sums come from SQL; only the latency and cost columns are fetched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from swapsafe.stats import Interval, mean_interval, quantile_ci, wilson_interval
from swapsafe.stats.resampling import FloatArray
from swapsafe.store.records import Baseline
from swapsafe.store.sql_report import TrafficGroup

if TYPE_CHECKING:
    from collections.abc import Sequence

    from swapsafe.config import Config
    from swapsafe.store import Store

DEFAULT_WINDOW = timedelta(days=7)
#: metrics compared by ``baseline show``: (key in data, label, unit)
METRICS: tuple[tuple[str, str, str], ...] = (
    ("pass_rate", "golden pass rate", "%"),
    ("requests", "requests", ""),
    ("error_rate", "error rate", "%"),
    ("cost_per_request", "cost / request", "$"),
    ("p50_ms", "p50 latency", "ms"),
    ("p95_ms", "p95 latency", "ms"),
    ("output_tokens_per_request", "output tokens / request", ""),
)


def _finite(x: float) -> float | None:
    return None if math.isnan(x) or math.isinf(x) else x


def _ci(data: dict[str, Any], key: str, ci: Interval) -> None:
    data[key] = _finite(ci.value)
    data[f"{key}_low"] = _finite(ci.low)
    data[f"{key}_high"] = _finite(ci.high)


def golden_stats(store: Store, workload: str, model: str, confidence: float) -> dict[str, Any]:
    """Pass rate of ``model`` in the newest eval run of ``workload`` that scored it."""
    for run in store.list_eval_runs(workload, limit=20):
        if run.id is None or run.status == "failed":
            continue
        scored = [
            r for r in store.eval_results(run.id) if r.model == model and r.passed is not None
        ]
        if scored:
            passed = sum(1 for r in scored if r.passed)
            out: dict[str, Any] = {
                "eval_run_id": run.id,
                "eval_run_at": run.started_at.isoformat(),
                "golden_cases": len(scored),
                "golden_passed": passed,
            }
            _ci(out, "pass_rate", wilson_interval(passed, len(scored), confidence))
            return out
    return {"eval_run_id": None, "golden_cases": 0, "pass_rate": None}


def traffic_stats(
    group: TrafficGroup | None, latency: FloatArray, *, confidence: float
) -> dict[str, Any]:
    """Traffic figures of one workload x model x role group (empty when no calls)."""
    if group is None or group.requests == 0:
        return {"requests": 0, "traffic_role": None}
    n = group.requests
    out: dict[str, Any] = {
        "traffic_role": group.role,
        "requests": n,
        "errors": group.errors,
        "input_tokens_per_request": group.input_tokens / n,
        "output_tokens_per_request": group.output_tokens / n,
        "sources": group.sources,
    }
    _ci(out, "error_rate", wilson_interval(group.errors, n, confidence))
    if latency.size:
        _ci(out, "p50_ms", quantile_ci(latency, 0.5, confidence))
        _ci(out, "p95_ms", quantile_ci(latency, 0.95, confidence))
    else:
        out.update({"p50_ms": None, "p95_ms": None})
    if group.costed and group.cost_usd is not None:
        ci = mean_interval(group.cost_usd, group.cost_sq, group.costed, confidence)
        _ci(out, "cost_per_request", ci)
        out["costed_requests"] = group.costed
    else:
        out["cost_per_request"] = None
    return out


@dataclass(frozen=True)
class Snapshot:
    workload: str
    model: str
    data: dict[str, Any]


def compute_baselines(
    config: Config,
    store: Store,
    *,
    workloads: list[str] | None = None,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
    traffic: Sequence[TrafficGroup] | None = None,
) -> list[Snapshot]:
    """One snapshot per workload and model (baseline, candidate, and any model with traffic).

    ``traffic``: the window's ``store.groups(..., with_p95=False)`` when the caller already
    read them (the report), so the window is aggregated once."""
    until = now or datetime.now(UTC)
    since = until - window
    queries = store
    names = workloads if workloads is not None else sorted(config.workloads)
    one = names[0] if len(names) == 1 else None
    if traffic is None:
        traffic = queries.groups(since=since, until=until, workload=one, with_p95=False)
    groups: dict[tuple[str, str], TrafficGroup] = {}
    for g in traffic:
        key = (g.workload, g.model)
        if g.role == "served" or key not in groups:  # served traffic wins over shadow calls
            groups[key] = g
    wanted = [(g.workload, g.model, g.role) for g in groups.values() if g.workload in names]
    latencies = queries.latencies(wanted, since=since, until=until)
    snapshots: list[Snapshot] = []
    for name in names:
        wl = config.workloads.get(name)
        confidence = wl.gates.confidence if wl else 0.95
        models = [m for m in ((wl.baseline, wl.candidate) if wl else ()) if m]
        models += sorted(m for (w, m) in groups if w == name and m not in models)
        for model in models:
            data: dict[str, Any] = {
                "window_days": window.total_seconds() / 86400,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "confidence": confidence,
                "role": (
                    "baseline"
                    if wl and model == wl.baseline
                    else "candidate"
                    if wl and model == wl.candidate
                    else "other"
                ),
            }
            data.update(golden_stats(store, name, model, confidence))
            group = groups.get((name, model))
            lat = latencies.get((name, model, group.role)) if group else None
            data.update(
                traffic_stats(group, np.empty(0) if lat is None else lat, confidence=confidence)
            )
            snapshots.append(Snapshot(name, model, data))
    return snapshots


def store_baselines(
    store: Store, snapshots: list[Snapshot], *, now: datetime | None = None
) -> list[int]:
    ts = now or datetime.now(UTC)
    return [store.add_baseline(Baseline(s.workload, s.model, ts, s.data)) for s in snapshots]


@dataclass(frozen=True)
class Comparison:
    workload: str
    model: str
    latest: Baseline
    previous: Baseline | None

    def changes(self) -> list[tuple[str, str, Any, Any]]:
        """(label, unit, previous value, latest value) per metric."""
        prev = self.previous.data if self.previous else {}
        return [
            (label, unit, prev.get(key), self.latest.data.get(key)) for key, label, unit in METRICS
        ]


def compare_latest(store: Store, workload: str | None = None) -> list[Comparison]:
    """Latest vs previous snapshot per workload and model."""
    by_key: dict[tuple[str, str], list[Baseline]] = {}
    for b in store.list_baselines(workload, limit=10_000):  # newest first
        by_key.setdefault((b.workload, b.model), []).append(b)
    out = []
    for (w, m), items in sorted(by_key.items()):
        out.append(Comparison(w, m, items[0], items[1] if len(items) > 1 else None))
    return out
