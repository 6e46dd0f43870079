"""An httpx transport that sends requests through aiohttp's connection pool.

httpx's own pool (httpcore) slows down sharply with many concurrent requests on one client;
aiohttp's does not. Providers keep the httpx API (``httpx.AsyncClient``) and get aiohttp's
throughput: :func:`swapsafe.providers.http.make_client` picks this transport when aiohttp is
installed. aiohttp errors are raised as the matching httpx exceptions, so error mapping and
retries behave the same with either transport.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import aiohttp
import httpx

from swapsafe.providers.egress import ProxyURL

_SKIP = frozenset({b"host", b"content-length", b"transfer-encoding"})


def _map_error(exc: BaseException, request: httpx.Request) -> httpx.HTTPError:
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, TimeoutError):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, aiohttp.ClientHttpProxyError):  # the proxy refused CONNECT
        return httpx.ProxyError(message, request=request)
    if isinstance(exc, aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(message, request=request)
    return httpx.ReadError(message, request=request)


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _map_error(exc, self._request) from exc

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests with one aiohttp session (created lazily, in the running loop)."""

    def __init__(self, *, limit: int = 1000, limit_per_host: int = 0, keepalive: float = 30.0):
        self._limit = limit
        self._limit_per_host = limit_per_host
        self._keepalive = keepalive
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._limit,
            limit_per_host=self._limit_per_host,
            keepalive_timeout=self._keepalive,
            ttl_dns_cache=60,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # httpx decodes content-encoding itself
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session or self._open()
        timeouts = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=timeouts.get("pool"),
            sock_connect=timeouts.get("connect"),
            sock_read=timeouts.get("read"),
        )
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in request.headers.raw
            if k.lower() not in _SKIP
        ]
        content = request.content if hasattr(request, "_content") else await request.aread()
        try:
            response = await session.request(
                request.method,
                str(request.url),
                data=content or None,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                compress=None,
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _map_error(exc, request) from exc
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_ResponseStream(response, request),
            request=request,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
            await asyncio.sleep(0)  # let aiohttp close its transports


class FastResponse:
    """The slice of ``httpx.Response`` that :class:`~swapsafe.providers.http.HTTPProvider` uses,
    over a raw aiohttp response (no httpx objects on the hot path)."""

    __slots__ = ("_request", "_response", "content", "headers", "status_code")

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request
        self.status_code = response.status
        self.headers = response.headers  # case-insensitive mapping
        self.content = b""

    async def aread(self) -> bytes:
        try:
            self.content = await self._response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _map_error(exc, self._request) from exc
        return self.content

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _map_error(exc, self._request) from exc

    async def aclose(self) -> None:
        self._response.release()


class AiohttpSender:
    """POSTs straight through one aiohttp session: the providers' default hot path.

    Errors are raised as the matching httpx exceptions, like :class:`AiohttpTransport`.
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
    ):
        self._transport = AiohttpTransport(limit=limit, keepalive=keepalive)
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._proxy = proxy.display if proxy is not None else None
        auth = proxy.authorization if proxy is not None else None
        # aiohttp sends proxy_headers only with CONNECT (https); an http URL's absolute-form
        # request carries the proxy's credentials itself
        forward = auth is not None and url.startswith("http:")
        self._proxy_headers = {"Proxy-Authorization": auth} if auth and not forward else None
        self._forward_auth = {"proxy-authorization": auth} if auth and forward else None
        self._request = httpx.Request("POST", url)  # only named in mapped errors
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=min(timeout, 10.0), sock_read=timeout
        )

    async def send(
        self,
        url: str,
        content: bytes,
        headers: dict[str, str],
        *,
        read: bool,
        within: float | None = None,
    ) -> FastResponse:
        """POST ``content``; ``within`` (seconds) bounds the whole call."""
        if within is None:
            return await self._send(url, content, headers, read=read)
        async with asyncio.timeout(within):
            return await self._send(url, content, headers, read=read)

    async def _send(
        self, url: str, content: bytes, headers: dict[str, str], *, read: bool
    ) -> FastResponse:
        session = self._transport._session or self._transport._open()
        if self._forward_auth is not None:
            headers = {**headers, **self._forward_auth}
        try:
            response = await session.post(
                url,
                data=content,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
                compress=None,
                ssl=self._ssl,
                proxy=self._proxy,
                proxy_headers=self._proxy_headers,
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _map_error(exc, self._request) from exc
        fast = FastResponse(response, self._request)
        if read:
            try:
                await fast.aread()
            finally:
                response.release()
        return fast

    async def aclose(self) -> None:
        await self._transport.aclose()
