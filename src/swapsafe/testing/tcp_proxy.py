"""A TCP proxy that fails on command: a test double for outage tests (a store or an upstream
that goes down, hangs, or drops its connections).

Example::

    with FaultyTcpProxy(("127.0.0.1", 5432)) as proxy:      # forwarding to PostgreSQL
        url = f"postgresql://postgres@127.0.0.1:{proxy.port}/test"
        ...
        proxy.switch("silent")    # the server hangs: accepted, never answered
        proxy.switch("refuse")    # the server is down: connections refused, open ones reset
        proxy.switch("forward")   # back
        proxy.cut()               # drop the pooled connections that went silent
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from typing import Literal

Mode = Literal["forward", "silent", "refuse"]


class FaultyTcpProxy:
    """127.0.0.1:``port`` in front of ``target``, in one of three modes, switched at will.

    - ``forward``: bytes are relayed both ways, on open and new connections.
    - ``silent``: new connections are accepted and never answered; open ones swallow what they
      receive either way (a server that hangs, a network that blackholes).
    - ``refuse``: the port stays bound but does not listen, so connecting is refused (a server
      that is down); every open connection is reset.

    :meth:`cut` resets every open connection and keeps the mode. The port never changes.
    """

    def __init__(self, target: tuple[str, int], mode: Mode = "forward") -> None:
        self.target = target
        self.mode: Mode = "refuse"
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._listener = self._bind(0)
        self.port = int(self._listener.getsockname()[1])
        self.switch(mode)

    def __enter__(self) -> FaultyTcpProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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

    def switch(self, mode: Mode) -> None:
        if mode not in ("refuse", "silent", "forward"):
            raise ValueError(f"unknown mode {mode!r}: forward, silent or refuse")
        if mode == self.mode:
            return
        if mode == "refuse":  # stop listening, reset everything, bind again without listen()
            self._close_listener()
            self.cut()
            self._listener = self._bind(self.port)
        was, self.mode = self.mode, mode
        if was == "refuse":
            self._listener.listen(64)
            threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def cut(self) -> None:
        """Reset every open connection (both sides); new ones follow the mode."""
        with self._lock:
            socks, self._open = self._open, []
        for sock in socks:
            with contextlib.suppress(OSError):  # shutdown wakes a relay thread blocked on it
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._close_listener()
        self.cut()

    def _close_listener(self) -> None:
        with contextlib.suppress(OSError):  # wakes the accept() blocked on it
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._open.extend(socks)

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

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                if self.mode == "forward":
                    dst.sendall(data)  # else swallowed: the other side waits forever
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
