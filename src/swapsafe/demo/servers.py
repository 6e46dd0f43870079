"""Local model servers for the demo: start, wait until ready, and always stop.

Each server runs in its own process group (``start_new_session``), so stopping it kills the
whole tree, and a Ctrl-C in the terminal reaches only swapsafe, which then stops the servers
itself. Three nets make sure nothing is left running: the ``with`` block of
:class:`ServerGroup`, an ``atexit`` hook, and SIGINT/SIGTERM/SIGHUP turned into KeyboardInterrupt
by :func:`interrupts_as_keyboard` (plus, on Linux, a parent-death signal for a SIGKILLed parent).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType

import httpx

from swapsafe.exceptions import SwapsafeError

_LIVE: set[ManagedServer] = set()
_LIVE_LOCK = threading.Lock()


class ServerStartError(SwapsafeError):
    """A local model server exited or did not answer in time."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct free ports (held open together while choosing, so none repeats)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind((host, 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for sock in socks:
            sock.close()


def llama_server_argv(
    model_path: Path,
    *,
    port: int,
    alias: str,
    n_ctx: int,
    n_threads: int,
    chat_format: str | None = None,
    python: str = sys.executable,
) -> list[str]:
    """The command line of llama-cpp-python's OpenAI-compatible server on loopback.

    It runs through :mod:`swapsafe.demo.llama_server` (the unchanged ``llama_cpp.server`` entry
    point, with Gemma 3's template registered as ``gemma3``). With ``chat_format`` None the
    server formats chats with the template embedded in the GGUF.
    """
    argv = [
        python,
        "-m",
        "swapsafe.demo.llama_server",
        "--model",
        str(model_path),
        "--model_alias",
        alias,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(n_threads),
        "--n_threads_batch",
        str(n_threads),
        "--n_batch",
        "256",
        # llama-cpp-python's server cuts off a streaming answer when the next request arrives
        # (its default): with the gateway's served and concurrent calls, streamed answers ended
        # after a few tokens, with no finish_reason
        "--interrupt_requests",
        "false",
    ]
    if chat_format:
        argv += ["--chat_format", chat_format]
    return argv


@dataclass
class ServerSpec:
    """What to run and how to tell that it is ready."""

    name: str
    argv: Sequence[str]
    port: int
    host: str = "127.0.0.1"
    ready_path: str = "/v1/models"
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"


def _parent_death_signal() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: SIGTERM the child when the thread that started it dies (e.g. parent SIGKILLed)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ManagedServer:
    """One server process in its own process group."""

    def __init__(self, spec: ServerSpec) -> None:
        self.spec = spec
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: object | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        env = {**os.environ, **self.spec.env}
        log = self.spec.log_path.open("ab") if self.spec.log_path else subprocess.DEVNULL
        self._log = log
        # the parent-death signal is tied to the starting thread; only use it from the main one
        pre_exec: Callable[[], None] | None = None
        if sys.platform == "linux" and threading.current_thread() is threading.main_thread():
            pre_exec = _parent_death_signal
        self.proc = subprocess.Popen(  # noqa: S603 - argv built by this module, no shell
            list(self.spec.argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=pre_exec,
        )
        with _LIVE_LOCK:
            _LIVE.add(self)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 12) -> str:
        path = self.spec.log_path
        if path is None or not path.is_file():
            return ""
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_ready(self, timeout: float, *, poll: float = 0.25) -> float:
        """Block until GET ready_path answers 200; return the seconds waited."""
        started = time.monotonic()
        url = f"http://{self.spec.host}:{self.spec.port}{self.spec.ready_path}"
        with httpx.Client(timeout=2.0) as client:
            while True:
                if not self.alive():
                    code = self.proc.returncode if self.proc is not None else None
                    tail = self.log_tail()
                    raise ServerStartError(
                        f"{self.spec.name} server exited (code {code}) before it was ready"
                        + (f"; last log lines:\n{tail}" if tail else "")
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(url).status_code == 200:
                        return time.monotonic() - started
                if time.monotonic() - started > timeout:
                    self.stop()
                    raise ServerStartError(
                        f"{self.spec.name} server did not answer on {url} within {timeout:.0f}s"
                    )
                time.sleep(poll)

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the process group, then SIGKILL whatever is left after ``grace`` seconds."""
        proc = self.proc
        if proc is not None:
            if proc.poll() is None:
                _signal_group(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    _signal_group(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=grace)
            _signal_group(proc.pid, signal.SIGKILL)  # stray children of the group, if any
        log = self._log
        if log is not None and hasattr(log, "close"):
            log.close()
        self._log = None
        with _LIVE_LOCK:
            _LIVE.discard(self)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class ServerGroup:
    """Start several servers together; ``with`` stops them all, whatever happens."""

    def __init__(self, specs: Sequence[ServerSpec]) -> None:
        self.servers = [ManagedServer(s) for s in specs]

    def start(
        self, timeout: float, on_ready: Callable[[ServerSpec, float], None] | None = None
    ) -> None:
        for server in self.servers:
            server.start()
        for server in self.servers:
            waited = server.wait_ready(timeout)
            if on_ready is not None:
                on_ready(server.spec, waited)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def __enter__(self) -> ServerGroup:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def stop_all() -> None:
    """Stop every server this process started and has not stopped yet (the atexit hook)."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for server in live:
        server.stop(grace=2.0)


atexit.register(stop_all)


#: the signals that stop a process running servers (and the servers with it)
INTERRUPTS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def interrupts_as_keyboard() -> Iterator[None]:
    """While inside, SIGINT, SIGTERM and SIGHUP raise KeyboardInterrupt (main thread only), so
    the ``finally`` blocks that stop the servers run for each of them.

    SIGINT is set here too, not left to Python: Python raises KeyboardInterrupt for SIGINT only
    when the process started with SIGINT at its default action. A process started with SIGINT
    ignored (any background job of a non-interactive shell, ``nohup``-style launchers, a test
    runner started with ``&``) inherits the ignore through fork and exec, so Ctrl-C or
    ``kill -INT`` would do nothing at all, and the servers, in their own sessions, would run on.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {}
    for sig in INTERRUPTS:
        previous[sig] = signal.signal(sig, _raise)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
