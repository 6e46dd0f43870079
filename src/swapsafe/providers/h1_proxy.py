"""Connections through an HTTP proxy for :mod:`swapsafe.providers.h1`.

- ``https`` upstream: TCP to the proxy, ``CONNECT host:port`` (with ``Proxy-Authorization`` when
  the proxy URL has credentials); any 2xx reply turns the connection into a tunnel (RFC 9110,
  9.3.6); then TLS to the upstream over it, SNI and certificate check against the upstream's
  host, with the pool's trust (system store or a CA bundle). The tunnel is then an ordinary
  keep-alive connection of the pool.
- ``http`` upstream: TCP to the proxy; the sender writes absolute-form requests
  (``POST http://host/path``) with ``Proxy-Authorization``, as curl does without
  ``--proxytunnel``.

Errors are httpx exceptions, so the providers' retries and error mapping are the same as for a
direct connection: the proxy cannot be reached, or TLS through the tunnel fails ->
``httpx.ConnectError``; a non-2xx reply to CONNECT (407, 403, 502, ...) or a broken handshake ->
``httpx.ProxyError`` (a ``TransportError``, what httpx itself raises). Messages name the proxy
by :attr:`ProxyURL.display` (no credentials) and never echo the proxy's reply.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from http import HTTPStatus
from typing import TypeVar, cast

import httpx

from swapsafe import __version__
from swapsafe.providers.egress import ProxyAuthRefused, ProxyURL

P = TypeVar("P", bound=asyncio.Protocol)
_MAX_REPLY = 64 * 1024
_END = b"\r\n\r\n"


class _ConnectReply(asyncio.Protocol):
    """Sends the CONNECT request and collects the proxy's reply head."""

    def __init__(self, request: bytes, reply: asyncio.Future[bytes], proxy: ProxyURL) -> None:
        self._request = request
        self._reply = reply
        self._proxy = proxy
        self._buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        cast(asyncio.Transport, transport).write(self._request)

    def data_received(self, data: bytes) -> None:
        if self._reply.done():
            return
        self._buffer += data
        if _END in self._buffer:
            self._reply.set_result(self._buffer)
        elif len(self._buffer) > _MAX_REPLY:
            self._fail("sent a reply head over 64 KiB to CONNECT")

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail("closed the connection before answering CONNECT")

    def _fail(self, what: str) -> None:
        if not self._reply.done():
            self._reply.set_exception(httpx.ProxyError(f"proxy {self._proxy.display} {what}"))


def authority(host: str, port: int) -> str:
    """``host:port`` as a request target (IPv6 literals in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def connect_request(proxy: ProxyURL, target: str) -> bytes:
    """The CONNECT request for ``target`` (``host:port``)."""
    lines = [f"CONNECT {target} HTTP/1.1", f"host: {target}", f"user-agent: swapsafe/{__version__}"]
    if proxy.authorization is not None:
        lines.append(f"proxy-authorization: {proxy.authorization}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def check_connect_reply(reply: bytes, proxy: ProxyURL, target: str) -> None:
    """Raise ``httpx.ProxyError`` unless ``reply`` opens the tunnel (a bare 2xx head)."""
    fields = reply.split(b"\r\n", 1)[0].split(None, 2)
    if len(fields) < 2 or not fields[0].startswith(b"HTTP/1.") or not fields[1].isdigit():
        raise httpx.ProxyError(f"proxy {proxy.display} sent an invalid reply to CONNECT {target}")
    status = int(fields[1])
    if not 200 <= status < 300:
        known = status in HTTPStatus._value2member_map_
        phrase = f" {HTTPStatus(status).phrase}" if known else ""
        hint = (
            "; check the user and password in the proxy URL (HTTPS_PROXY)" if status == 407 else ""
        )
        refused = ProxyAuthRefused if status == 407 else httpx.ProxyError
        raise refused(
            f"proxy {proxy.display} refused CONNECT {target}: HTTP {status}{phrase}{hint}"
        )
    if reply.index(_END) + len(_END) < len(reply):
        raise httpx.ProxyError(f"proxy {proxy.display} sent data before the tunnel's TLS")


async def open_via_proxy(
    loop: asyncio.AbstractEventLoop,
    proxy: ProxyURL,
    protocol_factory: Callable[[], P],
    *,
    host: str,
    port: int,
    ssl_context: ssl.SSLContext | None,
) -> P:
    """Connect ``protocol_factory()`` to ``host:port`` through ``proxy``: a CONNECT tunnel with
    TLS when ``ssl_context`` is given, else a plain connection to the proxy itself."""
    if ssl_context is None:
        try:
            _, plain = await loop.create_connection(protocol_factory, proxy.host, proxy.port)
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to proxy {proxy.display}: {exc}") from None
        return plain
    target = authority(host, port)
    reply: asyncio.Future[bytes] = loop.create_future()
    request = connect_request(proxy, target)
    try:
        raw, _ = await loop.create_connection(
            lambda: _ConnectReply(request, reply, proxy), proxy.host, proxy.port
        )
    except OSError as exc:
        raise httpx.ConnectError(f"cannot connect to proxy {proxy.display}: {exc}") from None
    try:
        check_connect_reply(await reply, proxy, target)
        protocol = protocol_factory()
        tls = await loop.start_tls(raw, protocol, ssl_context, server_hostname=host)
        if tls is None:
            raise httpx.ConnectError(f"TLS to {target} through proxy {proxy.display} failed")
    except (OSError, ssl.SSLError) as exc:
        raw.close()
        raise httpx.ConnectError(
            f"TLS to {target} through proxy {proxy.display} failed: {exc}"
        ) from None
    except BaseException:
        raw.close()
        raise
    protocol.connection_made(tls)
    return protocol
