"""SSE decoding at every split point, and the vendor encoders."""

from __future__ import annotations

import orjson
import pytest

from swapsafe.wire.sse import OPENAI_DONE, SSEDecoder, encode_anthropic, encode_openai

STREAM = (
    b": keep-alive comment\n"
    b"event: message_start\n"
    b'data: {"type":"message_start","n":1}\n'
    b"\n"
    b"event: ping\r\n"
    b'data: {"type": "ping"}\r\n'
    b"\r\n"
    b"data: line one\n"
    b"data: line two\n"
    b"id: 7\n"
    b"retry: 1000\n"
    b"\n"
    b"event: no-data-is-not-dispatched\n"
    b"\n"
    b"data:no-space\n"
    b"\n"
    b"data: caf\xc3\xa9\n"
    b"\n"
) + OPENAI_DONE

EXPECTED = [
    ("message_start", b'{"type":"message_start","n":1}'),
    ("ping", b'{"type": "ping"}'),
    (None, b"line one\nline two"),
    (None, b"no-space"),
    (None, "café".encode()),
    (None, b"[DONE]"),
]


def test_whole_stream() -> None:
    assert SSEDecoder().feed(STREAM) == EXPECTED


@pytest.mark.parametrize("cut", range(1, len(STREAM)))
def test_split_at_every_byte_boundary(cut: int) -> None:
    d = SSEDecoder()
    assert d.feed(STREAM[:cut]) + d.feed(STREAM[cut:]) == EXPECTED


def test_one_byte_at_a_time() -> None:
    d = SSEDecoder()
    out = []
    for i in range(len(STREAM)):
        out.extend(d.feed(STREAM[i : i + 1]))
    assert out == EXPECTED


def test_close_flushes_unterminated_record() -> None:
    d = SSEDecoder()
    assert d.feed(b"data: tail") == []
    assert d.close() == [(None, b"tail")]
    assert d.close() == []


def test_encoders_round_trip_through_decoder() -> None:
    payload = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": "a\nb"},
    }
    wire = encode_anthropic("content_block_delta", payload) + encode_openai({"x": 1}) + OPENAI_DONE
    assert wire.startswith(b"event: content_block_delta\ndata: {")
    records = SSEDecoder().feed(wire)
    assert [(e, orjson.loads(d) if d != b"[DONE]" else d) for e, d in records] == [
        ("content_block_delta", payload),
        (None, {"x": 1}),
        (None, b"[DONE]"),
    ]
