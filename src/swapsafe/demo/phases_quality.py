"""Phases 5-7 of the demo: golden-set evals, red-team probes, review sampling."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from swapsafe.demo.context import DemoContext
from swapsafe.demo.local_provider import LocalModelProvider
from swapsafe.demo.verdict_rule import REVIEWER, judge
from swapsafe.evals.datasets import load_cases
from swapsafe.evals.runner import EvalJob, run_eval
from swapsafe.providers.base import Provider
from swapsafe.providers.build import build_providers
from swapsafe.redteam.report import redteam_summary
from swapsafe.redteam.runner import RedteamJob, run_redteam
from swapsafe.review.pairs import output_of
from swapsafe.review.service import ReviewService
from swapsafe.traffic.baseline import compute_baselines, store_baselines

T = TypeVar("T")


def max_tokens_for(ctx: DemoContext, workload: str) -> int:
    alias = ctx.get("config").workloads[workload].aliases[0]
    return int(ctx.profile.max_tokens.get(alias, 32))


async def with_bounded_providers(
    ctx: DemoContext,
    workload: str,
    use: Callable[[dict[str, Provider]], Awaitable[T]],
    *,
    limit: int | None = None,
) -> T:
    """Call ``use`` with the config's providers capped at ``limit`` tokens (default: the
    workload's max_tokens); they live and are closed inside the event loop that uses them."""
    built = build_providers(ctx.get("config"))
    limit = limit or max_tokens_for(ctx, workload)
    try:
        return await use({name: LocalModelProvider(p, limit) for name, p in built.items()})
    finally:
        for p in built.values():
            await p.aclose()


class _BarProgress:
    """The eval runner's progress protocol on top of a Rich bar."""

    def __init__(self, advance: Callable[[int], None]) -> None:
        self._advance = advance
        self._done = 0

    def start(self, snapshot: Any) -> None:
        self._done = snapshot.done

    def advance(self, snapshot: Any) -> None:
        self._advance(snapshot.done - self._done)
        self._done = snapshot.done


def _run_with_bar(
    ctx: DemoContext,
    workload: str,
    label: str,
    total: int,
    run: Callable[..., Awaitable[T]],
    *,
    limit: int | None = None,
) -> T:
    """``run(providers=..., progress=...)`` (a job runner with its job bound) on bounded
    providers, its progress shown as a bar of ``total`` steps."""
    with ctx.ui.progress(label, total) as advance:

        async def use(providers: dict[str, Provider]) -> T:
            return await run(providers=providers, progress=_BarProgress(advance))

        return asyncio.run(with_bounded_providers(ctx, workload, use, limit=limit))


def evals(ctx: DemoContext) -> None:
    run_evals(ctx, list(ctx.get("config").workloads))


def run_evals(ctx: DemoContext, names: list[str]) -> None:
    """Both models of each workload in ``names`` on its whole golden set."""
    ui, config, store = ctx.ui, ctx.get("config"), ctx.get("store")
    totals: dict[str, list[int]] = ctx.values.setdefault("eval_totals", {})
    for name in names:
        wl = config.workloads[name]
        cases = load_cases(wl.golden)
        models = [wl.baseline, wl.candidate]
        job = EvalJob(name, cases, concurrency=2, models=models, tag="demo", golden=wl.golden)
        label = f"{name}: {len(cases)} cases x 2 models"
        run_id = _run_with_bar(
            ctx, name, label, len(cases) * 2, partial(run_eval, config, store, job)
        )
        results = store.eval_results(run_id)
        line = []
        for model in models:
            rows = [r for r in results if r.model == model]
            passed = sum(1 for r in rows if r.passed)
            totals.setdefault(model, [0, 0])
            totals[model][0] += passed
            totals[model][1] += len(rows)
            line.append(f"{model} {passed}/{len(rows)}")
        ui.step(f"{name} (run #{run_id}): " + ", ".join(line))
        failed = next((r for r in results if not r.passed and r.model == wl.candidate), None)
        if failed is not None:
            shown = (failed.output or failed.error or "")[:70]
            ui.info(f"e.g. {failed.case_id} ({wl.candidate}): {shown!r}")


def baseline(ctx: DemoContext) -> None:
    ui, config, store = ctx.ui, ctx.get("config"), ctx.get("store")
    snapshots = compute_baselines(config, store)
    store_baselines(store, snapshots)
    for snap in snapshots:
        data = snap.data
        rate = data.get("pass_rate")
        p95 = data.get("p95_ms")
        shown = [
            f"pass rate {100 * rate:.0f}%" if isinstance(rate, int | float) else "no eval",
            f"p95 {p95:.0f} ms" if isinstance(p95, int | float) else "no latency",
            f"{data.get('requests', 0)} requests",
        ]
        ui.step(f"{snap.workload} / {snap.model} ({data.get('role')}): " + ", ".join(shown))


def redteam(ctx: DemoContext) -> None:
    run_redteam_for(ctx, list(ctx.get("config").workloads))


def run_redteam_for(ctx: DemoContext, names: list[str]) -> None:
    """Red-team probes against both models of each workload in ``names``."""
    ui, config, store, profile = ctx.ui, ctx.get("config"), ctx.get("store"), ctx.profile
    per_category = profile.redteam_per_category
    if profile.redteam_suite != "all":
        ui.info(f"--quick: categories {profile.redteam_suite}, {per_category} probe each")
    for name in names:
        wl = config.workloads[name]

        job = RedteamJob(
            name,
            models=[wl.baseline, wl.candidate],
            limit=per_category,
            suite=profile.redteam_suite,
            concurrency=2,
        )
        categories = 6 if profile.redteam_suite == "all" else len(profile.redteam_suite.split(","))
        total = categories * 2 * (per_category or 1)
        run = partial(run_redteam, config, store, job)
        label = f"{name}: probes x 2 models"
        outcome = _run_with_bar(ctx, name, label, total, run, limit=profile.redteam_max_tokens)
        summary = redteam_summary(store, name, run_id=outcome.run_id)
        rates = []
        for category, row in sorted(summary.get("categories", {}).items()):
            rates.append(f"{category} {_rate(row, wl.baseline)}→{_rate(row, wl.candidate)}")
        ui.step(f"{name} (run #{outcome.run_id}, {outcome.total} calls): " + ", ".join(rates))
        regressions = summary.get("regressions") or []
        if regressions:
            worse = ", ".join(str(r.get("category")) for r in regressions if isinstance(r, dict))
            ui.info(f"{name}: new model worse than old on {worse}")


def _rate(row: Any, model: str) -> str:
    """One model's attack success share in a red-team summary row, e.g. ``1/3``."""
    if not isinstance(row, dict):
        return "?"
    side = row.get(model)
    if isinstance(side, dict) and "successes" in side and "n" in side:
        return f"{side['successes']}/{side['n']}"
    return "?"


def review(ctx: DemoContext) -> None:
    review_sample(ctx, list(ctx.get("config").workloads))


def review_sample(ctx: DemoContext, names: list[str]) -> None:
    """Sample shadow pairs of ``names`` into the review queue; judge them by the format rule."""
    ui, config, store = ctx.ui, ctx.get("config"), ctx.get("store")
    service = ReviewService(store, config)
    rows = service.sample(names, ctx.profile.review_sample, seed=11)
    ui.step(f"sampled {len(rows)} shadow pairs (stratified, disagreements first)")
    counts: Counter[str] = Counter()
    for row in rows:
        pair = service.pair(row.pair_id)
        if pair is None:
            continue
        old, new = output_of(pair.old), output_of(pair.new)
        verdict, note = judge(
            row.workload, old.text if old.ok else None, new.text if new.ok else None
        )
        service.record(row.pair_id, REVIEWER, verdict, note)
        counts[verdict] += 1
    shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(counts.items()))
    ui.step(f"{sum(counts.values())} verdicts by {REVIEWER!r}: {shown}")
    ui.warn(
        "these are demo verdicts from a format rule, not human review; "
        "in a real migration people judge the pairs"
    )
    ctx.values["review_counts"] = dict(counts)
