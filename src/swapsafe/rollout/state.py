"""The rollout state machine (pure: a record and the time in, the next record out).

::

    start ──> running ──(hold done, analysis pass)──> running (next step) ... ──> done
                │  ▲                                                            │
          pause │  │ resume                                                     │
                ▼  │                                                            │
               paused   (hold done but not enough data; 3 analysis failures)    │
                                                                                │
    running / paused / done ──(trigger breached, or manual rollback)──> rolled_back
    running / paused ──(abort)──> aborted

A step's hold is measured from ``step_started_at``, which is stored: a restarted controller
continues the hold it found, it does not restart it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from swapsafe.config import RolloutStep
from swapsafe.exceptions import SwapsafeError
from swapsafe.rollout.analysis import Analysis
from swapsafe.store.records_rollout import RolloutRecord

MAX_ANALYSIS_FAILURES = 3
Action = Literal["none", "advance", "complete", "pause", "rollback"]


class RolloutError(SwapsafeError):
    """A rollout action that is refused in the rollout's current state."""


@dataclass(frozen=True)
class Decision:
    """What the controller must do: ``state`` to store, routing to apply, audit to write."""

    action: Action
    state: RolloutRecord
    reason: str = ""
    steps_done: list[dict[str, Any]] = field(default_factory=list)

    @property
    def target(self) -> tuple[str, float] | None:
        """The routing (mode, weight) this decision needs, or None to leave routing alone."""
        if self.action == "rollback":
            return ("rolled_back", 0.0)
        if self.action == "advance":
            return routing_for(self.state.weight)
        return None


def routing_for(weight: float) -> tuple[str, float]:
    return ("promoted", 100.0) if weight >= 100 else ("canary", weight)


def steps_snapshot(steps: list[RolloutStep]) -> list[dict[str, float]]:
    return [{"weight": float(s.weight), "hold": float(s.hold)} for s in steps]


def new_rollout(
    workload: str, steps: list[RolloutStep], now: datetime, previous: RolloutRecord | None = None
) -> RolloutRecord:
    """A running rollout at its first step (refused while another one is active)."""
    if previous is not None and previous.active:
        raise RolloutError(
            f"a rollout of {workload} is already {previous.status} at {previous.weight:g}%; "
            "use `swapsafe rollout status`, or abort it first"
        )
    if previous is not None and previous.status == "done" and previous.retired_at is None:
        raise RolloutError(
            f"{workload} was already promoted ({previous.weight:g}%); nothing to start"
        )
    record = RolloutRecord(
        workload=workload,
        status="running",
        step_index=0,
        steps=steps_snapshot(steps),
        step_started_at=now,
        started_at=now,
        updated_at=now,
        version=0 if previous is None else previous.version,
    )
    return _finish_if_final(record, now, "pass", {})[0]


def hold_ends_at(state: RolloutRecord) -> datetime:
    return state.step_started_at + timedelta(seconds=state.hold)


def hold_left(state: RolloutRecord, now: datetime) -> float:
    """Seconds left in the current hold (0 when it is complete)."""
    return max((hold_ends_at(state) - now).total_seconds(), 0.0)


def _finish_if_final(
    state: RolloutRecord, now: datetime, label: str, numbers: dict[str, Any]
) -> tuple[RolloutRecord, list[dict[str, Any]]]:
    """A last step without a hold is complete as soon as it is entered."""
    last = state.step_index == len(state.steps) - 1
    if not (last and state.hold <= 0):
        return state, []
    done = replace(state, status="done", promoted_at=now if state.weight >= 100 else None)
    payload = {"weight": state.weight, "held_seconds": 0.0, "analysis": label, "numbers": numbers}
    return done, [payload]


def advance(
    state: RolloutRecord, now: datetime, label: str, numbers: dict[str, Any], reason: str = ""
) -> Decision:
    """Complete the current step (``label``: "pass" or "forced") and enter the next one."""
    if state.status not in ("running", "paused"):
        raise RolloutError(f"the rollout of {state.workload} is {state.status}; cannot promote")
    held = round((now - state.step_started_at).total_seconds(), 3)
    done_step = {
        "weight": state.weight,
        "held_seconds": held,
        "analysis": label,
        "numbers": numbers,
    }
    base = replace(state, updated_at=now, pause_reason=None, analysis_failures=0)
    if state.step_index + 1 >= len(state.steps):
        final = replace(base, status="done", promoted_at=now if state.weight >= 100 else None)
        return Decision(
            "complete", final, reason or f"{state.weight:g}% held; rollout done", [done_step]
        )
    nxt = replace(base, status="running", step_index=state.step_index + 1, step_started_at=now)
    nxt, extra = _finish_if_final(nxt, now, label, numbers)
    return Decision(
        "advance",
        nxt,
        reason or f"{state.weight:g}% held {held / 3600:.1f} h; now {nxt.weight:g}%",
        [done_step, *extra],
    )


def on_analysis(
    state: RolloutRecord,
    now: datetime,
    *,
    hold: Analysis | None = None,
    recent: Analysis | None = None,
    error: str | None = None,
    max_failures: int = MAX_ANALYSIS_FAILURES,
) -> Decision:
    """The decision after one analysis pass (or a failure to run it)."""
    if state.status not in ("running", "paused", "done"):
        return Decision("none", state)
    if error is not None:
        failures = state.analysis_failures + 1
        st = replace(
            state,
            analysis_failures=failures,
            last_analysis_at=now,
            updated_at=now,
            last_analysis={"error": error},
        )
        if state.status == "running" and failures >= max_failures:
            why = f"analysis failed {failures} times in a row (last: {error}); not promoting"
            return Decision("pause", replace(st, status="paused", pause_reason=why), why)
        return Decision("none", st, f"analysis failed: {error}")
    shown = hold or recent
    summary = (
        None
        if shown is None
        else {"outcome": shown.outcome, "summary": shown.summary, **shown.numbers()}
    )
    st = replace(
        state, analysis_failures=0, last_analysis_at=now, updated_at=now, last_analysis=summary
    )
    for a in (recent, hold):
        if a is not None and a.outcome == "breach":
            why = f"rollback trigger breached ({a.label} window): {a.summary}"
            return Decision("rollback", replace(st, status="rolled_back", pause_reason=why), why)
    if state.status != "running" or now < hold_ends_at(state):
        return Decision("none", st)
    if hold is not None and hold.outcome == "pass":
        return advance(st, now, "pass", hold.numbers())
    detail = "no analysis ran" if hold is None else hold.summary
    why = f"hold of {state.weight:g}% is complete but the analysis is inconclusive: {detail}"
    return Decision("pause", replace(st, status="paused", pause_reason=why), why)


def pause(state: RolloutRecord, now: datetime, reason: str) -> RolloutRecord:
    if state.status != "running":
        raise RolloutError(f"the rollout of {state.workload} is {state.status}, not running")
    return replace(state, status="paused", pause_reason=reason or "paused by hand", updated_at=now)


def resume(state: RolloutRecord, now: datetime) -> RolloutRecord:
    """Running again; the hold continues from the stored step start."""
    if state.status != "paused":
        raise RolloutError(f"the rollout of {state.workload} is {state.status}, not paused")
    return replace(state, status="running", pause_reason=None, analysis_failures=0, updated_at=now)


def abort(state: RolloutRecord, now: datetime, reason: str) -> RolloutRecord:
    if not state.active:
        raise RolloutError(f"the rollout of {state.workload} is {state.status}; nothing to abort")
    return replace(state, status="aborted", pause_reason=reason or "aborted", updated_at=now)


def rolled_back(state: RolloutRecord, now: datetime, reason: str) -> RolloutRecord:
    return replace(state, status="rolled_back", pause_reason=reason, updated_at=now)


def retain_until(state: RolloutRecord, retain_for: float) -> datetime | None:
    """When the old model may be retired (None before promotion to 100%)."""
    if state.promoted_at is None:
        return None
    return state.promoted_at + timedelta(seconds=retain_for)


def retire(
    state: RolloutRecord | None, now: datetime, retain_for: float, workload: str
) -> RolloutRecord:
    if state is None or state.status != "done" or state.promoted_at is None:
        raise RolloutError(
            f"{workload} has not been promoted to 100%; the old model is still needed"
        )
    if state.retired_at is not None:
        raise RolloutError(
            f"the old model of {workload} was already retired on "
            f"{state.retired_at.date().isoformat()}"
        )
    until = retain_until(state, retain_for)
    assert until is not None
    if now < until:
        raise RolloutError(
            f"the old model of {workload} must stay deployable until "
            f"{until.strftime('%Y-%m-%d %H:%M UTC')}; retire is allowed from then on"
        )
    return replace(state, retired_at=now, updated_at=now)


def health_check_due(
    state: RolloutRecord,
    now: datetime,
    retain_for: float,
    last_check: datetime | None,
    every: float = 86400.0,
) -> bool:
    """Daily while the retention window is open (after promotion, before retirement)."""
    until = retain_until(state, retain_for)
    if state.status != "done" or until is None or state.retired_at is not None or now >= until:
        return False
    return last_check is None or (now - last_check).total_seconds() >= every
