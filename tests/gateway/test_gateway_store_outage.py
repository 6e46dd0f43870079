"""A real gateway process starts and serves while its store is unreachable, then catches up.

PostgreSQL sits behind a TCP proxy (``swapsafe.testing.FaultyTcpProxy``) that refuses, stays
silent, or forwards; the openai SDK talks to the gateway. Liveness (/healthz) stays 200;
readiness (/readyz) is 503 naming the store until it is back; /metrics has swapsafe_store_up;
each transition is logged once; traces served during the outage land in the store; routing state
comes from the local saved file (or the baseline) and a rollback written during the outage is
obeyed on reconnect.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import OpenAI
from sqlalchemy import make_url
from tests.gateway.outage import (
    CLIENT_KEY,
    gateway,
    metric,
    wait_for,
    write_config,
)
from tests.store.tcp_proxy import via

from swapsafe.routing.service import RoutingService
from swapsafe.store import open_store
from swapsafe.store.sql_store import SqlStore
from swapsafe.testing import FakeUpstream, FaultyTcpProxy

pytestmark = pytest.mark.slow
USERS = [f"user-{i}" for i in range(12)]


@pytest.fixture
def upstreams() -> Iterator[tuple[str, str]]:
    with (
        FakeUpstream("openai", reply="old says hi").serve_in_thread() as old,
        FakeUpstream("openai", reply="new says hi").serve_in_thread() as new,
    ):
        yield old, new


@pytest.fixture
def proxy(pg_url: str) -> Iterator[FaultyTcpProxy]:
    real = make_url(pg_url)
    with FaultyTcpProxy((real.host or "127.0.0.1", real.port or 5432), mode="refuse") as p:
        yield p


def served_by(url: str, user: str) -> tuple[str, str]:
    """(model that served, response id) for one chat completion through the openai SDK."""
    client = OpenAI(base_url=f"{url}/v1", api_key=CLIENT_KEY, max_retries=0, timeout=30)
    raw = client.chat.completions.with_raw_response.create(
        model="support", messages=[{"role": "user", "content": "hello"}], user=user
    )
    completion = raw.parse()
    assert completion.choices[0].message.content
    return raw.headers["x-swapsafe-served-by"], completion.id


def readiness(url: str) -> tuple[int, dict[str, object]]:
    r = httpx.get(f"{url}/readyz", timeout=5)
    return r.status_code, r.json()


def link_down(url: str) -> bool:
    status, body = readiness(url)
    store = body["store"]
    return status == 503 and isinstance(store, dict) and store.get("reason") == "unreachable"


def routing(store: SqlStore) -> RoutingService:
    return RoutingService(store, {"support": True})


@pytest.mark.postgres
@pytest.mark.parametrize("down", ["refuse", "silent"])
def test_serves_while_postgres_is_unreachable_then_catches_up(
    tmp_path: Path, pg_url: str, proxy: FaultyTcpProxy, upstreams: tuple[str, str], down: str
) -> None:
    proxy.switch(down)
    config = write_config(tmp_path, via(proxy, pg_url), *upstreams)
    with gateway(config, tmp_path / "gateway.log") as g:
        ids = [served_by(g.url, user) for user in USERS[:4]]
        assert {model for model, _ in ids} == {"old"}  # no saved state: the baseline
        assert httpx.get(f"{g.url}/healthz", timeout=5).status_code == 200
        status, body = readiness(g.url)
        assert status == 503
        assert body["down"] == ["store", "routing"]
        assert body["store"] == {"up": False, "reason": "unreachable", **_since(body)}
        assert metric(g.url, "swapsafe_store_up") == 0

        proxy.switch("forward")
        wait_for(lambda: readiness(g.url)[0] == 200, 60, lambda: f"not ready:\n{g.output()}")
        assert readiness(g.url)[1]["down"] == []
        assert metric(g.url, "swapsafe_store_up") == 1
        assert metric(g.url, "swapsafe_routing_state_from_store") == 1
        store = open_store(pg_url)
        try:
            wait_for(
                lambda: all(store.trace_by_request_id(rid) for _, rid in ids),
                60,
                lambda: "traces served during the outage are not in the store",
            )
        finally:
            store.close()
        log = g.output()
    lines = log.splitlines()
    assert sum("store unavailable at start-up" in line for line in lines) == 1, log
    assert sum("reachable again" in line for line in lines) == 1, log
    assert len(set(lines)) == len(lines), log  # each transition once, not once per retry
    assert "Traceback" not in log


def _since(body: dict[str, object]) -> dict[str, object]:
    store = body["store"]
    assert isinstance(store, dict) and isinstance(store["down_for_s"], float)
    return {"down_for_s": store["down_for_s"]}


@pytest.mark.postgres
def test_a_rollback_written_while_cut_off_is_obeyed_on_reconnect(
    tmp_path: Path, pg_url: str, proxy: FaultyTcpProxy, upstreams: tuple[str, str]
) -> None:
    store = open_store(pg_url)
    try:
        routing(store).set("support", mode="promoted", actor="test", reason="all on the candidate")
        proxy.switch("forward")
        config = write_config(tmp_path, via(proxy, pg_url), *upstreams)
        with gateway(config, tmp_path / "gateway.log") as g:
            wait_for(lambda: readiness(g.url)[0] == 200, 60, g.output)
            assert served_by(g.url, "u1")[0] == "new"

            proxy.switch("refuse")  # cut off: open connections reset, new ones refused
            wait_for(lambda: link_down(g.url), 60, g.output)  # its health check noticed
            routing(store).rollback("support", actor="test", reason="rollback during the cut")
            assert served_by(g.url, "u1")[0] == "new"  # it cannot know yet: last known state

            proxy.switch("forward")
            wait_for(lambda: readiness(g.url)[0] == 200, 60, g.output)
            # ready means routing was re-read: the rollback holds for every user at once
            assert {served_by(g.url, user)[0] for user in USERS} == {"old"}
            assert g.output().count("reachable again") == 1
    finally:
        store.close()


@pytest.mark.postgres
def test_a_restart_without_the_store_serves_the_saved_routing_state(
    tmp_path: Path, pg_url: str, proxy: FaultyTcpProxy, upstreams: tuple[str, str]
) -> None:
    store = open_store(pg_url)
    try:
        routing(store).set("support", mode="canary", weight=50, actor="test", reason="half")
    finally:
        store.close()
    proxy.switch("forward")
    config = write_config(tmp_path, via(proxy, pg_url), *upstreams)
    with gateway(config, tmp_path / "first.log") as g:
        wait_for(lambda: readiness(g.url)[0] == 200, 60, g.output)
        before = {user: served_by(g.url, user)[0] for user in USERS}
    assert set(before.values()) == {"old", "new"}
    assert (tmp_path / ".swapsafe" / "routing-state.json").is_file()

    proxy.switch("refuse")
    with gateway(config, tmp_path / "second.log") as g:
        status, body = readiness(g.url)
        assert status == 503 and body["routing"] == {"source": "saved file"}
        # the same users on the same side: not one more user on the candidate
        assert {user: served_by(g.url, user)[0] for user in USERS} == before
        assert "serving the routing state saved at" in g.output()

    (tmp_path / ".swapsafe" / "routing-state.json").unlink()
    with gateway(config, tmp_path / "third.log") as g:
        assert readiness(g.url)[1]["routing"] == {"source": "defaults"}
        assert {served_by(g.url, user)[0] for user in USERS} == {"old"}


@pytest.mark.parametrize(
    "command", [("gateway",), ("serve", "--gateway")], ids=["gateway", "serve-gateway"]
)
def test_sqlite_in_an_unwritable_directory_is_an_outage_not_a_refusal(
    tmp_path: Path, upstreams: tuple[str, str], command: tuple[str, ...]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = write_config(tmp_path, f"sqlite:///{data}/swapsafe.db", *upstreams)
    data.chmod(0o555)
    try:
        with gateway(config, tmp_path / "gateway.log", command) as g:
            model, rid = served_by(g.url, "u1")
            status, body = readiness(g.url)
            assert status == 503 and body["store"]["reason"] == "unwritable"  # type: ignore[index]
            assert metric(g.url, "swapsafe_store_up") == 0
            data.chmod(0o755)
            wait_for(lambda: readiness(g.url)[0] == 200, 60, g.output)
            assert metric(g.url, "swapsafe_store_up") == 1
            store = open_store(f"sqlite:///{data}/swapsafe.db")
            try:
                wait_for(lambda: store.trace_by_request_id(rid) is not None, 60, g.output)
            finally:
                store.close()
            log = g.output()
    finally:
        data.chmod(0o755)
    assert model == "old"
    # `serve` computes its pages' slow inputs at start-up: with the store down that is one
    # warning line each, never a traceback
    assert "Traceback" not in log, log


def run_gateway(config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OUTAGE_CLIENT_KEY": CLIENT_KEY, "OUTAGE_ADMIN_TOKEN": "x" * 32}
    return subprocess.run(
        [sys.executable, "-m", "swapsafe", "gateway", "-c", str(config), "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_store_with_an_unknown_schema_still_refuses_to_start(
    tmp_path: Path, upstreams: tuple[str, str]
) -> None:
    db = tmp_path / "swapsafe.db"
    open_store(f"sqlite:///{db}").close()
    conn = sqlite3.connect(db)
    with conn:  # a revision from a newer swapsafe
        conn.execute("INSERT INTO alembic_version VALUES ('ffffffffffff')")
    conn.close()
    result = run_gateway(write_config(tmp_path, f"sqlite:///{db}", *upstreams))
    assert result.returncode == 2, result.stderr
    assert "does not know" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.postgres
def test_a_database_the_server_rejects_still_refuses_to_start(
    tmp_path: Path, pg_server: str, upstreams: tuple[str, str]
) -> None:
    url = make_url(pg_server).set(database="no_such_database_here")
    store_url = url.render_as_string(hide_password=False)
    result = run_gateway(write_config(tmp_path, store_url, *upstreams))
    assert result.returncode == 2, result.stderr
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
