"""StoreLink and the routing state saved for a start without a store (in process, real stores)."""

from __future__ import annotations

import logging
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import make_url

from swapsafe.exceptions import StoreError
from swapsafe.gateway.routing_cache import RoutingCache
from swapsafe.gateway.store_link import StoreLink, connect_store, unreachable
from swapsafe.routing.service import RoutingService
from swapsafe.store import open_store
from swapsafe.store.sql_store import SqlStore


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def error_of(opener: Callable[[], object]) -> StoreError:
    with pytest.raises(StoreError) as info:
        opener()
    return info.value


def eventually(check: Callable[[], bool], limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


# -- what counts as an outage ----------------------------------------------------------------


def test_refused_and_unwritable_are_outages(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/x?connect_timeout=2"
    assert unreachable(error_of(lambda: open_store(url)))
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        link = connect_store(f"sqlite:///{ro}/swapsafe.db")
        assert not link.up and link.status()["reason"] == "unwritable"
        link.close()
    finally:
        ro.chmod(0o755)


def test_a_store_set_up_wrong_is_not_an_outage(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a SQLite file at all, not even a little" * 100)
    not_a_db = error_of(lambda: connect_store(f"sqlite:///{garbage}"))
    assert not unreachable(not_a_db)
    newer = tmp_path / "newer.db"
    open_store(f"sqlite:///{newer}").close()
    conn = sqlite3.connect(newer)
    with conn:
        conn.execute("INSERT INTO alembic_version VALUES ('ffffffffffff')")
    conn.close()
    assert "does not know" in str(error_of(lambda: connect_store(f"sqlite:///{newer}")))
    error_of(lambda: connect_store("mysql://nobody@127.0.0.1/db"))  # unsupported: config error
    error_of(lambda: connect_store(f"sqlite:///{tmp_path}/missing/dir/swapsafe.db"))


@pytest.mark.postgres
def test_a_server_that_rejects_the_database_is_not_an_outage(pg_server: str) -> None:
    url = make_url(pg_server).set(database="no_such_database_here")
    rejected = error_of(lambda: connect_store(url.render_as_string(hide_password=False)))
    assert "does not exist" in str(rejected) and not unreachable(rejected)


# -- the link ------------------------------------------------------------------------------


class FlakyOpener:
    """open_store, after ``failures`` refusals (real connection-refused errors)."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self._refused = f"postgresql://postgres@127.0.0.1:{closed_port()}/x?connect_timeout=2"

    def __call__(self, url: str) -> SqlStore:
        self.calls += 1
        if self.calls <= self.failures:
            return open_store(self._refused)
        return open_store(url)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'swapsafe.db'}"


@pytest.fixture
def fast() -> dict[str, float]:
    return {"retry_min": 0.01, "retry_max": 0.02, "health_interval": 0.05}


@pytest.fixture
def links() -> Iterator[list[StoreLink]]:
    made: list[StoreLink] = []
    yield made
    for link in made:
        link.close()


def test_down_link_fails_fast_then_connects_refreshes_and_logs_each_edge_once(
    db_url: str, fast: dict[str, float], links: list[StoreLink], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="swapsafe.store")
    opener = FlakyOpener(failures=6)
    link = connect_store(db_url, opener=opener, **fast)
    links.append(link)
    assert not link.up and link.status()["reason"] == "unreachable"
    with pytest.raises(StoreError, match="unavailable"):
        link.get_routing_states()
    assert callable(link.get_rollout)  # the admin and rollout routes can be built while down

    seen_up_in_hook: list[bool] = []
    link.on_connect(lambda: seen_up_in_hook.append(link.up))
    link.start()
    eventually(lambda: link.up)
    assert opener.calls == 7
    assert seen_up_in_hook == [False]  # hooks run before the store is reported up
    assert link.get_routing_states() == {}
    messages = [r.getMessage() for r in caplog.records]
    assert sum("store unavailable at start-up" in m for m in messages) == 1, messages
    assert sum("reachable again" in m for m in messages) == 1, messages
    assert len(messages) == 2, messages  # six failed attempts, two lines


def test_the_routing_cache_follows_changes_made_after_the_reconnection(
    db_url: str, fast: dict[str, float], links: list[StoreLink], tmp_path: Path
) -> None:
    link = connect_store(db_url, opener=FlakyOpener(failures=2), **fast)
    links.append(link)
    cache = RoutingCache(link, ["support"], saved=tmp_path / "routing-state.json")
    link.on_connect(cache.refresh)
    cache.start()  # subscribes once the store is there
    assert cache.source == "defaults"
    link.start()
    eventually(lambda: link.up)
    assert cache.source == "store"
    other = open_store(db_url)
    try:
        RoutingService(other, {"support": True}).set(
            "support", mode="canary", weight=5, actor="t", reason="r"
        )
    finally:
        other.close()
    eventually(lambda: cache.get("support").weight == 5)
    cache.close()


def test_a_silent_health_check_reports_the_store_unresponsive(db_url: str) -> None:
    now = [0.0]
    link = connect_store(db_url, clock=lambda: now[0], stale_after=15)
    try:
        assert link.up
        now[0] = 16.0  # no ping has come back for 16 s (the thread is not even running)
        assert not link.up and link.status() == {"up": False, "reason": "unresponsive"}
    finally:
        link.close()


# -- the routing state saved for a start without the store ---------------------------------


def down_link(url: str) -> StoreLink:
    return connect_store(url, opener=FlakyOpener(failures=1_000))


def test_saved_state_is_served_when_the_store_is_down_at_start(db_url: str, tmp_path: Path) -> None:
    saved = tmp_path / ".swapsafe" / "routing-state.json"
    store = open_store(db_url)
    try:
        RoutingService(store, {"a": True, "b": True}).set(
            "a", mode="canary", weight=12.5, shadow=True, actor="t", reason="r"
        )
        RoutingCache(store, ["a", "b"], saved=saved)
    finally:
        store.close()
    link = down_link(db_url)
    try:
        cache = RoutingCache(link, ["a", "b"], saved=saved)
        assert cache.source == "saved file"
        a = cache.get("a")
        assert (a.mode, a.weight, a.shadow) == ("canary", 12.5, True)
        assert cache.get("b").mode == "baseline"
    finally:
        link.close()


def test_a_saved_state_for_another_store_or_out_of_range_is_not_used(
    tmp_path: Path, db_url: str
) -> None:
    saved = tmp_path / "routing-state.json"
    link = down_link(db_url)
    try:
        state = {"mode": "canary", "weight": 50.0, "shadow": False, "version": 3}
        saved.write_bytes(orjson.dumps({"store": "sqlite:///elsewhere.db", "states": {"a": state}}))
        assert RoutingCache(link, ["a"], saved=saved).get("a").weight == 0
        bad = {**state, "weight": 250}
        saved.write_bytes(orjson.dumps({"store": link.url, "states": {"a": bad}}))
        assert RoutingCache(link, ["a"], saved=saved).get("a").weight == 0
        saved.write_bytes(b"{not json")
        assert RoutingCache(link, ["a"], saved=saved).source == "defaults"
        saved.write_bytes(orjson.dumps({"store": link.url, "states": {"a": state}}))
        assert RoutingCache(link, ["a"], saved=saved).get("a").weight == 50
    finally:
        link.close()


def test_a_closed_link_stays_usable_like_a_closed_store(
    db_url: str, fast: dict[str, float]
) -> None:
    """An ASGI app's lifespan may run more than once (test clients): close, use, start again."""
    link = connect_store(db_url, **fast)
    link.start()
    link.close()
    assert link.get_routing_states() == {}  # the engine connects again, as SqlStore's does
    link.start()
    try:
        eventually(lambda: link.up)
        assert link.get_routing_states() == {}
    finally:
        link.close()
