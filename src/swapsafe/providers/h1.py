"""A small HTTP/1.1 client for the upstream hot path: keep-alive pool plus the httptools parser.

Each provider POSTs to one fixed URL, so the general machinery of a client library (cookies,
redirects, proxy selection and URL handling per request, multidict headers) is pure per-request
cost. This client keeps only what the gateway needs: a LIFO pool of keep-alive connections to one
origin (TLS with the system trust store or a CA bundle for ``https``), requests written with one
``write``, responses parsed by httptools (the parser uvicorn uses), whole or streamed with
back-pressure. Whether the origin is reached through an HTTP proxy (a CONNECT tunnel for
``https``, absolute-form requests for ``http``: :mod:`swapsafe.providers.h1_proxy`) is decided
when the pool is built; the connection is the same once it is open.

Errors are raised as the matching httpx exceptions, so the retry loop and error mapping in
:mod:`swapsafe.providers.http` behave the same as with an httpx client:

- connect failure -> ``httpx.ConnectError``; connect timeout -> ``httpx.ConnectTimeout``;
- a proxy refusing the tunnel (or, forwarding, answering 407) -> ``httpx.ProxyError``;
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
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from swapsafe import __version__
from swapsafe.providers.egress import ProxyAuthRefused, ProxyURL
from swapsafe.providers.h1_conn import H1Connection, H1Response, StaleConnection
from swapsafe.providers.h1_proxy import open_via_proxy

__all__ = ["H1Pool", "H1Response", "H1Sender", "make_h1_sender"]


class H1Pool:
    """Keep-alive connections to one origin (scheme, host, port), direct or through ``proxy``
    (decided here, once: a pool without a proxy never looks at proxy settings again)."""

    def __init__(
        self,
        url: str,
        *,
        limit: int = 1000,
        keepalive: float = 30.0,
        connect_timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        proxy: ProxyURL | None = None,
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
        self.proxy = proxy
        self._through = "" if proxy is None else f" through proxy {proxy.display}"
        self._open_connection = self._direct if proxy is None else self._via_proxy
        self._idle: list[tuple[H1Connection, float]] = []  # LIFO: the warmest connection first
        self._open = 0
        self._slots = asyncio.Semaphore(limit)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None
        return self._loop

    async def acquire(self, *, fresh: bool = False) -> H1Connection:
        if self._closed:
            raise httpx.ConnectError("the upstream connection pool is closed")
        self._loop = asyncio.get_running_loop()
        if not fresh:
            idle = self.take_idle()
            if idle is not None:
                return idle
        await self._slots.acquire()
        made: list[H1Connection] = []

        def protocol() -> H1Connection:
            made.append(H1Connection(self))
            return made[-1]

        try:
            async with asyncio.timeout(self.connect_timeout):
                conn = await self._open_connection(protocol)
        except BaseException as exc:
            if not any(c._counted or c.closed for c in made):  # else closing frees the slot
                self._slots.release()
            for c in made:
                if not c._counted:  # never connected, or closed: nothing left to close
                    c.unlink()
            if isinstance(exc, TimeoutError):
                raise httpx.ConnectTimeout(
                    f"connect to {self.host_header}{self._through} timed out "
                    f"after {self.connect_timeout:g}s"
                ) from None
            if isinstance(exc, OSError | ssl.SSLError):
                raise httpx.ConnectError(f"cannot connect to {self.host_header}: {exc}") from None
            raise
        return conn

    async def _direct(self, protocol: Callable[[], H1Connection]) -> H1Connection:
        _, conn = await self.loop.create_connection(
            protocol,
            self.host,
            self.port,
            ssl=self.ssl,
            server_hostname=self.host if self.ssl else None,
        )
        return conn

    async def _via_proxy(self, protocol: Callable[[], H1Connection]) -> H1Connection:
        assert self.proxy is not None
        return await open_via_proxy(
            self.loop, self.proxy, protocol, host=self.host, port=self.port, ssl_context=self.ssl
        )

    def take_idle(self) -> H1Connection | None:
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

    def _release(self, conn: H1Connection) -> None:
        if self._closed:
            conn.close()
            return
        self._idle.append((conn, self.loop.time()))

    def _forget(self, conn: H1Connection) -> None:
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
    """POSTs to one URL over an :class:`H1Pool`: the providers' default hot path.

    With a ``proxy``, an ``https`` URL is reached through a CONNECT tunnel (the requests inside
    are the same as direct ones) and an ``http`` URL by absolute-form requests to the proxy
    carrying ``Proxy-Authorization`` (see :mod:`swapsafe.providers.h1_proxy`).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        limit: int = 1000,
        keepalive: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        proxy: ProxyURL | None = None,
    ) -> None:
        parts = urlsplit(url)
        self._pool = H1Pool(
            url,
            limit=limit,
            keepalive=keepalive,
            connect_timeout=min(timeout, 10.0),
            ssl_context=ssl_context,
            proxy=proxy,
        )
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._read_timeout = timeout
        self._cached: list[tuple[dict[str, str], bytes]] = []
        self._head = self._request_head(parts.scheme, proxy).encode("latin-1")

    def _request_head(self, scheme: str, proxy: ProxyURL | None) -> str:
        """The request line, host and user-agent (and, forwarding to a proxy, its auth)."""
        host = self._pool.host_header
        head = f"POST {self._target} HTTP/1.1\r\n"
        if proxy is not None and scheme == "http":
            head = f"POST http://{host}{self._target} HTTP/1.1\r\n"
            if proxy.authorization is not None:
                head += f"proxy-authorization: {proxy.authorization}\r\n"
        return f"{head}host: {host}\r\nuser-agent: swapsafe/{__version__}\r\n"

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
            except StaleConnection:
                if fresh:  # a brand-new connection closed at once: a real failure
                    raise httpx.RemoteProtocolError(
                        "upstream closed a new connection without answering"
                    ) from None
                fresh = True

    async def _connect(self, fresh: bool, deadline: float | None) -> H1Connection:
        if deadline is None:
            return await self._pool.acquire(fresh=fresh)
        try:
            async with asyncio.timeout_at(deadline):
                return await self._pool.acquire(fresh=fresh)
        except TimeoutError:
            raise httpx.ConnectTimeout("the request's deadline was reached") from None

    async def aclose(self) -> None:
        await self._pool.aclose()


class _ForwardingSender(H1Sender):
    """An ``http`` URL through a forwarding proxy: the proxy's 407 is an ``httpx.ProxyError``,
    as a refused CONNECT is, never an answer of the upstream's (its body is not read)."""

    async def send(
        self,
        url: str,
        content: bytes,
        headers: dict[str, str],
        *,
        read: bool,
        within: float | None = None,
    ) -> H1Response:
        resp = await super().send(url, content, headers, read=False, within=within)
        if resp.status_code == 407:
            await resp.aclose()
            proxy = self._pool.proxy
            assert proxy is not None
            raise ProxyAuthRefused(
                f"proxy {proxy.display} refused to forward to {self._pool.host_header}: HTTP 407 "
                "Proxy Authentication Required; check the user and password in the proxy URL "
                "(HTTP_PROXY)"
            )
        if read:
            await resp.aread()
        return resp


def make_h1_sender(
    url: str,
    *,
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
    proxy: ProxyURL | None = None,
) -> H1Sender:
    """The sender for ``url``: direct, tunnelled (https) or forwarded (http) by ``proxy``."""
    forwarding = proxy is not None and urlsplit(url).scheme == "http"
    kind = _ForwardingSender if forwarding else H1Sender
    return kind(url, timeout=timeout, ssl_context=ssl_context, proxy=proxy)
