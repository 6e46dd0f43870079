"""The demo's two decisions: the bad swap is stopped at the cutover gates, and a second candidate
(the old model with order-extract's prompt v2) goes through the same process.

First act: every workload's candidate is Gemma 3 270M. Its rollout is asked for the way
``swapsafe rollout start`` asks for it; the pre-cutover gates refuse each workload that is not
GO, with their reasons, and the report of that moment is kept as ``report-gemma3-270m.md``.

Second act: order-extract's candidate becomes ``smollm2-135m-v2``, the old model on a server of
its own with the workload's prompt variant (``[workloads.order-extract.prompts.smollm2-135m-v2]``).
The config is rewritten, the gateway restarted on it, and the candidate gets what Gemma got:
shadow traffic, golden evals, red-team probes and a review sample. The canary phase then rolls
out whatever the gates allow (see :mod:`swapsafe.demo.phases_rollout`).
"""

from __future__ import annotations

from dataclasses import replace

from swapsafe.demo import phases_core as core
from swapsafe.demo import phases_quality as quality
from swapsafe.demo import workspace
from swapsafe.demo.context import DemoContext
from swapsafe.demo.phases_outputs import label_demo_review
from swapsafe.demo.workspace import NEW_ALIAS, OLD_ALIAS, TUNED_ALIAS
from swapsafe.exceptions import GateError
from swapsafe.gates.checks import GateReport, evaluate_gates
from swapsafe.report import build_report
from swapsafe.report.markdown import render_markdown
from swapsafe.rollout.operations import Rollouts

ACTOR = "swapsafe demo"
SECOND = "order-extract"  # the workload the second candidate is for


def open_gates(ctx: DemoContext, workload: str) -> str:
    """The gate decision and the gates that do not pass, in one line."""
    return summary(evaluate_gates(ctx.get("config"), ctx.get("store"), workload))


def summary(report: GateReport) -> str:
    waiting = [f"{r.name} {r.status}" for r in report.results if r.status != "pass"]
    return f"{report.decision}: " + ", ".join(waiting) if waiting else report.decision


def first_decision(ctx: DemoContext) -> None:
    """Ask for Gemma's rollout on every workload; keep the report the gates judged from."""
    ui, config, store, ws = ctx.ui, ctx.get("config"), ctx.get("store"), ctx.get("workspace")
    rollouts = Rollouts(config, store)
    go: list[str] = []
    for name in config.workloads:
        report = evaluate_gates(config, store, name)
        if report.decision == "GO":
            go.append(name)
            ui.step(f"{name}: GO, the rollout can start")
            continue
        try:
            rollouts.start(name, actor=ACTOR)
        except GateError:
            ui.step(f"{name}: rollout refused by the pre-cutover gates ({summary(report)})")
        else:  # the gates passed after all (evidence arrived in between): roll it out
            go.append(name)
    data = build_report(config, store)
    path = ws.candidate_report(NEW_ALIAS)
    path.write_text(label_demo_review(render_markdown(data)), encoding="utf-8")
    ctx.values["first_report"] = data
    ctx.values["canary"] = go
    ui.step(f"{OLD_ALIAS} → {NEW_ALIAS}: {data.decision} → {path}")


def second_candidate(ctx: DemoContext) -> None:
    """Switch order-extract's candidate to the tuned old model and gather its evidence."""
    ui, profile = ctx.ui, ctx.profile
    settings = replace(ctx.get("settings"), extract_candidate=TUNED_ALIAS)
    config = workspace.rewrite_config(ctx.get("workspace"), settings)
    ctx.values["settings"], ctx.values["config"] = settings, config
    table = config.workloads[SECOND].prompts.get(TUNED_ALIAS)
    ui.step(f"{SECOND}: candidate = {TUNED_ALIAS}, the old model with prompt v2")
    if table is not None and table.system is not None:
        ui.info(f"[workloads.{SECOND}.prompts.{TUNED_ALIAS}] system = {table.system.name}")
    core.start_gateway(ctx)
    core.replay_shadow(ctx, profile.second_traffic)
    quality.run_evals(ctx, [SECOND])
    quality.run_redteam_for(ctx, [SECOND])
    quality.review_sample(ctx, [SECOND])
    canary = ctx.values.setdefault("canary", [])
    if SECOND not in canary:
        canary.append(SECOND)
