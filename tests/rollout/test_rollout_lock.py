"""Exactly one active controller: flock on SQLite, advisory lock on PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from tests.rollout.rollout_helpers import make_config

from swapsafe.rollout.controller import Controller
from swapsafe.rollout.lock import FileLock, PgAdvisoryLock, controller_lock
from swapsafe.store import SqlStore
from swapsafe.testing.clock import FakeClock


def test_lock_kind_follows_the_store(tmp_path: Path) -> None:
    lock = controller_lock(f"sqlite:///{tmp_path}/x.db")
    assert isinstance(lock, FileLock)
    assert lock.path == tmp_path / "x.db.controller.lock"
    assert isinstance(controller_lock("postgresql://u:pw@127.0.0.1:5432/db"), PgAdvisoryLock)


def test_one_of_two_locks_wins_and_the_other_takes_over(store_url: str) -> None:
    a, b = controller_lock(store_url), controller_lock(store_url)
    try:
        assert a.try_acquire()
        assert a.held()
        assert not b.try_acquire()
        assert a.try_acquire()  # re-entrant for its holder
        a.release()
        assert not a.held()
        assert b.try_acquire()
        assert not a.try_acquire()
    finally:
        a.release()
        b.release()


async def test_two_controllers_one_active(tmp_path: Path, store_url: str, store: SqlStore) -> None:
    cfg = make_config(tmp_path, store_url)
    first, second = Controller(cfg, store), Controller(cfg, store)
    try:
        assert first.try_activate()
        assert not second.try_activate()
        assert (first.active, second.active) == (True, False)
        first.stop_now()  # the active one goes away: the standby takes over
        assert second.try_activate()
        assert not first.try_activate()
    finally:
        first.stop_now()
        second.stop_now()


@pytest.mark.postgres
def test_pg_lock_is_per_schema(pg_url: str, pg_server: str) -> None:
    # another schema in the same database (another deployment) does not block this one
    a = controller_lock(pg_url)
    b = controller_lock(pg_server)
    try:
        assert a.try_acquire()
        assert b.try_acquire()
    finally:
        a.release()
        b.release()


async def test_run_forever_ticks_only_on_the_active_controller(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    cfg = make_config(tmp_path, store_url)
    ticks = {"a": 0, "b": 0}
    controllers = {}
    for name in ticks:
        c = Controller(cfg, store, clock=FakeClock(), standby_poll=1.0)

        async def tick(name: str = name) -> list[dict[str, Any]]:
            ticks[name] += 1
            return []

        c.tick = tick  # type: ignore[method-assign]
        controllers[name] = c
    assert controllers["a"].try_activate()
    tasks = [asyncio.create_task(c.run_forever()) for c in controllers.values()]
    for _ in range(200):
        await asyncio.sleep(0.005)
        if ticks["a"] >= 5:
            break
    for c in controllers.values():
        c.stop()
    await asyncio.gather(*tasks)
    assert ticks["a"] >= 5
    assert ticks["b"] == 0
    assert not controllers["a"].lock.held()  # released on the way out
