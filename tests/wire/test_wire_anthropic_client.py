"""An Anthropic client on a workload served by an OpenAI-compatible model (non-streaming)."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest
from wire_fixtures import (
    ANTHROPIC_REQUEST,
    OPENAI_RESPONSE,
    WEATHER_TOOL_PARAMS,
    validate_anthropic_message,
    validate_openai_request,
)

from swapsafe.exceptions import TranslationError
from swapsafe.wire import anthropic_answer as waa
from swapsafe.wire.translate import anthropic_to_openai_request, openai_to_anthropic_response


def to_openai(body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    out = anthropic_to_openai_request(body, model="gpt-4.1", **kw)
    validate_openai_request(out)
    return out


def base(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "m",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    body.update(over)
    return body


def test_full_request_translates_every_feature() -> None:
    out = to_openai(copy.deepcopy(ANTHROPIC_REQUEST))
    assert out["model"] == "gpt-4.1"
    assert out["messages"] == [
        {"role": "system", "content": "You are a support agent."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Weather in Paris? See the photo."},
                {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/sky.jpg"}},
            ],
        },
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [
                {
                    "id": "toolu_01A",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                },
                {
                    "id": "toolu_01B",
                    "type": "function",
                    "function": {"name": "get_time", "arguments": '{"tz":"Europe/Paris"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_01A", "content": "18C"},
        {"role": "tool", "tool_call_id": "toolu_01B", "content": "14:00"},
        {"role": "user", "content": "And tomorrow?"},
    ]
    assert out["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather",
                "parameters": WEATHER_TOOL_PARAMS,
            },
        },
        {
            "type": "function",
            "function": {
                "name": "get_time",
                "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
                "strict": True,
            },
        },
    ]
    assert out["tool_choice"] == "required"
    assert out["parallel_tool_calls"] is False
    assert out["stop"] == ["END"]
    assert (out["temperature"], out["top_p"], out["max_tokens"]) == (0.5, 0.95, 1024)
    assert out["user"] == "user-7"
    assert "stream" not in out


def test_streaming_request_always_asks_for_usage() -> None:
    out = to_openai(base(stream=True))
    assert out["stream"] is True
    assert out["stream_options"] == {"include_usage": True}


def test_max_tokens_param_can_be_max_completion_tokens() -> None:
    out = to_openai(base(), max_tokens_param="max_completion_tokens")
    assert out["max_completion_tokens"] == 100 and "max_tokens" not in out


@pytest.mark.parametrize(
    ("choice", "expected", "parallel"),
    [
        ({"type": "auto"}, "auto", None),
        ({"type": "none"}, "none", None),
        ({"type": "any"}, "required", None),
        (
            {"type": "tool", "name": "get_weather"},
            {"type": "function", "function": {"name": "get_weather"}},
            None,
        ),
        ({"type": "auto", "disable_parallel_tool_use": True}, "auto", False),
    ],
)
def test_tool_choice(choice: dict[str, Any], expected: Any, parallel: Any) -> None:
    tools = [{"name": "get_weather", "input_schema": WEATHER_TOOL_PARAMS}]
    out = to_openai(base(tools=tools, tool_choice=choice))
    assert out["tool_choice"] == expected
    assert out.get("parallel_tool_calls") is parallel


def test_system_string_and_system_role_turn() -> None:
    body = base(
        system="Be terse.",
        messages=[{"role": "system", "content": "Also polite."}, {"role": "user", "content": "Hi"}],
    )
    out = to_openai(body)
    assert out["messages"][:2] == [
        {"role": "system", "content": "Be terse."},
        {"role": "system", "content": "Also polite."},
    ]


def test_tool_result_error_and_image_results() -> None:
    body = base(
        messages=[
            {"role": "user", "content": "go"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_1",
                        "content": "boom",
                        "is_error": True,
                    }
                ],
            },
        ]
    )
    out = to_openai(body)
    assert out["messages"][1]["content"] is None
    assert out["messages"][1]["tool_calls"][0]["function"]["arguments"] == "{}"
    assert out["messages"][2] == {
        "role": "tool",
        "tool_call_id": "toolu_1",
        "content": "Error: boom",
    }

    image_result = copy.deepcopy(body)
    image_result["messages"][2]["content"][0]["content"] = [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"}}
    ]
    with pytest.raises(TranslationError, match="image in a tool result"):
        anthropic_to_openai_request(image_result, model="gpt")


def test_native_structured_output_becomes_json_schema() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "additionalProperties": False,
    }
    out = to_openai(base(output_config={"format": {"type": "json_schema", "schema": schema}}))
    assert out["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema, "strict": True},
    }


def test_hints_are_dropped() -> None:
    body = base(
        cache_control={"type": "ephemeral"}, service_tier="auto", thinking={"type": "disabled"}
    )
    out = to_openai(body)
    assert "cache_control" not in out and "service_tier" not in out


@pytest.mark.parametrize(
    ("over", "param"),
    [
        ({"top_k": 5}, "top_k"),
        ({"thinking": {"type": "enabled", "budget_tokens": 2048}}, "thinking"),
        ({"output_config": {"effort": "high"}}, "output_config.effort"),
        ({"container": "cntr_1"}, "container"),
        ({"mcp_servers": [{"type": "url", "url": "https://x", "name": "x"}]}, "mcp_servers"),
        ({"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, "tools[0].type"),
        (
            {
                "messages": [
                    {
                        "role": "assistant",
                        "content": [{"type": "thinking", "thinking": "..", "signature": "s"}],
                    }
                ]
            },
            "messages[0].content[0].type",
        ),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "document",
                                "source": {"type": "text", "media_type": "text/plain", "data": "x"},
                            }
                        ],
                    }
                ]
            },
            "messages[0].content[0].type",
        ),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "image", "source": {"type": "file", "file_id": "file_1"}}
                        ],
                    }
                ]
            },
            "messages[0].content[0].source.type",
        ),
    ],
)
def test_untranslatable_requests_raise(over: dict[str, Any], param: str) -> None:
    with pytest.raises(TranslationError) as exc:
        anthropic_to_openai_request(base(**over), model="gpt")
    assert exc.value.param == param
    assert "Anthropic model" in str(exc.value)


def test_response_with_parallel_tool_calls_and_cached_usage() -> None:
    out = openai_to_anthropic_response(
        copy.deepcopy(OPENAI_RESPONSE), request_id="msg_gw_1", model="support-triage"
    )
    msg = validate_anthropic_message(out)
    assert msg.id == "msg_gw_1" and msg.model == "support-triage"
    assert msg.stop_reason == "tool_use"
    assert [b.type for b in msg.content] == ["text", "tool_use", "tool_use"]
    assert msg.content[0].text == "Checking both."  # type: ignore[union-attr]
    assert [(b.id, b.name, b.input) for b in msg.content[1:]] == [  # type: ignore[union-attr]
        ("call_1", "get_weather", {"city": "Paris"}),
        ("call_2", "get_weather", {"city": "Rome"}),
    ]
    assert msg.usage.input_tokens == 82 - 64
    assert msg.usage.cache_read_input_tokens == 64
    assert msg.usage.output_tokens == 17


@pytest.mark.parametrize(
    ("finish", "stop_reason"),
    [
        ("stop", "end_turn"),
        ("length", "max_tokens"),
        ("tool_calls", "tool_use"),
        ("content_filter", "refusal"),
        ("function_call", "tool_use"),
    ],
)
def test_finish_reasons(finish: str, stop_reason: str) -> None:
    body = copy.deepcopy(OPENAI_RESPONSE)
    body["choices"][0]["finish_reason"] = finish
    out = openai_to_anthropic_response(body, request_id="msg_1", model="m")
    assert validate_anthropic_message(out).stop_reason == stop_reason


def test_legacy_function_call_and_refusal_responses() -> None:
    body = copy.deepcopy(OPENAI_RESPONSE)
    body["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "function_call": {"name": "lookup", "arguments": '{"q": "x"}'},
    }
    body["choices"][0]["finish_reason"] = "function_call"
    msg = validate_anthropic_message(openai_to_anthropic_response(body, request_id="m", model="m"))
    assert msg.content[0].type == "tool_use" and msg.content[0].input == {"q": "x"}  # type: ignore[union-attr]

    body["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "refusal": "I can't help with that.",
    }
    body["choices"][0]["finish_reason"] = "stop"
    msg = validate_anthropic_message(openai_to_anthropic_response(body, request_id="m", model="m"))
    assert msg.content[0].text == "I can't help with that."  # type: ignore[union-attr]


def test_response_without_usage_and_invalid_arguments() -> None:
    body = copy.deepcopy(OPENAI_RESPONSE)
    del body["usage"]
    msg = validate_anthropic_message(openai_to_anthropic_response(body, request_id="m", model="m"))
    assert msg.usage.input_tokens == 0 and msg.usage.output_tokens == 0
    body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = '{"city": '
    with pytest.raises(TranslationError, match="not a JSON object"):
        openai_to_anthropic_response(body, request_id="m", model="m")


def test_same_vendor_round_trip_of_usage_helpers() -> None:
    usage = waa.extract_usage(
        {
            "usage": {
                "input_tokens": 10,
                "output_tokens": 5,
                "cache_read_input_tokens": 90,
                "cache_creation_input_tokens": 0,
            }
        }
    )
    assert usage is not None
    assert (usage.input_tokens, usage.cached_tokens, usage.total_tokens) == (100, 90, 105)
    assert waa.encode_usage(usage)["input_tokens"] == 10
    assert orjson.dumps(waa.encode_usage(usage))
