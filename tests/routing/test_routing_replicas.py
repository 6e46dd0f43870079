"""Two real gateway processes on one store: a rollback on one is obeyed by the other in < 1 s."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from tests.routing.replicas import admin, gateway_process, time_until, upstreams, write_config

pytestmark = pytest.mark.slow


def _rollback_propagates(tmp_path: Path, store_url: str) -> float:
    with upstreams() as (old_url, new_url):
        config = write_config(tmp_path, store_url, old_url, new_url)
        with (
            gateway_process(config) as a,
            gateway_process(config) as b,
            httpx.Client(timeout=10) as client,
        ):
            admin(
                client,
                a,
                "/admin/workloads/support/route",
                {"mode": "promoted", "reason": "serve the candidate"},
            )
            time_until(b, client, "new", limit=5)
            admin(client, a, "/admin/workloads/support/rollback", {"reason": "drill"})
            return time_until(b, client, "old", limit=1.0)


def test_rollback_reaches_other_replica_on_postgres(tmp_path: Path, pg_url: str) -> None:
    assert _rollback_propagates(tmp_path, pg_url) < 1.0


def test_rollback_reaches_other_replica_on_sqlite(tmp_path: Path) -> None:
    assert _rollback_propagates(tmp_path, f"sqlite:///{tmp_path}/shared.db") < 1.0
