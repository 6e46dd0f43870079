"""One nightly scheduler per store (the store's leader lock), on SQLite and PostgreSQL; a fresh
store runs the night that is due; the schedule is UTC everywhere."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from tests.evals.evals_helpers import load, write_config
from tests.evals.test_evals_scheduler import Clock, day, fake_run
from typer.testing import CliRunner

from swapsafe.cli.app import app
from swapsafe.evals.scheduler import NightlyScheduler
from swapsafe.store import open_store
from swapsafe.store.leader import leader_lock

TEMPLATE = Path(__file__).resolve().parents[2] / "src/swapsafe/templates/swapsafe.example.toml"


async def test_two_schedulers_on_one_store_run_each_night_once(
    tmp_path: Path, store_url: str
) -> None:
    cfg = load(tmp_path, store_url)
    store_a, store_b = open_store(store_url), open_store(store_url)
    calls: list[tuple[str, datetime]] = []
    clock = Clock(day(1, 1))
    a = NightlyScheduler(cfg, store_a, run=fake_run(store_a, calls), clock=clock,
                         lock=leader_lock(store_url, "scheduler"))  # fmt: skip
    b = NightlyScheduler(cfg, store_b, run=fake_run(store_b, calls), clock=clock,
                         lock=leader_lock(store_url, "scheduler"))  # fmt: skip
    try:
        clock.now = day(1, 2, 1)
        first, second = await asyncio.gather(a.tick(), b.tick())
        assert sorted([first.standby, second.standby]) == [False, True]
        assert calls == [("support", day(1, 2))]
        # the leader stops; the other takes over and finds the night already run
        leader, other = (a, b) if second.standby else (b, a)
        leader.release()
        again = await other.tick()
        assert not again.standby and again.ran == [] and again.missed == []
        clock.now = day(2, 2, 1)
        assert (await leader.tick()).standby  # the one that stopped now stands by
        assert [t for _, t, _ in (await other.tick()).ran] == [day(2, 2)]
        assert calls == [("support", day(1, 2)), ("support", day(2, 2))]
        nights = [r for r in store_a.list_eval_runs("support") if r.tag == "nightly"]
        stamps = [(r.settings or {})["scheduled_for"] for r in nights]
        assert len(stamps) == len(set(stamps)) == 2
    finally:
        a.release()
        b.release()
        store_a.close()
        store_b.close()


async def test_the_scheduler_lock_is_not_the_controllers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    controller, scheduler = leader_lock(url, "controller"), leader_lock(url, "scheduler")
    try:
        assert controller.try_acquire() and scheduler.try_acquire()
        assert not leader_lock(url, "scheduler").try_acquire()
    finally:
        controller.release()
        scheduler.release()


async def test_once_on_a_fresh_store_runs_the_night_that_is_due(tmp_path: Path) -> None:
    cfg = load(tmp_path, "sqlite:///x.db")
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    calls: list[tuple[str, datetime]] = []
    # cron calls `swapsafe scheduler --once` at 02:05 UTC; the store has no nightly history
    sched = NightlyScheduler(cfg, store, run=fake_run(store, calls), clock=Clock(day(1, 2, 5)))
    result = await sched.tick()
    assert [t for _, t, _ in result.ran] == [day(1, 2)] and not result.missed
    # started long after the night on a fresh store: nothing due, nothing recorded as missed
    late = NightlyScheduler(
        cfg, open_store(f"sqlite:///{tmp_path / 'late.db'}"), run=fake_run(store, calls),
        clock=Clock(day(1, 14)),
    )  # fmt: skip
    assert (await late.tick()).ran == [] and calls == [("support", day(1, 2))]
    store.close()


def test_cli_once_stands_by_while_another_scheduler_leads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    path = write_config(tmp_path, url)
    held = leader_lock(url, "scheduler")
    assert held.try_acquire()
    try:
        result = CliRunner().invoke(app, ["scheduler", "--once", "-c", str(path)])
    finally:
        held.release()
    assert result.exit_code == 0, result.output
    assert "'0 2 * * *' (UTC)" in result.output
    assert "another scheduler holds this store's lock: standing by, nothing run" in result.output


def test_schedule_times_are_documented_in_utc() -> None:
    template = TEMPLATE.read_text(encoding="utf-8")
    line = next(ln for ln in template.splitlines() if ln.startswith("schedule ="))
    assert "UTC" in line and "local" not in template.lower().split("[evals]")[1].split("[")[0]
