"""Helpers for store-outage tests: a TCP proxy in front of PostgreSQL and real gateway processes."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

CLIENT_KEY = "outage-client-key"
ADMIN_TOKEN = "outage-admin-token-0123456789abcdef"


class TcpProxy:
    """127.0.0.1:port in front of ``target``, in one of three modes, switched at will.

    ``refuse``: the port is bound but not listening, so connecting is refused (as for a server
    that is down); every open connection is reset. ``silent``: connections are accepted and
    never answered. ``forward``: bytes are relayed both ways.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = "refuse"
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._listener = self._bind(0)
        self.port = int(self._listener.getsockname()[1])

    @staticmethod
    def _bind(port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            raise
        return sock

    def switch(self, mode: str) -> None:
        assert mode in ("refuse", "silent", "forward")
        if mode == self.mode:
            return
        if mode == "refuse":  # stop listening, reset everything, bind again without listen()
            with contextlib.suppress(OSError):  # wakes the accept() blocked on it
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._reset_all()
            self._listener = self._bind(self.port)
        was, self.mode = self.mode, mode
        if was == "refuse":
            self._listener.listen(64)
            threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def close(self) -> None:
        self._listener.close()
        self._reset_all()

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._open.extend(socks)

    def _reset_all(self) -> None:
        with self._lock:
            socks, self._open = self._open, []
        for sock in socks:
            with contextlib.suppress(OSError):  # shutdown wakes a relay thread blocked on it
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed: this mode is over
                return
            self._track(client)
            if self.mode != "forward":
                continue  # silent: hold it open, never answer
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self._track(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


def write_config(tmp: Path, store_url: str, old_url: str, new_url: str) -> Path:
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
            client_keys = ["env::OUTAGE_CLIENT_KEY"]
            admin_token = "env::OUTAGE_ADMIN_TOKEN"
            """
        )
    )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class GatewayProcess:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def gateway(
    config: Path, log: Path, command: tuple[str, ...] = ("gateway",)
) -> Iterator[GatewayProcess]:
    """``python -m swapsafe gateway`` until it answers /healthz (liveness), stopped on exit."""
    port = free_port()
    env = {**os.environ, "OUTAGE_CLIENT_KEY": CLIENT_KEY, "OUTAGE_ADMIN_TOKEN": ADMIN_TOKEN}
    argv = [sys.executable, "-m", "swapsafe", *command, "-c", str(config), "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
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


def metric(url: str, name: str) -> float:
    for line in httpx.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")
