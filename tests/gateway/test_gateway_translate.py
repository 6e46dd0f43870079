"""Cross-vendor: an OpenAI client on an Anthropic model and an Anthropic client on an OpenAI one."""

from __future__ import annotations

import json

import orjson
from tests.gateway.harness import Harness

from swapsafe.testing import ToolCall

WEATHER_TOOL_OPENAI = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
WEATHER_TOOL_ANTHROPIC = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": WEATHER_TOOL_OPENAI["function"]["parameters"],  # type: ignore[index]
}


async def route_to_candidate(h: Harness, workload: str) -> None:
    from swapsafe.routing.service import RoutingService

    RoutingService(h.store, {"chat": True, "xchat": True}).set(
        workload, mode="promoted", actor="test", reason="serve the candidate"
    )
    h.app.state.runtime.routing.reload()


async def test_openai_client_anthropic_upstream_chat(harness: Harness) -> None:
    completion = await harness.oai.chat.completions.create(
        model="xchat",
        messages=[
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "second"},
        ],
        temperature=0.2,
        max_tokens=50,
        stop=["END"],
        user="u1",
    )
    assert completion.choices[0].message.content == "[claude-sonnet-4-5] second"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.prompt_tokens > 0
    sent = harness.fakes["claude"].requests[-1].body
    assert sent["system"] in ("You are terse.", [{"type": "text", "text": "You are terse."}])
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert sent["max_tokens"] == 50 and sent["stop_sequences"] == ["END"]
    assert sent["metadata"] == {"user_id": "u1"}
    row = harness.trace(completion.id)
    assert row.provider == "anthropic" and row.inbound_wire == "openai"
    assert row.finish_reason == "stop"


async def test_openai_client_anthropic_upstream_tools_and_results(harness: Harness) -> None:
    harness.fakes["claude"].enqueue(
        tool_calls=[
            ToolCall(id="toolu_1", name="get_weather", arguments={"city": "Paris"}),
            ToolCall(id="toolu_2", name="get_weather", arguments={"city": "Rome"}),
        ]
    )
    completion = await harness.oai.chat.completions.create(
        model="xchat",
        messages=[{"role": "user", "content": "weather in Paris and Rome?"}],
        tools=[WEATHER_TOOL_OPENAI],
        tool_choice="required",
    )
    msg = completion.choices[0].message
    assert completion.choices[0].finish_reason == "tool_calls"
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in msg.tool_calls] == [
        ("toolu_1", "get_weather", {"city": "Paris"}),
        ("toolu_2", "get_weather", {"city": "Rome"}),
    ]
    sent = harness.fakes["claude"].requests[-1].body
    assert sent["tool_choice"] == {"type": "any"}
    assert sent["tools"][0]["name"] == "get_weather"
    # the tool results go back with their ids
    await harness.oai.chat.completions.create(
        model="xchat",
        messages=[
            {"role": "user", "content": "weather in Paris and Rome?"},
            msg.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": "toolu_1", "content": "sunny"},
            {"role": "tool", "tool_call_id": "toolu_2", "content": "rain"},
        ],
        tools=[WEATHER_TOOL_OPENAI],
    )
    sent = harness.fakes["claude"].requests[-1].body
    results = [b for b in sent["messages"][-1]["content"] if b["type"] == "tool_result"]
    assert [r["tool_use_id"] for r in results] == ["toolu_1", "toolu_2"]


async def test_openai_client_anthropic_upstream_stream_with_tools(harness: Harness) -> None:
    harness.fakes["claude"].enqueue(
        "Let me check.",
        tool_calls=[ToolCall(id="toolu_9", name="get_weather", arguments={"city": "Oslo"})],
    )
    stream = await harness.oai.chat.completions.create(
        model="xchat",
        messages=[{"role": "user", "content": "Oslo?"}],
        tools=[WEATHER_TOOL_OPENAI],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    args = "".join(
        tc.function.arguments or ""
        for c in chunks
        if c.choices
        for tc in c.choices[0].delta.tool_calls or []
    )
    assert text == "Let me check."
    assert json.loads(args) == {"city": "Oslo"}
    firsts = [
        tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or [] if tc.id
    ]
    assert firsts[0].id == "toolu_9" and firsts[0].function.name == "get_weather"
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finish == ["tool_calls"]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    row = harness.trace(chunks[0].id)
    assert row.stream and row.finish_reason == "tool_calls" and row.output_tokens


async def test_openai_client_json_schema_on_anthropic(harness: Harness) -> None:
    harness.fakes["claude"].enqueue(
        tool_calls=[ToolCall(id="toolu_j", name="json_output", arguments={"sentiment": "pos"})]
    )
    completion = await harness.oai.chat.completions.create(
        model="xchat",
        messages=[{"role": "user", "content": "classify: great!"}],
        response_format={
            "type": "json_schema",
            "json_schema": {
                "name": "sentiment",
                "schema": {"type": "object", "properties": {"sentiment": {"type": "string"}}},
            },
        },
    )
    assert json.loads(completion.choices[0].message.content or "") == {"sentiment": "pos"}
    assert completion.choices[0].finish_reason == "stop"
    assert not completion.choices[0].message.tool_calls
    sent = harness.fakes["claude"].requests[-1].body
    assert sent["tool_choice"] == {"type": "tool", "name": "json_output"}


async def test_openai_client_image_parts_to_anthropic(harness: Harness) -> None:
    await harness.oai.chat.completions.create(
        model="xchat",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is this?"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0K"}},
                ],
            }
        ],
    )
    blocks = harness.fakes["claude"].requests[-1].body["messages"][0]["content"]
    assert blocks[1]["source"] == {"type": "url", "url": "https://example.com/cat.png"}
    assert blocks[2]["source"] == {"type": "base64", "media_type": "image/png", "data": "iVBORw0K"}


async def test_anthropic_client_openai_upstream(harness: Harness) -> None:
    msg = await harness.ant.messages.create(
        model="chat",
        max_tokens=64,
        system="Answer briefly.",
        messages=[{"role": "user", "content": "ping"}],
        stop_sequences=["STOP"],
        extra_body={"temperature": 0.5},  # not a typed parameter in anthropic 2.x
    )
    assert msg.content[0].type == "text" and msg.content[0].text == "[gpt-4o] ping"
    assert msg.stop_reason == "end_turn"
    sent = harness.fakes["gpt"].requests[-1].body
    assert sent["messages"][0] == {"role": "system", "content": "Answer briefly."}
    assert sent["stop"] == ["STOP"] and sent["temperature"] == 0.5
    assert sent.get("max_tokens", sent.get("max_completion_tokens")) == 64
    row = harness.trace(msg.id)
    assert row.inbound_wire == "anthropic" and row.provider == "openai"
    assert row.finish_reason == "end_turn"


async def test_anthropic_client_openai_upstream_tools_stream(harness: Harness) -> None:
    harness.fakes["gpt"].enqueue(
        tool_calls=[
            ToolCall(id="call_a", name="get_weather", arguments={"city": "Lima"}),
            ToolCall(id="call_b", name="get_weather", arguments={"city": "Kyiv"}),
        ]
    )
    async with harness.ant.messages.stream(
        model="chat",
        max_tokens=64,
        messages=[{"role": "user", "content": "two cities"}],
        tools=[WEATHER_TOOL_ANTHROPIC],
        tool_choice={"type": "tool", "name": "get_weather"},
    ) as stream:
        final = await stream.get_final_message()
    uses = [b for b in final.content if b.type == "tool_use"]
    assert [(u.id, u.name, u.input) for u in uses] == [
        ("call_a", "get_weather", {"city": "Lima"}),
        ("call_b", "get_weather", {"city": "Kyiv"}),
    ]
    assert final.stop_reason == "tool_use"
    sent = harness.fakes["gpt"].requests[-1].body
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert sent["stream_options"] == {"include_usage": True}
    row = harness.trace(final.id)
    assert row.stream and row.output_tokens == final.usage.output_tokens


async def test_untranslatable_request_is_refused_in_callers_format(harness: Harness) -> None:
    r = await harness.http.post(
        "/v1/chat/completions",
        headers={"authorization": "Bearer client-key-0123456789"},
        json={"model": "xchat", "n": 2, "messages": [{"role": "user", "content": "x"}]},
    )
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error" and "n" in err["message"]
    assert harness.fakes["claude"].requests == []
    r = await harness.http.post(
        "/v1/chat/completions",
        headers={"authorization": "Bearer client-key-0123456789"},
        json={"model": "xchat", "logprobs": True, "messages": [{"role": "user", "content": "x"}]},
    )
    assert r.status_code == 400 and "logprobs" in r.json()["error"]["message"]


async def test_routing_candidate_changes_serving_vendor(harness: Harness) -> None:
    await route_to_candidate(harness, "chat")
    resp = await harness.oai.chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "who?"}]
    )
    assert resp.headers["x-swapsafe-served-by"] == "claude"
    assert resp.parse().choices[0].message.content == "[claude-sonnet-4-5] who?"
    assert orjson.loads(harness.trace(resp.parse().id).response_body or "")["object"] == (
        "chat.completion"
    )
