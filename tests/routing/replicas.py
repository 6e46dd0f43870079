"""Run real gateway processes (``python -m swapsafe gateway``) against fake upstreams."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from tests.gateway import processes
from tests.gateway.processes import free_port as free_port

from swapsafe.testing import FakeUpstream

ADMIN_TOKEN = "replica-admin-token-0123456789"
CLIENT_KEY = "replica-client-key"


@contextlib.contextmanager
def upstreams() -> Iterator[tuple[str, str]]:
    with (
        FakeUpstream("openai").serve_in_thread() as old_url,
        FakeUpstream("openai").serve_in_thread() as new_url,
    ):
        yield old_url, new_url


def write_config(tmp_path: Path, store_url: str, old_url: str, new_url: str) -> Path:
    return processes.write_config(
        tmp_path,
        store_url,
        old_url,
        new_url,
        key_env="REPLICA_CLIENT_KEY",
        token_env="REPLICA_ADMIN_TOKEN",
    )


@contextlib.contextmanager
def gateway_process(config: Path) -> Iterator[str]:
    env = {"REPLICA_ADMIN_TOKEN": ADMIN_TOKEN, "REPLICA_CLIENT_KEY": CLIENT_KEY}
    with processes.gateway(config, env, args=("--log-level", "warning")) as g:
        yield g.url


def served_by(client: httpx.Client, url: str, user: str) -> str:
    r = client.post(
        f"{url}/v1/chat/completions",
        headers={"authorization": f"Bearer {CLIENT_KEY}"},
        json={"model": "support", "user": user, "messages": [{"role": "user", "content": "hi"}]},
    )
    assert r.status_code == 200, r.text
    return r.headers["x-swapsafe-served-by"]


def admin(client: httpx.Client, url: str, path: str, body: dict[str, object]) -> None:
    r = client.post(f"{url}{path}", headers={"authorization": f"Bearer {ADMIN_TOKEN}"}, json=body)
    assert r.status_code == 200, r.text


def time_until(predicate_url: str, client: httpx.Client, want: str, limit: float) -> float:
    """Seconds until every probe user on ``predicate_url`` is served by ``want``."""
    start = time.monotonic()
    while True:
        if all(served_by(client, predicate_url, f"u{i}") == want for i in range(5)):
            return time.monotonic() - start
        if time.monotonic() - start > limit:
            raise AssertionError(f"{predicate_url} still not on {want} after {limit} s")
        time.sleep(0.01)
