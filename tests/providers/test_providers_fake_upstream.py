"""FakeUpstream through the official SDKs (in-process and loopback), validation, threads.

The SDKs (openai 3.x, anthropic 2.x) run on ``httpx2``: in-process they need
``httpx2.ASGITransport``, not ``httpx.ASGITransport``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anthropic
import httpx
import httpx2
import openai
import pytest

from swapsafe.testing import FakeUpstream, Fault, ToolCall

MESSAGES = [{"role": "user", "content": "ping pong"}]


@pytest.fixture(params=["asgi", "loopback"])
async def openai_client(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[FakeUpstream, openai.AsyncOpenAI]]:
    fake = FakeUpstream("openai", cached_tokens=2)
    if request.param == "asgi":
        http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=fake))
        client = openai.AsyncOpenAI(base_url="http://fake/v1", api_key="k", http_client=http)
        yield fake, client
        await client.close()
    else:
        async with fake.serve() as url:
            client = openai.AsyncOpenAI(base_url=url, api_key="k", max_retries=0)
            yield fake, client
            await client.close()


@pytest.fixture(params=["asgi", "loopback"])
async def anthropic_client(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[FakeUpstream, anthropic.AsyncAnthropic]]:
    fake = FakeUpstream("anthropic", cached_tokens=2)
    if request.param == "asgi":
        http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=fake))
        client = anthropic.AsyncAnthropic(base_url="http://fake", api_key="k", http_client=http)
        yield fake, client
        await client.close()
    else:
        async with fake.serve() as url:
            client = anthropic.AsyncAnthropic(base_url=url, api_key="k", max_retries=0)
            yield fake, client
            await client.close()


async def test_openai_sdk_completion_and_usage(openai_client) -> None:
    fake, client = openai_client
    resp = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert resp.choices[0].message.content == "[gpt-4o] ping pong"
    assert resp.usage is not None and resp.usage.prompt_tokens_details is not None
    assert resp.usage.prompt_tokens_details.cached_tokens == 2
    assert fake.requests[0].body["model"] == "gpt-4o"
    assert fake.requests[0].headers["authorization"] == "Bearer k"


async def test_openai_sdk_stream_with_tool_call_and_usage(openai_client) -> None:
    fake, client = openai_client
    fake.enqueue(tool_calls=[ToolCall("get_weather", {"city": "Paris, France"})])
    stream = await client.chat.completions.create(
        model="gpt-4o", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    args, name, finish, usage = "", None, None, None
    async for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for call in choice.delta.tool_calls or ():
                name = call.function.name or name if call.function else name
                args += (call.function.arguments or "") if call.function else ""
    assert (name, args, finish) == ("get_weather", '{"city":"Paris, France"}', "tool_calls")
    assert usage is not None and usage.completion_tokens > 0


async def test_anthropic_sdk_message_and_stream(anthropic_client) -> None:
    fake, client = anthropic_client
    message = await client.messages.create(model="claude-x", max_tokens=50, messages=MESSAGES)
    assert message.content[0].type == "text" and message.content[0].text == "[claude-x] ping pong"
    assert message.usage.cache_read_input_tokens == 2
    fake.enqueue("let me look", tool_calls=[ToolCall("lookup", {"q": "a" * 40})])
    async with client.messages.stream(model="claude-x", max_tokens=50, messages=MESSAGES) as s:
        final = await s.get_final_message()
    assert final.stop_reason == "tool_use"
    assert [b.type for b in final.content] == ["text", "tool_use"]
    assert final.content[1].input == {"q": "a" * 40}  # type: ignore[union-attr]
    headers = fake.requests[-1].headers
    assert headers.get("x-api-key") == "k" or headers.get("authorization") == "Bearer k"


async def test_anthropic_sdk_sees_in_stream_error(anthropic_client) -> None:
    fake, client = anthropic_client
    fake.fault = Fault(stream_error_after=3)
    with pytest.raises(anthropic.APIStatusError):
        async with client.messages.stream(model="c", max_tokens=5, messages=MESSAGES) as s:
            await s.get_final_message()


async def test_vendor_shaped_errors_reach_the_sdks(openai_client, anthropic_client) -> None:
    ofake, oclient = openai_client
    afake, aclient = anthropic_client
    ofake.fault = Fault(status=429, retry_after=0)
    afake.fault = Fault(status=529)
    with pytest.raises(openai.RateLimitError):
        await oclient.with_options(max_retries=0).chat.completions.create(
            model="m", messages=MESSAGES
        )
    with pytest.raises(anthropic.APIStatusError) as info:
        await aclient.with_options(max_retries=0).messages.create(
            model="c", max_tokens=5, messages=MESSAGES
        )
    assert info.value.status_code == 529
    assert info.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]


async def test_validation_like_the_vendors() -> None:
    fake = FakeUpstream("anthropic", api_key="right")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="http://f") as c:
        ok = {"model": "c", "max_tokens": 5, "messages": MESSAGES}
        headers = {"x-api-key": "right"}
        assert (await c.post("/v1/messages", json=ok, headers=headers)).status_code == 200
        bearer = {"authorization": "Bearer right"}
        assert (await c.post("/v1/messages", json=ok, headers=bearer)).status_code == 200
        wrong = await c.post("/v1/messages", json=ok, headers={"x-api-key": "nope"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["type"] == "authentication_error"
        no_max = {"model": "c", "messages": MESSAGES}
        assert (await c.post("/v1/messages", json=no_max, headers=headers)).status_code == 400
        system = {**ok, "messages": [{"role": "system", "content": "x"}, *MESSAGES]}
        assert (await c.post("/v1/messages", json=system, headers=headers)).status_code == 400
        assert (await c.post("/v1/chat/completions", json=ok, headers=headers)).status_code == 404
    assert len(fake.requests) == 6


def test_serve_in_thread_with_sync_client() -> None:
    fake = FakeUpstream("openai", reply="fixed reply")
    fake.enqueue_fault(Fault(status=503))
    with fake.serve_in_thread() as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        client = openai.OpenAI(base_url=url, api_key="k", max_retries=1)
        resp = client.chat.completions.create(model="m", messages=MESSAGES)
        client.close()
    assert resp.choices[0].message.content == "fixed reply"
    assert len(fake.requests) == 2


async def test_models_endpoint_and_reset() -> None:
    fake = FakeUpstream("openai", model="served-model")
    async with fake.serve() as url, httpx.AsyncClient() as client:
        resp = await client.get(f"{url}/models")
        assert resp.json()["data"][0]["id"] == "served-model"
    fake.fault = Fault(status=500)
    fake.enqueue("x")
    fake.reset()
    assert fake.requests == [] and fake.fault == Fault()
