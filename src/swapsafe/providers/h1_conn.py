"""One keep-alive connection of :mod:`swapsafe.providers.h1` and the response it carries.

:class:`H1Connection` is the asyncio protocol on the socket (or on the TLS transport of a proxy
tunnel): it feeds the httptools parser and hands the parsed response to :class:`H1Response`,
which the providers read whole or streamed, with back-pressure and one timer for the read
timeout and the call's deadline. Errors are httpx exceptions (see :mod:`swapsafe.providers.h1`).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import NoReturn, Protocol, cast

import httptools
import httpx

_HIGH_WATER = 1 << 20  # streamed bytes buffered before the socket stops being read
_MAX_HEADER_BYTES = 64 * 1024


class ConnectionPool(Protocol):
    """What a connection needs of its pool (:class:`swapsafe.providers.h1.H1Pool`)."""

    _open: int

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    def _release(self, conn: H1Connection) -> None: ...

    def _forget(self, conn: H1Connection) -> None: ...


class StaleConnection(Exception):
    """A reused connection closed before any byte of the response: safe to send again."""


class H1Connection(asyncio.Protocol):
    """One keep-alive connection; carries one response at a time."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self._counted = False  # holds one of the pool's slots from connect until close
        self._paused = False
        self._parser: httptools.HttpResponseParser | None = httptools.HttpResponseParser(self)
        self._response: H1Response | None = None
        self._got_bytes = False
        self._header_bytes = 0

    # --- asyncio.Protocol ---------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._counted = True
        self._pool._open += 1

    def data_received(self, data: bytes) -> None:
        resp = self._response
        if resp is None:  # bytes on an idle connection: the server is confused; do not reuse
            self.close()
            return
        self._got_bytes = True
        resp._last_data = self._pool.loop.time()
        assert self._parser is not None  # dropped only when the connection is lost
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            resp._fail(httpx.RemoteProtocolError(f"invalid HTTP response: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._drop()
        self.unlink()
        resp, self._response = self._response, None
        if resp is None or resp._complete:
            return
        if resp._error is None and resp._head.done() and resp._close_delimited():
            resp._end(keep_alive=False)  # a body that ends when the connection does
        elif self.reused and not self._got_bytes:
            resp._fail(StaleConnection())
        else:
            detail = f": {exc}" if exc else ""
            resp._fail(httpx.RemoteProtocolError(f"upstream closed the connection{detail}"))

    # --- httptools callbacks ------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        assert self._response is not None
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > _MAX_HEADER_BYTES:
            raise httptools.HttpParserError("response headers too large")
        key = name.decode("latin-1").lower()
        headers = self._response.headers
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text

    def on_headers_complete(self) -> None:
        resp, parser = self._response, self._parser
        assert resp is not None and parser is not None
        resp.status_code = parser.get_status_code()
        if not resp._head.done():
            resp._head.set_result(None)

    def on_body(self, body: bytes) -> None:
        resp = self._response
        assert resp is not None
        resp._chunks.append(body)
        resp._buffered += len(body)
        if resp._buffered > _HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        resp._wake()

    def on_message_complete(self) -> None:
        resp, parser = self._response, self._parser
        assert resp is not None and parser is not None
        resp._end(keep_alive=parser.should_keep_alive())

    # --- used by the pool and the response ----------------------------------------------------
    def start(self, resp: H1Response, request: bytes) -> None:
        assert self.transport is not None
        self._response = resp
        self._got_bytes = False
        self._header_bytes = 0
        self.transport.write(request)

    def drained(self) -> None:
        """The reader took the buffered body: read the socket again."""
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()

    def finish(self, keep_alive: bool) -> None:
        """The response was read to its end: back to the pool, or closed."""
        self._response = None
        if keep_alive and not self.closed:
            self._parser = httptools.HttpResponseParser(self)
            self.reused = True
            self.drained()
            self._pool._release(self)
        else:
            self.close()

    def close(self) -> None:
        self._response = None
        if not self.closed:
            self.closed = True
            self._drop()
            if self.transport is not None:
                self.transport.close()

    def unlink(self) -> None:
        """Drop the parser (it holds this connection's callbacks) and the transport (it holds
        this protocol) once the connection is gone or never came up: freed at once, not left
        as cyclic garbage for the collector's pauses."""
        self._parser = None
        self.transport = None

    def _drop(self) -> None:
        if self._counted:
            self._counted = False
            self._pool._forget(self)


#: what a response's error becomes once raised: failed, with no reference to the raised error
_RAISED = httpx.ReadError("the upstream response failed earlier")


class H1Response:
    """The slice of ``httpx.Response`` the providers use: status, headers, body, stream.

    While a response is open one timer watches the upstream: no byte for ``read_timeout``
    seconds (with nothing buffered for the reader) fails it with ``httpx.ReadTimeout``, and so
    does reaching ``deadline`` (loop time), when one is given.
    """

    __slots__ = (
        "_buffered",
        "_chunks",
        "_complete",
        "_conn",
        "_deadline",
        "_error",
        "_head",
        "_keep_alive",
        "_last_data",
        "_loop",
        "_read_timeout",
        "_timer",
        "_waiter",
        "content",
        "headers",
        "status_code",
    )

    def __init__(
        self, conn: H1Connection, *, read_timeout: float, deadline: float | None = None
    ) -> None:
        loop = conn._pool.loop
        self._loop = loop
        self._conn: H1Connection | None = conn
        self._read_timeout = read_timeout
        self._deadline = deadline
        self._head: asyncio.Future[None] = loop.create_future()
        self._waiter: asyncio.Future[None] | None = None
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._complete = False
        self._keep_alive = False
        self._error: BaseException | None = None
        self._last_data = loop.time()
        self._timer: asyncio.TimerHandle | None = loop.call_at(self._due(), self._check_timeout)
        self.status_code = 0
        self.headers: dict[str, str] = {}  # lower-case names
        self.content = b""

    # --- called by the connection -------------------------------------------------------------
    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _end(self, *, keep_alive: bool) -> None:
        self._complete = True
        self._keep_alive = keep_alive
        self._stop_timer()
        if not self._head.done():
            self._head.set_result(None)
        self._wake()

    def _fail(self, exc: BaseException) -> None:
        self._error = exc
        self._stop_timer()
        if not self._head.done():
            self._head.set_result(None)  # the waiter raises the error (see _raise_error)
        self._wake()

    def _close_delimited(self) -> bool:
        """No content-length and not chunked: the body runs until the connection closes."""
        chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        return "content-length" not in self.headers and not chunked

    def _due(self) -> float:
        silent = self._last_data + self._read_timeout
        deadline = self._deadline
        return silent if deadline is None or silent < deadline else deadline

    def _check_timeout(self) -> None:
        self._timer = None
        if self._complete or self._error is not None:
            return
        now = self._loop.time()
        if self._deadline is not None and now >= self._deadline:
            self._fail(httpx.ReadTimeout("the request's deadline was reached"))
            self._discard()
            return
        due = self._due()
        if self._chunks or now < due:  # the reader is behind, or data came
            self._timer = self._loop.call_at(max(due, now + 0.01), self._check_timeout)
            return
        self._fail(httpx.ReadTimeout(f"no data from upstream for {self._read_timeout:g}s"))
        self._discard()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # --- waiting ------------------------------------------------------------------------------
    async def _head_received(self) -> None:
        try:
            await self._head
        except BaseException:
            self._discard()
            raise
        if self._error is not None:
            self._discard()
            self._raise_error()

    def _raise_error(self) -> NoReturn:
        """Raise the stored error, keeping no reference to it: its traceback holds the frames
        that hold this response, so keeping it would leave a cycle for the collector."""
        error, self._error = self._error, _RAISED
        if error is _RAISED or error is None:
            raise httpx.ReadError("the upstream response failed earlier")
        try:
            raise error
        finally:
            del error

    async def _next_event(self) -> None:
        if self._chunks or self._complete or self._error is not None:
            return
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        except BaseException:
            self._discard()
            raise
        finally:
            self._waiter = None

    # --- public -------------------------------------------------------------------------------
    async def aread(self) -> bytes:
        parts: list[bytes] = []
        async for chunk in self.aiter_bytes():
            parts.append(chunk)
        self.content = b"".join(parts)
        return self.content

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        while True:
            await self._next_event()
            if self._chunks:
                chunk = self._chunks.popleft() if len(self._chunks) == 1 else b"".join(self._chunks)
                self._chunks.clear()
                self._buffered = 0
                if self._conn is not None:
                    self._conn.drained()
                yield chunk
                continue
            if self._error is not None:
                self._discard()
                self._raise_error()
            if self._complete:
                self._release()
                return

    async def aclose(self) -> None:
        if self._complete and not self._chunks:
            self._release()
        else:
            self._discard()  # unread body: the connection cannot be reused

    def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.finish(self._keep_alive)

    def _discard(self) -> None:
        self._stop_timer()
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
