"""An OpenAI client on a workload served by Anthropic: request out, response back (no stream)."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest
from wire_fixtures import (
    ANTHROPIC_RESPONSE,
    OPENAI_REQUEST,
    WEATHER_TOOL_PARAMS,
    validate_anthropic_request,
    validate_openai_completion,
)

from swapsafe.exceptions import TranslationError
from swapsafe.wire import openai as wo
from swapsafe.wire.canonical import JSON_MODE_TOOL
from swapsafe.wire.json_mode import JSON_TOOL_DESCRIPTION
from swapsafe.wire.translate import (
    anthropic_to_openai_response,
    json_mode_tool_for,
    openai_to_anthropic_request,
)


def to_anthropic(body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    out = openai_to_anthropic_request(
        body, model="claude-sonnet-4-5", default_max_tokens=2048, **kw
    )
    validate_anthropic_request(out)
    return out


def base(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "Hi"}]}
    body.update(over)
    return body


def test_full_request_translates_every_feature() -> None:
    out = to_anthropic(copy.deepcopy(OPENAI_REQUEST))
    assert out["model"] == "claude-sonnet-4-5"
    assert out["system"] == [
        {"type": "text", "text": "You are a support agent."},
        {"type": "text", "text": "Answer in English."},
    ]
    user, assistant, results = out["messages"]
    assert user["role"] == "user"
    assert user["content"] == [
        {"type": "text", "text": "What is in this picture, and the weather in Paris and Rome?"},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
        },
    ]
    assert assistant == {
        "role": "assistant",
        "content": [
            {
                "type": "tool_use",
                "id": "call_abc123",
                "name": "get_weather",
                "input": {"city": "Paris"},
            },
            {
                "type": "tool_use",
                "id": "call_def456",
                "name": "get_weather",
                "input": {"city": "Rome", "unit": "c"},
            },
        ],
    }
    # both tool results, then the next user text, merged into one user turn, results first
    assert results == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "call_abc123", "content": "18C, sunny"},
            {"type": "tool_result", "tool_use_id": "call_def456", "content": "22C, cloudy"},
            {"type": "text", "text": "Thanks. Summarise."},
        ],
    }
    assert out["tools"] == [
        {
            "name": "get_weather",
            "description": "Current weather for a city",
            "input_schema": WEATHER_TOOL_PARAMS,
            "strict": True,
        }
    ]
    assert out["tool_choice"] == {"type": "auto"}
    assert out["stop_sequences"] == ["\n\nObservation:"]
    assert (out["temperature"], out["top_p"], out["max_tokens"]) == (0.2, 0.9, 512)
    assert out["metadata"] == {"user_id": "user-42"}
    assert "stream" not in out


@pytest.mark.parametrize(
    ("choice", "parallel", "expected"),
    [
        ("auto", None, {"type": "auto"}),
        ("none", None, {"type": "none"}),
        ("required", None, {"type": "any"}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            None,
            {"type": "tool", "name": "get_weather"},
        ),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
        (None, None, None),
    ],
)
def test_tool_choice(choice: Any, parallel: Any, expected: Any) -> None:
    tools = [
        {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER_TOOL_PARAMS}}
    ]
    body = base(tools=tools, tool_choice=choice, parallel_tool_calls=parallel)
    out = to_anthropic(body)
    assert out.get("tool_choice") == expected


def test_max_tokens_default_and_legacy_field() -> None:
    assert to_anthropic(base())["max_tokens"] == 2048
    assert to_anthropic(base(max_tokens=77))["max_tokens"] == 77
    assert to_anthropic(base(max_tokens=77, max_completion_tokens=99))["max_tokens"] == 99


def test_stop_as_string_and_stream_flag() -> None:
    out = to_anthropic(base(stop="END", stream=True, stream_options={"include_usage": True}))
    assert out["stop_sequences"] == ["END"]
    assert out["stream"] is True


def test_system_messages_mid_conversation_are_hoisted() -> None:
    body = base(
        messages=[
            {"role": "user", "content": "a"},
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "b"},
        ]
    )
    out = to_anthropic(body)
    assert out["system"] == "be brief"
    assert out["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}
    ]


def test_json_schema_uses_forced_tool_and_comes_back_as_text() -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
    }
    body = base(
        response_format={
            "type": "json_schema",
            "json_schema": {
                "name": "reply",
                "description": "A reply.",
                "schema": schema,
                "strict": True,
            },
        }
    )
    out = to_anthropic(body)
    assert out["tools"] == [
        {
            "name": JSON_MODE_TOOL,
            "description": JSON_TOOL_DESCRIPTION + " The answer: A reply.",
            "input_schema": schema,
            "strict": True,
        }
    ]
    assert out["tool_choice"] == {"type": "tool", "name": JSON_MODE_TOOL}
    assert json_mode_tool_for(body) == JSON_MODE_TOOL

    upstream = {
        **ANTHROPIC_RESPONSE,
        "content": [
            {"type": "tool_use", "id": "toolu_9", "name": JSON_MODE_TOOL, "input": {"answer": "42"}}
        ],
        "stop_reason": "tool_use",
    }
    resp = anthropic_to_openai_response(
        upstream, request_id="chatcmpl-1", model="support-triage", json_mode_tool=JSON_MODE_TOOL
    )
    completion = validate_openai_completion(resp)
    choice = completion.choices[0]
    assert orjson.loads(choice.message.content or "") == {"answer": "42"}
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"


def test_json_object_uses_permissive_schema_and_any_with_user_tools() -> None:
    tools = [
        {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER_TOOL_PARAMS}}
    ]
    out = to_anthropic(
        base(response_format={"type": "json_object"}, tools=tools, tool_choice="auto")
    )
    assert [t["name"] for t in out["tools"]] == ["get_weather", JSON_MODE_TOOL]
    assert out["tools"][1]["input_schema"] == {"type": "object", "additionalProperties": True}
    assert out["tool_choice"] == {"type": "any"}


def test_json_schema_native_structured_output() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    body = base(
        response_format={"type": "json_schema", "json_schema": {"name": "r", "schema": schema}}
    )
    out = to_anthropic(body, structured_output="native")
    assert out["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    assert "tools" not in out
    assert json_mode_tool_for(body, structured_output="native") is None


def test_text_response_format_is_plain() -> None:
    out = to_anthropic(base(response_format={"type": "text"}))
    assert "tools" not in out and "output_config" not in out


@pytest.mark.parametrize(
    ("over", "param"),
    [
        ({"n": 2}, "n"),
        ({"logprobs": True}, "logprobs"),
        ({"top_logprobs": 3}, "top_logprobs"),
        ({"modalities": ["text", "audio"]}, "modalities"),
        ({"audio": {"voice": "alloy", "format": "wav"}}, "audio"),
        ({"prediction": {"type": "content", "content": "x"}}, "prediction"),
        ({"frequency_penalty": 0.5}, "frequency_penalty"),
        ({"logit_bias": {"50256": -100}}, "logit_bias"),
        ({"seed": 7}, "seed"),
        ({"reasoning_effort": "high"}, "reasoning_effort"),
        ({"functions": [{"name": "f"}]}, "functions"),
        ({"metadata": {"k": "v"}}, "metadata"),
        ({"store": True}, "store"),
        ({"some_vendor_extension": 1}, "some_vendor_extension"),
        ({"temperature": 1.5}, "temperature"),
        (
            {
                "tool_choice": {
                    "type": "allowed_tools",
                    "allowed_tools": {"mode": "auto", "tools": []},
                }
            },
            "tool_choice",
        ),
        ({"tools": [{"type": "custom", "custom": {"name": "x"}}]}, "tools[0].type"),
        ({"messages": [{"role": "user", "name": "bob", "content": "hi"}]}, "messages[0].name"),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "input_audio", "input_audio": {"data": "x", "format": "wav"}}
                        ],
                    }
                ]
            },
            "messages[0].content[0].type",
        ),
        ({"messages": [{"role": "function", "name": "f", "content": "x"}]}, "messages[0].name"),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "image_url",
                                "image_url": {"url": "data:image/bmp;base64,Qk0="},
                            }
                        ],
                    }
                ]
            },
            "messages[0].content[0]",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {
                        "role": "assistant",
                        "tool_calls": [
                            {
                                "id": "c",
                                "type": "function",
                                "function": {"name": "f", "arguments": "[1]"},
                            }
                        ],
                    },
                ]
            },
            "messages[1].content[0].arguments",
        ),
        (
            {
                "tools": [{"type": "function", "function": {"name": JSON_MODE_TOOL}}],
                "response_format": {"type": "json_object"},
            },
            "tools",
        ),
        # system-only (OpenAI answers it; Anthropic needs a user turn): refused, not invented
        ({"messages": [{"role": "system", "content": "Largest planet?"}]}, "messages"),
        (
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "x", "schema": {"type": "array"}},
                }
            },
            "response_format",
        ),
    ],
)
def test_untranslatable_requests_raise(over: dict[str, Any], param: str) -> None:
    with pytest.raises(TranslationError) as exc:
        openai_to_anthropic_request(base(**over), model="claude", default_max_tokens=10)
    assert exc.value.param == param
    assert "\n" not in str(exc.value)


def test_neutral_values_and_hints_are_accepted() -> None:
    body = base(
        n=1,
        logprobs=False,
        frequency_penalty=0,
        presence_penalty=0.0,
        logit_bias={},
        store=False,
        service_tier="auto",
        prompt_cache_key="k",
        seed=None,
        modalities=["text"],
    )
    to_anthropic(body)


def test_non_strict_parse_skips_checks() -> None:
    req = wo.parse_request(base(n=3, seed=1, logprobs=True), strict=False)
    assert req.messages[0].content[0].text == "Hi"  # type: ignore[union-attr]


def test_response_with_parallel_tool_calls_and_cached_usage() -> None:
    resp = anthropic_to_openai_response(
        copy.deepcopy(ANTHROPIC_RESPONSE),
        request_id="chatcmpl-xyz",
        model="support-triage",
        created=1700000000,
    )
    completion = validate_openai_completion(resp)
    assert completion.id == "chatcmpl-xyz"
    assert completion.model == "support-triage"
    assert completion.created == 1700000000
    msg = completion.choices[0].message
    assert msg.content == "I'll check both cities."
    assert [
        (c.id, c.function.name, orjson.loads(c.function.arguments)) for c in msg.tool_calls or []
    ] == [  # type: ignore[union-attr]
        ("toolu_01A09q90qw90lq917835lq9", "get_weather", {"city": "Paris"}),
        ("toolu_01B7", "get_weather", {"city": "Rome", "unit": "c"}),
    ]
    assert completion.choices[0].finish_reason == "tool_calls"
    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens == 2095 + 1000 + 100
    assert usage.completion_tokens == 503
    assert usage.total_tokens == 3195 + 503
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 1000


@pytest.mark.parametrize(
    ("stop_reason", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("pause_turn", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
    ],
)
def test_finish_reasons(stop_reason: str, finish: str) -> None:
    body = {
        **ANTHROPIC_RESPONSE,
        "content": [{"type": "text", "text": "x"}],
        "stop_reason": stop_reason,
    }
    resp = anthropic_to_openai_response(body, request_id="r", model="m")
    assert validate_openai_completion(resp).choices[0].finish_reason == finish


def test_response_ignores_thinking_blocks_and_empty_content() -> None:
    body = {
        **ANTHROPIC_RESPONSE,
        "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "sig"},
            {"type": "text", "text": "Done."},
        ],
        "stop_reason": "end_turn",
    }
    msg = (
        validate_openai_completion(anthropic_to_openai_response(body, request_id="r", model="m"))
        .choices[0]
        .message
    )
    assert msg.content == "Done."
    empty = {**ANTHROPIC_RESPONSE, "content": [], "stop_reason": "end_turn"}
    assert (
        validate_openai_completion(anthropic_to_openai_response(empty, request_id="r", model="m"))
        .choices[0]
        .message.content
        is None
    )


@pytest.mark.parametrize(
    ("tool_choice", "parallel", "expected"),
    [
        ("none", None, {"type": "tool", "name": JSON_MODE_TOOL}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            None,
            {"type": "tool", "name": "get_weather"},
        ),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
    ],
)
def test_json_mode_with_user_tools(tool_choice: Any, parallel: Any, expected: Any) -> None:
    tools = [
        {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER_TOOL_PARAMS}}
    ]
    body = base(
        response_format={"type": "json_object"},
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=parallel,
    )
    assert to_anthropic(body)["tool_choice"] == expected


def test_json_mode_response_keeps_real_tool_calls() -> None:
    upstream = {
        **ANTHROPIC_RESPONSE,
        "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}}
        ],
    }
    resp = anthropic_to_openai_response(
        upstream, request_id="r", model="m", json_mode_tool=JSON_MODE_TOOL
    )
    choice = validate_openai_completion(resp).choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls


def test_usage_and_finish_helpers_on_chunks() -> None:
    final = {
        "choices": [],
        "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11},
    }
    usage = wo.extract_usage(final)
    assert usage is not None and (usage.input_tokens, usage.output_tokens, usage.cached_tokens) == (
        9,
        2,
        0,
    )
    assert wo.extract_usage({"choices": [], "usage": None}) is None
    assert (
        wo.finish_reason({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})
        == "length"
    )
    assert wo.finish_reason(final) is None
