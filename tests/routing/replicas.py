"""Run real gateway processes (``python -m swapsafe gateway``) against fake upstreams."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from swapsafe.testing import FakeUpstream

ADMIN_TOKEN = "replica-admin-token-0123456789"
CLIENT_KEY = "replica-client-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def upstreams() -> Iterator[tuple[str, str]]:
    with (
        FakeUpstream("openai").serve_in_thread() as old_url,
        FakeUpstream("openai").serve_in_thread() as new_url,
    ):
        yield old_url, new_url


def write_config(tmp_path: Path, store_url: str, old_url: str, new_url: str) -> Path:
    path = tmp_path / "swapsafe.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [store]
            url = "{store_url}"

            [models.old]
            provider = "openai-compatible"
            model = "old-model"
            base_url = "{old_url}"

            [models.new]
            provider = "openai-compatible"
            model = "new-model"
            base_url = "{new_url}"

            [workloads.support]
            baseline = "old"
            candidate = "new"

            [gateway]
            client_keys = ["env::REPLICA_CLIENT_KEY"]
            admin_token = "env::REPLICA_ADMIN_TOKEN"
            """
        )
    )
    return path


@contextlib.contextmanager
def gateway_process(config: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "REPLICA_ADMIN_TOKEN": ADMIN_TOKEN, "REPLICA_CLIENT_KEY": CLIENT_KEY}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "swapsafe",
            "gateway",
            "-c",
            str(config),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                raise AssertionError(f"gateway exited with {proc.returncode}: {out}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("gateway did not start within 30 s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


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
