"""swapsafe's own HTTP/1.1 upstream client (providers/h1.py) against real sockets.

Each scenario runs a small asyncio server that misbehaves in one exact way; every test runs on
the default event loop and on uvloop (what uvicorn runs the gateway on).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path

import httpx
import orjson
import pytest
from h1_sockets import JSON, Run, ok, raw_server, read_request

from swapsafe.providers.h1 import H1Sender
from swapsafe.testing import FakeUpstream


def test_keep_alive_reuses_one_connection_against_uvicorn(run: Run) -> None:
    run(_keep_alive_reuses_one_connection_against_uvicorn())


async def _keep_alive_reuses_one_connection_against_uvicorn() -> None:
    with FakeUpstream("openai").serve_in_thread() as base:
        sender = H1Sender(f"{base}/chat/completions", timeout=5)
        body = orjson.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
        try:
            for i in range(1, 6):
                resp = await sender.send("", body, JSON, read=True)
                assert resp.status_code == 200
                assert resp.headers["content-type"] == "application/json"
                answer = orjson.loads(resp.content)
                assert answer["id"] == f"chatcmpl-fake{i}"
                assert answer["choices"][0]["message"]["content"] == "[m] hi"
            assert sender._pool._open == 1
        finally:
            await sender.aclose()


def test_streamed_chunks_arrive_before_the_body_ends(run: Run) -> None:
    run(_streamed_chunks_arrive_before_the_body_ends())


async def _streamed_chunks_arrive_before_the_body_ends() -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        writer.write(b"7\r\ndata: 1\r\n")
        await writer.drain()
        await release.wait()  # the client must have the first chunk before we go on
        writer.write(b"7\r\ndata: 2\r\n0\r\n\r\n")
        await writer.drain()
        await read_request(reader)  # the connection is reusable afterwards
        writer.write(ok())
        await writer.drain()

    async with raw_server(handler) as (url, conns):
        sender = H1Sender(url, timeout=5)
        try:
            resp = await sender.send("", b"{}", JSON, read=False)
            assert resp.headers["content-type"] == "text/event-stream"
            chunks = resp.aiter_bytes()
            assert await anext(chunks) == b"data: 1"
            release.set()
            assert [c async for c in chunks] == [b"data: 2"]
            again = await sender.send("", b"{}", JSON, read=True)
            assert again.content == b'{"ok":true}'
            assert len(conns) == 1
        finally:
            await sender.aclose()


def test_connection_close_and_close_delimited_bodies(run: Run) -> None:
    run(_connection_close_and_close_delimited_bodies())


async def _connection_close_and_close_delimited_bodies() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        if b"delimited" in request:  # HTTP/1.0 style: no length, the close ends the body
            writer.write(b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"a":')
            await writer.drain()
            await asyncio.sleep(0.01)
            writer.write(b"1}")
        else:
            writer.write(ok(close=True))
        await writer.drain()

    async with raw_server(handler) as (url, conns):
        sender = H1Sender(url, timeout=5)
        try:
            for _ in range(3):
                assert (await sender.send("", b"{}", JSON, read=True)).content == b'{"ok":true}'
            resp = await sender.send("", b'"delimited"', JSON, read=True)
            assert resp.content == b'{"a":1}'
            assert len(conns) == 4  # each answer closed its connection: none was reused
            await asyncio.sleep(0.01)
            assert sender._pool._open == 0
        finally:
            await sender.aclose()


def test_a_keep_alive_race_is_sent_again_on_a_new_connection(run: Run) -> None:
    run(_a_keep_alive_race_is_sent_again_on_a_new_connection())


async def _a_keep_alive_race_is_sent_again_on_a_new_connection() -> None:
    """The server closes a reused connection on the second request without answering."""
    answered: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(ok())
        await writer.drain()
        answered.append(1)
        await read_request(reader)  # then close without a byte, as an idle timeout would

    async with raw_server(handler) as (url, conns):
        sender = H1Sender(url, timeout=5)
        try:
            for _ in range(3):
                assert (await sender.send("", b"{}", JSON, read=True)).status_code == 200
            assert len(answered) == 3
            assert len(conns) == 3  # requests 2 and 3 each met a closing connection once
        finally:
            await sender.aclose()


def test_a_new_connection_closed_without_an_answer_is_an_error(run: Run) -> None:
    run(_a_new_connection_closed_without_an_answer_is_an_error())


async def _a_new_connection_closed_without_an_answer_is_an_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    async with raw_server(handler) as (url, conns):
        sender = H1Sender(url, timeout=5)
        try:
            with pytest.raises(httpx.RemoteProtocolError, match="closed the connection"):
                await sender.send("", b"{}", JSON, read=True)
            assert len(conns) == 1  # a fresh connection is never silently retried
        finally:
            await sender.aclose()


def test_read_timeout_counts_silence_not_total_time(run: Run) -> None:
    run(_read_timeout_counts_silence_not_total_time())


async def _read_timeout_counts_silence_not_total_time() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        if b"trickle" in request:
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 6\r\n\r\n"
            )
            for byte in b"abcdef":  # 6 x 0.1 s: longer than the timeout, never silent for it
                await asyncio.sleep(0.1)
                writer.write(bytes([byte]))
                await writer.drain()
        await asyncio.sleep(5)  # "silent": say nothing

    async with raw_server(handler) as (url, _):
        sender = H1Sender(url, timeout=0.35)
        try:
            resp = await sender.send("", b'"trickle"', JSON, read=True)
            assert resp.content == b"abcdef"
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            with pytest.raises(httpx.ReadTimeout, match="no data from upstream for 0.35s"):
                await sender.send("", b'"silent"', JSON, read=True)
            assert loop.time() - t0 >= 0.3
            assert sender._pool._open == 0  # the timed-out connection was closed
        finally:
            await sender.aclose()


def test_the_call_deadline_holds_even_while_bytes_keep_coming(run: Run) -> None:
    run(_the_call_deadline_holds_even_while_bytes_keep_coming())


async def _the_call_deadline_holds_even_while_bytes_keep_coming() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            request = await read_request(reader)
            if b"quick" in request:
                writer.write(ok())
                continue
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 9\r\n\r\n"
            )
            for byte in b"abcdefghi":  # never silent for the 5 s read timeout
                await asyncio.sleep(0.1)
                writer.write(bytes([byte]))
                await writer.drain()

    async with raw_server(handler) as (url, connections):
        sender = H1Sender(url, timeout=5)
        try:
            quick = await sender.send("", b'"quick"', JSON, read=True, within=5)
            assert quick.content == b'{"ok":true}'  # a deadline that is not reached: no effect
            with pytest.raises(httpx.ReadTimeout, match="deadline"):
                await sender.send("", b'"slow"', JSON, read=True, within=0.35)
            assert len(connections) == 1  # the deadline hit on the kept-alive connection
            assert sender._pool._open == 0  # ... which was closed, its answer unread
            again = await sender.send("", b'"quick"', JSON, read=True, within=5)
            assert again.content == b'{"ok":true}' and len(connections) == 2
        finally:
            await sender.aclose()


def test_the_call_deadline_covers_waiting_for_a_connection(run: Run) -> None:
    run(_the_call_deadline_covers_waiting_for_a_connection())


async def _the_call_deadline_covers_waiting_for_a_connection() -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await release.wait()
        writer.write(ok())
        await writer.drain()

    async with raw_server(handler) as (url, _):
        sender = H1Sender(url, timeout=5, limit=1)  # one connection at most
        try:
            first = asyncio.ensure_future(sender.send("", b"{}", JSON, read=True))
            await asyncio.sleep(0.05)  # it holds the only connection
            with pytest.raises(httpx.ConnectTimeout, match="deadline"):
                await sender.send("", b"{}", JSON, read=True, within=0.2)
            release.set()
            assert (await first).content == b'{"ok":true}'
        finally:
            await sender.aclose()


def test_connect_errors_and_garbage_map_to_httpx_exceptions(run: Run) -> None:
    run(_connect_errors_and_garbage_map_to_httpx_exceptions())


async def _connect_errors_and_garbage_map_to_httpx_exceptions() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SPDY/9 banana\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(1)

    with socket_closed_port() as port:
        sender = H1Sender(f"http://127.0.0.1:{port}/v1", timeout=5)
        with pytest.raises(httpx.ConnectError, match="cannot connect to 127.0.0.1"):
            await sender.send("", b"{}", JSON, read=True)
        await sender.aclose()
    async with raw_server(garbage) as (url, _):
        sender = H1Sender(url, timeout=5)
        try:
            with pytest.raises(httpx.RemoteProtocolError, match="invalid HTTP response"):
                await sender.send("", b"{}", JSON, read=True)
        finally:
            await sender.aclose()


def test_header_line_breaks_are_refused_before_sending(run: Run) -> None:
    run(_header_line_breaks_are_refused_before_sending())


async def _header_line_breaks_are_refused_before_sending() -> None:
    sender = H1Sender("http://127.0.0.1:9/v1", timeout=5)
    with pytest.raises(httpx.LocalProtocolError, match="line break"):
        await sender.send("", b"{}", {"x-evil": "a\r\nhost: elsewhere"}, read=True)
    await sender.aclose()


def test_cancelling_mid_response_discards_the_connection(run: Run) -> None:
    run(_cancelling_mid_response_discards_the_connection())


async def _cancelling_mid_response_discards_the_connection() -> None:
    started = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
            await writer.drain()
            started.set()

    async with raw_server(handler) as (url, conns):
        sender = H1Sender(url, timeout=5)
        try:
            task = asyncio.ensure_future(sender.send("", b"{}", JSON, read=True))
            await started.wait()
            await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0.01)
            assert sender._pool._open == 0  # half-read: never handed to the next request
            started.clear()
            task = asyncio.ensure_future(sender.send("", b"{}", JSON, read=True))
            await started.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert len(conns) == 2
        finally:
            await sender.aclose()


def test_a_slow_reader_pauses_the_socket_and_gets_every_byte(run: Run) -> None:
    run(_a_slow_reader_pauses_the_socket_and_gets_every_byte())


async def _a_slow_reader_pauses_the_socket_and_gets_every_byte() -> None:
    size = 8 * 1024 * 1024

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % size)
        block = bytes(range(256)) * 256
        for _ in range(size // len(block)):
            writer.write(block)
            await writer.drain()

    async with raw_server(handler) as (url, _):
        sender = H1Sender(url, timeout=5)
        try:
            resp = await sender.send("", b"{}", JSON, read=False)
            got = 0
            peak = 0
            async for chunk in resp.aiter_bytes():
                got += len(chunk)
                peak = max(peak, len(chunk))
                await asyncio.sleep(0.001)
            assert got == size
            assert peak < 3 * 1024 * 1024  # reading paused near the 1 MiB high-water mark
        finally:
            await sender.aclose()


def test_tls_with_a_trusted_certificate_and_refusal_of_an_untrusted_one(
    run: Run, tls_files: tuple[Path, Path]
) -> None:
    run(_tls_with_a_trusted_certificate_and_refusal_of_an_untrusted_one(tls_files))


async def _tls_with_a_trusted_certificate_and_refusal_of_an_untrusted_one(
    tls_files: tuple[Path, Path],
) -> None:
    cert, key = tls_files
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(ok())
            await writer.drain()

    async with raw_server(handler, server_ctx) as (url, conns):
        trusting = H1Sender(url, timeout=5, ssl_context=ssl.create_default_context(cafile=cert))
        try:
            for _ in range(2):
                assert (await trusting.send("", b"{}", JSON, read=True)).content == b'{"ok":true}'
            assert len(conns) == 1
        finally:
            await trusting.aclose()
        default = H1Sender(url, timeout=5)  # the system trust store does not know this cert
        try:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await default.send("", b"{}", JSON, read=True)
        finally:
            await default.aclose()


@contextlib.contextmanager
def socket_closed_port() -> object:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield port


def test_header_blocks_are_reused_only_for_the_same_dict() -> None:
    sender = H1Sender("http://127.0.0.1:9/v1/chat", timeout=5)
    plain, stream = {"accept": "application/json"}, {"accept": "text/event-stream"}
    for _ in range(2):  # alternating: both stay cached
        assert b"accept: application/json\r\n" in sender._request(b"{}", plain)
        assert b"accept: text/event-stream\r\n" in sender._request(b"{}", stream)
    assert sender._header_block(plain) is sender._header_block(plain)
    other = {"authorization": "Bearer client-key"}  # a per-call dict is encoded afresh
    request = sender._request(b'{"a":1}', other)
    assert request.endswith(b'authorization: Bearer client-key\r\ncontent-length: 7\r\n\r\n{"a":1}')
    assert request.startswith(b"POST /v1/chat HTTP/1.1\r\nhost: 127.0.0.1:9\r\n")
