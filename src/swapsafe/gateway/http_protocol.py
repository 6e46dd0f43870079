"""The gateway's HTTP/1.1 protocol: uvicorn's, with a fast lane for the proxy routes.

uvicorn turns every request into an ASGI scope, a ``RequestResponseCycle`` with an
``asyncio.Event``, receive/send message dicts, a middleware call and a header check per
response: about 100 µs of CPU per request on this kind of machine, against about 30 µs for
the HTTP work itself. Every proxied request pays that, so the two proxy routes
(``POST /v1/chat/completions``, ``POST /v1/messages``) take a shorter way here: the parsed
headers and body go straight to :meth:`Gateway.serve`, and its response is written to the
socket in one write (a streamed response: its head with the first event, then one write per
event). Everything else (admin, metrics, health, feedback, odd requests) stays on uvicorn's
own path, on the same connection.

The fast lane keeps uvicorn's behaviour where it matters: keep-alive and pipelining (a
:class:`ProxyExchange` stands in for uvicorn's cycle in its queue), ``Expect: 100-continue``,
read back-pressure on large bodies, write back-pressure on streams, graceful shutdown (the
task is in the server's task set; ``Connection: close`` once shutdown starts), the ``date``
and ``server`` headers, and a client that hangs up mid-stream (the stream is cancelled,
which records the trace row as ``client_disconnect``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterable, Sequence
from typing import Any, Protocol

from starlette.responses import Response, StreamingResponse
from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE, STATUS_LINE

from swapsafe.gateway.calls import BodyTooLarge, ThenResponse, header_map, refuse_declared
from swapsafe.gateway.errors import INTERNAL_ERROR, error_response
from swapsafe.gateway.http_guard import GuardedHttpToolsProtocol
from swapsafe.gateway.proxy import PROXY_ROUTES, Gateway

log = logging.getLogger("swapsafe.gateway")

#: raw request path -> inbound wire format
PROXY_PATHS = {path.encode(): inbound for path, inbound in PROXY_ROUTES.items()}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_LAST_CHUNK = b"0\r\n\r\n"


def find_gateway(app: Any) -> Gateway | None:
    """The :class:`Gateway` behind an ASGI app: through uvicorn's middleware wrappers (``.app``)
    and the gateway and web entry points (``.gateway``)."""
    stack = [app]
    for _ in range(16):
        if not stack:
            break
        node = stack.pop()
        if isinstance(node, Gateway):
            return node
        stack += [c for c in (getattr(node, "app", None), getattr(node, "gateway", None)) if c]
    return None


class _DefaultHead:
    """uvicorn's default response headers (``date``, ``server``) as bytes, re-encoded only
    when the server replaces the list (once a second, for the date)."""

    __slots__ = ("_bytes", "_source")

    def __init__(self) -> None:
        self._source: object = None
        self._bytes = b""

    def get(self, headers: Sequence[tuple[bytes, bytes]]) -> bytes:
        if headers is not self._source:
            self._bytes = b"".join(b"%s: %s\r\n" % (name, value) for name, value in headers)
            self._source = headers
        return self._bytes


def _head(
    status: int, headers: Sequence[tuple[bytes, bytes]], defaults: bytes, *, close: bool
) -> tuple[bytes, bool]:
    """The status line and headers, and whether the response asks to close the connection."""
    parts = [STATUS_LINE[status], defaults]
    for name, value in headers:
        if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
            raise RuntimeError(f"invalid response header {name!r}")
        if name == b"connection" and b"close" in [t.strip() for t in value.lower().split(b",")]:
            close = True
        parts += (name, b": ", value, b"\r\n")
    if close:
        parts.append(b"connection: close\r\n")
    parts.append(b"\r\n")
    return b"".join(parts), close


class ProxyExchange:
    """One proxy request on the fast lane.

    It has the attributes uvicorn's ``HttpToolsProtocol`` reads and writes on its current
    cycle (``body``, ``more_body``, ``response_complete``, ``disconnected``, ``keep_alive``,
    ``message_event.set()``, ``run_asgi``), so the protocol's parser callbacks, pipelining,
    shutdown and connection-lost handling work on it unchanged.
    """

    __slots__ = (
        "_answered",
        "_held",
        "_streaming",
        "_task",
        "_waiter",
        "body",
        "disconnected",
        "expect_100_continue",
        "gateway",
        "headers",
        "inbound",
        "keep_alive",
        "message_event",
        "more_body",
        "on_response",
        "protocol",
        "response_complete",
    )

    def __init__(
        self,
        protocol: GatewayHttpProtocol,
        gateway: Gateway,
        inbound: str,
        headers: dict[str, str],
        *,
        keep_alive: bool,
        expect_100_continue: bool,
    ) -> None:
        self.protocol = protocol
        self.gateway = gateway
        self.inbound = inbound
        self.headers = headers
        self.keep_alive = keep_alive
        self.expect_100_continue = expect_100_continue
        self.body = bytearray()
        self.more_body = True
        self.response_complete = False
        self.disconnected = False
        self.message_event: _Settable = self  # the protocol calls ``cycle.message_event.set()``
        self.on_response = protocol.on_response_complete
        self._waiter: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._streaming = False
        self._held: bytes | None = None
        self._answered = False  # a response head was written (or is about to be)

    # -- what the protocol calls -------------------------------------------------------------
    def answered(self) -> bool:
        """Whether a response head was written (or is about to be)."""
        return self._answered

    def set(self) -> None:
        """More body arrived, the body ended, or the client went away."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self.disconnected and self._streaming and self._task is not None:
            self._streaming = False
            self._task.cancel()  # stop relaying; the stream's trace row says client_disconnect

    async def run_asgi(self, app: object) -> None:  # the name uvicorn's pipeline calls
        self._task = asyncio.current_task()
        protocol = self.protocol
        protocol.running = self
        try:
            try:
                response = await self.gateway.serve(self.inbound, self.headers, self.read_body)
            except Exception:  # never a bare 500 page: answer in the caller's format
                if self.disconnected:  # the client left mid-request: nobody to answer
                    log.debug("gateway: the client left mid-request", exc_info=True)
                    return
                log.exception("gateway: unexpected error")
                response = error_response(self.inbound, 500, INTERNAL_ERROR)
            await self._respond(response)
        except asyncio.CancelledError:
            if not self.disconnected:  # the server's graceful-shutdown time ran out
                self._abort("the gateway is shutting down; retry the request")
                raise
        except Exception:
            log.exception("gateway: relaying the response failed")
            self._abort(INTERNAL_ERROR)
        finally:
            self.on_response = _nothing
            # no reference cycle left behind (the exchange's own, its task's frame): freed when
            # the request ends, not left to the garbage collector, whose pauses stop the loop
            self.message_event = _ENDED
            self._task = None
            if protocol.running is self:
                protocol.running = None

    def _abort(self, message: str) -> None:
        """End an exchange that cannot finish: a 500 in the caller's format if nothing was
        sent yet, and the connection closed either way."""
        transport = self.protocol.transport
        if not self._answered and not self.disconnected and not transport.is_closing():
            self._answered = True
            self.keep_alive = False
            response = error_response(self.inbound, 500, message)
            with contextlib.suppress(Exception):
                transport.write(self._head(500, response.raw_headers) + bytes(response.body))
        transport.close()

    # -- request body --------------------------------------------------------------------------
    async def read_body(self, limit: int, declared: str | None) -> bytes:
        """The whole body, refused past ``limit`` bytes (before reading, when declared)."""
        refuse_declared(limit, declared)
        parts: list[bytes] = []
        size = 0
        while True:
            if self.body:
                size += len(self.body)
                if size > limit:
                    raise BodyTooLarge
                parts.append(bytes(self.body))
                self.body.clear()
            if not self.more_body:
                self.protocol.flow.resume_reading()  # keep reading: a hang-up must be seen
                return parts[0] if len(parts) == 1 else b"".join(parts)
            if self.disconnected:
                raise ConnectionResetError("the client closed the connection mid-request")
            protocol = self.protocol
            if self.expect_100_continue and not protocol.transport.is_closing():
                protocol.transport.write(_CONTINUE)
                self.expect_100_continue = False
            protocol.flow.resume_reading()
            self._waiter = protocol.loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    # -- response ------------------------------------------------------------------------------
    async def _respond(self, response: Response | ThenResponse) -> None:
        self.expect_100_continue = False
        if isinstance(response, ThenResponse):
            try:
                self._send_whole(200, response.raw_headers, response.body)
            finally:
                response.then()
        elif isinstance(response, StreamingResponse):
            await self._send_stream(response.status_code, response.raw_headers, response)
        else:
            self._send_whole(response.status_code, response.raw_headers, bytes(response.body))
            if response.background is not None:
                await response.background()

    def _head(self, status: int, headers: Sequence[tuple[bytes, bytes]]) -> bytes:
        defaults = self.protocol.default_head.get(self.protocol.server_state.default_headers)
        head, close = _head(status, headers, defaults, close=not self.keep_alive)
        self.keep_alive = not close
        return head

    def _send_whole(self, status: int, headers: Sequence[tuple[bytes, bytes]], body: bytes) -> None:
        head = self._head(status, headers)
        self._answered = True
        if not self.disconnected:
            self.protocol.transport.write(head + body)
        self._complete()

    async def _send_stream(
        self, status: int, headers: Sequence[tuple[bytes, bytes]], response: StreamingResponse
    ) -> None:
        chunks: AsyncIterable[str | bytes | memoryview] = response.body_iterator
        try:
            head = self._head(status, [*headers, (b"transfer-encoding", b"chunked")])
        except Exception:
            await _close_early(chunks)  # its cleanup closes the upstream call and records it
            raise
        if self.disconnected:  # gone before the first event: start the stream to close it
            await _close_early(chunks)
            return
        self._answered = True
        self._held = head  # goes out with the first event, or alone at the loop's next turn
        self.protocol.loop.call_soon(self._flush_held)
        self._streaming = True
        finished = False
        try:
            async for chunk in chunks:
                data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
                if not data:
                    continue
                if self.protocol.flow.write_paused:
                    await self.protocol.flow.drain()
                if self.disconnected:
                    break
                self._write(b"%x\r\n%s\r\n" % (len(data), data))
            else:
                finished = True
        finally:
            self._streaming = False
            if not finished:
                with contextlib.suppress(Exception):
                    await _aclose(chunks)
        if not self.disconnected:
            self._write(_LAST_CHUNK)
        self._complete()

    def _write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            data = held + data
        if not self.disconnected:
            self.protocol.transport.write(data)

    def _flush_held(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if not self.disconnected:
                self.protocol.transport.write(held)

    def _complete(self) -> None:
        self.response_complete = True
        if not self.keep_alive:
            self.protocol.transport.close()
        self.on_response()


def _nothing() -> None:
    return None


class _Settable(Protocol):
    def set(self) -> None: ...


class _Ended:
    """An ended exchange's ``message_event``: the protocol may still set it (the client left
    after the answer); nothing waits any more."""

    __slots__ = ()

    def set(self) -> None:
        return None


_ENDED = _Ended()


async def _aclose(chunks: AsyncIterable[object]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


async def _close_early(chunks: AsyncIterable[object]) -> None:
    """Run a stream's generator to its first piece and close it, so its cleanup (closing the
    upstream call, recording the trace) runs even though nobody will read it."""
    iterator = aiter(chunks)
    with contextlib.suppress(Exception, StopAsyncIteration):
        await anext(iterator)
    with contextlib.suppress(Exception):
        await _aclose(iterator)


class GatewayHttpProtocol(GuardedHttpToolsProtocol):
    """Pass as ``uvicorn.run(http=...)`` with an app from ``swapsafe.gateway.app`` (or the web
    UI's): read deadlines and header bounds (see ``http_guard``), and the proxy fast lane."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        gateway = find_gateway(self.app)
        plain = self.limit_concurrency is None and not self.root_path
        self.gateway = gateway if plain else None
        self.default_head = _DefaultHead()
        #: the fast-lane exchange being answered (requests pipelined behind it may be queued)
        self.running: ProxyExchange | None = None

    def connection_lost(self, exc: Exception | None) -> None:
        running = self.running
        super().connection_lost(exc)  # marks only the newest request, maybe a queued one
        if running is not None and not running.response_complete and not running.disconnected:
            running.disconnected = True
            running.set()

    def handle_headers(self) -> None:
        gateway = self.gateway
        inbound = None
        if gateway is not None and self.parser.get_method() == b"POST":
            inbound = PROXY_PATHS.get(self.url.partition(b"?")[0])
        if inbound is None or self.parser.should_upgrade() or gateway is None:
            super().handle_headers()
            return
        http_version = self.parser.get_http_version()
        exchange = ProxyExchange(
            self,
            gateway,
            inbound,
            header_map(self.headers),
            keep_alive=http_version != "1.0" and self.parser.should_keep_alive(),
            expect_100_continue=self.expect_100_continue,
        )
        existing = self.cycle
        self.cycle = exchange  # type: ignore[assignment]  # duck-typed, see ProxyExchange
        if existing is None or existing.response_complete:
            self._start_asgi_task(exchange, self.app)  # type: ignore[arg-type]
        else:  # pipelined behind a request still being answered
            self.flow.pause_reading()
            self.pipeline.appendleft((exchange, self.app))  # type: ignore[arg-type]
