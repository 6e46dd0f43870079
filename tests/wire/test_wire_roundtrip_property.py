"""Property: OpenAI -> canonical -> Anthropic -> canonical -> OpenAI keeps the conversation.

Messages (roles, order, text, images), tools, tool-call ids and arguments, tool results,
tool_choice and sampling parameters survive the trip through Anthropic's wire format.
"""

from __future__ import annotations

import itertools
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from wire_fixtures import (
    validate_anthropic_message,
    validate_anthropic_request,
    validate_openai_completion,
    validate_openai_request,
)

from swapsafe.wire import anthropic as wa
from swapsafe.wire import anthropic_answer as waa
from swapsafe.wire import openai as wo

text = st.text(min_size=1, max_size=40)
name = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,15}", fullmatch=True).filter(
    lambda n: n != "json_output"
)
call_suffix = st.from_regex(r"[A-Za-z0-9]{1,10}", fullmatch=True)
json_scalar = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=10)
arguments = st.dictionaries(st.text(min_size=1, max_size=8), json_scalar, max_size=4)
image = st.one_of(
    st.builds(
        lambda p: {"type": "image_url", "image_url": {"url": f"https://example.com/{p}.png"}},
        st.integers(0, 999),
    ),
    st.builds(
        lambda mt, data: {"type": "image_url", "image_url": {"url": f"data:{mt};base64,{data}"}},
        st.sampled_from(["image/png", "image/jpeg", "image/gif", "image/webp"]),
        st.from_regex(r"[A-Za-z0-9+/]{4,24}={0,2}", fullmatch=True),
    ),
)


@st.composite
def user_message(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"role": "user", "content": draw(text)}
    parts = [{"type": "text", "text": draw(text)}] + draw(st.lists(image, min_size=1, max_size=2))
    return {"role": "user", "content": parts}


@st.composite
def conversation(draw: st.DrawFn, tool_names: list[str]) -> list[dict[str, Any]]:
    ids = itertools.count()
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": s} for s in draw(st.lists(text, max_size=2))
    ]
    for _ in range(draw(st.integers(1, 4))):
        messages.append(draw(user_message()))
        n_calls = draw(st.integers(0, 3)) if tool_names else 0
        if n_calls:
            calls = [
                {
                    "id": f"call_{next(ids)}_{draw(call_suffix)}",
                    "type": "function",
                    "function": {
                        "name": draw(st.sampled_from(tool_names)),
                        "arguments": orjson.dumps(draw(arguments)).decode(),
                    },
                }
                for _ in range(n_calls)
            ]
            preamble = draw(st.none() | text)
            messages.append({"role": "assistant", "content": preamble, "tool_calls": calls})
            for c in calls:
                messages.append({"role": "tool", "tool_call_id": c["id"], "content": draw(text)})
        messages.append({"role": "assistant", "content": draw(text)})
    return messages


@st.composite
def openai_request(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(name, unique=True, max_size=3))
    body: dict[str, Any] = {
        "model": "m",
        "messages": draw(conversation(names)),
        "max_tokens": draw(
            st.integers(1, 100_000)
        ),  # Anthropic requires it; a default would show up
    }
    if names:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": n,
                    "description": draw(text),
                    "parameters": {
                        "type": "object",
                        "properties": {
                            p: {"type": "string"} for p in draw(st.lists(name, max_size=3))
                        },
                    },
                },
            }
            for n in names
        ]
        body["tool_choice"] = draw(
            st.sampled_from(
                ["auto", "none", "required", {"type": "function", "function": {"name": names[0]}}]
            )
        )
    for key, strategy in {
        "temperature": st.floats(0, 1),
        "top_p": st.floats(0, 1),
        "stop": st.lists(text, min_size=1, max_size=4),
        "user": text,
    }.items():
        if draw(st.booleans()):
            body[key] = draw(strategy)
    return body


def normalize(body: dict[str, Any]) -> dict[str, Any]:
    """Compare arguments as JSON values, not strings (whitespace may differ)."""
    out = orjson.loads(orjson.dumps(body))
    for m in out["messages"]:
        for c in m.get("tool_calls") or ():
            c["function"]["arguments"] = orjson.loads(c["function"]["arguments"])
    return out


@settings(max_examples=150, deadline=None)
@given(openai_request())
def test_openai_anthropic_openai_round_trip(body: dict[str, Any]) -> None:
    validate_openai_request(body)
    anthropic_body = wa.encode_request(wo.parse_request(body))
    validate_anthropic_request(anthropic_body)
    wire = orjson.loads(orjson.dumps(anthropic_body))  # through real JSON bytes
    back = wo.encode_request(wa.parse_request(wire))
    assert normalize(back) == normalize(body)


@settings(max_examples=100, deadline=None)
@given(openai_request())
def test_anthropic_openai_anthropic_round_trip(body: dict[str, Any]) -> None:
    anthropic_body = wa.encode_request(wo.parse_request(body))
    again = wa.encode_request(wo.parse_request(wo.encode_request(wa.parse_request(anthropic_body))))
    assert again == anthropic_body


@st.composite
def openai_completion(draw: st.DrawFn) -> dict[str, Any]:
    calls = [
        {
            "id": f"call_{i}_{draw(call_suffix)}",
            "type": "function",
            "function": {"name": draw(name), "arguments": orjson.dumps(draw(arguments)).decode()},
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    message: dict[str, Any] = {
        "role": "assistant",
        "content": draw(st.none() | text),
        "refusal": None,
    }
    if calls:
        message["tool_calls"] = calls
    cached = draw(st.integers(0, 500))
    prompt = cached + draw(st.integers(0, 500))
    completion = draw(st.integers(0, 500))
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls"
                if calls
                else draw(st.sampled_from(["stop", "length", "content_filter"])),
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


@settings(max_examples=100, deadline=None)
@given(openai_completion())
def test_response_round_trip_through_anthropic(body: dict[str, Any]) -> None:
    anthropic_msg = waa.encode_response(wo.parse_response(body))
    validate_anthropic_message(anthropic_msg)
    back = wo.encode_response(
        waa.parse_response(orjson.loads(orjson.dumps(anthropic_msg))), created=1
    )
    validate_openai_completion(back)
    assert normalize({"messages": [back["choices"][0]["message"]]}) == normalize(
        {"messages": [body["choices"][0]["message"]]}
    )
    assert back["choices"][0]["finish_reason"] == body["choices"][0]["finish_reason"]
    assert back["usage"] == body["usage"]
