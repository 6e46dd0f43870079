"""What every status view reads: the controller's heartbeat, the status in words right after a
rollback or a promotion, and the chart series that equal the cohort aggregates."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tests.rollout.rollout_helpers import gate_check, healthy, make_config, traces, write_config
from typer.testing import CliRunner

from swapsafe.cli.common import CliContext
from swapsafe.cli.rollout_cmd import rollout_app
from swapsafe.rollout.controller import Controller
from swapsafe.rollout.heartbeat import controller_seen
from swapsafe.rollout.operations import Rollouts
from swapsafe.serve import app_from_env
from swapsafe.store import SqlStore, open_store
from swapsafe.testing import FakeClock

#: the gate check the rollouts here start with (the gates= seam; the real gates are tested apart)
PASSING = gate_check(ok=True)


async def test_the_controller_beats_and_status_says_when_it_looks_next(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    cfg = make_config(tmp_path, store_url)  # interval 5 min
    clock = FakeClock()
    ro = Rollouts(cfg, store, clock=clock)
    assert controller_seen(store, clock.now()).state == "never"
    assert "nothing watches the canary" in ro.status("support")["controller"]["words"]
    await Controller(cfg, store, clock=clock).tick()
    seen = ro.status("support")["controller"]
    assert seen["state"] == "running"
    assert seen["next_analysis_at"] == (clock.now() + timedelta(minutes=5)).isoformat()
    assert "next analysis in 5 min" in seen["words"]
    clock.advance(timedelta(minutes=10))  # it missed its next pass by more than the grace
    assert controller_seen(store, clock.now()).state == "late"
    assert "not seen since" in ro.status("support")["controller"]["words"]


def test_status_right_after_rollback_and_promote(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    cfg = make_config(tmp_path, store_url)
    clock = FakeClock()
    ro = Rollouts(cfg, store, clock=clock, gates=PASSING)
    record = ro.start("support", actor="cli:test")
    # an analysis of step 1 is on record; a promotion starts a new window without it
    last = {"window": {"since": record.step_started_at.isoformat()}, "outcome": "pass"}
    store.save_rollout(replace(record, last_analysis=last), expected_version=record.version)
    assert ro.status("support")["last_analysis"] == last
    clock.advance(60)
    ro.promote("support", actor="cli:test", force=True, reason="test")
    s = ro.status("support")
    assert s["step"] == 2 and s["last_analysis"] is None
    assert s["routing_words"] == "canary 10 % to the candidate"
    # routing rolled back behind the controller's back: the status says so at once
    ro.routing.rollback("support", actor="cli:x", reason="by hand")
    s = ro.status("support")
    assert (s["status"], s["status_words"]) == ("rolled_back", "rolled back")
    assert s["routing_words"] == "rolled back: the baseline serves 100 %"
    assert s["hold_left_seconds"] == 0.0


def test_rollout_start_warns_when_no_controller_runs(tmp_path: Path, store_url: str) -> None:
    path = write_config(tmp_path, store_url)
    start = ["start", "support", "-c", str(path)]
    result = CliRunner().invoke(rollout_app, start, obj=CliContext(gates=PASSING))
    assert result.exit_code == 0, result.output
    assert "warning: no rollout controller has run yet" in " ".join(result.output.split())
    result = CliRunner().invoke(rollout_app, ["status", "support", "-c", str(path)])
    assert "controller" in result.output and "None" not in result.output
    assert "rolled_back" not in result.output


def test_chart_series_equal_the_cohort_aggregates(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    cfg = make_config(tmp_path, store_url)
    clock = FakeClock()
    start = clock.now()
    traces(store, model="new", at=start, n=30, errors=3, latency_ms=200.0)
    traces(store, model="new", at=start + timedelta(minutes=30), n=20, latency_ms=900.0)
    healthy(store, start + timedelta(minutes=10), n=25)
    ro = Rollouts(cfg, store, clock=clock)
    until = start + timedelta(hours=1)
    series = ro.db.cohort_series("support", ("new", "old"), start, until, 4)
    for (model, bucket), got in series.items():
        since = start + timedelta(minutes=15 * bucket)
        raw = ro.db.cohort_stats("support", model, since, since + timedelta(minutes=15))
        assert (got.total, got.errors, got.p95_ms) == (raw.total, raw.errors, raw.p95_ms)
    assert {k for k in series} >= {("new", 0), ("new", 2), ("old", 0)}


def test_swapsafe_gateway_runs_the_controller(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, store_url)
    monkeypatch.setenv("SWAPSAFE_CONFIG", str(path))
    app = app_from_env()
    store = open_store(store_url)
    try:
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
            for _ in range(200):  # the first pass runs as soon as the lock is taken
                if controller_seen(store, datetime.now(UTC)).state == "running":
                    break
                time.sleep(0.05)
            assert controller_seen(store, datetime.now(UTC)).state == "running"
    finally:
        store.close()
