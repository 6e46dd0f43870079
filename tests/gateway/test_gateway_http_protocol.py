"""The gateway's HTTP protocol on raw sockets: the proxy fast lane next to uvicorn's own path.

The SDK tests run over this protocol too (``harness_transport == "socket"``); these cover what
an SDK never sends: pipelining, HTTP/1.0, ``Expect: 100-continue``, chunked and large bodies,
a shutdown with a request in flight, and a client that leaves early.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httptools
import orjson
import pytest
import uvicorn
from starlette.responses import StreamingResponse
from tests.gateway.harness import CLIENT_KEY, Harness, free_port, serve

from swapsafe.gateway.http_protocol import (
    GatewayHttpProtocol,
    ProxyExchange,
    _close_early,
    find_gateway,
)
from swapsafe.testing import Fault


@pytest.fixture
def harness_transport() -> str:
    return "asgi"  # each test serves the app itself, on the gateway's protocol


CHAT = orjson.dumps(
    {"model": "chat", "messages": [{"role": "user", "content": "hello over a raw socket"}]}
)


def post(path: str, body: bytes, *, version: str = "1.1", extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/{version}\r\nhost: gw\r\nauthorization: Bearer {CLIENT_KEY}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nhost: gw\r\n\r\n".encode()


class Reply:
    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body = b""


class Connection:
    """A raw client connection that parses any number of responses, in order."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = httptools.HttpResponseParser(self)
        self.replies: list[Reply] = []
        self.complete = 0

    def write(self, data: bytes) -> None:
        self.writer.write(data)

    def close(self) -> None:
        self.writer.close()

    def on_message_begin(self) -> None:
        self.replies.append(Reply())

    def on_header(self, name: bytes, value: bytes) -> None:
        self.replies[-1].headers[name.decode().lower()] = value.decode()

    def on_headers_complete(self) -> None:
        self.replies[-1].status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self.replies[-1].body += body

    def on_message_complete(self) -> None:
        self.complete += 1

    async def read(self, n: int = 1) -> list[Reply]:
        """The next ``n`` responses."""
        want = self.complete + n
        while self.complete < want:
            data = await asyncio.wait_for(self.reader.read(65536), 10)
            if not data:
                raise ConnectionError(f"closed with {want - self.complete} replies missing")
            self.parser.feed_data(data)
        return self.replies[want - n : want]


@contextlib.asynccontextmanager
async def server_for(app: object, **config: object) -> AsyncIterator[uvicorn.Server]:
    """A loopback uvicorn server on the gateway's protocol, for tests that need its state."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            port=free_port(),
            lifespan="off",
            log_level="warning",
            http=GatewayHttpProtocol,
            **config,  # type: ignore[arg-type]
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield server
    finally:
        server.should_exit = True
        await task


def url_of(server: uvicorn.Server) -> str:
    return f"http://127.0.0.1:{server.config.port}"


async def until_row(h: Harness, **query: object) -> list[object]:
    for _ in range(100):
        rows = h.traces(**query)
        if rows:
            return list(rows)
        await asyncio.sleep(0.05)
    return []


async def connect(url: str) -> Connection:
    host, port = url.removeprefix("http://").split(":")
    return Connection(*await asyncio.open_connection(host, int(port)))


async def test_fast_and_uvicorn_paths_share_one_keep_alive_connection(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def not_through_asgi(*args: object) -> None:
        raise AssertionError("a proxy request went through ASGI, not the fast lane")

    monkeypatch.setattr(harness.app.gateway, "handle", not_through_asgi)
    async with serve(harness.app) as url:
        conn = await connect(url)
        for request, path_kind in (
            (get("/healthz"), "slow"),
            (post("/v1/chat/completions", CHAT), "fast"),
            (get("/v1/models"), "slow"),
            (post("/v1/chat/completions?trace=1", CHAT), "fast"),
        ):
            conn.write(request)
            (reply,) = await conn.read()
            assert reply.status == 200, (path_kind, reply.body)
            assert "connection" not in reply.headers  # still keep-alive
            assert "date" in reply.headers and reply.headers["server"] == "uvicorn"
        conn.close()
    body = orjson.loads(reply.body)
    assert body["choices"][0]["message"]["content"] == "[gpt-4o] hello over a raw socket"
    assert reply.headers["x-request-id"] == body["id"]
    assert reply.headers["content-type"] == "application/json"
    assert harness.trace(body["id"]).status == "ok"


async def test_pipelined_requests_are_answered_in_order(harness: Harness) -> None:
    first = orjson.dumps({"model": "chat", "messages": [{"role": "user", "content": "one"}]})
    second = orjson.dumps({"model": "chat", "messages": [{"role": "user", "content": "two"}]})
    async with serve(harness.app) as url:
        conn = await connect(url)
        conn.write(
            post("/v1/chat/completions", first)
            + get("/healthz")
            + post("/v1/chat/completions", second)
        )
        replies = await conn.read(3)
        conn.close()
    assert [r.status for r in replies] == [200, 200, 200]
    assert orjson.loads(replies[0].body)["choices"][0]["message"]["content"].endswith("one")
    assert orjson.loads(replies[1].body) == {"status": "ok", "store": "up"}
    assert orjson.loads(replies[2].body)["choices"][0]["message"]["content"].endswith("two")


async def test_http_1_0_gets_connection_close(harness: Harness) -> None:
    async with serve(harness.app) as url:
        conn = await connect(url)
        conn.write(post("/v1/chat/completions", CHAT, version="1.0"))
        (reply,) = await conn.read()
        assert reply.status == 200 and reply.headers["connection"] == "close"
        assert await asyncio.wait_for(conn.reader.read(), 5) == b""  # the server closed it
        conn.close()


async def test_expect_100_continue_gets_continue_then_the_answer(harness: Harness) -> None:
    async with serve(harness.app) as url:
        conn = await connect(url)
        head = post("/v1/chat/completions", CHAT, extra="expect: 100-continue\r\n")
        conn.write(head[: -len(CHAT)])  # headers only: wait to be told to go on
        line = await asyncio.wait_for(conn.reader.readuntil(b"\r\n\r\n"), 5)
        assert line == b"HTTP/1.1 100 Continue\r\n\r\n"
        conn.write(CHAT)
        (reply,) = await conn.read()
        conn.close()
    assert reply.status == 200


async def test_large_and_chunked_bodies_are_read_whole(harness: Harness) -> None:
    text = "x" * 300_000  # several reads, with read back-pressure above 64 KiB
    big = orjson.dumps({"model": "chat", "messages": [{"role": "user", "content": text}]})
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (big[:1000], big[1000:])) + (
        b"0\r\n\r\n"
    )
    async with serve(harness.app) as url:
        conn = await connect(url)
        conn.write(post("/v1/chat/completions", big))
        (plain,) = await conn.read()
        conn.write(
            (
                "POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\n"
                f"authorization: Bearer {CLIENT_KEY}\r\ntransfer-encoding: chunked\r\n\r\n"
            ).encode()
            + chunked
        )
        (by_chunks,) = await conn.read()
        conn.close()
    for reply in (plain, by_chunks):
        assert reply.status == 200, reply.body[:200]
        assert orjson.loads(reply.body)["choices"][0]["message"]["content"].endswith(text)
    sent = harness.fakes["gpt"].requests
    assert [len(r.body["messages"][0]["content"]) for r in sent[-2:]] == [300_000, 300_000]


async def test_bodies_over_the_limit_are_413_declared_or_chunked(
    make_harness,  # type: ignore[no-untyped-def]
) -> None:
    h = await make_harness(max_body=1000)
    big = orjson.dumps({"model": "chat", "messages": [{"role": "user", "content": "y" * 5000}]})
    async with serve(h.app) as url:
        conn = await connect(url)
        conn.write(post("/v1/chat/completions", big))
        (declared,) = await conn.read()
        conn.write(
            (
                "POST /v1/messages HTTP/1.1\r\nhost: gw\r\n"
                f"x-api-key: {CLIENT_KEY}\r\ntransfer-encoding: chunked\r\n\r\n"
            ).encode()
            + b"%x\r\n%s\r\n0\r\n\r\n" % (len(big), big)
        )
        (chunked,) = await conn.read()
        conn.write(get("/healthz"))  # the connection is still usable
        (after,) = await conn.read()
        conn.close()
    assert declared.status == 413 and orjson.loads(declared.body)["error"]["message"]
    assert chunked.status == 413
    assert orjson.loads(chunked.body)["type"] == "error"  # in the caller's (Anthropic) format
    assert after.status == 200
    assert h.fakes["gpt"].requests == [] and h.fakes["claude"].requests == []


async def test_errors_on_the_fast_lane_keep_the_callers_format(harness: Harness) -> None:
    async with serve(harness.app) as url:
        conn = await connect(url)
        conn.write(post("/v1/messages", b"{not json"))
        (bad,) = await conn.read()
        conn.write(post("/v1/chat/completions", orjson.dumps({"model": "nope"})))
        (unknown,) = await conn.read()
        conn.close()
    assert bad.status == 400 and orjson.loads(bad.body)["error"]["type"] == "invalid_request_error"
    assert orjson.loads(bad.body)["type"] == "error"
    assert unknown.status == 404 and "chat" in orjson.loads(unknown.body)["error"]["message"]


async def test_shutdown_lets_a_request_in_flight_finish_with_connection_close(
    make_harness,  # type: ignore[no-untyped-def]
) -> None:
    h = await make_harness(loopback=True)
    h.fakes["gpt"].fault = Fault(latency=0.5)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            h.app, port=port, lifespan="off", log_level="warning", http=GatewayHttpProtocol
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    conn = await connect(f"http://127.0.0.1:{port}")
    conn.write(post("/v1/chat/completions", CHAT))
    await asyncio.sleep(0.2)  # the upstream call is under way
    server.should_exit = True
    (reply,) = await conn.read()
    await task
    conn.close()
    assert reply.status == 200 and reply.headers["connection"] == "close"
    assert h.trace(orjson.loads(reply.body)["id"]).status == "ok"


async def test_a_client_gone_before_the_answer_still_gets_its_trace_row(
    make_harness,  # type: ignore[no-untyped-def]
) -> None:
    h = await make_harness(loopback=True)
    h.fakes["gpt"].fault = Fault(latency=0.3)
    async with serve(h.app) as url:
        conn = await connect(url)
        conn.write(post("/v1/chat/completions", CHAT))
        await asyncio.sleep(0.1)
        conn.close()  # hang up while the upstream is still thinking
        for _ in range(100):
            rows = h.traces(workload="chat")
            if rows:
                break
            await asyncio.sleep(0.05)
    assert len(rows) == 1 and rows[0].status == "ok"  # the upstream answered; it is recorded


async def test_a_stream_whose_client_left_is_still_opened_and_closed() -> None:
    steps: list[str] = []

    async def pump() -> AsyncIterator[bytes]:
        try:
            steps.append("started")
            yield b"data: 1\n\n"
            yield b"data: 2\n\n"
        finally:
            steps.append("cleaned up")  # the gateway records the trace row here

    await _close_early(StreamingResponse(pump()).body_iterator)
    assert steps == ["started", "cleaned up"]


def test_the_fast_lane_finds_the_gateway_through_middleware(harness: Harness) -> None:
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    assert find_gateway(ProxyHeadersMiddleware(harness.app)) is harness.app.gateway

    class WebEntry:  # swapsafe serve: the web app, with the gateway app beside it
        def __init__(self, gateway: object) -> None:
            self.app = object()
            self.gateway = gateway

    assert find_gateway(ProxyHeadersMiddleware(WebEntry(harness.app))) is harness.app.gateway
    assert find_gateway(object()) is None
    assert "run_asgi" in dir(ProxyExchange)


async def test_a_client_gone_mid_body_is_not_an_error(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    async with serve(harness.app) as url:
        conn = await connect(url)
        conn.write(post("/v1/chat/completions", CHAT)[:-10])  # the body never ends
        await asyncio.sleep(0.1)
        conn.close()
        await asyncio.sleep(0.1)
        after = await connect(url)
        after.write(post("/v1/chat/completions", CHAT))
        (reply,) = await after.read()
        after.close()
    assert reply.status == 200
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert harness.fakes["gpt"].requests[-1].body["messages"][0]["content"].endswith("socket")
    assert len(harness.fakes["gpt"].requests) == 1  # the cut-off request never went upstream


STREAM_LONG = {"model": "xchat", "stream": True}


async def test_a_long_prompt_does_not_leave_reading_paused_during_the_stream(
    make_harness,  # type: ignore[no-untyped-def]
) -> None:
    """A body over 64 KiB pauses reading; the stream must read again to notice a hang-up."""
    h = await make_harness(loopback=True)
    h.fakes["claude"].fault = Fault(drip=0.2)
    body = orjson.dumps(
        {**STREAM_LONG, "messages": [{"role": "user", "content": "long " * 60_000}]}
    )
    async with server_for(h.app) as server:
        conn = await connect(url_of(server))
        conn.write(post("/v1/chat/completions", body))
        await asyncio.wait_for(conn.reader.readuntil(b"data: "), 10)  # the stream is flowing
        (protocol,) = server.server_state.connections
        assert not protocol.flow.read_paused  # type: ignore[attr-defined]
        conn.close()
        rows = await until_row(h, workload="xchat")
    assert [r.status for r in rows] == ["client_disconnect"]  # type: ignore[attr-defined]


async def test_a_hang_up_mid_stream_is_seen_with_a_request_queued_behind_it(
    make_harness,  # type: ignore[no-untyped-def]
) -> None:
    h = await make_harness(loopback=True)
    h.fakes["claude"].fault = Fault(drip=0.2)
    body = orjson.dumps({**STREAM_LONG, "messages": [{"role": "user", "content": "a story " * 5}]})
    async with server_for(h.app) as server:
        conn = await connect(url_of(server))
        conn.write(post("/v1/chat/completions", body) + get("/healthz"))  # pipelined
        await asyncio.wait_for(conn.reader.readuntil(b"data: "), 10)
        conn.close()
        rows = await until_row(h, workload="xchat")
    assert [r.status for r in rows] == ["client_disconnect"]  # type: ignore[attr-defined]


async def test_a_request_cut_by_the_shutdown_deadline_gets_a_500_in_its_format(
    make_harness,  # type: ignore[no-untyped-def]
) -> None:
    h = await make_harness(loopback=True)
    h.fakes["claude"].fault = Fault(latency=3)
    body = orjson.dumps({"model": "xchat", "messages": [{"role": "user", "content": "slow"}]})
    async with server_for(h.app, timeout_graceful_shutdown=0.3) as server:
        conn = await connect(url_of(server))
        conn.write(post("/v1/chat/completions", body))
        await asyncio.sleep(0.2)  # the upstream call is under way
        server.should_exit = True
        (reply,) = await conn.read()
        conn.close()
    assert reply.status == 500 and reply.headers["connection"] == "close"
    assert "shutting down" in orjson.loads(reply.body)["error"]["message"]
