"""The gateway's uvicorn protocol sends a response's head and body in one write."""

from __future__ import annotations

import asyncio
from typing import Any

from swapsafe.gateway.http_protocol import CoalescingTransport


class RecordingTransport:
    def __init__(self) -> None:
        self.sends: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.sends.append(bytes(data))

    def writelines(self, parts: Any) -> None:
        self.sends.append(b"".join(parts))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


async def test_head_and_body_of_one_turn_go_out_together() -> None:
    raw = RecordingTransport()
    t = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
    t.write(HEAD)
    assert raw.sends == []  # held for the body
    t.write(b"ok")
    assert raw.sends == [HEAD + b"ok"]
    await asyncio.sleep(0)  # the scheduled flush finds nothing left to send
    assert raw.sends == [HEAD + b"ok"]
    assert t.get_extra_info("peername") == "info:peername"  # everything else passes through


async def test_a_streamed_head_goes_out_alone_on_the_next_turn() -> None:
    raw = RecordingTransport()
    t = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
    t.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
    await asyncio.sleep(0)
    assert raw.sends == [b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"]
    t.write(b"5\r\nhello\r\n")  # body chunks are never held
    assert raw.sends[-1] == b"5\r\nhello\r\n"


async def test_close_sends_a_held_head_first() -> None:
    raw = RecordingTransport()
    t = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
    t.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    t.close()
    assert raw.sends == [b"HTTP/1.1 204 No Content\r\n\r\n"] and raw.closed
