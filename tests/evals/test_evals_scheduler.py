"""Nightly scheduler: runs on time, records missed nights, with a fake clock (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.evals.evals_helpers import FLIP_CASES, load

from swapsafe.evals.scheduler import NightlyScheduler, fire_times, nightly_runner
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.store.records import EvalRun
from swapsafe.testing import ScriptedProvider


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def day(d: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, d, hour, minute, tzinfo=UTC)


def fake_run(store: Store, calls: list[tuple[str, datetime]]):  # type: ignore[no-untyped-def]
    async def run(workload: str, scheduled: datetime) -> int:
        calls.append((workload, scheduled))
        return store.create_eval_run(
            EvalRun(
                workload=workload,
                started_at=scheduled,
                status="done",
                tag="nightly",
                settings={"scheduled_for": scheduled.isoformat()},
                models=["old", "new"],
            )
        )

    return run


def test_fire_times() -> None:
    assert fire_times("0 2 * * *", day(1, 1), day(3, 2)) == [day(1, 2), day(2, 2), day(3, 2)]
    assert fire_times("0 2 * * *", day(1, 2), day(1, 3)) == []


async def test_runs_on_schedule_and_records_missed_nights(tmp_path: Path, store_url: str) -> None:
    cfg = load(tmp_path, store_url)
    store = open_store(store_url)
    calls: list[tuple[str, datetime]] = []
    clock = Clock(day(1, 1))
    sched = NightlyScheduler(cfg, store, run=fake_run(store, calls), clock=clock)
    assert sched.workloads() == ["support"]  # faq has no candidate
    assert (await sched.tick()).ran == []
    assert sched.seconds_until_next() == 3600
    clock.now = day(1, 2, 0)
    result = await sched.tick()
    assert [(w, t) for w, t, _ in result.ran] == [("support", day(1, 2))] and not result.missed
    assert (await sched.tick()).ran == []  # nothing twice

    # the process was down from day 1 to day 4 10:00: nights 2, 3 and 4 are missed
    clock.now = day(4, 10)
    restarted = NightlyScheduler(cfg, store, run=fake_run(store, calls), clock=clock)
    result = await restarted.tick()
    assert result.ran == []
    assert result.missed == [("support", day(2, 2)), ("support", day(3, 2)), ("support", day(4, 2))]
    missed = [r for r in store.list_eval_runs("support") if r.status == "missed"]
    assert sorted(r.started_at for r in missed) == [day(2, 2), day(3, 2), day(4, 2)]
    assert all(r.tag == "nightly" and r.models == ["old", "new"] for r in missed)
    assert {(r.settings or {})["scheduled_for"] for r in missed} == {
        day(d, 2).isoformat() for d in (2, 3, 4)
    }
    # back on schedule the next night, and a restart in between finds nothing missed
    clock.now = day(5, 2, 10)
    result = await NightlyScheduler(cfg, store, run=fake_run(store, calls), clock=clock).tick()
    assert [t for _, t, _ in result.ran] == [day(5, 2)] and not result.missed
    assert calls == [("support", day(1, 2)), ("support", day(5, 2))]
    store.close()


async def test_failed_run_is_recorded_not_skipped(tmp_path: Path) -> None:
    cfg = load(tmp_path, "sqlite:///x.db")
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")

    async def broken(workload: str, scheduled: datetime) -> int:
        raise ValueError("workload support has no golden set")

    clock = Clock(day(1, 1, 59))
    sched = NightlyScheduler(cfg, store, run=broken, clock=clock)
    clock.now = day(1, 2, 1)
    result = await sched.tick()
    assert result.failed == [("support", day(1, 2), "workload support has no golden set")]
    (row,) = store.list_eval_runs("support")
    assert row.status == "failed" and "no golden set" in (row.settings or {})["reason"]


async def test_run_forever_sleeps_until_the_next_fire_time(tmp_path: Path) -> None:
    cfg = load(tmp_path, "sqlite:///x.db")
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    calls: list[tuple[str, datetime]] = []
    clock = Clock(day(1, 0, 30))
    sched = NightlyScheduler(cfg, store, run=fake_run(store, calls), clock=clock)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.now += timedelta(seconds=seconds)
        if clock.now > day(3, 3):
            raise asyncio_stop()

    class asyncio_stop(Exception):
        pass

    with pytest.raises(asyncio_stop):
        await sched.run_forever(sleep=sleep, max_wait=86_400)
    assert [t for _, t in calls] == [day(1, 2), day(2, 2), day(3, 2)]
    assert sleeps[0] == pytest.approx(1.5 * 3600 + 0.5)


async def test_nightly_runner_runs_both_models_tagged_nightly(tmp_path: Path) -> None:
    cfg = load(tmp_path, "sqlite:///x.db", golden=FLIP_CASES)
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    providers = {"old": ScriptedProvider("old"), "new": ScriptedProvider("new")}
    run = nightly_runner(cfg, store, providers=providers)
    run_id = await run("support", day(1, 2))
    (r,) = store.list_eval_runs("support")
    assert r.id == run_id and r.tag == "nightly" and r.models == ["old", "new"]
    assert (r.settings or {})["scheduled_for"] == day(1, 2).isoformat()
    assert len(store.eval_results(run_id)) == 2 * len(FLIP_CASES)
