"""Same-vendor fast path through the official SDKs, with trace rows asserted."""

from __future__ import annotations

import orjson
import pytest
from tests.gateway.harness import UPSTREAM_ANTHROPIC_KEY, UPSTREAM_OPENAI_KEY, Harness


async def test_openai_chat_same_vendor(harness: Harness) -> None:
    resp = await harness.oai.chat.completions.with_raw_response.create(
        model="chat",
        messages=[{"role": "user", "content": "hello there"}],
        user="user-1",
        extra_body={"custom_field": {"kept": True}},
    )
    completion = resp.parse()
    assert completion.choices[0].message.content == "[gpt-4o] hello there"
    assert resp.headers["x-swapsafe-served-by"] == "gpt"
    assert resp.headers["x-swapsafe-workload"] == "chat"
    sent = harness.fakes["gpt"].requests[-1]
    assert sent.body["model"] == "gpt-4o"
    assert sent.body["custom_field"] == {"kept": True}  # unknown fields pass through
    assert sent.headers["authorization"] == f"Bearer {UPSTREAM_OPENAI_KEY}"
    row = harness.trace(completion.id)
    assert completion.id.startswith("chatcmpl-")
    assert (row.workload, row.role, row.model, row.provider) == ("chat", "served", "gpt", "openai")
    assert row.status == "ok" and row.http_status == 200 and row.error_class is None
    assert row.input_tokens == completion.usage.prompt_tokens
    assert row.output_tokens == completion.usage.completion_tokens
    assert row.cost_usd is not None and row.cost_usd > 0
    assert row.latency_ms is not None and row.latency_ms >= 0
    assert row.ttft_ms is None and row.stream is False
    assert row.inbound_wire == "openai" and row.finish_reason == "stop"
    assert 0 <= (row.bucket or 0) < 10_000
    assert orjson.loads(row.request_body or "")["user"] == "user-1"
    assert orjson.loads(row.response_body or "")["id"] == completion.id


async def test_openai_stream_same_vendor_hides_usage_chunk_unless_asked(harness: Harness) -> None:
    stream = await harness.oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "stream me"}], stream=True
    )
    chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "[gpt-4o] stream me"
    assert all(c.usage is None for c in chunks)
    assert {c.id for c in chunks} == {chunks[0].id}
    # the gateway asked the upstream for usage so the trace has it
    assert harness.fakes["gpt"].requests[-1].body["stream_options"] == {"include_usage": True}
    row = harness.trace(chunks[0].id)
    assert row.stream is True and row.status == "ok"
    assert row.input_tokens and row.output_tokens and row.ttft_ms is not None
    assert row.finish_reason == "stop"
    body = orjson.loads(row.response_body or "")
    assert body["choices"][0]["message"]["content"] == "[gpt-4o] stream me"


async def test_openai_stream_usage_when_asked(harness: Harness) -> None:
    stream = await harness.oai.chat.completions.create(
        model="chat",
        messages=[{"role": "user", "content": "count"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [c async for c in stream]
    assert chunks[-1].usage is not None and chunks[-1].choices == []
    row = harness.trace(chunks[0].id)
    assert row.output_tokens == chunks[-1].usage.completion_tokens


async def test_anthropic_same_vendor(harness: Harness) -> None:
    resp = await harness.ant.messages.with_raw_response.create(
        model="xchat",
        max_tokens=100,
        system="be brief",
        messages=[{"role": "user", "content": "hi claude"}],
        metadata={"user_id": "u-7"},
    )
    msg = await resp.parse()
    assert msg.content[0].type == "text" and msg.content[0].text == "[claude-sonnet-4-5] hi claude"
    assert resp.headers["x-swapsafe-served-by"] == "claude"
    sent = harness.fakes["claude"].requests[-1]
    assert sent.body["model"] == "claude-sonnet-4-5" and sent.body["system"] == "be brief"
    assert sent.headers["x-api-key"] == UPSTREAM_ANTHROPIC_KEY
    row = harness.trace(msg.id)
    assert msg.id.startswith("msg_")
    assert row.provider == "anthropic" and row.inbound_wire == "anthropic"
    assert row.finish_reason == "end_turn"
    assert (
        row.input_tokens == msg.usage.input_tokens and row.output_tokens == msg.usage.output_tokens
    )


async def test_anthropic_stream_same_vendor(harness: Harness) -> None:
    async with harness.ant.messages.stream(
        model="xchat", max_tokens=100, messages=[{"role": "user", "content": "stream please"}]
    ) as stream:
        text = "".join([t async for t in stream.text_stream])
        final = await stream.get_final_message()
    assert text == "[claude-sonnet-4-5] stream please"
    row = harness.trace(final.id)
    assert row.stream and row.status == "ok" and row.output_tokens == final.usage.output_tokens
    assert row.finish_reason == "end_turn"


async def test_models_list_both_sdks(harness: Harness) -> None:
    models = [m.id async for m in harness.oai.models.list()]
    assert models == ["chat", "xchat"]
    page = await harness.ant.models.list()
    assert [m.id for m in page.data] == ["chat", "xchat"]


async def test_healthz_and_metrics(harness: Harness) -> None:
    await harness.oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "x"}]
    )
    assert (await harness.http.get("/healthz")).json() == {"status": "ok", "store": "up"}
    ready = await harness.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["down"] == []
    text = (await harness.http.get("/metrics")).text
    assert (
        'swapsafe_requests_total{workload="chat",model="gpt",role="served",status="ok"} 1' in text
    )
    assert "swapsafe_request_duration_seconds_bucket" in text
    assert "swapsafe_recorder_queue_depth" in text
    assert "swapsafe_store_up 1" in text
    assert UPSTREAM_OPENAI_KEY not in text


@pytest.mark.parametrize("header", ["x-api-key", "authorization"])
async def test_anthropic_sdk_key_headers_both_accepted(harness: Harness, header: str) -> None:
    value = "client-key-0123456789" if header == "x-api-key" else "Bearer client-key-0123456789"
    r = await harness.http.post(
        "/v1/messages",
        headers={header: value, "anthropic-version": "2099-01-01"},
        json={"model": "xchat", "max_tokens": 5, "messages": [{"role": "user", "content": "a"}]},
    )
    assert r.status_code == 200, r.text
