"""Retention: daily health checks of the old model until the window ends."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.rollout.rollout_helpers import actions, gate_check, make_config

from swapsafe.rollout.controller import Controller
from swapsafe.rollout.retention import health_check
from swapsafe.store import SqlStore
from swapsafe.testing import ScriptedProvider
from swapsafe.testing.clock import FakeClock

DAY = 86400.0
PROMOTE_NOW = 'steps = [{ weight = 100, hold = "0s" }]\nretain_old_for = "3d"'

PASSING = gate_check(ok=True)


async def test_health_check_records_ok_and_failure(
    tmp_path: Path, store_url: str, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = make_config(tmp_path, store_url, rollout_extra=PROMOTE_NOW)
    clock = FakeClock()
    controller = Controller(cfg, store, clock=clock, gates=PASSING)
    controller.rollouts.start("support", actor="cli:a")
    old = ScriptedProvider("old")
    result = await health_check(cfg, store, "support", clock=clock, providers={"old": old})
    assert result["ok"] is True and result["model"] == "old"
    assert result["retain_until"].startswith("2025-01-04")
    assert old.calls[-1].body["max_tokens"] == 1
    old.enqueue_error(401).enqueue_error(401)
    failed = await health_check(cfg, store, "support", clock=clock, providers={"old": old})
    assert failed["ok"] is False and "401" in failed["error"]
    checks = actions(store, "retention.health_check")
    assert [c["ok"] for c in checks] == [True, False]
    status = controller.rollouts.status("support")
    assert status["retention"]["ok"] is False
    assert status["retain_until"].startswith("2025-01-04")


async def test_controller_checks_daily_during_the_window(
    tmp_path: Path, store_url: str, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = make_config(tmp_path, store_url, rollout_extra=PROMOTE_NOW)
    clock = FakeClock()
    old = ScriptedProvider("old")
    controller = Controller(cfg, store, clock=clock, providers={"old": old}, gates=PASSING)
    controller.rollouts.start("support", actor="cli:a")
    await controller.tick()
    await controller.tick()
    assert len(actions(store, "retention.health_check")) == 1
    clock.advance(DAY + 1)
    await controller.tick()
    assert len(actions(store, "retention.health_check")) == 2
    clock.advance(3 * DAY)  # the window is over: no more checks
    await controller.tick()
    assert len(actions(store, "retention.health_check")) == 2
