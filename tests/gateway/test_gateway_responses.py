"""``POST /v1/responses`` through the official openai SDK, in every direction.

- native: a Responses client on an OpenAI model (both APIs) goes to its /v1/responses;
- translated: a Responses client served by Anthropic or by a chat-only OpenAI-compatible server;
- the other way: Chat Completions and Anthropic clients on a Responses-only model.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from tests.gateway.harness import CLIENT_KEY, Harness

from swapsafe.routing.service import RoutingService
from swapsafe.testing import Fault, ToolCall

AUTH = {"authorization": f"Bearer {CLIENT_KEY}"}
EXTRA = """
[models.local]
provider = "openai-compatible"
model = "qwen-local"
base_url = "http://vllm.upstream/v1"
timeout = "5s"

[models.gpt5]
provider = "openai"
model = "gpt-5"
api = "responses"
base_url = "http://gpt5.upstream/v1"
api_key = "env::UP_OPENAI_KEY"
timeout = "5s"

[workloads.local]
aliases = ["local"]
baseline = "local"

[workloads.next]
aliases = ["next"]
baseline = "gpt"
candidate = "gpt5"
"""
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
    "strict": True,
}


@pytest.fixture
async def h(make_harness) -> Harness:  # type: ignore[no-untyped-def]
    harness: Harness = await make_harness(EXTRA)
    return harness


def promote(h: Harness, workload: str) -> None:
    RoutingService(h.store, {workload: True}).set(
        workload, mode="promoted", actor="test", reason="serve the candidate"
    )
    h.app.state.runtime.routing.reload()


def served(h: Harness) -> Any:
    """The one served trace row."""
    (row,) = h.traces(role="served")
    return row


# -- native: OpenAI model, Responses client --------------------------------------------------


async def test_native_responses_forwarded_with_unknown_fields(h: Harness) -> None:
    response = await h.oai.responses.create(
        model="chat",
        input="hello there",
        reasoning={"effort": "low"},
        extra_body={"a_future_field": {"x": 1}},
    )
    assert response.output_text == "[gpt-4o] hello there"
    assert response.id == "resp_fake1"  # OpenAI's id: previous_response_id must find it there
    sent = h.fakes["gpt"].requests[-1]
    assert sent.path == "/v1/responses" and sent.body["model"] == "gpt-4o"
    assert sent.body["a_future_field"] == {"x": 1} and sent.body["reasoning"] == {"effort": "low"}
    assert sent.headers["authorization"] == "Bearer sk-upstream-openai-CANARY-1111"
    row = served(h)
    assert row.inbound_wire == "responses" and row.model == "gpt" and row.status == "ok"
    assert row.input_tokens == response.usage.input_tokens  # type: ignore[union-attr]
    assert row.output_tokens == response.usage.output_tokens  # type: ignore[union-attr]
    assert row.finish_reason == "stop" and row.cost_usd is not None


async def test_native_previous_response_id_and_store_pass_through(h: Harness) -> None:
    await h.oai.responses.create(
        model="chat", input="again", previous_response_id="resp_abc", store=True
    )
    body = h.fakes["gpt"].requests[-1].body
    assert body["previous_response_id"] == "resp_abc" and body["store"] is True


async def test_native_stream_relays_every_event(h: Harness) -> None:
    stream = await h.oai.responses.create(model="chat", input="stream me please", stream=True)
    events = [e async for e in stream]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    kinds = [e.type for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed" and "response.output_text.delta" in kinds
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == "[gpt-4o] stream me please"
    assert h.fakes["gpt"].requests[-1].body["stream"] is True
    row = served(h)
    assert row.stream and row.status == "ok" and row.output_tokens and row.finish_reason == "stop"
    assert json.loads(row.response_body or "")["output"][0]["content"][0]["text"] == text


async def test_sticky_canary_keeps_a_user_on_one_side_whichever_api_it_calls(h: Harness) -> None:
    RoutingService(h.store, {"chat": True}).set(
        "chat", mode="canary", weight=50, actor="test", reason="half"
    )
    h.app.state.runtime.routing.reload()
    sides: dict[str, set[str]] = {}
    for user in [f"user-{i}" for i in range(12)]:
        for _ in range(2):
            r = await h.oai.responses.with_raw_response.create(model="chat", input="x", user=user)
            sides.setdefault(user, set()).add(r.headers["x-swapsafe-served-by"])
            c = await h.oai.chat.completions.with_raw_response.create(
                model="chat", messages=[{"role": "user", "content": "x"}], user=user
            )
            sides[user].add(c.headers["x-swapsafe-served-by"])
        r = await h.oai.responses.with_raw_response.create(
            model="chat", input="x", safety_identifier=user
        )
        sides[user].add(r.headers["x-swapsafe-served-by"])
    assert all(len(side) == 1 for side in sides.values())
    assert {next(iter(side)) for side in sides.values()} == {"gpt", "claude"}


# -- translated: Responses client, Anthropic upstream ----------------------------------------


async def test_anthropic_upstream_multi_turn_instructions_and_settings(h: Harness) -> None:
    response = await h.oai.responses.create(
        model="xchat",
        instructions="You are terse.",
        input=[
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": [{"type": "input_text", "text": "second"}]},
        ],
        max_output_tokens=50,
        temperature=0.2,
        user="u1",
    )
    assert response.output_text == "[claude-sonnet-4-5] second"
    assert response.status == "completed" and response.id.startswith("resp_")
    assert response.usage is not None and response.usage.input_tokens > 0
    sent = h.fakes["claude"].requests[-1].body
    assert sent["system"] in ("You are terse.", [{"type": "text", "text": "You are terse."}])
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert sent["max_tokens"] == 50 and sent["temperature"] == 0.2
    assert sent["metadata"] == {"user_id": "u1"}
    row = served(h)
    assert row.inbound_wire == "responses" and row.provider == "anthropic"
    assert row.request_id == response.id and row.finish_reason == "stop"


async def test_anthropic_upstream_parallel_tool_calls_and_outputs(h: Harness) -> None:
    h.fakes["claude"].enqueue(
        tool_calls=[
            ToolCall(id="toolu_1", name="get_weather", arguments={"city": "Paris"}),
            ToolCall(id="toolu_2", name="get_weather", arguments={"city": "Rome"}),
        ]
    )
    first = await h.oai.responses.create(
        model="xchat", input="weather in Paris and Rome?", tools=[WEATHER], tool_choice="required"
    )
    calls = [o for o in first.output if o.type == "function_call"]
    assert [(c.call_id, c.name, json.loads(c.arguments)) for c in calls] == [
        ("toolu_1", "get_weather", {"city": "Paris"}),
        ("toolu_2", "get_weather", {"city": "Rome"}),
    ]
    sent = h.fakes["claude"].requests[-1].body
    assert sent["tool_choice"] == {"type": "any"} and sent["tools"][0]["name"] == "get_weather"
    assert sent["tools"][0]["input_schema"] == WEATHER["parameters"]
    follow_up: list[Any] = [{"role": "user", "content": "weather in Paris and Rome?"}]
    follow_up += [c.model_dump(exclude_none=True) for c in calls]
    follow_up += [
        {"type": "function_call_output", "call_id": "toolu_1", "output": "sunny"},
        {"type": "function_call_output", "call_id": "toolu_2", "output": "rain"},
    ]
    await h.oai.responses.create(model="xchat", input=follow_up, tools=[WEATHER])
    messages = h.fakes["claude"].requests[-1].body["messages"]
    uses = [b["id"] for b in messages[1]["content"] if b["type"] == "tool_use"]
    results = [b for b in messages[2]["content"] if b["type"] == "tool_result"]
    assert uses == ["toolu_1", "toolu_2"]  # both calls in one assistant turn
    assert [(r["tool_use_id"], r["content"]) for r in results] in (
        [("toolu_1", "sunny"), ("toolu_2", "rain")],
        [
            ("toolu_1", [{"type": "text", "text": "sunny"}]),
            ("toolu_2", [{"type": "text", "text": "rain"}]),
        ],
    )


async def test_anthropic_upstream_stream_helper_with_tools(h: Harness) -> None:
    h.fakes["claude"].enqueue(
        "Let me check.",
        tool_calls=[ToolCall(id="toolu_9", name="get_weather", arguments={"city": "Oslo"})],
    )
    async with h.oai.responses.stream(
        model="xchat",
        input="Oslo?",
        tools=[WEATHER],  # type: ignore[list-item]
    ) as stream:
        events = [e async for e in stream]
        final = await stream.get_final_response()
    assert [e.sequence_number for e in events] == list(range(len(events)))
    kinds = [e.type for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    for expected in (
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
    ):
        assert expected in kinds
    assert final.output_text == "Let me check."
    (call,) = [o for o in final.output if o.type == "function_call"]
    assert call.call_id == "toolu_9" and json.loads(call.arguments) == {"city": "Oslo"}
    assert final.usage is not None and final.usage.output_tokens > 0
    row = served(h)
    assert row.stream and row.finish_reason == "tool_calls" and row.input_tokens
    assert json.loads(row.response_body or "")["id"] == final.id


@pytest.mark.parametrize("kind", ["json_schema", "json_object"])
async def test_anthropic_upstream_structured_output(h: Harness, kind: str) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    fmt: dict[str, Any] = {"type": "json_object"}
    if kind == "json_schema":
        fmt = {"type": "json_schema", "name": "place", "schema": schema, "strict": True}
    h.fakes["claude"].enqueue(tool_calls=[ToolCall(name="json_output", arguments={"city": "Oslo"})])
    response = await h.oai.responses.create(
        model="xchat",
        input="where? answer in json",
        text={"format": fmt},  # type: ignore[typeddict-item]
    )
    assert json.loads(response.output_text) == {"city": "Oslo"}
    assert response.status == "completed" and not [
        o for o in response.output if o.type == "function_call"
    ]
    sent = h.fakes["claude"].requests[-1].body
    assert sent["tool_choice"] == {"type": "tool", "name": "json_output"}


async def test_incomplete_when_the_token_limit_is_hit(h: Harness) -> None:
    h.fakes["claude"].enqueue("cut", finish_reason="length")
    response = await h.oai.responses.create(model="xchat", input="long", max_output_tokens=16)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"previous_response_id": "resp_1"}, "previous_response_id"),
        ({"store": True}, "store"),
        ({"background": True}, "background"),
        ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
        ({"tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}]}, "tools[0].type"),
        ({"include": ["reasoning.encrypted_content"]}, "include"),
        (
            {
                "input": [
                    {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "x"}
                ]
            },
            "input[0].encrypted_content",
        ),
    ],
    ids=[
        "previous_response_id",
        "store",
        "background",
        "web_search",
        "file_search",
        "include",
        "reasoning",
    ],
)
async def test_untranslatable_requests_are_400s_naming_the_parameter(
    h: Harness, extra: dict[str, Any], param: str
) -> None:
    kwargs: dict[str, Any] = {"model": "xchat", "input": "hi", **extra}
    with pytest.raises(openai.BadRequestError) as caught:
        await h.oai.responses.create(**kwargs)
    assert caught.value.param == param and param.split("[")[0] in caught.value.message
    assert h.fakes["claude"].requests == []


# -- translated: Responses client, chat-only OpenAI-compatible upstream ----------------------


async def test_chat_only_upstream_json_and_stream(h: Harness) -> None:
    response = await h.oai.responses.create(
        model="local", instructions="Be brief.", input="ping", max_output_tokens=20
    )
    assert response.output_text == "[qwen-local] ping"
    sent = h.fakes["local"].requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "ping"},
    ]
    assert sent.body["max_tokens"] == 20
    stream = await h.oai.responses.create(model="local", input="pong", stream=True)
    events = [e async for e in stream]
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text == "[qwen-local] pong"  # type: ignore[union-attr]
    assert events[-1].response.usage.input_tokens > 0  # type: ignore[union-attr]


# -- the other way: Chat Completions / Anthropic clients on a Responses-only model -----------


async def test_chat_client_on_responses_only_candidate(h: Harness) -> None:
    promote(h, "next")
    h.fakes["gpt5"].reasoning_tokens = 7
    completion = await h.oai.chat.completions.create(
        model="next",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
        max_tokens=40,
    )
    assert completion.choices[0].message.content == "[gpt-5] hi"
    assert completion.usage is not None
    assert completion.usage.completion_tokens_details is not None
    assert completion.usage.completion_tokens_details.reasoning_tokens == 7
    sent = h.fakes["gpt5"].requests[-1]
    assert sent.path == "/v1/responses" and sent.body["instructions"] == "Be brief."
    assert sent.body["max_output_tokens"] == 40 and sent.body["store"] is False
    assert h.fakes["gpt"].requests == []
    row = served(h)
    assert row.model == "gpt5" and row.inbound_wire == "openai" and row.output_tokens


async def test_chat_client_tools_and_stream_on_responses_only_model(h: Harness) -> None:
    promote(h, "next")
    h.fakes["gpt5"].enqueue(
        tool_calls=[ToolCall(id="call_7", name="get_weather", arguments={"city": "Oslo"})]
    )
    tool = {"type": "function", "function": {k: WEATHER[k] for k in ("name", "parameters")}}
    stream = await h.oai.chat.completions.create(
        model="next",
        messages=[{"role": "user", "content": "Oslo?"}],
        tools=[tool],  # type: ignore[list-item]
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [c async for c in stream]
    deltas = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or ()]
    assert deltas[0].id == "call_7" and deltas[0].function.name == "get_weather"  # type: ignore[union-attr]
    args = "".join(d.function.arguments or "" for d in deltas)  # type: ignore[union-attr]
    assert json.loads(args) == {"city": "Oslo"}
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
    assert chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens > 0
    sent = h.fakes["gpt5"].requests[-1].body
    assert sent["tools"] == [{**tool["function"], "type": "function", "strict": False}]
    assert sent["stream"] is True


async def test_anthropic_client_on_responses_only_model(h: Harness) -> None:
    promote(h, "next")
    message = await h.ant.messages.create(
        model="next", max_tokens=30, messages=[{"role": "user", "content": "salut"}]
    )
    assert message.content[0].text == "[gpt-5] salut"  # type: ignore[union-attr]
    assert h.fakes["gpt5"].requests[-1].body["max_output_tokens"] == 30
    async with h.ant.messages.stream(
        model="next", max_tokens=30, messages=[{"role": "user", "content": "encore"}]
    ) as stream:
        final = await stream.get_final_message()
    assert final.content[0].text == "[gpt-5] encore"  # type: ignore[union-attr]
    assert final.stop_reason == "end_turn" and final.usage.output_tokens > 0


# -- errors --------------------------------------------------------------------------------


async def test_upstream_errors_reach_a_responses_client_in_openai_format(h: Harness) -> None:
    h.fakes["gpt"].enqueue_fault(Fault(status=429), times=3)
    with pytest.raises(openai.RateLimitError):
        await h.oai.responses.create(model="chat", input="x")
    assert len(h.fakes["gpt"].requests) == 3  # the gateway's own retries
    h.fakes["claude"].enqueue_fault(Fault(status=400))
    with pytest.raises(openai.BadRequestError) as caught:
        await h.oai.responses.create(model="xchat", input="x")
    assert caught.value.code == "invalid_request_error"  # Anthropic's type kept as the code


async def test_a_failed_response_is_relayed_as_is_and_traced_as_an_error(h: Harness) -> None:
    """OpenAI answers HTTP 200 with ``status: "failed"`` when generation fails: the client gets
    that answer unchanged, and the trace counts it as an error (error rates and gates see it)."""
    h.fakes["gpt"].enqueue(fault=Fault(response_failed=True))
    response = await h.oai.responses.create(model="chat", input="x")
    assert response.status == "failed" and response.error is not None
    assert response.error.code == "server_error"
    row = served(h)
    assert row.status == "error" and row.error_class == "response_failed"
    assert row.http_status == 200


async def test_a_failed_response_from_a_responses_only_model_is_a_502_for_a_chat_client(
    h: Harness,
) -> None:
    promote(h, "next")
    h.fakes["gpt5"].enqueue(fault=Fault(response_failed=True))
    with pytest.raises(openai.InternalServerError) as caught:
        await h.oai.chat.completions.create(
            model="next", messages=[{"role": "user", "content": "x"}]
        )
    assert caught.value.status_code == 502 and "failed" in str(caught.value)
    assert served(h).status == "error"


@pytest.mark.parametrize("workload", ["xchat", "chat"])  # translated from Claude, and native
async def test_mid_stream_failure_is_an_error_event(h: Harness, workload: str) -> None:
    fake = h.fakes["claude" if workload == "xchat" else "gpt"]
    fake.enqueue(fault=Fault(stream_error_after=3))
    stream = await h.oai.responses.create(model=workload, input="boom", stream=True)
    events = [e async for e in stream]
    assert events[-1].type == "error" and "mid-stream" in events[-1].message  # type: ignore[union-attr]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert served(h).status == "error"


async def test_bad_field_types_are_400s(h: Harness) -> None:
    r = await h.http.post("/v1/responses", headers=AUTH, json={"model": "chat", "input": 3})
    assert r.status_code == 400 and r.json()["error"]["param"] == "input"
    r = await h.http.post("/v1/responses", headers=AUTH, json={"model": "chat", "input": [1]})
    assert r.status_code == 400 and r.json()["error"]["param"] == "input[0]"


async def test_metrics_and_rejections_count_responses_traffic(h: Harness) -> None:
    await h.oai.responses.create(model="xchat", input="count me")
    with pytest.raises(openai.BadRequestError):
        await h.oai.responses.create(model="xchat", input="x", previous_response_id="resp_1")
    metrics = (await h.http.get("/metrics")).text
    assert (
        'swapsafe_requests_total{workload="xchat",model="claude",role="served",status="ok"} 1'
        in metrics
    )
    assert 'swapsafe_rejected_total{reason="untranslatable"} 1' in metrics
    assert (
        'swapsafe_tokens_total{workload="xchat",model="claude",role="served",direction="input"}'
        in metrics
    )


# -- every unknown route and method answers JSON in the caller's format ----------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "shape"),
    [
        ("GET", "/v1/responses", 405, "openai"),
        ("DELETE", "/v1/responses", 405, "openai"),
        ("GET", "/v1/responses/resp_123", 404, "openai"),
        ("POST", "/v1/responses/", 404, "openai"),
        ("POST", "/v1/responses/resp_123/cancel", 404, "openai"),
        ("OPTIONS", "/v1/chat/completions", 405, "openai"),
        ("POST", "/v1/embeddings", 404, "openai"),
        ("PUT", "/v1/messages", 405, "anthropic"),
        ("POST", "/v1/messages/batches", 404, "anthropic"),
        ("GET", "/", 404, "openai"),
    ],
)
async def test_unknown_routes_and_methods_answer_json_in_the_callers_format(
    h: Harness, method: str, path: str, status: int, shape: str
) -> None:
    r = await h.http.request(method, path, headers=AUTH, content=b"{}")
    assert r.status_code == status and r.headers["content-type"] == "application/json"
    body = r.json()
    if shape == "anthropic":
        assert body["type"] == "error" and body["error"]["type"] in (
            "not_found_error",
            "invalid_request_error",
        )
    else:
        assert set(body["error"]) == {"message", "type", "param", "code"}
    assert path in body["error"]["message"]
    if status == 405:
        assert r.headers["allow"] == "POST"
    if path.startswith("/v1/responses/resp_"):
        assert "keeps no responses" in body["error"]["message"]
