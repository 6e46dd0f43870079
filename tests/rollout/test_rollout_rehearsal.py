"""Rollback rehearsal against real gateway processes (PostgreSQL) and its failure output."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from tests.rollout.rollout_helpers import actions, gate_check, make_config
from tests.routing.replicas import (
    ADMIN_TOKEN,
    CLIENT_KEY,
    free_port,
    gateway_process,
    upstreams,
    write_config,
)
from typer.testing import CliRunner

from swapsafe.cli.rollout_cmd import rehearse_command
from swapsafe.config import load_config
from swapsafe.rollout.operations import Rollouts
from swapsafe.rollout.rehearsal import probe_users, rehearse
from swapsafe.rollout.state import RolloutError
from swapsafe.routing.service import RoutingService
from swapsafe.store import SqlStore, open_store

ENV = {**os.environ, "REPLICA_ADMIN_TOKEN": ADMIN_TOKEN, "REPLICA_CLIENT_KEY": CLIENT_KEY}


def test_probe_users_land_on_the_candidate() -> None:
    from swapsafe.gateway.router import bucket

    users = probe_users("support", 10.0, 4)
    assert len(set(users)) == 4
    assert all(bucket("support", u) < 1000 for u in users)


@pytest.mark.slow
def test_rehearsal_on_two_replicas_on_postgres(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with upstreams() as (old_url, new_url):
        path = write_config(tmp_path, pg_url, old_url, new_url)
        cfg = load_config(path, env=ENV)
        store = open_store(pg_url)
        try:
            with gateway_process(path) as a, gateway_process(path) as b:
                routing = RoutingService(store, {"support": True})
                routing.set("support", mode="shadow", actor="cli:test", reason="shadow first")
                result = asyncio.run(rehearse(cfg, store, "support", [a, b], limit=10))
                assert result.ok, result.message
                assert [t.url for t in result.replicas] == [a, b]
                assert all(t.ms is not None and t.ms < 10_000 for t in result.replicas)
                assert result.max_ms == max(t.ms or 0 for t in result.replicas)
                evidence = actions(store, "rollback.rehearsal")[-1]
                assert [r["url"] for r in evidence["replicas"]] == [a, b]
                assert evidence["max_ms"] == result.max_ms
                state = routing.get("support")
                assert (state.mode, state.weight, state.shadow) == ("shadow", 0.0, True)
                # the same through the CLI command the lead wires as `swapsafe rollback rehearse`
                for k, v in ENV.items():
                    monkeypatch.setenv(k, v)
                app = typer.Typer()
                app.command("rehearse")(rehearse_command)
                app.command("noop")(lambda: None)
                out = CliRunner().invoke(
                    app, ["rehearse", "support", "-g", a, "-g", b, "-c", str(path)]
                )
                assert out.exit_code == 0, out.output
                assert "routing restored" in out.output
                assert len(actions(store, "rollback.rehearsal")) == 2
        finally:
            store.close()


async def test_rehearsal_failure_is_clear_and_restores_routing(
    tmp_path: Path, store: SqlStore
) -> None:
    cfg = make_config(tmp_path, f"sqlite:///{tmp_path / 'swapsafe.db'}")
    dead = f"http://127.0.0.1:{free_port()}"
    result = await rehearse(cfg, store, "support", [dead], limit=1)
    assert not result.ok
    assert dead in result.message and "never went live" in result.message
    assert store.get_routing_states()["support"].mode == "baseline"
    assert actions(store, "rollback.rehearsal") == []
    assert actions(store, "rollback.rehearsal_failed")


async def test_rehearsal_refused_during_a_rollout(tmp_path: Path, store: SqlStore) -> None:
    cfg = make_config(tmp_path, f"sqlite:///{tmp_path / 'swapsafe.db'}")
    Rollouts(cfg, store, gates=gate_check(ok=True)).start("support", actor="cli:a")
    with pytest.raises(RolloutError, match="rehearse before"):
        await rehearse(cfg, store, "support", ["http://127.0.0.1:1"])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path / 'swapsafe.db'}")
    yield s
    s.close()
