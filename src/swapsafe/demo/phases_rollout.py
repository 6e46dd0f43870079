"""Canary + promotion under the compressed clock, and the rollback rehearsal.

The canary is the real rollout controller (``swapsafe.rollout.controller.Controller``) on the
demo's :class:`~swapsafe.demo.clock.CompressedClock`: each step gets real requests through the
gateway, then the clock skips the rest of the hold and the controller analyses the step's
traces against the workload's rollback triggers and advances, pauses or rolls back.

A 1% cohort of a few dozen random users is usually empty, so the demo's application users for
each step are picked by their sticky bucket: a few inside the canary cohort, a few outside. The
gateway still routes every one of them by its own hash; only the choice of users is the demo's.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from swapsafe.demo import replay as replay_mod
from swapsafe.demo import workspace
from swapsafe.demo.clock import CompressedClock, gateway_on_clock
from swapsafe.demo.context import DemoContext
from swapsafe.demo.phases_choice import open_gates
from swapsafe.exceptions import GateError
from swapsafe.gateway.router import bucket
from swapsafe.rollout import state as sm
from swapsafe.rollout.controller import Controller
from swapsafe.rollout.rehearsal import rehearse

ACTOR = "swapsafe demo"


def users_for(workload: str, weight: float, inside: bool, n: int, rng: random.Random) -> list[str]:
    """``n`` user ids whose sticky bucket is inside (or outside) the ``weight`` % cohort."""
    users: list[str] = []
    while len(users) < n:
        user = f"cust-{rng.randrange(10_000, 99_999)}"
        if (bucket(workload, user) < weight * 100) == inside and user not in users:
            users.append(user)
    return users


def step_requests(
    ctx: DemoContext, workload: str, weight: float, per_cohort: int, rng: random.Random
) -> list[dict[str, Any]]:
    config = ctx.get("config")
    alias = config.workloads[workload].aliases[0]
    pool = [
        r
        for r in replay_mod.load_traffic(workspace.data_dir() / "traffic.jsonl")
        if r["model"] == alias
    ]
    users = users_for(workload, weight, True, per_cohort, rng)
    if weight < 100:
        users += users_for(workload, weight, False, per_cohort, rng)
    out = []
    for i, user in enumerate(users):
        body = dict(pool[i % len(pool)], user=user, stream=False)
        out.append(replay_mod.prepare(body, ctx.get("system_prompts"), ctx.profile.max_tokens))
    return out


def canary(ctx: DemoContext) -> None:
    ui, config, store, gateway = ctx.ui, ctx.get("config"), ctx.get("store"), ctx.get("gateway")
    steps = config.rollout.steps
    names = [n for n in config.workloads if n in ctx.values.get("canary", ())]
    if not names:
        ui.step("no workload's gates allow a rollout: nothing to canary")
        return
    span = sum(s.hold for s in steps) * len(names)
    clock = CompressedClock.ending_now(span)
    controller = Controller(config, store, clock=clock)
    rng = random.Random(20)
    plan = ", ".join(f"{s.weight:g}% for {s.hold / 3600:g} h" for s in steps)
    ui.step(f"schedule from swapsafe.toml: {plan}; the clock skips each hold")
    for n in config.workloads:
        if n not in names:
            ui.info(f"{n}: stays on {config.workloads[n].baseline} (its candidate was refused)")
    with gateway_on_clock(clock, gateway.runtime.gateway):
        for name in names:
            # shadow calls end with the canary: the cohorts are now compared on live traffic
            if not _start(ctx, controller, name):
                continue
            gateway.reload_routing()
            _run_steps(ctx, controller, clock, name, rng)
            final = controller.rollouts.get(name)
            ui.step(f"{name}: rollout {final.status} at {final.weight:g}%")
            ctx.values.setdefault("rollouts", {})[name] = final.status
        asyncio.run(controller.tick())  # retention: the old model's first health check
    controller.stop_now()


def _start(ctx: DemoContext, controller: Controller, name: str) -> bool:
    """Start the rollout; when the gates say NOT YET (evidence a demo cannot gather in minutes,
    such as enough red-team probes), start it with force and a reason the audit log records.
    A NO-GO is never forced: False, and the workload stays on the old model."""
    ui = ctx.ui
    # shadow calls end with the canary: the cohorts are now compared on live traffic
    controller.rollouts.routing.set(
        name, mode="baseline", shadow=False, actor=ACTOR, reason="demo: canary next"
    )
    try:
        controller.rollouts.start(name, actor=ACTOR)
        ui.step(f"{name}: pre-cutover gates pass (GO); rollout started")
    except GateError:
        summary = open_gates(ctx, name)
        if summary.startswith("NO-GO"):
            ui.step(f"{name}: rollout refused by the pre-cutover gates ({summary})")
            return False
        ui.warn(f"{name}: the pre-cutover gates do not all pass yet ({summary})")
        controller.rollouts.start(
            name,
            actor=ACTOR,
            force=True,
            reason=f"demo: gates say {summary}; rollout forced to show the canary under a "
            "compressed clock",
        )
        ui.info(f"{name}: started with force (recorded in the audit log)")
    return True


def _run_steps(
    ctx: DemoContext,
    controller: Controller,
    clock: CompressedClock,
    name: str,
    rng: random.Random,
) -> None:
    """Each step: live requests through the gateway, skip the hold, let the controller decide."""
    ui, gateway = ctx.ui, ctx.get("gateway")
    per_cohort = ctx.get("config").workloads[name].triggers.min_samples + 1
    while True:
        record = controller.rollouts.get(name)
        if record.status != "running":
            return
        weight = record.weight
        requests = step_requests(ctx, name, weight, per_cohort, rng) if weight < 100 else []
        if requests:
            with ui.progress(f"{name} at {weight:g}%: live traffic", len(requests)) as advance:
                result = asyncio.run(
                    replay_mod.replay(f"{gateway.url}/v1", requests, concurrency=2, on_done=advance)
                )
            gateway.settle()
            ui.info(f"{name} at {weight:g}%: {result.ok}/{result.sent} answered")
        clock.skip(sm.hold_left(record, clock.now()) + 1.0)
        events = asyncio.run(controller.tick())
        gateway.reload_routing()
        for event in events:
            if event.get("workload") == name:
                ui.step(f"{name}: {event['event']}: {event['reason']}")
        after = controller.rollouts.get(name)
        if after.version == record.version and after.status == "running":
            ui.warn(f"{name}: the controller made no decision; stopping here")
            return


def rehearsal(ctx: DemoContext) -> None:
    ui, config, store, gateway = ctx.ui, ctx.get("config"), ctx.get("store"), ctx.get("gateway")
    for name in config.workloads:
        result = asyncio.run(rehearse(config, store, name, [gateway.url], limit=15.0))
        if result.ok:
            ui.step(f"{name}: {result.message}")
        else:
            ui.warn(f"{name}: rehearsal failed: {result.message}")
        gateway.reload_routing()
