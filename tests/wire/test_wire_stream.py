"""Streaming translation, event by event, validated with the SDKs' own types and accumulators."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from anthropic.lib.streaming._messages import accumulate_event
from openai.lib.streaming.chat import ChatCompletionStreamState
from wire_fixtures import validate_anthropic_event, validate_openai_chunk

from swapsafe.wire.canonical import JSON_MODE_TOOL
from swapsafe.wire.sse import OPENAI_DONE, SSEDecoder, encode_anthropic, encode_openai
from swapsafe.wire.stream import AnthropicToOpenAIStream, OpenAIToAnthropicStream


def sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {orjson.dumps(data).decode()}\n\n".encode()


def text_delta(i: int, text: str) -> bytes:
    return sse(
        "content_block_delta",
        {"type": "content_block_delta", "index": i, "delta": {"type": "text_delta", "text": text}},
    )


def json_delta(i: int, part: str) -> bytes:
    return sse(
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": i,
            "delta": {"type": "input_json_delta", "partial_json": part},
        },
    )


def block_stop(i: int) -> bytes:
    return sse("content_block_stop", {"type": "content_block_stop", "index": i})


def tool_start(i: int, id_: str, name: str) -> bytes:
    return sse(
        "content_block_start",
        {
            "type": "content_block_start",
            "index": i,
            "content_block": {"type": "tool_use", "id": id_, "name": name, "input": {}},
        },
    )


MESSAGE_START = sse(
    "message_start",
    {
        "type": "message_start",
        "message": {
            "id": "msg_014p7gG3wDgGV9EUtLvnow3U",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "stop_sequence": None,
            "usage": {
                "input_tokens": 472,
                "output_tokens": 2,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 128,
            },
            "content": [],
            "stop_reason": None,
        },
    },
)

# text + two parallel tool_use blocks + pings, as Anthropic sends it
ANTHROPIC_TRANSCRIPT = b"".join(
    [
        MESSAGE_START,
        sse(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        b'event: ping\ndata: {"type": "ping"}\n\n',
        text_delta(0, "Okay, let me check "),
        text_delta(0, "both cities."),
        block_stop(0),
        tool_start(1, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather"),
        json_delta(1, ""),
        json_delta(1, '{"city": "San'),
        json_delta(1, ' Francisco", "unit": "f"}'),
        block_stop(1),
        b'event: ping\ndata: {"type": "ping"}\n\n',
        tool_start(2, "toolu_02XyZ", "get_weather"),
        json_delta(2, '{"city": '),
        json_delta(2, '"Paris"}'),
        block_stop(2),
        sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                "usage": {"output_tokens": 89},
            },
        ),
        sse("message_stop", {"type": "message_stop"}),
    ]
)


def run_anthropic_to_openai(
    transcript: bytes, **kw: Any
) -> tuple[AnthropicToOpenAIStream, list[dict[str, Any]]]:
    kw.setdefault("include_usage", True)
    t = AnthropicToOpenAIStream("chatcmpl-gw1", "support-triage", created=1700000000, **kw)
    decoder = SSEDecoder()
    chunks: list[dict[str, Any]] = []
    for i in range(0, len(transcript), 7):  # arbitrary network splits
        for event, data in decoder.feed(transcript[i : i + 7]):
            assert event is not None
            chunks.extend(t.feed(event, orjson.loads(data)))
    return t, chunks


def test_anthropic_to_openai_stream_text_and_parallel_tools() -> None:
    t, chunks = run_anthropic_to_openai(ANTHROPIC_TRANSCRIPT)
    state: ChatCompletionStreamState[Any] = ChatCompletionStreamState()
    for chunk in chunks:
        parsed = validate_openai_chunk(chunk)
        assert parsed.id == "chatcmpl-gw1" and parsed.model == "support-triage"
        state.handle_chunk(parsed)
        # a chunk is bytes on the wire: it must serialise
        assert encode_openai(chunk).startswith(b"data: {")
    final = state.get_final_completion()
    msg = final.choices[0].message
    assert msg.content == "Okay, let me check both cities."
    assert [
        (c.id, c.function.name, orjson.loads(c.function.arguments)) for c in msg.tool_calls or []
    ] == [  # type: ignore[union-attr]
        ("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", {"city": "San Francisco", "unit": "f"}),
        ("toolu_02XyZ", "get_weather", {"city": "Paris"}),
    ]
    assert final.choices[0].finish_reason == "tool_calls"
    # final usage chunk: empty choices, prompt includes cached tokens
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 600,
        "completion_tokens": 89,
        "total_tokens": 689,
        "prompt_tokens_details": {"cached_tokens": 128},
    }
    assert all(c.get("usage") is None for c in chunks[:-1])
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    # tool-call indexes are OpenAI's (0, 1), not Anthropic block indexes (1, 2)
    starts = [
        c["choices"][0]["delta"]["tool_calls"][0]
        for c in chunks
        if c["choices"] and "tool_calls" in c["choices"][0]["delta"]
    ]
    assert {s["index"] for s in starts} == {0, 1}
    assert (t.usage.input_tokens, t.usage.output_tokens, t.usage.cached_tokens) == (600, 89, 128)
    assert t.finish_reason == "tool_calls"


def test_anthropic_to_openai_stream_is_incremental() -> None:
    t = AnthropicToOpenAIStream("id", "m", include_usage=False, created=1)
    decoder = SSEDecoder()
    records = decoder.feed(ANTHROPIC_TRANSCRIPT)
    produced = [(event, t.feed(event or "", orjson.loads(data))) for event, data in records]
    for event, out in produced:
        data_kinds = {"content_block_delta"}
        if event in data_kinds:
            # every non-empty delta yields its chunk immediately
            assert len(out) <= 1
    text_chunks = [out for event, out in produced if event == "content_block_delta" and out]
    assert len(text_chunks) == 6  # 2 text deltas + 4 non-empty json deltas
    assert [out for event, out in produced if event == "ping"] == [[], []]
    # no usage chunk without include_usage
    last = produced[-2][1]
    assert last[-1]["choices"][0]["finish_reason"] == "tool_calls" and "usage" not in last[-1]


def test_anthropic_to_openai_stream_json_mode() -> None:
    transcript = b"".join(
        [
            MESSAGE_START,
            tool_start(0, "toolu_j", JSON_MODE_TOOL),
            json_delta(0, '{"answer": '),
            json_delta(0, '"42"}'),
            block_stop(0),
            sse(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                    "usage": {"output_tokens": 9},
                },
            ),
            sse("message_stop", {"type": "message_stop"}),
        ]
    )
    _, chunks = run_anthropic_to_openai(transcript, json_mode_tool=JSON_MODE_TOOL)
    state: ChatCompletionStreamState[Any] = ChatCompletionStreamState()
    for chunk in chunks:
        state.handle_chunk(validate_openai_chunk(chunk))
    final = state.get_final_completion()
    assert orjson.loads(final.choices[0].message.content or "") == {"answer": "42"}
    assert not final.choices[0].message.tool_calls
    assert final.choices[0].finish_reason == "stop"


def test_anthropic_error_event_becomes_openai_error_chunk() -> None:
    transcript = (
        MESSAGE_START
        + text_delta(0, "Hel")
        + sse(
            "error",
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        )
    )
    t, chunks = run_anthropic_to_openai(transcript)
    assert chunks[-1] == {
        "error": {
            "message": "Overloaded",
            "type": "server_error",
            "param": None,
            "code": "overloaded_error",
        }
    }
    assert t.error is not None and t.error.type == "overloaded_error"


def test_anthropic_thinking_blocks_are_skipped_in_stream() -> None:
    transcript = b"".join(
        [
            MESSAGE_START,
            sse(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "thinking", "thinking": "", "signature": ""},
                },
            ),
            sse(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "thinking_delta", "thinking": "hmm"},
                },
            ),
            sse(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "signature_delta", "signature": "abc"},
                },
            ),
            block_stop(0),
            sse(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 1,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            text_delta(1, "Hi"),
            block_stop(1),
            sse(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "max_tokens", "stop_sequence": None},
                    "usage": {"output_tokens": 3},
                },
            ),
            sse("message_stop", {"type": "message_stop"}),
        ]
    )
    _, chunks = run_anthropic_to_openai(transcript)
    texts = [c["choices"][0]["delta"].get("content") for c in chunks if c["choices"]]
    assert "".join(t for t in texts if t) == "Hi"
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"


# ------------------------------------------------------------------ OpenAI upstream


def chunk(
    delta: dict[str, Any] | None = None,
    finish: str | None = None,
    *,
    usage: Any = None,
    choices: bool = True,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-up",
        "object": "chat.completion.chunk",
        "created": 1741569952,
        "model": "gpt-4.1-2025-04-14",
        "service_tier": "default",
        "system_fingerprint": "fp_a1b2",
        "choices": [{"index": 0, "delta": delta or {}, "logprobs": None, "finish_reason": finish}]
        if choices
        else [],
        "usage": usage,
    }
    return body


def call(
    index: int, id_: str | None = None, name: str | None = None, args: str = ""
) -> dict[str, Any]:
    c: dict[str, Any] = {"index": index, "function": {"arguments": args}}
    if id_:
        c["id"] = id_
        c["type"] = "function"
    if name:
        c["function"]["name"] = name
    return {"tool_calls": [c]}


OPENAI_USAGE = {
    "prompt_tokens": 150,
    "completion_tokens": 40,
    "total_tokens": 190,
    "prompt_tokens_details": {"cached_tokens": 100, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0},
}

OPENAI_TRANSCRIPT = [
    chunk({"role": "assistant", "content": "", "refusal": None}),
    chunk({"content": "Checking "}),
    chunk({"content": "two cities."}),
    chunk(call(0, "call_Paris1", "get_weather")),
    chunk(call(0, args='{"ci')),
    chunk(call(0, args='ty": "Paris"}')),
    chunk(call(1, "call_Rome2", "get_weather", "")),
    chunk(call(1, args='{"city": "Rome"}')),
    chunk({}, "tool_calls"),
    chunk(usage=OPENAI_USAGE, choices=False),
]


def run_openai_to_anthropic(
    chunks: list[dict[str, Any]],
) -> tuple[OpenAIToAnthropicStream, list[tuple[str, dict[str, Any]]]]:
    t = OpenAIToAnthropicStream("msg_gw1", "support-triage")
    # go through the wire: encode as OpenAI SSE, decode, parse
    wire = b"".join(encode_openai(c) for c in chunks) + OPENAI_DONE
    decoder = SSEDecoder()
    events: list[tuple[str, dict[str, Any]]] = []
    for _, data in decoder.feed(wire):
        if data == b"[DONE]":
            events.extend(t.finish())
            break
        events.extend(t.feed(orjson.loads(data)))
    return t, events


def accumulate(events: list[tuple[str, dict[str, Any]]]) -> Any:
    snapshot = None
    bufs: dict[int, bytes] = {}
    for name, data in events:
        parsed = validate_anthropic_event(name, data)
        assert encode_anthropic(name, data).startswith(b"event: " + name.encode())
        snapshot = accumulate_event(event=parsed, current_snapshot=snapshot, json_bufs=bufs)
    return snapshot


def test_openai_to_anthropic_stream_text_and_parallel_tools() -> None:
    t, events = run_openai_to_anthropic(OPENAI_TRANSCRIPT)
    names = [n for n, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert names.count("content_block_start") == 3 == names.count("content_block_stop")
    msg = accumulate(events)
    assert msg.id == "msg_gw1" and msg.model == "support-triage"
    assert msg.content[0].type == "text" and msg.content[0].text == "Checking two cities."
    assert [(b.id, b.name, b.input) for b in msg.content[1:]] == [
        ("call_Paris1", "get_weather", {"city": "Paris"}),
        ("call_Rome2", "get_weather", {"city": "Rome"}),
    ]
    assert msg.stop_reason == "tool_use"
    assert (msg.usage.input_tokens, msg.usage.cache_read_input_tokens, msg.usage.output_tokens) == (
        50,
        100,
        40,
    )
    assert (t.usage.input_tokens, t.usage.cached_tokens, t.finish_reason) == (
        150,
        100,
        "tool_calls",
    )
    # block indexes are sequential and every block is closed before the next starts
    open_index = None
    for name, data in events:
        if name == "content_block_start":
            assert open_index is None
            open_index = data["index"]
        elif name == "content_block_stop":
            assert data["index"] == open_index
            open_index = None


def test_openai_to_anthropic_stream_is_incremental() -> None:
    t = OpenAIToAnthropicStream("msg", "m")
    per_chunk = [t.feed(c) for c in OPENAI_TRANSCRIPT]
    assert [n for n, _ in per_chunk[0]] == ["message_start"]
    assert [n for n, _ in per_chunk[1]] == ["content_block_start", "content_block_delta"]
    assert [n for n, _ in per_chunk[2]] == ["content_block_delta"]
    assert [n for n, _ in per_chunk[3]] == ["content_block_stop", "content_block_start"]
    assert [n for n, _ in per_chunk[4]] == ["content_block_delta"]
    assert [n for n, _ in per_chunk[8]] == ["content_block_stop"]  # finish: wait for usage
    assert [n for n, _ in per_chunk[9]] == ["message_delta", "message_stop"]
    assert t.finish() == []


def test_openai_stream_without_usage_chunk_finishes_on_done() -> None:
    chunks = [chunk({"role": "assistant", "content": "Hi"}), chunk({}, "stop")]
    t, events = run_openai_to_anthropic(chunks)
    msg = accumulate(events)
    assert msg.content[0].text == "Hi" and msg.stop_reason == "end_turn"
    assert msg.usage.output_tokens == 0


def test_openai_stream_usage_on_finish_chunk_and_late_tool_name() -> None:
    # llama.cpp / vLLM style: usage rides on the finish chunk; a tool name arrives after the id
    chunks = [
        chunk({"role": "assistant"}),
        chunk(
            {
                "tool_calls": [
                    {"index": 0, "id": "call_x", "type": "function", "function": {"arguments": ""}}
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"name": "lookup", "arguments": '{"q":'}}]}),
        chunk(call(0, args='"a"}')),
        chunk(
            {}, "tool_calls", usage={"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}
        ),
    ]
    t, events = run_openai_to_anthropic(chunks)
    msg = accumulate(events)
    assert [(b.id, b.name, b.input) for b in msg.content] == [("call_x", "lookup", {"q": "a"})]
    assert msg.usage.input_tokens == 5 and msg.usage.output_tokens == 3


def test_openai_stream_text_after_tool_and_length_finish() -> None:
    chunks = [
        chunk(call(0, "call_1", "f", "{}")),
        chunk({"content": "after"}),
        chunk({}, "length"),
        chunk(usage=OPENAI_USAGE, choices=False),
    ]
    _, events = run_openai_to_anthropic(chunks)
    msg = accumulate(events)
    assert [b.type for b in msg.content] == ["tool_use", "text"]
    assert msg.stop_reason == "max_tokens"


def test_openai_stream_error_chunk_becomes_anthropic_error_event() -> None:
    t = OpenAIToAnthropicStream("msg", "m")
    t.feed(chunk({"content": "par"}))
    out = t.feed(
        {
            "error": {
                "message": "Rate limit reached",
                "type": "rate_limit_error",
                "param": None,
                "code": None,
            }
        }
    )
    assert out == [
        (
            "error",
            {
                "type": "error",
                "error": {"type": "rate_limit_error", "message": "Rate limit reached"},
            },
        )
    ]
    assert t.error is not None
    assert t.finish() == []


@pytest.mark.parametrize(
    ("finish", "stop_reason"),
    [("stop", "end_turn"), ("content_filter", "refusal"), ("function_call", "tool_use")],
)
def test_openai_stream_finish_reasons(finish: str, stop_reason: str) -> None:
    _, events = run_openai_to_anthropic(
        [chunk({"content": "x"}), chunk({}, finish), chunk(usage=OPENAI_USAGE, choices=False)]
    )
    assert events[-2][1]["delta"]["stop_reason"] == stop_reason
