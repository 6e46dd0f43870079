"""Upstream calls through a real HTTP proxy (tests/providers/proxy_server.py) to a real TLS
upstream with its own CA: CONNECT tunnels, proxy auth, NO_PROXY, CA bundles.

Settings come in as ``Egress.from_env({...})``, the same parsing the gateway applies to its
environment. Every test runs on the default event loop and on uvloop.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import pytest
from h1_sockets import JSON, Run, make_cert, ok, raw_server, read_request, server_context
from proxy_server import RecordingProxy

from swapsafe.exceptions import ProviderConnectionError, ProviderError, ProviderTimeout
from swapsafe.providers.egress import Egress
from swapsafe.providers.h1 import H1Sender
from swapsafe.providers.openai import OpenAIProvider

USER, PASSWORD = "alice", "s3cr3t p@ss/%:word"
TOKEN = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
LEAKS = (PASSWORD, quote(PASSWORD, safe=""), TOKEN)
COMPLETION = orjson.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
)
BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
SSE = b'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n'


class Upstream:
    """A TLS (or plain) upstream: OpenAI-shaped answers, every request head recorded."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.sni: list[str | None] = []
        self.url = ""
        self.connections: list[int] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            request = await read_request(reader)
            self.requests.append(request)
            if b'"stream":true' in request:
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(SSE), SSE)
                )
            else:
                writer.write(ok(COMPLETION))
            await writer.drain()

    @property
    def base_url(self) -> str:
        return self.url.removesuffix("/chat")


@asynccontextmanager
async def upstream(cert: Path | None, key: Path | None = None) -> AsyncIterator[Upstream]:
    """``https://localhost:PORT/v1`` with ``cert``, or ``http://127.0.0.1:PORT/v1`` without."""
    up = Upstream()
    ctx = server_context(cert, key, up.sni) if cert and key else None
    host = "localhost" if ctx else "127.0.0.1"
    async with raw_server(up.handle, ctx, host=host) as (url, conns):
        up.url, up.connections = url, conns
        yield up


def provider(up: Upstream, env: dict[str, str], ca_file: Path | None = None) -> OpenAIProvider:
    return OpenAIProvider(
        name="gpt",
        upstream_model="gpt-4o",
        base_url=up.base_url,
        api_key="sk-upstream",
        timeout=5,
        egress=Egress.from_env(env).for_model(ca_file),
    )


def proxy_env(proxy: RecordingProxy, *, auth: tuple[str, str] | None = None) -> dict[str, str]:
    creds = f"{quote(auth[0], safe='')}:{quote(auth[1], safe='')}@" if auth else ""
    url = f"http://{creds}{proxy.address}"
    return {"HTTPS_PROXY": url, "HTTP_PROXY": url}


async def complete(p: OpenAIProvider, *, retries: int = 0) -> dict[str, object]:
    resp = await p.complete(BODY, deadline=time.monotonic() + 5, retries=retries)
    return resp.body


async def stream(p: OpenAIProvider) -> list[bytes]:
    body = {**BODY, "stream": True}
    return [e.data async for e in p.stream(body, deadline=time.monotonic() + 5, retries=0)]


def assert_no_leak(*texts: str) -> None:
    for text in texts:
        for secret in LEAKS:
            assert secret not in text


# --- (a) CONNECT tunnel: whole and streamed answers, the tunnel is reused ---------------------


def test_https_goes_through_one_reused_connect_tunnel(
    run: Run, tls_files: tuple[Path, Path]
) -> None:
    run(_https_goes_through_one_reused_connect_tunnel(*tls_files))


async def _https_goes_through_one_reused_connect_tunnel(cert: Path, key: Path) -> None:
    async with upstream(cert, key) as up, RecordingProxy(auth=(USER, PASSWORD)).running() as proxy:
        p = provider(up, proxy_env(proxy, auth=(USER, PASSWORD)), ca_file=cert)
        try:
            assert (await complete(p))["id"] == "chatcmpl-1"
            assert await stream(p) == [
                b'{"choices":[{"index":0,"delta":{"content":"hi"}}]}',
                b"[DONE]",
            ]
            assert (await complete(p))["id"] == "chatcmpl-1"
        finally:
            await p.aclose()
        port = up.url.split(":")[2].split("/")[0]
        assert [(r.target, r.headers["host"]) for r in proxy.requests] == [
            (f"localhost:{port}", f"localhost:{port}")
        ]  # one CONNECT for three calls: the tunnel was kept alive
        assert proxy.requests[0].headers["proxy-authorization"] == f"Basic {TOKEN}"
        assert proxy.connections == 1 and len(up.connections) == 1
        assert up.sni == ["localhost"]  # TLS to the upstream's name, not the proxy's
        assert len(up.requests) == 3
        for request in up.requests:  # inside the tunnel: origin-form, no proxy credentials
            assert request.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
            assert b"proxy-authorization" not in request.lower()
            assert b"authorization: Bearer sk-upstream" in request


def test_http_upstream_gets_absolute_form_requests_with_proxy_auth(run: Run) -> None:
    run(_http_upstream_gets_absolute_form_requests_with_proxy_auth())


async def _http_upstream_gets_absolute_form_requests_with_proxy_auth() -> None:
    async with upstream(None) as up, RecordingProxy(auth=(USER, PASSWORD)).running() as proxy:
        p = provider(up, proxy_env(proxy, auth=(USER, PASSWORD)))
        try:
            for _ in range(2):
                assert (await complete(p))["id"] == "chatcmpl-1"
        finally:
            await p.aclose()
        assert [r.method for r in proxy.requests] == ["POST", "POST"]
        assert proxy.requests[0].target == f"{up.base_url}/chat/completions"
        assert proxy.requests[1].headers["proxy-authorization"] == f"Basic {TOKEN}"
        assert proxy.connections == 1  # kept alive to the proxy
        assert up.requests[0].startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")


# --- (b) proxy auth refused: a clear upstream error that never shows the password -------------


@pytest.mark.parametrize(
    ("refuse", "sent_auth", "expect"),
    [
        (None, ("alice", "wrong"), "HTTP 407 Proxy Authentication Required; check the user"),
        (None, None, "HTTP 407"),
        (403, (USER, PASSWORD), "HTTP 403 Forbidden"),
    ],
)
def test_a_refused_connect_is_a_connection_error_without_credentials(
    run: Run,
    tls_files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
    refuse: int | None,
    sent_auth: tuple[str, str] | None,
    expect: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    run(_a_refused_connect(*tls_files, refuse, sent_auth, expect))
    assert_no_leak(caplog.text)


async def _a_refused_connect(
    cert: Path, key: Path, refuse: int | None, sent_auth: tuple[str, str] | None, expect: str
) -> None:
    leaks = LEAKS
    if sent_auth is not None:  # whatever the client sent must not come back either
        leaks += (sent_auth[1], base64.b64encode(":".join(sent_auth).encode()).decode())
    async with upstream(cert, key) as up:
        async with RecordingProxy(auth=(USER, PASSWORD), refuse=refuse).running() as proxy:
            p = provider(up, proxy_env(proxy, auth=sent_auth), ca_file=cert)
            try:
                with pytest.raises(ProviderConnectionError) as caught:
                    await complete(p, retries=2)
                # the pool gave back its slots: nothing leaks per refused tunnel
                pool = p._fast._pool  # type: ignore[union-attr]
                assert pool._open == 0 and pool._slots._value == pool.limit
            finally:
                await p.aclose()
        err = caught.value
        assert expect in str(err) and f"proxy http://{proxy.address}" in str(err)
        assert err.status == 0 and err.provider == "gpt"
        # a 407 is never retried (each retry is one more failed login: lockouts); others are
        assert len(proxy.connects()) == (1 if "407" in expect else 3)
        text = "".join(traceback.format_exception(err)) + repr(err) + repr(err.body)
        for secret in leaks:
            assert secret not in text
        assert up.requests == []


def test_a_forwarding_proxy_refusal_never_shows_the_credentials(
    run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    run(_a_forwarding_proxy_refusal_never_shows_the_credentials())
    assert_no_leak(caplog.text)


async def _a_forwarding_proxy_refusal_never_shows_the_credentials() -> None:
    async with upstream(None) as up:
        host = up.base_url.split("/")[2]
        async with RecordingProxy(auth=(USER, PASSWORD)).running() as proxy:
            p = provider(up, proxy_env(proxy, auth=(USER, "wrong-pass")))
            try:
                with pytest.raises(ProviderConnectionError) as refused:
                    await complete(p)
            finally:
                await p.aclose()
        assert f"proxy http://{proxy.address} refused to forward to {host}: HTTP 407" in str(
            refused.value
        )
        assert "wrong-pass" not in str(refused.value) and refused.value.body is None
        async with RecordingProxy(refuse=403).running() as proxy:  # its page echoes the auth
            p = provider(up, proxy_env(proxy, auth=(USER, PASSWORD)))
            try:
                with pytest.raises(ProviderError) as forbidden:
                    await complete(p)
            finally:
                await p.aclose()
        err = forbidden.value
        assert err.status == 403 and err.body == "denied: you sent 'Basic ***'"
        assert_no_leak(str(err), repr(err.body))
        assert up.requests == []


def test_proxy_hangup_and_silence_are_clear_errors(run: Run, tls_files: tuple[Path, Path]) -> None:
    run(_proxy_hangup_and_silence_are_clear_errors(*tls_files))


async def _proxy_hangup_and_silence_are_clear_errors(cert: Path, key: Path) -> None:
    async with upstream(cert, key) as up:
        async with RecordingProxy(mode="hangup").running() as proxy:
            p = provider(up, proxy_env(proxy, auth=(USER, PASSWORD)), ca_file=cert)
            try:
                with pytest.raises(ProviderConnectionError, match="closed the connection before"):
                    await complete(p)
            finally:
                await p.aclose()
        async with RecordingProxy(mode="silent").running() as proxy:
            p = OpenAIProvider(
                name="gpt",
                upstream_model="gpt-4o",
                base_url=up.base_url,
                api_key=None,
                timeout=0.3,  # the connect timeout covers the whole tunnel set-up
                egress=Egress.from_env(proxy_env(proxy, auth=(USER, PASSWORD))),
            )
            try:
                with pytest.raises(ProviderTimeout) as caught:
                    await complete(p)
            finally:
                await p.aclose()
        assert_no_leak(str(caught.value))
        closed = Egress.from_env({"HTTPS_PROXY": f"http://{USER}:x@127.0.0.1:9"})
        sender = H1Sender(up.url, timeout=5, proxy=closed.https_proxy)
        try:
            with pytest.raises(
                httpx.ConnectError, match=r"cannot connect to proxy http://127\.0\.0\.1:9"
            ):
                await sender.send("", b"{}", JSON, read=True)
        finally:
            await sender.aclose()


# --- (c) NO_PROXY -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("no_proxy", "direct"),
    [
        ("localhost", True),
        (".example.com, LOCALHOST ,10.0.0.0/8", True),
        ("*", True),
        ("localhost:{port}", True),
        ("localhost:1", False),
        ("example.com,.localhost", False),
        ("", False),
    ],
)
def test_no_proxy_decides_direct_or_proxied(
    run: Run, tls_files: tuple[Path, Path], no_proxy: str, direct: bool
) -> None:
    run(_no_proxy_decides_direct_or_proxied(*tls_files, no_proxy, direct))


async def _no_proxy_decides_direct_or_proxied(
    cert: Path, key: Path, no_proxy: str, direct: bool
) -> None:
    async with upstream(cert, key) as up, RecordingProxy().running() as proxy:
        port = up.url.split(":")[2].split("/")[0]
        env = {**proxy_env(proxy), "no_proxy": no_proxy.format(port=port)}
        p = provider(up, env, ca_file=cert)
        try:
            assert (await complete(p))["id"] == "chatcmpl-1"
        finally:
            await p.aclose()
        assert proxy.connections == (0 if direct else 1)
        assert len(up.requests) == 1


# --- (d) CA bundles: [models.X] ca_file, SSL_CERT_FILE, else the system store ------------------


def test_ca_file_and_ssl_cert_file_decide_trust_through_the_tunnel(
    run: Run, tls_files: tuple[Path, Path], tmp_path: Path
) -> None:
    other, _ = make_cert(tmp_path, "other")
    run(_ca_file_and_ssl_cert_file(*tls_files, other))


async def _ca_file_and_ssl_cert_file(cert: Path, key: Path, other: Path) -> None:
    async with upstream(cert, key) as up, RecordingProxy().running() as proxy:
        env = proxy_env(proxy)
        trusted = [
            provider(up, {**env, "SSL_CERT_FILE": str(cert)}),
            provider(up, env, ca_file=cert),
            provider(up, {**env, "SSL_CERT_FILE": str(other)}, ca_file=cert),  # ca_file wins
            provider(up, {}, ca_file=cert),  # and without a proxy
        ]
        for p in trusted:
            try:
                assert (await complete(p))["id"] == "chatcmpl-1"
            finally:
                await p.aclose()
        for p in (provider(up, env), provider(up, {**env, "SSL_CERT_FILE": str(other)})):
            try:
                with pytest.raises(ProviderConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
                    await complete(p)
            finally:
                await p.aclose()
        assert len(up.requests) == 4
