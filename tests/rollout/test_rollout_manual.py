"""Manual control: gates on start, pause / resume / promote / abort / rollback, CLI, admin API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import typer
from starlette.applications import Starlette
from tests.rollout.rollout_helpers import actions, gate_check, healthy, make_config, write_config
from typer.testing import CliRunner

from swapsafe.admin.rollout import rollout_admin_routes
from swapsafe.cli.common import CliContext
from swapsafe.cli.rollout_cmd import controller_command, retire_command, rollout_app
from swapsafe.exceptions import GateError
from swapsafe.rollout.operations import Rollouts
from swapsafe.rollout.state import RolloutError
from swapsafe.store import SqlStore
from swapsafe.testing.clock import FakeClock

TOKEN = "rollout-admin-token-0123456789"
#: the gate check the rollouts here start with (the gates= seam; the real gates are tested apart)
PASSING = gate_check(ok=True)


def test_start_refused_by_the_real_gates_without_evidence(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    ro = Rollouts(make_config(tmp_path, store_url), store)
    with pytest.raises(GateError, match="pre-cutover gates of support do not pass"):
        ro.start("support", actor="cli:test")
    assert store.get_routing_states().get("support") is None
    with pytest.raises(RolloutError, match="--force needs --reason"):
        ro.start("support", actor="cli:test", force=True)
    record = ro.start("support", actor="cli:test", force=True, reason="checked by hand")
    assert (record.status, record.weight) == ("running", 1.0)
    forced = actions(store, "rollout.force")
    assert forced and forced[0]["gates"]["ok"] is False
    assert store.list_audit("support", 50)[0].action == "rollout.start"


def test_manual_actions(tmp_path: Path, store_url: str, store: SqlStore) -> None:
    clock = FakeClock()
    ro = Rollouts(make_config(tmp_path, store_url), store, clock=clock, gates=PASSING)
    ro.start("support", actor="cli:a")
    with pytest.raises(RolloutError, match="already running"):
        ro.start("support", actor="cli:a")
    assert ro.pause("support", actor="cli:a", reason="looking").status == "paused"
    assert ro.resume("support", actor="cli:a").status == "running"
    # promote refuses without enough data, forced promotion is recorded as forced
    with pytest.raises(RolloutError, match="insufficient"):
        ro.promote("support", actor="cli:a")
    clock.advance(3600)
    ro.promote("support", actor="cli:a", force=True, reason="low traffic")
    assert ro.get("support").weight == 10.0
    assert actions(store, "rollout.step")[-1]["analysis"] == "forced"
    # promote with a passing analysis of the hold so far
    healthy(store, clock.now())
    clock.advance(600)
    ro.promote("support", actor="cli:a")
    assert ro.get("support").weight == 50.0
    assert actions(store, "rollout.step")[-1]["analysis"] == "pass"
    aborted = ro.abort("support", actor="cli:a", reason="postponed")
    assert aborted.status == "aborted"
    assert store.get_routing_states()["support"].mode == "baseline"
    # a new rollout may start after an abort
    assert ro.start("support", actor="cli:a").weight == 1.0


def test_rollback_after_promotion_works_like_during_canary(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    cfg = make_config(tmp_path, store_url, rollout_extra='steps = [{ weight = 100, hold = "0s" }]')
    ro = Rollouts(cfg, store, gates=PASSING)
    record = ro.start("support", actor="cli:a")
    assert record.status == "done" and record.promoted_at is not None
    assert store.get_routing_states()["support"].mode == "promoted"
    event = ro.rollback("support", actor="cli:a", reason="incident 7")
    assert event["event"] == "rollout.rollback"
    routing = store.get_routing_states()["support"]
    assert (routing.mode, routing.weight) == ("rolled_back", 0.0)
    assert ro.get("support").status == "rolled_back"


def test_cli(tmp_path: Path, store_url: str) -> None:
    path = write_config(tmp_path, store_url)
    runner = CliRunner()
    result = runner.invoke(rollout_app, ["start", "support", "-c", str(path)])
    assert result.exit_code == 2
    assert "do not pass" in result.output
    result = runner.invoke(rollout_app, ["start", "support", "--force", "-c", str(path)])
    assert result.exit_code == 2 and "--reason" in result.output
    passing = CliContext(gates=PASSING)
    result = runner.invoke(rollout_app, ["start", "support", "-c", str(path)], obj=passing)
    assert result.exit_code == 0, result.output
    assert "started at 1%" in result.output
    result = runner.invoke(rollout_app, ["status", "support", "-c", str(path)])
    assert result.exit_code == 0 and "running" in result.output and "left" in result.output
    result = runner.invoke(rollout_app, ["pause", "support", "-r", "why not", "-c", str(path)])
    assert result.exit_code == 0 and "paused" in result.output
    result = runner.invoke(rollout_app, ["resume", "support", "-c", str(path)])
    assert result.exit_code == 0 and "running" in result.output
    result = runner.invoke(rollout_app, ["promote", "support", "-c", str(path)])
    assert result.exit_code == 2 and "not promoting" in result.output
    result = runner.invoke(rollout_app, ["abort", "nope", "-c", str(path)])
    assert result.exit_code == 2 and "unknown workload" in result.output
    app = typer.Typer()
    app.command("controller")(controller_command)
    app.command("retire")(retire_command)
    result = runner.invoke(app, ["controller", "--once", "-c", str(path)])
    assert result.exit_code == 0, result.output


def test_retire_refused_then_allowed(tmp_path: Path, store_url: str, store: SqlStore) -> None:
    path = write_config(
        tmp_path,
        store_url,
        rollout_extra=('steps = [{ weight = 100, hold = "0s" }]\nretain_old_for = "30d"'),
    )
    app = typer.Typer()
    app.command("retire")(retire_command)
    app.command("noop")(lambda: None)
    runner = CliRunner()
    result = runner.invoke(app, ["retire", "support", "-c", str(path)])
    assert result.exit_code == 2 and "not been promoted" in result.output
    ro = Rollouts(
        make_config(
            tmp_path,
            store_url,
            rollout_extra=('steps = [{ weight = 100, hold = "0s" }]\nretain_old_for = "30d"'),
        ),
        store,
        gates=PASSING,
    )
    record = ro.start("support", actor="cli:a")
    assert record.promoted_at is not None
    allowed = (record.promoted_at + timedelta(days=30)).strftime("%Y-%m-%d")
    result = runner.invoke(app, ["retire", "support", "-c", str(path)])
    assert result.exit_code == 2
    assert allowed in result.output and "allowed from then on" in result.output
    assert actions(store, "rollout.retired") == []
    # 31 days later
    past = datetime.now(UTC) - timedelta(days=31)
    import dataclasses

    ro.db.save_rollout(
        dataclasses.replace(record, promoted_at=past), expected_version=record.version
    )
    result = runner.invoke(app, ["retire", "support", "-c", str(path)])
    assert result.exit_code == 0, result.output
    assert "retired" in result.output
    assert actions(store, "rollout.retired")[0]["model"] == "old"


async def test_admin_api(tmp_path: Path, store_url: str, store: SqlStore) -> None:
    cfg = make_config(tmp_path, store_url)
    app = Starlette(routes=rollout_admin_routes(cfg, store, TOKEN, gates=PASSING))
    auth = {"authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw"
    ) as http:
        r = await http.get("/admin/workloads/support/rollout")
        assert r.status_code == 401
        r = await http.get("/admin/workloads/support/rollout", headers=auth)
        assert r.status_code == 200 and r.json()["status"] == "none"
        r = await http.post(
            "/admin/workloads/support/rollout/start", headers=auth, json={"reason": "go"}
        )
        assert r.status_code == 200 and r.json()["weight"] == 1.0
        r = await http.post(
            "/admin/workloads/support/rollout/pause", headers=auth, json={"reason": "lunch"}
        )
        assert r.json()["status"] == "paused" and r.json()["pause_reason"] == "lunch"
        r = await http.post("/admin/workloads/support/rollout/pause", headers=auth)
        assert r.status_code == 409
        r = await http.post("/admin/workloads/support/rollout/resume", headers=auth)
        assert r.json()["status"] == "running"
        r = await http.post(
            "/admin/workloads/support/rollout/promote", headers=auth, json={"force": "yes"}
        )
        assert r.status_code == 400
        r = await http.post(
            "/admin/workloads/support/rollout/promote",
            headers=auth,
            json={"force": True, "reason": "ok"},
        )
        assert r.json()["weight"] == 10.0
        r = await http.post("/admin/workloads/support/rollout/explode", headers=auth)
        assert r.status_code == 404
        r = await http.post("/admin/workloads/nope/rollout/pause", headers=auth)
        assert r.status_code == 404
        r = await http.post(
            "/admin/workloads/support/rollout/rollback", headers=auth, json={"reason": "drill"}
        )
        assert r.json()["status"] == "rolled_back"
        assert r.json()["routing"]["mode"] == "rolled_back"
