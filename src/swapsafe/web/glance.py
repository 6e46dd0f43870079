"""The migration at a glance (the overview's headline): per workload the decision with the
gates that block it, the rollout step and hold left, and the one next action; per migration
the phase and the plan's progress.

Nothing is judged here: the decision is :func:`swapsafe.gates.evaluate_gates`, the plan's
progress :class:`swapsafe.plan.service.PlanService`, the rollout state
:meth:`swapsafe.rollout.operations.Rollouts.status`. This module only picks what to show and
which single step comes next (:func:`next_action`, pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from swapsafe.config import Config
from swapsafe.gates.checks import GateReport
from swapsafe.plan.service import PlanService
from swapsafe.plan.status import PlanView
from swapsafe.rollout.heartbeat import START_HINT
from swapsafe.rollout.operations import Rollouts
from swapsafe.store.protocol import Store
from swapsafe.web.refresh import Computed

#: the command that produces the missing evidence of each gate
GATE_FIX = {
    "golden_pass_rate": "swapsafe eval run --workload {w}",
    "redteam": "swapsafe redteam run --workload {w}",
    "review": "swapsafe review sample --workload {w}",
    "p95_latency": 'swapsafe route set {w} --mode shadow --reason "collect shadow traffic"',
    "cost": 'swapsafe route set {w} --mode shadow --reason "collect shadow traffic"',
    "error_rate": 'swapsafe route set {w} --mode shadow --reason "collect shadow traffic"',
}
GATE_LABEL = {
    "golden_pass_rate": "golden pass rate",
    "p95_latency": "p95 latency",
    "cost": "cost",
    "error_rate": "error rate",
    "redteam": "red-team",
    "review": "human review",
}


@dataclass(frozen=True)
class Action:
    """The one next step: a button (``post`` to a form action) or a command to copy."""

    text: str
    command: str | None = None
    post: str | None = None  # form action of a button (admin only)
    href: str | None = None


@dataclass(frozen=True)
class Blocker:
    gate: str
    label: str
    status: str  # "fail" or "inconclusive"
    detail: str


@dataclass(frozen=True)
class WorkloadGlance:
    name: str
    decision: str  # GO / NO-GO / NOT YET
    blockers: list[Blocker]
    rollout: dict[str, Any]
    action: Action
    hold_percent: int
    gates_at: datetime


def blockers(report: GateReport) -> list[Blocker]:
    """The gates that do not pass, failures first (they decide NO-GO)."""
    found = [
        Blocker(r.name, GATE_LABEL.get(r.name, r.name), r.status, r.detail)
        for r in report.results
        if r.status != "pass"
    ]
    return sorted(found, key=lambda b: b.status != "fail")


def _rollout_action(name: str, s: dict[str, Any]) -> Action | None:
    status = s["status"]
    if status == "paused":
        return Action(f"Resume the rollout: {s.get('pause_reason') or 'paused'}", post="resume")
    if status == "running":
        if s["controller"]["state"] != "running":
            return Action(f"Start the rollout controller: {START_HINT}", command="swapsafe serve")
        return Action("Wait: the controller promotes when the hold passes", href="/rollout")
    if status == "done":
        until = (s.get("retain_until") or "")[:10]
        return Action(
            f"Keep the old model deployable until {until}; then retire it",
            command=f"swapsafe retire {name}",
        )
    if status in ("rolled_back", "aborted"):
        return Action(
            f"Rollout {s['status_words']}: read why on the rollout page, fix, start again",
            href=f"/rollout?workload={name}",
        )
    return None


def next_action(name: str, candidate: str | None, report: GateReport, s: dict[str, Any]) -> Action:
    """The single next step for a workload, from its gates and its rollout state."""
    if candidate is None:
        return Action(
            "Choose the new model",
            command=f'candidate = "MODEL"  # under [workloads.{name}] in swapsafe.toml',
        )
    during = _rollout_action(name, s)
    if during is not None:
        return during
    if report.decision == "GO":
        return Action("All gates pass: start the canary", post="start")
    first = blockers(report)[0]
    fix = GATE_FIX.get(first.gate, "swapsafe report --workload {w}").format(w=name)
    return Action(f"{first.label}: {first.detail}", command=fix)


def _hold_percent(s: dict[str, Any]) -> int:
    hold = float(s.get("hold_seconds") or 0.0)
    if s["status"] not in ("running", "paused") or hold <= 0:
        return 100 if s["status"] == "done" else 0
    return int(100 * (1 - float(s["hold_left_seconds"]) / hold))


def workload_glance(
    config: Config, rollouts: Rollouts, name: str, gates: Computed[GateReport]
) -> WorkloadGlance:
    """``gates``: :func:`swapsafe.gates.evaluate_gates` of the workload, as of ``gates.at``."""
    wl = config.workloads[name]
    report = gates.value
    status = rollouts.status(name)
    return WorkloadGlance(
        name=name,
        decision=report.decision,
        blockers=blockers(report),
        rollout=status,
        action=next_action(name, wl.candidate, report, status),
        hold_percent=_hold_percent(status),
        gates_at=gates.at,
    )


@dataclass(frozen=True)
class MigrationGlance:
    view: PlanView
    done: int
    total: int
    phase: str  # the phase of the first item not done ("complete" when none)
    next_item: str | None


def migrations(config: Config, store: Store) -> list[MigrationGlance]:
    service = PlanService(store, config)
    out = []
    for plan in service.plans():
        view = service.view(plan, record=False)
        done, total = view.progress()
        todo = [s for s in view.items if not s.done]
        out.append(
            MigrationGlance(
                view=view,
                done=done,
                total=total,
                phase=todo[0].item.phase.title if todo else "complete",
                next_item=f"{todo[0].item.number}. {todo[0].item.title}" if todo else None,
            )
        )
    return out
