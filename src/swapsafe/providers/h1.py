"""A small HTTP/1.1 client for the upstream hot path: keep-alive pool plus the httptools parser.

Each provider POSTs to one fixed URL, so the general machinery of a client library (cookies,
redirects, proxies, URL handling per request, multidict headers) is pure per-request cost. This
client keeps only what the gateway needs: a LIFO pool of keep-alive connections to one origin
(TLS with the system trust store for ``https``), requests written with one ``write``, responses
parsed by httptools (the parser uvicorn uses), whole or streamed with back-pressure.

Errors are raised as the matching httpx exceptions, so the retry loop and error mapping in
:mod:`swapsafe.providers.http` behave the same as with an httpx client:

- connect failure -> ``httpx.ConnectError``; connect timeout -> ``httpx.ConnectTimeout``;
- no byte for ``read_timeout`` seconds -> ``httpx.ReadTimeout``;
- connection closed or unparsable response -> ``httpx.RemoteProtocolError``.

A pooled connection the server closed while it sat idle is dropped when the close arrives. If
the server closes it in the instant we reuse it (no byte of a response received), the request
is sent once more on a new connection: the server saw no complete request on that connection,
the same rule Go's net/http and urllib3 apply to keep-alive races.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator
from typing import cast
from urllib.parse import urlsplit

import httptools
import httpx

from swapsafe import __version__

_HIGH_WATER = 1 << 20  # streamed bytes buffered before the socket stops being read
_MAX_HEADER_BYTES = 64 * 1024


class _StaleConnection(Exception):
    """A reused connection closed before any byte of the response: safe to send again."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection; carries one response at a time."""

    def __init__(self, pool: H1Pool) -> None:
        self._pool = pool
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self._counted = False  # holds one of the pool's slots from connect until close
        self._paused = False
        self._parser = httptools.HttpResponseParser(self)
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
        resp, self._response = self._response, None
        if resp is None or resp._complete:
            return
        if resp._head.done() and resp._close_delimited():
            resp._end(keep_alive=False)  # a body that ends when the connection does
        elif self.reused and not self._got_bytes:
            resp._fail(_StaleConnection())
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
        resp = self._response
        assert resp is not None
        resp.status_code = self._parser.get_status_code()
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
        resp = self._response
        assert resp is not None
        resp._end(keep_alive=self._parser.should_keep_alive())

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

    def _drop(self) -> None:
        if self._counted:
            self._counted = False
            self._pool._forget(self)


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
        self, conn: _Connection, *, read_timeout: float, deadline: float | None = None
    ) -> None:
        loop = conn._pool.loop
        self._loop = loop
        self._conn: _Connection | None = conn
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
            self._head.set_exception(exc)
            self._head.exception()  # retrieved: a caller that went away must not log it
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
                raise self._error
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


class H1Pool:
    """Keep-alive connections to one origin (scheme, host, port)."""

    def __init__(
        self,
        url: str,
        *,
        limit: int = 1000,
        keepalive: float = 30.0,
        connect_timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl = (
            (ssl_context or ssl.create_default_context()) if parts.scheme == "https" else None
        )
        default_port = self.port == (443 if parts.scheme == "https" else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = host if default_port else f"{host}:{self.port}"
        self.limit = limit
        self.keepalive = keepalive
        self.connect_timeout = connect_timeout
        self._idle: list[tuple[_Connection, float]] = []  # LIFO: the warmest connection first
        self._open = 0
        self._slots = asyncio.Semaphore(limit)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None
        return self._loop

    async def acquire(self, *, fresh: bool = False) -> _Connection:
        if self._closed:
            raise httpx.ConnectError("the upstream connection pool is closed")
        self._loop = asyncio.get_running_loop()
        if not fresh:
            idle = self.take_idle()
            if idle is not None:
                return idle
        await self._slots.acquire()
        made: list[_Connection] = []

        def protocol() -> _Connection:
            made.append(_Connection(self))
            return made[-1]

        try:
            async with asyncio.timeout(self.connect_timeout):
                _, conn = await self._loop.create_connection(
                    protocol,
                    self.host,
                    self.port,
                    ssl=self.ssl,
                    server_hostname=self.host if self.ssl else None,
                )
        except BaseException as exc:
            if not any(c._counted or c.closed for c in made):  # else closing frees the slot
                self._slots.release()
            if isinstance(exc, TimeoutError):
                raise httpx.ConnectTimeout(
                    f"connect to {self.host_header} timed out after {self.connect_timeout:g}s"
                ) from None
            if isinstance(exc, OSError | ssl.SSLError):
                raise httpx.ConnectError(f"cannot connect to {self.host_header}: {exc}") from None
            raise
        return conn

    def take_idle(self) -> _Connection | None:
        """The warmest live keep-alive connection, if any (no waiting)."""
        if self._closed or self._loop is None:
            return None
        now = self._loop.time()
        while self._idle:
            conn, since = self._idle.pop()
            if not conn.closed and now - since < self.keepalive:
                return conn
            conn.close()
        return None

    def _release(self, conn: _Connection) -> None:
        if self._closed:
            conn.close()
            return
        self._idle.append((conn, self.loop.time()))

    def _forget(self, conn: _Connection) -> None:
        """Called once per connection when it closes: frees its slot."""
        self._open -= 1
        self._slots.release()
        if any(c is conn for c, _ in self._idle):
            self._idle = [(c, t) for c, t in self._idle if c is not conn]

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            conn.close()
        await asyncio.sleep(0)  # let the transports close


class H1Sender:
    """POSTs to one URL over an :class:`H1Pool`: the providers' default hot path."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        limit: int = 1000,
        keepalive: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(url)
        self._pool = H1Pool(
            url,
            limit=limit,
            keepalive=keepalive,
            connect_timeout=min(timeout, 10.0),
            ssl_context=ssl_context,
        )
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._read_timeout = timeout
        self._cached: list[tuple[dict[str, str], bytes]] = []
        self._head = (
            f"POST {self._target} HTTP/1.1\r\nhost: {self._pool.host_header}\r\n"
            f"user-agent: swapsafe/{__version__}\r\n"
        ).encode("latin-1")

    def _header_block(self, headers: dict[str, str]) -> bytes:
        """Request line and headers, encoded. A provider passes the same (never mutated) dicts
        of default headers on most calls (one for whole answers, one for streams): their
        blocks are encoded once and kept, the two most recent."""
        for cached, block in self._cached:
            if cached is headers:
                return block
        lines = [self._head]
        for name, value in headers.items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise httpx.LocalProtocolError(f"header {name!r} contains a line break")
            lines.append(f"{name}: {value}\r\n".encode("latin-1"))
        block = b"".join(lines)
        self._cached = [(headers, block), *self._cached[:1]]
        return block

    def _request(self, content: bytes, headers: dict[str, str]) -> bytes:
        return b"%scontent-length: %d\r\n\r\n%s" % (
            self._header_block(headers),
            len(content),
            content,
        )

    async def send(
        self,
        url: str,
        content: bytes,
        headers: dict[str, str],
        *,
        read: bool,
        within: float | None = None,
    ) -> H1Response:
        """POST ``content``; with ``read`` the whole body is read, else only status + headers.

        ``url`` must be the URL the sender was made for (kept for the sender interface).
        ``within`` (seconds) bounds the whole call, raising ``httpx.TimeoutException``: on a
        kept-alive connection the response's own timer enforces it (no extra timer per call).
        """
        request = self._request(content, headers)
        deadline = None if within is None else asyncio.get_running_loop().time() + within
        fresh = False
        while True:
            conn = None if fresh else self._pool.take_idle()
            if conn is None:
                conn = await self._connect(fresh, deadline)
            resp = H1Response(conn, read_timeout=self._read_timeout, deadline=deadline)
            conn.start(resp, request)
            try:
                await resp._head_received()
                if read:
                    await resp.aread()
                return resp
            except _StaleConnection:
                if fresh:  # a brand-new connection closed at once: a real failure
                    raise httpx.RemoteProtocolError(
                        "upstream closed a new connection without answering"
                    ) from None
                fresh = True

    async def _connect(self, fresh: bool, deadline: float | None) -> _Connection:
        if deadline is None:
            return await self._pool.acquire(fresh=fresh)
        try:
            async with asyncio.timeout_at(deadline):
                return await self._pool.acquire(fresh=fresh)
        except TimeoutError:
            raise httpx.ConnectTimeout("the request's deadline was reached") from None

    async def aclose(self) -> None:
        await self._pool.aclose()
