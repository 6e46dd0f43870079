"""openai-compatible upstreams (llama.cpp, vLLM, ...): bodies adjusted for their quirks."""

from __future__ import annotations

import time

import httpx

from swapsafe.providers.registry import ProviderSpec, create_provider
from swapsafe.testing import FakeUpstream


async def test_assistant_null_content_is_sent_as_empty_string() -> None:
    fake = FakeUpstream("openai")
    provider = create_provider(
        ProviderSpec(
            name="local",
            type="openai-compatible",
            upstream_model="m",
            base_url="http://local.test/v1",
            api_key=None,
            timeout=5,
            client=httpx.AsyncClient(transport=httpx.ASGITransport(app=fake)),
        )
    )
    tool_call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": None, "tool_calls": [tool_call]},
            {"role": "tool", "tool_call_id": "c1", "content": "ok"},
        ],
    }
    await provider.complete(body, deadline=time.monotonic() + 5)
    sent = fake.requests[-1].body["messages"]
    assert sent[1]["content"] == "" and sent[1]["tool_calls"] == [tool_call]
    assert body["messages"][1]["content"] is None  # the caller's body is not mutated
    openai = create_provider(
        ProviderSpec(
            name="oa",
            type="openai",
            upstream_model="m",
            base_url="http://oa.test/v1",
            api_key="k",
            timeout=5,
            client=httpx.AsyncClient(transport=httpx.ASGITransport(app=fake)),
        )
    )
    await openai.complete(body, deadline=time.monotonic() + 5)
    assert fake.requests[-1].body["messages"][1]["content"] is None  # OpenAI itself: unchanged
