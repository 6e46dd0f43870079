"""The gateway's edge: no redirects, errors for unknown routes in the caller's format, read
deadlines for slow request heads and bodies, bounded headers, and no trusted proxy by default.

The deadline tests configure deadlines of a fraction of a second and give the server ten
seconds to act: the server only has to close a connection that would otherwise stay open
forever, so a loaded machine makes them slower, never wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from tests.gateway.harness import CLIENT_KEY, ENV, Harness, free_port, serve, write_config

from swapsafe.config import load_config
from swapsafe.gateway.http_guard import HttpLimits, find_limits, proxy_header_options
from swapsafe.gateway.http_protocol import GatewayHttpProtocol
from swapsafe.serve import create_gateway_app
from swapsafe.store import open_store

AUTH = f"authorization: Bearer {CLIENT_KEY}\r\n"
CHAT = orjson.dumps({"model": "chat", "messages": [{"role": "user", "content": "hi"}]})
WAIT = 10.0  # generous: how long the server may take to act on a 0.3 s deadline


# -- no redirects; unknown routes answer in the caller's format ---------------------------------


async def test_trailing_slash_gets_404_json_and_never_a_redirect(harness: Harness) -> None:
    spoofed = {"host": "attacker.example", "authorization": f"Bearer {CLIENT_KEY}"}
    r = await harness.http.post("/v1/chat/completions/", headers=spoofed, content=CHAT)
    assert r.status_code == 404 and "location" not in r.headers
    assert "attacker.example" not in r.text
    error = r.json()["error"]  # OpenAI error shape
    assert error["type"] == "not_found_error" and "/v1/chat/completions/" in error["message"]

    r = await harness.http.post("/v1/messages/", headers=spoofed, content=CHAT)
    assert r.status_code == 404 and "location" not in r.headers
    body = r.json()  # Anthropic error shape
    assert body["type"] == "error" and body["error"]["type"] == "not_found_error"

    r = await harness.http.get("/v1/chat/completions", headers=spoofed)
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert "POST" in r.json()["error"]["message"]

    r = await harness.http.get("/v1/nothing/here/", headers=spoofed)
    assert r.status_code == 404 and "location" not in r.headers and "error" in r.json()


# -- a gateway with short read deadlines and small header bounds --------------------------------


@pytest.fixture
async def edge_url(tmp_path: Path) -> AsyncIterator[str]:
    path = write_config(tmp_path)
    text = path.read_text().replace(
        "retries = 2\n",
        'retries = 2\nheader_timeout = "300ms"\nbody_timeout = "300ms"\n'
        "max_header_bytes = 8192\nmax_headers = 20\n",
    )
    path.write_text(text)
    store = open_store(f"sqlite:///{tmp_path}/gw.db")
    app = create_gateway_app(
        load_config(path, env=ENV), store=store, spill_path=tmp_path / "spill.jsonl"
    )
    app.state.runtime.start()
    try:
        async with serve(app) as url:
            yield url
    finally:
        await app.state.runtime.aclose()
        store.close()


@contextlib.asynccontextmanager
async def raw(url: str) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        yield reader, writer
    finally:
        writer.close()


async def trickle_until_closed(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, drip: bytes
) -> bytes:
    """Send ``drip`` every 50 ms (a slowloris client) until the server closes; return what the
    server sent. Fails when the server keeps the connection open for WAIT seconds."""

    async def drip_forever() -> None:
        with contextlib.suppress(ConnectionError):
            while True:
                writer.write(drip)
                await writer.drain()
                await asyncio.sleep(0.05)

    dripping = asyncio.create_task(drip_forever())
    try:
        return await asyncio.wait_for(reader.read(), WAIT)  # read() returns at EOF
    finally:
        dripping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await dripping


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else 0


async def test_slow_request_head_gets_408_and_a_closed_connection(edge_url: str) -> None:
    async with raw(edge_url) as (reader, writer):
        writer.write(b"POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\nx-slow: ")
        reply = await trickle_until_closed(reader, writer, b"a")
    assert status_of(reply) == 408 and b"connection: close" in reply


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/feedback"])  # fast lane, uvicorn
async def test_slow_request_body_gets_408_in_the_callers_format(edge_url: str, path: str) -> None:
    head = f"POST {path} HTTP/1.1\r\nhost: gw\r\n{AUTH}content-type: application/json\r\n"
    async with raw(edge_url) as (reader, writer):
        writer.write(f"{head}content-length: 1000\r\n\r\n".encode() + b'{"model": ')
        reply = await trickle_until_closed(reader, writer, b" ")
    assert status_of(reply) == 408, reply[:200]
    body = orjson.loads(reply.split(b"\r\n\r\n", 1)[1])
    assert "did not arrive in time" in body["error"]["message"]


async def test_a_connection_that_sends_nothing_is_closed(edge_url: str) -> None:
    async with raw(edge_url) as (reader, _writer):
        assert await asyncio.wait_for(reader.read(), WAIT) == b""


async def test_requests_within_the_deadlines_still_work(edge_url: str) -> None:
    async with httpx.AsyncClient(base_url=edge_url) as client:
        for _ in range(3):  # keep-alive: each request gets its own deadline
            assert (await client.get("/healthz")).status_code == 200
            await asyncio.sleep(0.2)  # idle between requests is the keep-alive timer's business
        r = await client.post("/v1/chat/completions", content=CHAT)
        assert r.status_code == 401  # through the fast lane, answered in time


# -- header bounds ------------------------------------------------------------------------------


def many_headers(n: int) -> bytes:
    return b"".join(b"x-h%d: v\r\n" % i for i in range(n))


@pytest.mark.parametrize("path", [b"POST /v1/chat/completions", b"GET /healthz"])
@pytest.mark.parametrize(
    "extra",
    [many_headers(21), b"x-big: " + b"a" * 9000 + b"\r\n", many_headers(10_000)],
    ids=["21 headers", "9000 byte header", "10000 headers"],
)
async def test_too_many_or_too_large_headers_get_431(
    edge_url: str, path: bytes, extra: bytes
) -> None:
    request = path + b" HTTP/1.1\r\nhost: gw\r\ncontent-length: 0\r\n" + extra + b"\r\n"
    async with raw(edge_url) as (reader, writer):
        writer.write(request)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        reply = await asyncio.wait_for(reader.read(), WAIT)
    assert status_of(reply) == 431 and b"connection: close" in reply


async def test_a_megabyte_of_headers_sent_slowly_in_pieces_gets_431(edge_url: str) -> None:
    async with raw(edge_url) as (reader, writer):
        writer.write(b"GET /healthz HTTP/1.1\r\nhost: gw\r\nx-big: ")
        with contextlib.suppress(ConnectionError):
            for _ in range(256):  # 1 MiB in 4 KiB pieces, or until the server hangs up
                writer.write(b"a" * 4096)
                await writer.drain()
        reply = await asyncio.wait_for(reader.read(), WAIT)
    assert status_of(reply) == 431


async def test_headers_within_the_bounds_pass(edge_url: str) -> None:
    async with raw(edge_url) as (reader, writer):
        writer.write(b"GET /healthz HTTP/1.1\r\nhost: gw\r\n" + many_headers(18) + b"\r\n")
        reply = await asyncio.wait_for(reader.readuntil(b'"status":"ok"'), WAIT)
    assert status_of(reply) == 200


def test_default_limits() -> None:
    assert find_limits(object()) == HttpLimits(10.0, 60.0, 65536, 100)


# -- proxy headers ------------------------------------------------------------------------------


async def echo_client(scope: dict[str, Any], receive: Callable[..., Any], send: Any) -> None:
    if scope["type"] != "http":
        return
    body = orjson.dumps({"scheme": scope["scheme"], "client": scope["client"][0]})
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


async def seen_by_app(**options: Any) -> dict[str, str]:
    port = free_port()
    config = uvicorn.Config(
        echo_client,
        port=port,
        lifespan="off",
        log_level="warning",
        http=GatewayHttpProtocol,
        **options,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient() as client:
            r = await client.get(
                f"http://127.0.0.1:{port}/",
                headers={"x-forwarded-proto": "https", "x-forwarded-for": "6.6.6.6"},
            )
        return dict(r.json())
    finally:
        server.should_exit = True
        await task


async def test_forwarded_headers_are_trusted_from_no_address_by_default() -> None:
    assert proxy_header_options(None) == {"proxy_headers": False, "forwarded_allow_ips": None}
    assert await seen_by_app(**proxy_header_options(None)) == {
        "scheme": "http",
        "client": "127.0.0.1",
    }
    assert await seen_by_app() == {"scheme": "https", "client": "6.6.6.6"}  # uvicorn's default
    trusted = proxy_header_options("127.0.0.1")
    assert await seen_by_app(**trusted) == {"scheme": "https", "client": "6.6.6.6"}
