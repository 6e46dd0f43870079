"""A minimal HTTP/1.1 server on loopback that runs an ASGI app, with real connection faults.

Keep-alive, ``Content-Length`` and chunked bodies both ways. When the app raises
:class:`~swapsafe.testing.faults.ConnectionReset` the socket is closed with a TCP reset
(``SO_LINGER`` 0), so clients see what they would see from a real broken upstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from http import HTTPStatus
from typing import Any

from swapsafe.testing.faults import ConnectionReset

#: the ASGI types the loopback server speaks (the fake upstream is an ASGI app)
Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


ASGIApp = Any  # any ASGI 3 callable: (scope, receive, send) -> Awaitable[None]
_MAX_HEAD = 64 * 1024


def _phrase(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b"Overloaded" if status == 529 else b"Unknown"


class _Response:
    """ASGI ``send`` for one request: writes the status line, headers and body framing."""

    __slots__ = ("_chunked", "_headers", "_status", "complete", "started", "writer")

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.started = False
        self.complete = False
        self._status = 200
        self._headers: list[tuple[bytes, bytes]] = []
        self._chunked = False

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self._status = message["status"]
            self._headers = list(message.get("headers", ()))
            return
        if kind != "http.response.body" or self.complete:
            return
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        if not self.started:
            self.started = True
            has_length = any(k.lower() == b"content-length" for k, _ in self._headers)
            head = [b"HTTP/1.1 %d %s\r\n" % (self._status, _phrase(self._status))]
            head.extend(k + b": " + v + b"\r\n" for k, v in self._headers)
            if not more and not has_length:
                head.append(b"content-length: %d\r\n" % len(body))
            elif more and not has_length:
                self._chunked = True
                head.append(b"transfer-encoding: chunked\r\n")
            head.append(b"\r\n")
            self.writer.write(b"".join(head))
        if self._chunked:
            if body:
                self.writer.write(b"%x\r\n%s\r\n" % (len(body), body))
            if not more:
                self.writer.write(b"0\r\n\r\n")
        elif body:
            self.writer.write(body)
        if not more:
            self.complete = True
        if more:
            await self.writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _read_body(reader: asyncio.StreamReader, length: int, chunked: bool) -> bytes:
    if not chunked:
        return await reader.readexactly(length) if length else b""
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers supported
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


class LoopbackServer:
    """Serve ``app`` on ``host:port`` (port 0 picks a free one) until :meth:`stop`."""

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._connection, self.host, self.port, limit=_MAX_HEAD, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        aborted = False
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
                    return
                keep_alive, scope, body = await self._parse(reader, head)
                response = _Response(writer)
                try:
                    await self.app(scope, _receiver(body), response.send)
                except ConnectionReset:
                    aborted = True
                    _reset(writer)
                    return
                except Exception:
                    if not response.started:
                        await response.send({"type": "http.response.start", "status": 500})
                        await response.send({"type": "http.response.body", "body": b"error"})
                    else:
                        aborted = True
                        _reset(writer)
                        return
                if not response.complete:
                    aborted = True
                    _reset(writer)
                    return
                await writer.drain()
                if not keep_alive:
                    return
        except (OSError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            # stop() cancels hanging handlers; ending normally keeps asyncio's stream callback
            # from reporting the cancellation as an error.
            return
        finally:
            self._tasks.discard(task)
            if not aborted:
                writer.close()

    async def _parse(self, reader: asyncio.StreamReader, head: bytes) -> tuple[bool, Scope, bytes]:
        lines = head[:-4].split(b"\r\n")
        method, target, version = lines[0].split(b" ", 2)
        headers: list[tuple[bytes, bytes]] = []
        length = 0
        chunked = False
        keep_alive = version == b"HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip()
            headers.append((name, value))
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep_alive = value.lower() != b"close"
        body = await _read_body(reader, length, chunked)
        path, _, query = target.partition(b"?")
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": version[5:].decode(),
            "method": method.decode(),
            "scheme": "http",
            "path": path.decode("latin-1"),
            "raw_path": path,
            "query_string": query,
            "root_path": "",
            "headers": headers,
            "server": (self.host, self.port),
            "client": None,
        }
        return keep_alive, scope, body


def _receiver(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no disconnect detection: wait until cancelled
        return {"type": "http.disconnect"}

    return receive


@contextlib.contextmanager
def serve_in_thread(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run a :class:`LoopbackServer` in a daemon thread with its own event loop; yield its URL."""
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def main() -> None:
        server = LoopbackServer(app, host=host, port=port)
        stop = asyncio.Event()
        state["loop"], state["stop"] = asyncio.get_running_loop(), stop
        try:
            await server.start()
            state["url"] = server.url
        except BaseException as exc:
            state["error"] = exc
            raise
        finally:
            ready.set()
        try:
            await stop.wait()
        finally:
            await server.stop()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True, name="fake-upstream")
    thread.start()
    ready.wait()
    if "error" in state:
        thread.join()
        raise RuntimeError(f"fake upstream could not start: {state['error']}")
    try:
        yield state["url"]
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(timeout=10)
