"""Store-outage tests: real gateway processes whose PostgreSQL sits behind a
:class:`~swapsafe.testing.FaultyTcpProxy`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
from tests.gateway import processes
from tests.gateway.processes import GatewayProcess
from tests.gateway.processes import wait_for as wait_for

CLIENT_KEY = "outage-client-key"
ADMIN_TOKEN = "outage-admin-token-0123456789abcdef"
ENV = {"OUTAGE_CLIENT_KEY": CLIENT_KEY, "OUTAGE_ADMIN_TOKEN": ADMIN_TOKEN}


def write_config(tmp: Path, store_url: str, old_url: str, new_url: str) -> Path:
    return processes.write_config(
        tmp,
        store_url,
        old_url,
        new_url,
        key_env="OUTAGE_CLIENT_KEY",
        token_env="OUTAGE_ADMIN_TOKEN",
    )


@contextlib.contextmanager
def gateway(
    config: Path, log: Path, command: tuple[str, ...] = ("gateway",)
) -> Iterator[GatewayProcess]:
    with processes.gateway(config, ENV, log=log, command=command) as g:
        yield g


def metric(url: str, name: str) -> float:
    for line in httpx.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")
