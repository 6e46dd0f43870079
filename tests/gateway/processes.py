"""Real gateway processes (``python -m swapsafe gateway``) for tests across areas: a free port,
a two-model config, start until /healthz answers, stop on exit."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(
    tmp: Path, store_url: str, old_url: str, new_url: str, *, key_env: str, token_env: str
) -> Path:
    """Models old and new behind workload "support"; the client key and the admin token are
    read from the environment variables ``key_env`` and ``token_env``."""
    path = tmp / "swapsafe.toml"
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
            client_keys = ["env::{key_env}"]
            admin_token = "env::{token_env}"
            """
        )
    )
    return path


@dataclass
class GatewayProcess:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def gateway(
    config: Path,
    env: dict[str, str],
    *,
    log: Path | None = None,
    command: tuple[str, ...] = ("gateway",),
    args: tuple[str, ...] = (),
) -> Iterator[GatewayProcess]:
    """``python -m swapsafe COMMAND`` until it answers /healthz (liveness), stopped on exit;
    its output goes to ``log`` (default: gateway-PORT.log next to the config)."""
    port = free_port()
    log = log or config.parent / f"gateway-{port}.log"
    argv = [sys.executable, "-m", "swapsafe", *command, "-c", str(config), "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*argv, *args], env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    g = GatewayProcess(proc, f"http://127.0.0.1:{port}", log)
    try:
        wait_for(lambda: _answers(g), 60, lambda: f"no /healthz answer:\n{g.output()}")
        yield g
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _answers(g: GatewayProcess) -> bool:
    if g.proc.poll() is not None:
        raise AssertionError(f"gateway exited with {g.proc.returncode}:\n{g.output()}")
    try:
        return httpx.get(f"{g.url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(check: Callable[[], bool], limit: float, why: Callable[[], str]) -> None:
    """Poll ``check`` until true; fail after ``limit`` seconds (a bound, not an expectation)."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(why())
        time.sleep(0.1)
