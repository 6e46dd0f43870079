"""Realistic payloads (shapes copied from the SDK types) and SDK-backed validators."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, get_type_hints

import pydantic
from anthropic.types import Message, RawMessageStreamEvent
from anthropic.types.message_create_params import (
    MessageCreateParamsNonStreaming,
    MessageCreateParamsStreaming,
)
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.chat.completion_create_params import (
    CompletionCreateParamsNonStreaming,
    CompletionCreateParamsStreaming,
)

_A_REQ = {
    False: pydantic.TypeAdapter(MessageCreateParamsNonStreaming),
    True: pydantic.TypeAdapter(MessageCreateParamsStreaming),
}
_O_REQ = {
    False: pydantic.TypeAdapter(CompletionCreateParamsNonStreaming),
    True: pydantic.TypeAdapter(CompletionCreateParamsStreaming),
}
_A_EVENT: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(RawMessageStreamEvent)


def _materialize(value: Any) -> Any:
    """TypedDict ``Iterable`` fields validate lazily: consume them so every item is checked."""
    if isinstance(value, Mapping):
        return {k: _materialize(v) for k, v in value.items()}
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, Iterable):
        return [_materialize(v) for v in value]
    return value


#: The anthropic SDK (>= 1.0) dropped these keyword arguments, but the API still accepts them on
#: models that support sampling (SDK users send them through ``extra_body``).
ANTHROPIC_API_ONLY_KEYS = {"temperature", "top_p", "top_k"}


def _check_keys(body: dict[str, Any], typed: Any, extra: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    allowed = set(get_type_hints(typed)) | extra
    unknown = set(body) - allowed
    assert not unknown, f"keys the SDK does not know: {unknown}"


def validate_anthropic_request(body: dict[str, Any]) -> None:
    stream = bool(body.get("stream"))
    _check_keys(
        body,
        MessageCreateParamsStreaming if stream else MessageCreateParamsNonStreaming,
        ANTHROPIC_API_ONLY_KEYS,
    )
    _materialize(_A_REQ[stream].validate_python(body))
    for m in body["messages"]:
        assert m["role"] in ("user", "assistant"), "system must be top-level for Anthropic"
    assert isinstance(body["max_tokens"], int)


def validate_openai_request(body: dict[str, Any]) -> None:
    stream = bool(body.get("stream"))
    _check_keys(
        body, CompletionCreateParamsStreaming if stream else CompletionCreateParamsNonStreaming
    )
    _materialize(_O_REQ[stream].validate_python(body))


def validate_openai_completion(body: dict[str, Any]) -> ChatCompletion:
    return ChatCompletion.model_validate(body)


def validate_openai_chunk(chunk: dict[str, Any]) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate(chunk)


def validate_anthropic_message(body: dict[str, Any]) -> Message:
    return Message.model_validate(body)


def validate_anthropic_event(event: str, data: dict[str, Any]) -> Any:
    assert data["type"] == event
    return _A_EVENT.validate_python(data)


WEATHER_TOOL_PARAMS = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "City name"},
        "unit": {"type": "string", "enum": ["c", "f"]},
    },
    "required": ["city"],
    "additionalProperties": False,
}

OPENAI_REQUEST: dict[str, Any] = {
    "model": "support-triage",
    "messages": [
        {"role": "system", "content": "You are a support agent."},
        {"role": "developer", "content": [{"type": "text", "text": "Answer in English."}]},
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "What is in this picture, and the weather in Paris and Rome?",
                },
                {
                    "type": "image_url",
                    "image_url": {"url": "https://example.com/cat.png", "detail": "high"},
                },
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_abc123",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                },
                {
                    "id": "call_def456",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Rome","unit":"c"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_abc123", "content": "18C, sunny"},
        {
            "role": "tool",
            "tool_call_id": "call_def456",
            "content": [{"type": "text", "text": "22C, cloudy"}],
        },
        {"role": "user", "content": "Thanks. Summarise."},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather for a city",
                "parameters": WEATHER_TOOL_PARAMS,
                "strict": True,
            },
        }
    ],
    "tool_choice": "auto",
    "parallel_tool_calls": True,
    "stop": ["\n\nObservation:"],
    "temperature": 0.2,
    "top_p": 0.9,
    "max_completion_tokens": 512,
    "user": "user-42",
    "n": 1,
    "logprobs": False,
}

ANTHROPIC_REQUEST: dict[str, Any] = {
    "model": "support-triage",
    "max_tokens": 1024,
    "system": [
        {"type": "text", "text": "You are a support agent.", "cache_control": {"type": "ephemeral"}}
    ],
    "messages": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Weather in Paris? See the photo."},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"},
                },
                {"type": "image", "source": {"type": "url", "url": "https://example.com/sky.jpg"}},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {
                    "type": "tool_use",
                    "id": "toolu_01A",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
                {
                    "type": "tool_use",
                    "id": "toolu_01B",
                    "name": "get_time",
                    "input": {"tz": "Europe/Paris"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "18C"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_01B",
                    "content": [{"type": "text", "text": "14:00"}],
                    "is_error": False,
                },
                {"type": "text", "text": "And tomorrow?"},
            ],
        },
    ],
    "tools": [
        {
            "name": "get_weather",
            "description": "Current weather",
            "input_schema": WEATHER_TOOL_PARAMS,
        },
        {
            "name": "get_time",
            "input_schema": {"type": "object", "properties": {"tz": {"type": "string"}}},
            "strict": True,
        },
    ],
    "tool_choice": {"type": "any", "disable_parallel_tool_use": True},
    "stop_sequences": ["END"],
    "temperature": 0.5,
    "top_p": 0.95,
    "metadata": {"user_id": "user-7"},
}

ANTHROPIC_RESPONSE: dict[str, Any] = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [
        {"type": "text", "text": "I'll check both cities."},
        {
            "type": "tool_use",
            "id": "toolu_01A09q90qw90lq917835lq9",
            "name": "get_weather",
            "input": {"city": "Paris"},
        },
        {
            "type": "tool_use",
            "id": "toolu_01B7",
            "name": "get_weather",
            "input": {"city": "Rome", "unit": "c"},
        },
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 2095,
        "output_tokens": 503,
        "cache_creation_input_tokens": 100,
        "cache_read_input_tokens": 1000,
        "service_tier": "standard",
    },
}

OPENAI_RESPONSE: dict[str, Any] = {
    "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "gpt-4.1-2025-04-14",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Checking both.",
                "refusal": None,
                "annotations": [],
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    },
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'},
                    },
                ],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        "prompt_tokens": 82,
        "completion_tokens": 17,
        "total_tokens": 99,
        "prompt_tokens_details": {"cached_tokens": 64, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    },
    "service_tier": "default",
    "system_fingerprint": None,
}
