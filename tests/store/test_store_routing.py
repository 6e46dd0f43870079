"""Routing state, its audit trail, versions and change notifications."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import make_url

from swapsafe.exceptions import RoutingError
from swapsafe.store import RoutingState, SqlStore, notify, open_store


def test_set_get_version_and_audit(store: SqlStore) -> None:
    assert store.get_routing_states() == {}
    assert store.routing_version() == 0

    first = store.set_routing_state(
        RoutingState("support", mode="shadow", shadow=True), actor="alice", reason="start shadow"
    )
    assert first.version == 1 and first.updated_by == "alice"
    assert first.updated_at is not None and first.updated_at.utcoffset() is not None
    assert store.routing_version() == 1

    second = store.set_routing_state(
        RoutingState("support", mode="canary", weight=1.0, shadow=False),
        actor="controller",
        reason="canary 1%",
        expected_version=1,
    )
    assert second.version == 2
    store.set_routing_state(RoutingState("billing"), actor="bob", reason="init")
    assert store.routing_version() == 3

    states = store.get_routing_states()
    assert states["support"] == second
    assert states["billing"].version == 1 and states["billing"].mode == "baseline"

    entries = store.list_audit(workload="support")
    assert [e.reason for e in entries] == ["canary 1%", "start shadow"]
    newest = entries[0]
    assert newest.action == "routing.set" and newest.actor == "controller"
    assert newest.before is not None and newest.before["mode"] == "shadow"
    assert newest.after is not None and newest.after["mode"] == "canary"
    assert newest.after["weight"] == 1.0 and newest.after["version"] == 2
    assert entries[1].before is None
    assert newest.ts.utcoffset() is not None
    assert len(store.list_audit()) == 3
    assert len(store.list_audit(limit=1)) == 1


def test_expected_version_conflict(store: SqlStore) -> None:
    store.set_routing_state(RoutingState("w", mode="shadow"), actor="a", reason="r")
    with pytest.raises(RoutingError, match="changed by someone else"):
        store.set_routing_state(
            RoutingState("w", mode="canary", weight=1), actor="b", reason="r", expected_version=0
        )
    with pytest.raises(RoutingError):
        store.set_routing_state(RoutingState("new"), actor="b", reason="r", expected_version=3)
    # nothing was written by the refused changes
    assert store.get_routing_states()["w"].mode == "shadow"
    assert store.routing_version() == 1
    assert len(store.list_audit()) == 1


def test_add_audit(store: SqlStore) -> None:
    entry_id = store.add_audit(
        actor="cli", action="plan.tick", workload=None, before=None, after={"item": 3}, reason="x"
    )
    assert entry_id > 0
    [entry] = store.list_audit()
    assert entry.id == entry_id and entry.after == {"item": 3} and entry.workload is None


def test_concurrent_writers_get_distinct_versions(store: SqlStore) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                store.set_routing_state(
                    RoutingState(f"w{n}", weight=float(i)), actor=f"t{n}", reason="load"
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.routing_version() == 20
    assert {s.version for s in store.get_routing_states().values()} == {5}
    assert len(store.list_audit(limit=100)) == 20


def test_listener_on_another_replica_sees_changes(
    store: SqlStore, store_url: str, wait_for: Callable[..., bool]
) -> None:
    replica = open_store(store_url)
    calls: list[int] = []
    stop = replica.listen_routing_changes(lambda: calls.append(replica.routing_version()))
    try:
        store.set_routing_state(RoutingState("w", mode="shadow"), actor="a", reason="r")
        assert wait_for(lambda: len(calls) >= 1)
        assert calls[-1] == 1
        store.set_routing_state(RoutingState("w", mode="baseline"), actor="a", reason="rollback")
        assert wait_for(lambda: calls and calls[-1] == 2)
    finally:
        stop()
        replica.close()


def test_callback_errors_do_not_kill_the_listener(
    store: SqlStore, wait_for: Callable[..., bool], caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("boom")

    stop = store.listen_routing_changes(flaky)
    try:
        store.set_routing_state(RoutingState("w"), actor="a", reason="r")
        assert wait_for(lambda: len(calls) >= 1)
        store.set_routing_state(RoutingState("w", mode="shadow"), actor="a", reason="r")
        assert wait_for(lambda: len(calls) >= 2)
    finally:
        stop()
    assert "routing change callback failed" in caplog.text


def test_stopped_listener_stays_quiet(store: SqlStore, wait_for: Callable[..., bool]) -> None:
    calls: list[int] = []
    stop = store.listen_routing_changes(lambda: calls.append(1))
    stop()
    stop()  # idempotent
    store.set_routing_state(RoutingState("w"), actor="a", reason="r")
    # a live poller would fire within 0.25 s (SQLite) / immediately (PG); give it well over that
    assert not wait_for(lambda: len(calls) > 0, timeout=1.0)


@pytest.mark.postgres
def test_pg_notify_alone_wakes_the_listener(pg_url: str, wait_for: Callable[..., bool]) -> None:
    """With the version poll blinded (always 0), only LISTEN/NOTIFY can fire the callback."""
    store = open_store(pg_url)
    conninfo = make_url(pg_url).render_as_string(hide_password=False)
    calls: list[int] = []
    stop = notify.listen_pg(conninfo, "test", lambda: 0, lambda: calls.append(1))

    def change_and_check() -> bool:
        # a NOTIFY sent before the thread's LISTEN is lost, so keep changing until one lands
        store.set_routing_state(RoutingState("w"), actor="a", reason="r")
        return wait_for(lambda: len(calls) >= 1, timeout=0.5)

    try:
        assert wait_for(change_and_check, timeout=15)
    finally:
        stop()
        store.close()


@pytest.mark.postgres
def test_pg_listener_reconnects_after_its_connection_is_killed(
    pg_url: str, wait_for: Callable[..., bool]
) -> None:
    import uuid

    from sqlalchemy import text

    store = open_store(pg_url)
    app_name = f"swapsafe-test-{uuid.uuid4().hex[:8]}"
    url = make_url(pg_url).update_query_dict({"application_name": app_name})
    calls: list[int] = []
    stop = notify.listen_pg(
        url.render_as_string(hide_password=False), "test", lambda: 0, lambda: calls.append(1)
    )

    def backends() -> int:
        with store._engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE application_name = :a AND query LIKE 'LISTEN%'"
                    ),
                    {"a": app_name},
                ).scalar_one()
            )

    def change_and_check() -> bool:
        store.set_routing_state(RoutingState("w"), actor="a", reason="r")
        return wait_for(lambda: len(calls) >= 1, timeout=0.5)

    try:
        assert wait_for(lambda: backends() == 1)
        with store._engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :a"
                ),
                {"a": app_name},
            )
        assert wait_for(lambda: backends() == 1, timeout=15)  # a new LISTEN connection
        calls.clear()
        assert wait_for(change_and_check, timeout=15)
    finally:
        stop()
        store.close()
