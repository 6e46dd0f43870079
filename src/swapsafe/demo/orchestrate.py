"""``swapsafe demo``: the whole migration process, end to end, on two local models.

The run is a list of :class:`Phase` objects. The first four (models, servers, config, gateway
with shadow replay) are needed by everything after them; a failure there ends the demo. Every
later phase imports the part of swapsafe it shows lazily: when that module is not in this build
the phase says ``skipped: <module> not available in this build``; when it fails, it says so and
the demo goes on, so the report shows what really happened.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

from swapsafe.demo import phases_choice as choice
from swapsafe.demo import phases_core as core
from swapsafe.demo import phases_outputs as outputs
from swapsafe.demo import phases_quality as quality
from swapsafe.demo import phases_rollout as rollout
from swapsafe.demo.context import DEFAULT, QUICK, DemoContext, DemoOptions
from swapsafe.demo.servers import interrupts_as_keyboard
from swapsafe.demo.story import Files, Second, story
from swapsafe.demo.ui import DemoUI, fmt_seconds
from swapsafe.demo.workspace import NEW_ALIAS
from swapsafe.exceptions import SwapsafeError

SWAP = "SmolLM2-135M → Gemma 3 270M"
SECOND_LABEL = f"{choice.SECOND} prompt v2 on SmolLM2-135M"

PhaseFn = Callable[[DemoContext], None]


@dataclass(frozen=True)
class Phase:
    key: str
    title: str
    run: PhaseFn
    module: str | None = None  # the swapsafe module it shows; None: always there
    required: bool = False  # a failure ends the demo
    only_if: Callable[[DemoOptions], bool] | None = None


def module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def phases() -> list[Phase]:
    return [
        Phase("models", "Locate and verify the two models", core.locate, required=True),
        Phase("servers", "Start two llama.cpp servers", core.start_servers, required=True),
        Phase(
            "config", "Write the config, prompts and golden sets", core.write_config, required=True
        ),
        Phase("shadow", "Gateway in shadow mode: replay real traffic", core.shadow, required=True),
        Phase("evals", "Golden-set evals, both models", quality.evals, "swapsafe.evals.runner"),
        Phase(
            "baseline", "Baseline snapshots with CIs", quality.baseline, "swapsafe.traffic.baseline"
        ),
        Phase("redteam", "Red-team probes, both models", quality.redteam, "swapsafe.redteam"),
        Phase("review", "Review sample of shadow pairs", quality.review, "swapsafe.review"),
        Phase("decision", f"Cutover gates: {SWAP}", choice.first_decision, "swapsafe.report"),
        Phase(
            "second",
            f"A second candidate for {choice.SECOND}: the old model with prompt v2",
            choice.second_candidate,
            "swapsafe.evals.runner",
        ),
        Phase(
            "canary",
            "Canary and promotion, compressed clock",
            rollout.canary,
            "swapsafe.rollout.controller",
        ),
        Phase("rehearsal", "Rollback rehearsal", rollout.rehearsal, "swapsafe.rollout.rehearsal"),
        Phase("report", "Go/no-go report", outputs.report, "swapsafe.report"),
        Phase("plan", "Migration plan export", outputs.plan, "swapsafe.plan"),
        Phase("serve", "Web UI", outputs.serve, "swapsafe.web", only_if=lambda o: o.serve),
    ]


def run_demo(
    options: DemoOptions, ui: DemoUI | None = None, plan: list[Phase] | None = None
) -> DemoContext:
    """Run every phase of ``plan`` (default :func:`phases`); the servers and the gateway are
    stopped on any exit, Ctrl-C included."""
    ui = ui or DemoUI()
    ctx = DemoContext(options, QUICK if options.quick else DEFAULT, ui)
    todo = [p for p in (plan or phases()) if p.only_if is None or p.only_if(options)]
    ui.title(f"swapsafe demo ({ctx.profile.name}): {SWAP}")
    with interrupts_as_keyboard():
        try:
            for number, phase in enumerate(todo, start=1):
                ui.phase(number, len(todo), phase.title)
                if phase.module is not None and not module_available(phase.module):
                    ui.skipped(f"{phase.module} not available in this build")
                    ctx.outcomes.append((phase.key, "skipped", f"{phase.module} not available"))
                    continue
                try:
                    phase.run(ctx)
                except SwapsafeError as exc:
                    if phase.required:
                        raise
                    ui.failed(str(exc))
                    ctx.outcomes.append((phase.key, "failed", str(exc)))
                except (ImportError, AttributeError, TypeError) as exc:
                    # a later phase's module changed shape in this build: say so, go on
                    if phase.required:
                        raise
                    ui.failed(f"{type(exc).__name__}: {exc}")
                    ctx.outcomes.append((phase.key, "failed", f"{type(exc).__name__}: {exc}"))
                else:
                    ctx.outcomes.append((phase.key, "done", ""))
                ui.phase_done()
        finally:
            close(ctx)
    summary(ctx)
    return ctx


def close(ctx: DemoContext) -> None:
    """Stop the gateway, close the store, stop the servers (each step even if one fails)."""
    for key in ("web", "gateway"):
        thing = ctx.values.pop(key, None)
        if thing is not None:
            try:
                thing.stop()
            except Exception as exc:  # keep stopping the rest
                ctx.ui.warn(f"stopping the {key}: {exc}")
    store = ctx.values.pop("store", None)
    if store is not None:
        store.close()
    if ctx.servers is not None:
        ctx.servers.stop()
        ctx.servers = None


def summary(ctx: DemoContext) -> None:
    ui = ctx.ui
    ui.console.print()
    ui.title(f"demo finished in {fmt_seconds(ui.elapsed())}")
    for key, status, note in ctx.outcomes:
        colour = {"done": "green", "skipped": "yellow", "failed": "red"}[status]
        suffix = f": {note}" if note else ""
        ui.console.print(f"  [{colour}]{status:>7}[/] {key}{suffix}", markup=True, highlight=False)
    ws = ctx.values.get("workspace")
    if ws is not None:
        ui.console.print(f"\n  Files in {ws.root}:")
        for path in (ws.config_path, ws.db, ws.candidate_report(NEW_ALIAS), ws.report, ws.plan):
            mark = "✓" if path.exists() else "-"
            ui.console.print(f"    {mark} {path.name}")
    first = ctx.values.get("first_report")
    if first is not None and ws is not None:
        ui.console.print()
        files = Files(ws.report, ws.candidate_report(NEW_ALIAS), ws.plan, ws.root)
        second = Second(
            SECOND_LABEL, choice.SECOND, ctx.values.get("rollouts", {}).get(choice.SECOND)
        )
        final = ctx.values.get("report_data")
        for line in story(first, SWAP, files, final, second):
            ui.console.print(f"  {line}", markup=False, highlight=False)
