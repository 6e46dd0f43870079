"""Process management of the demo's model servers: free ports, readiness, cleanup on exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.demo.demo_helpers import fake_server_argv, pid_alive, port_open

from swapsafe.demo import servers
from swapsafe.demo.servers import (
    ManagedServer,
    ServerGroup,
    ServerSpec,
    ServerStartError,
    free_port,
    free_ports,
    llama_server_argv,
)

pytestmark = pytest.mark.slow  # spawns processes


def _wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_free_port_is_bindable_and_free_ports_are_distinct() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # nothing holds it
    ports = free_ports(5)
    assert len(set(ports)) == 5
    assert all(1024 <= p < 65536 for p in ports)


def test_llama_argv_uses_the_server_module_on_loopback(tmp_path: Path) -> None:
    argv = llama_server_argv(tmp_path / "m.gguf", port=8123, alias="m", n_ctx=512, n_threads=1)
    assert argv[1:3] == ["-m", "swapsafe.demo.llama_server"]
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "8123"
    assert "--chat_format" not in argv  # the GGUF's own chat template
    with_format = llama_server_argv(
        tmp_path / "m.gguf", port=1, alias="m", n_ctx=1, n_threads=1, chat_format="chatml"
    )
    assert with_format[-2:] == ["--chat_format", "chatml"]


def test_server_starts_answers_and_is_killed_on_stop(tmp_path: Path) -> None:
    port = free_port()
    server = ManagedServer(
        ServerSpec("fake", fake_server_argv(port), port, log_path=tmp_path / "fake.log")
    )
    server.start()
    try:
        server.wait_ready(30)
        assert port_open(port)
        pid = server.pid
        assert pid is not None
    finally:
        server.stop()
    assert _wait_gone(pid)
    assert not port_open(port)
    assert server not in servers._LIVE


def test_group_stops_servers_on_keyboard_interrupt(tmp_path: Path) -> None:
    ports = free_ports(2)
    specs = [ServerSpec(f"s{p}", fake_server_argv(p), p) for p in ports]
    group = ServerGroup(specs)
    with pytest.raises(KeyboardInterrupt), group:
        group.start(30)
        pids = [s.pid for s in group.servers]
        raise KeyboardInterrupt
    for pid in pids:
        assert pid is not None and _wait_gone(pid)
    assert not any(port_open(p) for p in ports)


def test_stop_kills_the_whole_process_group(tmp_path: Path) -> None:
    """A server that forks (as shells and launchers do) leaves no child behind."""
    port = free_port()
    pidfile = tmp_path / "grandchild.pid"
    script = f"sleep 300 & echo $! > {pidfile}; exec {' '.join(fake_server_argv(port))}"
    server = ManagedServer(ServerSpec("forking", ["/bin/sh", "-c", script], port))
    server.start()
    try:
        server.wait_ready(30)
        grandchild = int(pidfile.read_text())
        assert pid_alive(grandchild)
    finally:
        server.stop()
    assert _wait_gone(grandchild)


def test_a_server_that_exits_reports_its_log(tmp_path: Path) -> None:
    log = tmp_path / "bad.log"
    argv = [sys.executable, "-c", "import sys; print('model file is broken'); sys.exit(3)"]
    server = ManagedServer(ServerSpec("broken", argv, free_port(), log_path=log))
    server.start()
    with pytest.raises(ServerStartError, match=r"(?s)exited \(code 3\).*model file is broken"):
        server.wait_ready(30, poll=0.05)
    server.stop()


def test_a_server_that_never_answers_times_out_and_is_killed(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(300)"]
    server = ManagedServer(ServerSpec("silent", argv, free_port()))
    server.start()
    pid = server.pid
    with pytest.raises(ServerStartError, match="did not answer"):
        server.wait_ready(0.5, poll=0.05)
    assert pid is not None and _wait_gone(pid)


def test_atexit_hook_stops_what_is_left() -> None:
    port = free_port()
    server = ManagedServer(ServerSpec("left", fake_server_argv(port), port))
    server.start()
    server.wait_ready(30)
    pid = server.pid
    servers.stop_all()
    assert pid is not None and _wait_gone(pid)


def _inherit(disposition: signal.Handlers) -> Callable[[], None]:
    """A preexec_fn: the child starts with SIGINT and SIGTERM at ``disposition``."""

    def set_dispositions() -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, disposition)

    return set_dispositions


@pytest.mark.parametrize("inherited", [signal.SIG_DFL, signal.SIG_IGN], ids=["default", "ignored"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signals_to_the_parent_stop_the_servers(
    tmp_path: Path, sig: signal.Signals, inherited: signal.Handlers
) -> None:
    """A process running servers is interrupted (Ctrl-C or SIGTERM): no server outlives it.

    Also when it was started with the signal ignored, as every background job of a
    non-interactive shell is for SIGINT (``./scripts/test.sh &``): the test used to pass in a
    terminal and hang 20 s when the test run itself was started that way.
    """
    port = free_port()
    pidfile = tmp_path / "server.pid"
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from swapsafe.demo.servers import ServerGroup, ServerSpec, interrupts_as_keyboard
        argv = {fake_server_argv(port)!r}
        with interrupts_as_keyboard():
            try:
                with ServerGroup([ServerSpec("fake", argv, {port})]) as group:
                    group.start(30)
                    Path({str(pidfile)!r}).write_text(str(group.servers[0].pid))
                    time.sleep(300)
            except KeyboardInterrupt:
                sys.exit(130)
        """
    )
    parent = subprocess.Popen(  # noqa: PLW1509 - the child must start with these dispositions
        [sys.executable, "-c", code], cwd=os.getcwd(), preexec_fn=_inherit(inherited)
    )
    try:
        deadline = time.monotonic() + 30
        while not pidfile.exists() or not pidfile.read_text():
            assert parent.poll() is None, "the parent died before its server was ready"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        child = int(pidfile.read_text())
        assert pid_alive(child)
        parent.send_signal(sig)
        assert parent.wait(timeout=20) == 130
        assert _wait_gone(child)
        assert not port_open(port)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_a_killed_parent_takes_its_servers_along(tmp_path: Path) -> None:
    """Even SIGKILL of the parent (no cleanup code runs) ends the servers (parent-death signal)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux only")
    port = free_port()
    pidfile = tmp_path / "server.pid"
    code = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from swapsafe.demo.servers import ManagedServer, ServerSpec
        server = ManagedServer(ServerSpec("fake", {fake_server_argv(port)!r}, {port}))
        server.start()
        server.wait_ready(30)
        Path({str(pidfile)!r}).write_text(str(server.pid))
        time.sleep(300)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 30
        while not pidfile.exists() or not pidfile.read_text():
            assert parent.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.05)
        child = int(pidfile.read_text())
        parent.kill()
        parent.wait()
        assert _wait_gone(child)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
