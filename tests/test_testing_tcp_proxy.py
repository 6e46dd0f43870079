"""swapsafe.testing.FaultyTcpProxy: each mode does what the outage tests rely on."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from swapsafe.testing import FaultyTcpProxy


@contextlib.contextmanager
def echo_server() -> Iterator[tuple[str, int]]:
    """A loopback TCP server that echoes every connection."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            while data := conn.recv(65536):
                conn.sendall(data)

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()
    finally:
        listener.close()


def roundtrip(port: int, data: bytes = b"ping", timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return sock.recv(65536)


def dropped(sock: socket.socket) -> bool:
    """The proxy reset (or closed) this connection."""
    try:
        sock.sendall(b"x")
        return sock.recv(10) == b""
    except OSError:
        return True


def test_forward_relays_both_ways() -> None:
    with echo_server() as target, FaultyTcpProxy(target) as proxy:
        assert roundtrip(proxy.port) == b"ping"


def test_silent_accepts_and_never_answers_new_or_open_connections() -> None:
    with echo_server() as target, FaultyTcpProxy(target) as proxy:
        open_conn = socket.create_connection(("127.0.0.1", proxy.port), timeout=0.3)
        open_conn.sendall(b"a")
        assert open_conn.recv(10) == b"a"
        proxy.switch("silent")
        open_conn.sendall(b"b")
        with pytest.raises(TimeoutError):
            open_conn.recv(10)  # an open connection swallows what it receives
        with pytest.raises(TimeoutError):
            roundtrip(proxy.port, timeout=0.3)  # a new one is accepted, never answered
        open_conn.close()


def test_refuse_refuses_and_resets_then_forward_comes_back_on_the_same_port() -> None:
    with echo_server() as target, FaultyTcpProxy(target) as proxy:
        port = proxy.port
        open_conn = socket.create_connection(("127.0.0.1", port), timeout=2)
        proxy.switch("refuse")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)
        assert dropped(open_conn)
        open_conn.close()
        proxy.switch("forward")
        assert proxy.port == port and roundtrip(port) == b"ping"


def test_cut_resets_open_connections_and_keeps_forwarding_new_ones() -> None:
    with echo_server() as target, FaultyTcpProxy(target) as proxy:
        open_conn = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
        open_conn.sendall(b"a")
        assert open_conn.recv(10) == b"a"
        proxy.cut()
        assert dropped(open_conn)
        open_conn.close()
        assert roundtrip(proxy.port) == b"ping"


def test_an_unknown_mode_is_refused() -> None:
    with (
        echo_server() as target,
        FaultyTcpProxy(target) as proxy,
        pytest.raises(ValueError, match="forward, silent or refuse"),
    ):
        proxy.switch("down")  # type: ignore[arg-type]
