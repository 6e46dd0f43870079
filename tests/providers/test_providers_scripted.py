"""ScriptedProvider: echo by default, FIFO script, strict mode, streaming, deadlines."""

from __future__ import annotations

import time

import orjson
import pytest

from swapsafe.exceptions import ProviderError, ProviderTimeout
from swapsafe.providers.base import SSEEvent
from swapsafe.testing import ScriptedProvider, ToolCall, UnexpectedRequest


def body(text: str = "what is the weather", **extra: object) -> dict[str, object]:
    return {
        "model": "cand-model",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "first answer"},
            {"role": "user", "content": text},
        ],
        **extra,
    }


def later() -> float:
    return time.monotonic() + 5


async def collect(provider: ScriptedProvider, b: dict[str, object]) -> list[SSEEvent]:
    return [e async for e in provider.stream(b, deadline=later())]


async def test_echo_with_realistic_usage() -> None:
    provider = ScriptedProvider("cand")
    resp = await provider.complete(body("hello there you"), deadline=later())
    assert resp.status == 200 and resp.attempts == 1
    choice = resp.body["choices"][0]
    assert choice["message"]["content"] == "[cand] hello there you"
    assert choice["finish_reason"] == "stop"
    usage = resp.body["usage"]
    assert usage["prompt_tokens"] > 10
    assert usage["completion_tokens"] == 6  # 4 words * 4/3, rounded up
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert resp.body["model"] == "cand-model"
    assert provider.calls[0].body == body("hello there you")


async def test_queue_is_fifo_then_echo() -> None:
    provider = ScriptedProvider("cand")
    provider.enqueue("one").enqueue(tool_calls=[ToolCall("lookup", {"q": "x"})])
    first = await provider.complete(body(), deadline=later())
    second = await provider.complete(body(), deadline=later())
    third = await provider.complete(body("again"), deadline=later())
    assert first.body["choices"][0]["message"]["content"] == "one"
    message = second.body["choices"][0]["message"]
    assert second.body["choices"][0]["finish_reason"] == "tool_calls"
    assert message["tool_calls"][0]["function"] == {"name": "lookup", "arguments": '{"q":"x"}'}
    assert third.body["choices"][0]["message"]["content"] == "[cand] again"


async def test_queued_error_is_raised() -> None:
    provider = ScriptedProvider("cand").enqueue_error(503, "overloaded")
    with pytest.raises(ProviderError) as info:
        await provider.complete(body(), deadline=later())
    assert info.value.status == 503 and info.value.provider == "cand"
    assert len(provider) == 0


async def test_strict_mode_fails_loudly_naming_the_request() -> None:
    provider = ScriptedProvider("cand", strict=True).enqueue("scripted")
    await provider.complete(body(), deadline=later())
    with pytest.raises(UnexpectedRequest) as info:
        await provider.complete(body("surprise me"), deadline=later())
    assert isinstance(info.value, AssertionError)
    assert "'cand'" in str(info.value) and "surprise me" in str(info.value)
    with pytest.raises(UnexpectedRequest):
        await collect(provider, body(stream=True))


async def test_stream_chunks_usage_and_done() -> None:
    provider = ScriptedProvider("cand")
    events = await collect(
        provider, body("hi", stream=True, stream_options={"include_usage": True})
    )
    assert events[-1] == SSEEvent(None, b"[DONE]")
    chunks = [orjson.loads(e.data) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "[cand] hi"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0
    plain = await collect(provider, body("hi", stream=True))
    assert all(b'"usage"' not in e.data for e in plain)


async def test_stream_fail_after_n_events() -> None:
    provider = ScriptedProvider("cand")
    error = ProviderError("boom", status=500, provider="cand")
    provider.enqueue("a b c d", error=error, fail_after=2)
    received = []
    with pytest.raises(ProviderError):
        async for event in provider.stream(body(stream=True), deadline=later()):
            received.append(event)
    assert len(received) == 2


async def test_latency_past_the_deadline_times_out() -> None:
    provider = ScriptedProvider("cand", latency=10)
    with pytest.raises(ProviderTimeout):
        await provider.complete(body(), deadline=time.monotonic() + 0.05)


async def test_records_key_and_headers() -> None:
    provider = ScriptedProvider("cand")
    await provider.complete(body(), deadline=later(), api_key="k", extra_headers={"x-a": "1"})
    call = provider.calls[0]
    assert (call.api_key, call.extra_headers, call.stream) == ("k", {"x-a": "1"}, False)
    assert "k" not in repr(provider)
