"""Pure parts: cohort analysis against triggers, and the rollout state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from swapsafe.config import RolloutStep, TriggerConfig
from swapsafe.rollout import state as sm
from swapsafe.rollout.analysis import Analysis, CohortMetrics, analyse
from swapsafe.store.records_rollout import CohortRaw

T0 = datetime(2025, 1, 1, tzinfo=UTC)
HOUR = 3600.0
STEPS = [
    RolloutStep(weight=1, hold=48 * HOUR),
    RolloutStep(weight=10, hold=24 * HOUR),
    RolloutStep(weight=100, hold=0),
]
TRIGGERS = TriggerConfig(
    error_rate_above=0.05, p95_above=2.0, online_score_drop=0.1, min_samples=20
)


def cohort(
    model: str, n: int, errors: int = 0, p95: float = 500.0, fb_n: int = 0, fb: float | None = None
) -> CohortMetrics:
    raw = CohortRaw(
        total=n,
        errors=errors,
        ok=n - errors,
        p95_ms=p95 if n else None,
        cost_sum=0.002 * n,
        cost_n=n,
        feedback_n=fb_n,
        feedback_mean=fb,
    )
    return CohortMetrics.from_raw(model, raw, agreement=(n // 2, n))


def judge(canary: CohortMetrics, baseline: CohortMetrics | None = None) -> Analysis:
    return analyse(canary, baseline or cohort("old", 1000), TRIGGERS, since=T0, until=T0)


def test_analysis_outcomes() -> None:
    assert judge(cohort("new", 100)).outcome == "pass"
    breach = judge(cohort("new", 100, errors=6))
    assert breach.outcome == "breach" and "6.00% above 5.00%" in breach.summary
    assert judge(cohort("new", 100, p95=2500)).outcome == "breach"
    few = judge(cohort("new", 19))
    assert few.outcome == "insufficient" and "needs 20" in few.summary
    # feedback: judged only with enough on both sides, never blocking when absent
    assert (
        judge(cohort("new", 100, fb_n=5, fb=0.1), cohort("old", 100, fb_n=50, fb=0.9)).outcome
        == "pass"
    )
    drop = judge(cohort("new", 100, fb_n=30, fb=0.6), cohort("old", 100, fb_n=30, fb=0.8))
    assert drop.outcome == "breach" and "online score" in drop.summary
    numbers = judge(cohort("new", 100)).numbers()
    assert numbers["canary"]["cost_per_request"] == pytest.approx(0.002)
    assert numbers["canary"]["agreement"] == 0.5


def test_analysis_without_a_p95_trigger_or_baseline() -> None:
    triggers = TriggerConfig(min_samples=0)
    a = analyse(cohort("new", 1), None, triggers, since=T0, until=T0)
    assert a.outcome == "pass"
    assert analyse(cohort("new", 0), None, triggers, since=T0, until=T0).outcome == ("insufficient")


def start() -> sm.RolloutRecord:
    return sm.new_rollout("w", STEPS, T0)


def test_hold_then_advance_then_final_step_completes_at_once() -> None:
    r = start()
    ok = judge(cohort("new", 100))
    mid = sm.on_analysis(r, T0 + timedelta(hours=47), hold=ok, recent=ok)
    assert mid.action == "none" and mid.state.step_index == 0
    d = sm.on_analysis(r, T0 + timedelta(hours=48), hold=ok, recent=ok)
    assert d.action == "advance" and d.target == ("canary", 10.0)
    assert d.steps_done[0]["held_seconds"] == 48 * HOUR
    r2 = d.state
    assert r2.step_started_at == T0 + timedelta(hours=48)
    d2 = sm.on_analysis(r2, r2.step_started_at + timedelta(hours=24), hold=ok)
    assert d2.target == ("promoted", 100.0)
    assert d2.state.status == "done" and d2.state.promoted_at is not None
    assert [s["weight"] for s in d2.steps_done] == [10.0, 100.0]


def test_breach_insufficient_and_failures() -> None:
    r = start()
    bad = judge(cohort("new", 100, errors=50))
    d = sm.on_analysis(r, T0 + timedelta(hours=1), recent=bad, hold=judge(cohort("new", 100)))
    assert d.action == "rollback" and d.target == ("rolled_back", 0.0)
    few = judge(cohort("new", 3))
    d = sm.on_analysis(r, T0 + timedelta(hours=48), hold=few, recent=few)
    assert d.action == "pause" and "inconclusive" in d.reason
    state = r
    for i in range(3):
        d = sm.on_analysis(state, T0 + timedelta(hours=i), error="db down")
        state = d.state
    assert d.action == "pause" and state.status == "paused"
    # paused rollouts still roll back on a breach, but never advance
    assert sm.on_analysis(state, T0 + timedelta(hours=50), recent=bad).action == "rollback"
    ok = judge(cohort("new", 100))
    assert sm.on_analysis(state, T0 + timedelta(hours=50), hold=ok).action == "none"


def test_manual_transitions_and_retention() -> None:
    r = start()
    with pytest.raises(sm.RolloutError):
        sm.resume(r, T0)
    paused = sm.pause(r, T0, "")
    assert paused.pause_reason == "paused by hand"
    assert sm.resume(paused, T0).step_started_at == r.step_started_at
    with pytest.raises(sm.RolloutError, match="already running"):
        sm.new_rollout("w", STEPS, T0, r)
    assert sm.abort(r, T0, "x").status == "aborted"
    done = sm.advance(sm.advance(r, T0, "pass", {}).state, T0, "pass", {}).state
    assert done.status == "done"
    with pytest.raises(sm.RolloutError, match="2025-01-31"):
        sm.retire(done, T0 + timedelta(days=29), 30 * 86400, "w")
    assert sm.retire(done, T0 + timedelta(days=30), 30 * 86400, "w").retired_at is not None
    assert sm.health_check_due(done, T0, 30 * 86400, None)
    assert not sm.health_check_due(done, T0 + timedelta(hours=5), 30 * 86400, T0)
    assert sm.hold_left(r, T0 + timedelta(hours=40)) == 8 * HOUR
