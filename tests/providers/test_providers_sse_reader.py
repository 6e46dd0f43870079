"""The incremental SSE decoder: any chunking gives the same events."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from swapsafe.providers.base import SSEEvent
from swapsafe.providers.sse_reader import SSEDecoder

ANTHROPIC = (
    b'event: message_start\ndata: {"type":"message_start"}\n\n'
    b'event: ping\ndata: {"type": "ping"}\n\n'
    b": keep-alive comment\n\n"
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
)
OPENAI = b'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n'


def decode(chunks: list[bytes]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    out: list[SSEEvent] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    return out


def test_openai_events() -> None:
    assert decode([OPENAI]) == [
        SSEEvent(None, b'{"a":1}'),
        SSEEvent(None, b'{"b":2}'),
        SSEEvent(None, b"[DONE]"),
    ]


def test_anthropic_events_skip_comments() -> None:
    events = decode([ANTHROPIC])
    assert [e.event for e in events] == ["message_start", "ping", "message_stop"]
    assert events[1].data == b'{"type": "ping"}'


def test_crlf_multiline_data_and_ignored_fields() -> None:
    raw = b"id: 7\r\nretry: 100\r\nevent: x\r\ndata: one\r\ndata:two\r\n\r\ndata: tail"
    decoder = SSEDecoder()
    assert decoder.feed(raw) == [SSEEvent("x", b"one\ntwo")]
    assert decoder.pending() == b"data: tail"
    assert decoder.feed(b"\n\n") == [SSEEvent(None, b"tail")]


def test_record_without_data_is_dropped() -> None:
    assert decode([b"event: lonely\n\n"]) == []


@given(st.data())
def test_any_split_gives_the_same_events(data: st.DataObject) -> None:
    raw = data.draw(st.sampled_from([OPENAI, ANTHROPIC, ANTHROPIC.replace(b"\n", b"\r\n")]))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=12)))
    chunks = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert decode(chunks) == decode([raw])
