"""The controller under a fake clock: full rollout, automatic rollback, pauses, restarts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from tests.rollout.rollout_helpers import actions, gate_check, healthy, make_config, traces

from swapsafe.exceptions import StoreError
from swapsafe.rollout.controller import Controller
from swapsafe.rollout.operations import Rollouts
from swapsafe.store import SqlStore, open_store
from swapsafe.testing.clock import FakeClock

HOUR = 3600.0


#: the gate check every rollout here starts with (the gates= seam; gates are tested apart)
PASSING = gate_check(ok=True)


async def test_full_rollout_1_to_100_percent(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    cfg = make_config(tmp_path, store_url, interval="4h")
    clock = FakeClock()
    ro = Rollouts(cfg, store, clock=clock, gates=PASSING)
    ro.start("support", actor="cli:test")
    assert store.get_routing_states()["support"].weight == 1.0
    controller = Controller(cfg, store, clock=clock, gates=PASSING)
    seen_weights = []
    for _ in range(40):
        if ro.get("support").status == "done":
            break
        healthy(store, clock.now(), n=25)
        clock.advance(4 * HOUR)
        await controller.tick()
        seen_weights.append(store.get_routing_states()["support"].weight)
    record = ro.get("support")
    assert record.status == "done"
    routing = store.get_routing_states()["support"]
    assert (routing.mode, routing.weight) == ("promoted", 100.0)
    assert sorted(set(seen_weights)) == [1.0, 10.0, 50.0, 100.0]
    steps = actions(store, "rollout.step")
    assert [s["weight"] for s in steps] == [1.0, 10.0, 50.0, 100.0]
    assert all(s["analysis"] == "pass" for s in steps)
    assert steps[0]["held_seconds"] >= 48 * HOUR
    assert steps[1]["held_seconds"] >= 24 * HOUR
    assert steps[0]["numbers"]["canary"]["requests"] >= 20
    assert record.promoted_at is not None
    # every routing change went through the routing service as the controller
    sets = [e for e in store.list_audit("support", 1000) if e.action == "routing.set"]
    assert [e.actor for e in sets].count("controller") == 3


async def test_error_spike_rolls_back_within_one_interval(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    cfg = make_config(tmp_path, store_url)  # interval 5 min
    clock = FakeClock()
    ro = Rollouts(cfg, store, clock=clock, gates=PASSING)
    ro.start("support", actor="cli:test")
    controller = Controller(cfg, store, clock=clock, gates=PASSING)
    healthy(store, clock.now())
    clock.advance(300)
    assert await controller.tick() == []
    assert ro.get("support").status == "running"
    # the spike: a third of the canary's requests fail, starting now
    traces(store, model="new", at=clock.now(), n=30, errors=10)
    clock.advance(300)
    events = await controller.tick()
    assert [e["event"] for e in events] == ["rollout.rollback"]
    routing = store.get_routing_states()["support"]
    assert (routing.mode, routing.weight) == ("rolled_back", 0.0)
    assert ro.get("support").status == "rolled_back"
    rollback = actions(store, "rollout.rollback")[-1]
    assert rollback["automatic"] is True
    canary = rollback["numbers"]["canary"]
    assert canary["errors"] >= 10 and canary["error_rate"] > 0.05
    assert "error rate" in ro.get("support").pause_reason


async def test_inconclusive_hold_pauses_and_never_promotes(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    cfg = make_config(tmp_path, store_url)
    clock = FakeClock()
    ro = Rollouts(cfg, store, clock=clock, gates=PASSING)
    ro.start("support", actor="cli:test")
    controller = Controller(cfg, store, clock=clock, gates=PASSING)
    traces(store, model="new", at=clock.now(), n=5)  # far below min_samples = 20
    traces(store, model="old", at=clock.now(), n=500)
    clock.advance(48 * HOUR + 60)
    events = await controller.tick()
    assert [e["event"] for e in events] == ["rollout.pause"]
    record = ro.get("support")
    assert record.status == "paused"
    assert "inconclusive" in (record.pause_reason or "")
    assert "5 requests, needs 20" in (record.pause_reason or "")
    assert store.get_routing_states()["support"].weight == 1.0
    assert actions(store, "rollout.step") == []
    # resumed without more data: paused again, still not promoted
    ro.resume("support", actor="cli:test")
    clock.advance(300)
    await controller.tick()
    assert ro.get("support").status == "paused"
    # with enough data it advances after a resume
    healthy(store, clock.now() - timedelta(hours=1))
    ro.resume("support", actor="cli:test")
    clock.advance(300)
    await controller.tick()
    assert ro.get("support").weight == 10.0
    assert store.get_routing_states()["support"].weight == 10.0


async def test_restarted_controller_continues_the_hold(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url, interval="1h")
    clock = FakeClock()
    first_store = open_store(store_url)
    Rollouts(cfg, first_store, clock=clock, gates=PASSING).start("support", actor="cli:test")
    started = Rollouts(cfg, first_store, clock=clock, gates=PASSING).get("support").step_started_at
    first = Controller(cfg, first_store, clock=clock, gates=PASSING)
    clock.advance(10 * HOUR)
    await first.tick()
    first.stop_now()
    first_store.close()  # the controller process dies mid-hold

    clock.advance(20 * HOUR)
    store = open_store(store_url)
    try:
        second = Controller(cfg, store, clock=clock, gates=PASSING)
        await second.tick()
        record = second.rollouts.get("support")
        assert record.step_started_at == started
        assert (record.status, record.weight) == ("running", 1.0)
        healthy(store, clock.now())
        clock.advance(18 * HOUR + 60)  # 48 h after the original start, not after the restart
        await second.tick()
        record = second.rollouts.get("support")
        assert record.weight == 10.0
        step = actions(store, "rollout.step")[0]
        assert 48 * HOUR <= step["held_seconds"] < 49 * HOUR
    finally:
        store.close()


async def test_repeated_analysis_failures_pause(
    tmp_path: Path, store_url: str, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = make_config(tmp_path, store_url)
    clock = FakeClock()
    controller = Controller(cfg, store, clock=clock, gates=PASSING)
    controller.rollouts.start("support", actor="cli:test")

    def broken(*a: object, **k: object) -> None:
        raise StoreError("cannot read store: connection refused")

    monkeypatch.setattr(controller.rollouts.db, "cohort_stats", broken)
    for expected in (1, 2):
        clock.advance(300)
        await controller.tick()
        record = controller.rollouts.get("support")
        assert (record.status, record.analysis_failures) == ("running", expected)
    clock.advance(48 * HOUR)  # even past the hold: failures never promote
    await controller.tick()
    record = controller.rollouts.get("support")
    assert record.status == "paused"
    assert "failed 3 times in a row" in (record.pause_reason or "")
    assert store.get_routing_states()["support"].weight == 1.0


async def test_routing_changed_outside_pauses_and_outside_rollback_ends(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    cfg = make_config(tmp_path, store_url)
    clock = FakeClock()
    controller = Controller(cfg, store, clock=clock, gates=PASSING)
    ro = controller.rollouts
    ro.start("support", actor="cli:test")
    ro.routing.set("support", mode="canary", weight=5, actor="cli:bob", reason="testing")
    await controller.tick()
    assert ro.get("support").status == "paused"
    assert "outside the controller" in (ro.get("support").pause_reason or "")
    ro.routing.rollback("support", actor="cli:bob", reason="incident")
    await controller.tick()
    assert ro.get("support").status == "rolled_back"
    assert "cli:bob" in (ro.get("support").pause_reason or "")


async def test_twice_the_baseline_error_rate_rolls_back_within_bounded_looks(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    """4.1% canary vs 2.0% baseline errors, under the 5% absolute trigger: the sequential
    comparison breaches within 6 looks, rolls back, and the audit says why in words."""
    cfg = make_config(tmp_path, store_url)  # interval 5 min, error_rate_above 5%
    clock = FakeClock()
    controller = Controller(cfg, store, clock=clock, gates=PASSING)
    ro = controller.rollouts
    ro.start("support", actor="cli:test")
    looks = 0
    while ro.get("support").status == "running" and looks < 6:
        traces(store, model="new", at=clock.now(), n=1000, errors=41)
        traces(store, model="old", at=clock.now(), n=2000, errors=40)
        clock.advance(300)
        looks += 1
        await controller.tick()
    record = ro.get("support")
    assert record.status == "rolled_back", record.last_analysis
    assert store.get_routing_states()["support"].mode == "rolled_back"
    rollback = actions(store, "rollout.rollback")[-1]
    checks = {c["name"]: c for c in rollback["numbers"]["checks"]}
    assert checks["error_rate"]["status"] == "pass"  # the absolute trigger never fired
    seq = checks["error_rate_vs_baseline"]
    assert (seq["status"], seq["sequential"]["look"]) == ("breach", looks)
    why = (
        "canary error rate 4.1% vs baseline 2.0%, difference ≥ 1 pt with 95% always-valid "
        "confidence"
    )
    assert why in (record.pause_reason or "")
    audit = [e for e in store.list_audit("support", 100) if e.action == "rollout.rollback"]
    assert why in audit[0].reason
