"""Gather everything the go/no-go report shows, once, for both renderers (markdown and HTML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from swapsafe.exceptions import ConfigError
from swapsafe.gates.checks import Decision, GateReport, decide, evaluate_gates
from swapsafe.gates.evidence import GATE_WINDOW, redteam_rates, review_counts
from swapsafe.pricing import PriceBook, UnitPrice
from swapsafe.redteam.regression import CategoryRates
from swapsafe.report.causes import likely_causes
from swapsafe.report.projection import Projection, Usage, project
from swapsafe.report.trends import NightRate, cost_days, golden_nights
from swapsafe.review.agreement_cache import daily_agreement
from swapsafe.store.coverage import ShadowCoverage
from swapsafe.store.sql_compat import Compatibility
from swapsafe.store.sql_report import TrafficGroup
from swapsafe.traffic.baseline import compute_baselines
from swapsafe.wire.prompt_variant import PromptVariant

if TYPE_CHECKING:
    from swapsafe.config import Config, WorkloadConfig
    from swapsafe.store import Store

LATENCY_SAMPLES = 5000


@dataclass
class WorkloadReport:
    name: str
    baseline: str
    candidate: str | None
    gates: GateReport
    sides: dict[str, dict[str, Any]]  # model -> baseline-style figures with CIs
    latency: dict[str, list[float]] = field(default_factory=dict)
    agreement: list[tuple[date, int, int]] = field(default_factory=list)  # (day, agree, pairs)
    projection: Projection | None = None
    redteam: dict[str, CategoryRates] | None = None
    redteam_run_id: int | None = None
    review: dict[str, int] = field(default_factory=dict)
    evidence: list[tuple[str, str]] = field(default_factory=list)
    coverage: ShadowCoverage | None = None  # served requests in shadow mode, by outcome
    compat: list[Compatibility] = field(default_factory=list)  # per model x role (report/compat)
    variants: dict[str, PromptVariant] = field(default_factory=dict)  # model -> configured
    causes: list[str] = field(default_factory=list)  # what the candidate's failures share
    nights: list[NightRate] = field(default_factory=list)  # golden pass rate per run
    cost_days: list[tuple[date, float]] = field(default_factory=list)  # served USD per day

    @property
    def decision(self) -> Decision:
        return self.gates.decision


@dataclass
class ReportData:
    generated_at: datetime
    window_days: int
    workloads: list[WorkloadReport]

    @property
    def decision(self) -> Decision:
        """Overall: NO-GO when any workload is NO-GO; GO only when every workload is GO."""
        if not self.workloads:
            return "NOT YET"
        decisions = [w.decision for w in self.workloads]
        if "NO-GO" in decisions:
            return "NO-GO"
        return decide(["pass" if d == "GO" else "inconclusive" for d in decisions])


def _price(config: Config, book: PriceBook, model: str) -> UnitPrice | None:
    m = config.models.get(model)
    if m is None:
        return None
    return book.unit_price(
        name=model, provider=m.provider, upstream_model=m.model, override=m.price
    )


def _projection(
    config: Config, groups: list[TrafficGroup], old: str, new: str, now: datetime
) -> Projection | None:
    """Cost per day now and with the candidate, from the window's traffic ``groups``."""
    served = [g for g in groups if g.role == "served"]
    requests = sum(g.requests for g in served)
    if requests == 0:
        return None
    days = GATE_WINDOW.total_seconds() / 86400
    first = min((g.first_ts for g in served if g.first_ts), default=None)
    if first is not None:  # traffic younger than the window: per day over its own span
        days = min(days, max((now - first).total_seconds() / 86400, 1.0))
    costed = sum(g.costed for g in served)
    observed = sum(g.cost_usd or 0.0 for g in served) / days if costed == requests else None
    base = [g for g in served if g.model == old] or served
    n_base = sum(g.requests for g in base)
    baseline = Usage(
        n_base,
        sum(g.input_tokens for g in base) / n_base,
        sum(g.output_tokens for g in base) / n_base,
    )
    shadow = [g for g in groups if g.model == new and g.role == "shadow" and g.requests]
    cand = None
    if shadow:
        n = sum(g.requests for g in shadow)
        cand = Usage(
            n,
            sum(g.input_tokens for g in shadow) / n,
            sum(g.output_tokens for g in shadow) / n,
        )
    book = PriceBook()
    return project(
        requests_per_day=requests / days,
        observed_cost_per_day=observed,
        baseline=baseline,
        candidate_shadow=cand,
        baseline_price=_price(config, book, old),
        candidate_price=_price(config, book, new),
        candidate=new,
    )


def workload_report(config: Config, store: Store, name: str, now: datetime) -> WorkloadReport:
    wl = config.workloads[name]
    gates = evaluate_gates(config, store, name, now=now)
    since = now - GATE_WINDOW
    traffic = store.groups(since=since, until=now, workload=name, with_p95=False)
    snaps = compute_baselines(
        config, store, workloads=[name], window=GATE_WINDOW, now=now, traffic=traffic
    )
    models = [m for m in (wl.baseline, wl.candidate) if m]
    sides = {s.model: s.data for s in snaps if s.model in models}
    rep = WorkloadReport(name, wl.baseline, wl.candidate, gates, sides)
    for model in models:
        rep.latency[model] = store.column(
            "latency_ms", workload=name, model=model, since=since, until=now,
            limit=LATENCY_SAMPLES,
        )  # fmt: skip
    rep.review = review_counts(store, name, wl.candidate)
    found = store.compatibility(since=since, until=now, workload=name)
    rep.compat = [found[k] for k in sorted(found) if k[0] == name and k[1] in models]
    rep.variants = {m: v for m in models if (v := wl.prompt_variant(m)) is not None}
    rep.nights = golden_nights(store, name, models)
    rep.cost_days = cost_days(store, name, since, now)
    if wl.candidate:
        rep.agreement = agreement_by_day(store, name, wl.baseline, wl.candidate, since, now)
        rep.coverage = store.shadow_coverage(workload=name, since=since, until=now).get(name)
        rep.projection = _projection(config, traffic, wl.baseline, wl.candidate, now)
        rep.redteam_run_id, rep.redteam = redteam_rates(store, name, wl.baseline, wl.candidate)
    rep.evidence = _evidence(store, rep)
    rep.causes = _causes(store, wl, gates)
    return rep


def _causes(store: Store, wl: WorkloadConfig, gates: GateReport) -> list[str]:
    """Likely causes of a golden gate that did not pass, from the answers of the run it read."""
    golden = next((g for g in gates.results if g.name == "golden_pass_rate"), None)
    run_id = golden.numbers.get("run_id") if golden else None
    if golden is None or golden.status == "pass" or run_id is None or not wl.candidate:
        return []
    rows = store.eval_results(int(run_id))
    # answered calls whose text was stored ([store] bodies = "none" stores no text)
    seen = [r for r in rows if r.model == wl.candidate and not r.error and r.output is not None]
    answers = [r.output or "" for r in seen]
    failed = [r.output or "" for r in seen if r.passed is False]
    return likely_causes(wl.system_prompt_text(), answers, failed)


def agreement_by_day(
    store: Store, workload: str, old: str, new: str, since: datetime, until: datetime
) -> list[tuple[date, int, int]]:
    """(day, agreeing, pairs) of the shadow pairs of ``old`` and ``new``: the one shadow
    agreement (:mod:`swapsafe.review.agreement`) the overview and the rollout show too."""
    rows = daily_agreement(
        store, {workload: old}, workload, since=since, until=until, models=(old, new)
    )
    return [(d.day, d.agree, d.pairs) for d in rows]


def _evidence(store: Store, rep: WorkloadReport) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    numbers = rep.gates.result("golden_pass_rate").numbers
    golden, age = numbers.get("run_id"), numbers.get("age_days")
    if golden is not None:
        old = f" ({float(age):.1f} days old)" if age is not None else ""
        out.append(("golden eval run (complete, full golden set)", f"#{golden}{old}"))
    if rep.redteam_run_id is not None:
        out.append(("red-team run", f"#{rep.redteam_run_id}"))
    if rep.review:
        out.append(("review verdicts", str(sum(rep.review.values()))))
    if rep.agreement:
        out.append(("shadow pairs compared", str(sum(n for _, _, n in rep.agreement))))
    for b in store.list_baselines(rep.name, limit=50):
        if b.model == rep.baseline:
            out.append(("stored baseline snapshot", f"#{b.id} ({b.ts:%Y-%m-%d %H:%M} UTC)"))
            break
    return out


def build_report(
    config: Config,
    store: Store,
    workloads: list[str] | None = None,
    *,
    now: datetime | None = None,
) -> ReportData:
    """Report data for ``workloads`` (all configured ones by default)."""
    now = now or datetime.now(UTC)
    names = workloads if workloads else sorted(config.workloads)
    unknown = [n for n in names if n not in config.workloads]
    if unknown:
        known = ", ".join(sorted(config.workloads)) or "none"
        raise ConfigError(f"unknown workload {unknown[0]!r} (configured: {known})")
    return ReportData(
        generated_at=now,
        window_days=GATE_WINDOW.days,
        workloads=[workload_report(config, store, n, now) for n in names],
    )
