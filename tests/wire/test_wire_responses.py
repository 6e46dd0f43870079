"""OpenAI Responses API <-> canonical: requests, answers, streams, checked against the SDK types.

Property: a Responses request -> canonical -> Anthropic / Chat Completions -> canonical keeps
the messages, tools, call ids and content (and encodes back to an equivalent Responses request).
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import orjson
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.types.responses import Response, ResponseStreamEvent
from openai.types.responses.response_create_params import (
    ResponseCreateParamsNonStreaming,
    ResponseCreateParamsStreaming,
)
from wire_fixtures import validate_anthropic_request, validate_openai_request

from swapsafe.exceptions import TranslationError
from swapsafe.providers.canned import Reply, ToolCall
from swapsafe.testing import fake_responses
from swapsafe.wire import anthropic as wa
from swapsafe.wire import openai as wo
from swapsafe.wire import responses as wr
from swapsafe.wire import responses_answer as ra
from swapsafe.wire import translate
from swapsafe.wire.canonical import (
    BlockStop,
    ChatRequest,
    ChatResponse,
    StreamFinish,
    StreamStart,
    TextDelta,
    TextPart,
    ToolCallDelta,
    ToolCallPart,
    ToolCallStart,
    Usage,
)
from swapsafe.wire.responses_stream import ResponsesStreamEncoder, ResponsesStreamParser

_EVENT: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ResponseStreamEvent)
_REQ = {
    False: pydantic.TypeAdapter(ResponseCreateParamsNonStreaming),
    True: pydantic.TypeAdapter(ResponseCreateParamsStreaming),
}

text = st.text(min_size=1, max_size=40)
name = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,15}", fullmatch=True).filter(
    lambda n: n != "json_output"
)
suffix = st.from_regex(r"[A-Za-z0-9]{1,10}", fullmatch=True)
json_scalar = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=10)
arguments = st.dictionaries(st.text(min_size=1, max_size=8), json_scalar, max_size=4)
image = st.one_of(
    st.builds(
        lambda p: {
            "type": "input_image",
            "image_url": f"https://example.com/{p}.png",
            "detail": "auto",
        },
        st.integers(0, 999),
    ),
    st.builds(
        lambda mt, d: {
            "type": "input_image",
            "image_url": f"data:{mt};base64,{d}",
            "detail": "auto",
        },
        st.sampled_from(["image/png", "image/jpeg", "image/gif", "image/webp"]),
        st.from_regex(r"[A-Za-z0-9+/]{4,24}={0,2}", fullmatch=True),
    ),
)


@st.composite
def user_item(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"role": "user", "content": draw(text)}
    parts = [{"type": "input_text", "text": draw(text)}] + draw(st.lists(image, max_size=2))
    return {"type": "message", "role": "user", "content": parts}


@st.composite
def items(draw: st.DrawFn, tool_names: list[str]) -> list[dict[str, Any]]:
    ids = itertools.count()
    out: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 4))):
        out.append(draw(user_item()))
        n_calls = draw(st.integers(0, 3)) if tool_names else 0
        if n_calls:
            if draw(st.booleans()):
                out.append({"role": "assistant", "content": draw(text)})  # a preamble
            calls = [
                {
                    "type": "function_call",
                    "call_id": f"call_{next(ids)}_{draw(suffix)}",
                    "name": draw(st.sampled_from(tool_names)),
                    "arguments": orjson.dumps(draw(arguments)).decode(),
                }
                for _ in range(n_calls)
            ]
            out += calls
            out += [
                {"type": "function_call_output", "call_id": c["call_id"], "output": draw(text)}
                for c in calls
            ]
        out.append({"role": "assistant", "content": draw(text)})
    return out


@st.composite
def responses_request(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(name, unique=True, max_size=3))
    body: dict[str, Any] = {
        "model": "m",
        "input": draw(items(names)),
        "max_output_tokens": draw(st.integers(16, 100_000)),
    }
    if draw(st.booleans()):
        body["instructions"] = draw(text)
    if names:
        body["tools"] = [
            {
                "type": "function",
                "name": n,
                "description": draw(text),
                "parameters": {
                    "type": "object",
                    "properties": {p: {"type": "string"} for p in draw(st.lists(name, max_size=3))},
                },
                "strict": draw(st.booleans()),
            }
            for n in names
        ]
        body["tool_choice"] = draw(
            st.sampled_from(["auto", "none", "required", {"type": "function", "name": names[0]}])
        )
    for key, strategy in {
        "temperature": st.floats(0, 1),
        "top_p": st.floats(0, 1),
        "user": text,
    }.items():
        if draw(st.booleans()):
            body[key] = draw(strategy)
    return body


def canon(req: ChatRequest) -> dict[str, Any]:
    out = dataclasses.asdict(req)
    out.pop("include_usage")  # "give me usage" is implied by Anthropic and Responses
    return out


def call_ids(req: ChatRequest) -> list[str]:
    return [p.id for m in req.messages for p in m.content if isinstance(p, ToolCallPart)]


@settings(max_examples=150, deadline=None)
@given(responses_request())
def test_round_trip_through_anthropic_and_chat(body: dict[str, Any]) -> None:
    _REQ[False].validate_python(body)
    req = wr.parse_request(body)
    anthropic_body = wa.encode_request(req)
    validate_anthropic_request(anthropic_body)
    via_anthropic = wa.parse_request(orjson.loads(orjson.dumps(anthropic_body)))
    chat_body = wo.encode_request(req)
    validate_openai_request(chat_body)
    via_chat = wo.parse_request(orjson.loads(orjson.dumps(chat_body)))
    assert canon(via_anthropic) == canon(req) == canon(via_chat)
    assert call_ids(via_anthropic) == call_ids(req) == call_ids(via_chat)
    again = wr.encode_request(via_anthropic)
    _REQ[False].validate_python(again)
    assert canon(wr.parse_request(again)) == canon(req)


def test_system_only_request_keeps_its_system_message_in_input() -> None:
    # an empty `input` is refused by the Responses API even with instructions
    req = wo.parse_request({"model": "m", "messages": [{"role": "system", "content": "Hi?"}]})
    body = wr.encode_request(req)
    assert body["input"] == [{"type": "message", "role": "system", "content": "Hi?"}]
    assert "instructions" not in body
    assert canon(wr.parse_request(body)) == canon(req)


def test_string_input_instructions_and_format() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    req = wr.parse_request(
        {
            "model": "m",
            "instructions": "Be brief.",
            "input": "hi",
            "text": {
                "format": {"type": "json_schema", "name": "x", "schema": schema, "strict": True}
            },
            "max_output_tokens": 100,
            "safety_identifier": "u9",
            "prompt_cache_key": "k",  # a dropped hint
            "store": False,
            "metadata": {},
        }
    )
    assert req.system == ["Be brief."] and req.max_tokens == 100 and req.user == "u9"
    assert [(m.role, m.content) for m in req.messages] == [("user", [TextPart("hi")])]
    assert req.response_format == {
        "type": "json_schema",
        "name": "x",
        "schema": schema,
        "strict": True,
    }
    body = wr.encode_request(req)
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "x", "schema": schema, "strict": True}
    }
    assert body["store"] is False and body["instructions"] == "Be brief."


@pytest.mark.parametrize(
    ("over", "param"),
    [
        ({"previous_response_id": "resp_1"}, "previous_response_id"),
        ({"conversation": "conv_1"}, "conversation"),
        ({"store": True}, "store"),
        ({"background": True}, "background"),
        ({"prompt": {"id": "pmpt_1"}}, "prompt"),
        ({"reasoning": {"effort": "low"}}, "reasoning"),
        ({"include": ["reasoning.encrypted_content"]}, "include"),
        ({"truncation": "auto"}, "truncation"),
        ({"text": {"verbosity": "low"}}, "text.verbosity"),
        ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
        ({"tools": [{"type": "mcp", "server_label": "x"}]}, "tools[0].type"),
        ({"tool_choice": {"type": "file_search"}}, "tool_choice"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0].type"),
        ({"input": [{"type": "web_search_call", "id": "ws_1"}]}, "input[0].type"),
        (
            {"input": [{"type": "reasoning", "id": "rs", "summary": [], "encrypted_content": "e"}]},
            "input[0].encrypted_content",
        ),
        (
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]},
            "input[0].content[0].type",
        ),
        (
            {"input": [{"role": "user", "content": [{"type": "input_image", "file_id": "f"}]}]},
            "input[0].content[0].file_id",
        ),
        ({"some_new_parameter": 1}, "some_new_parameter"),
    ],
)
def test_untranslatable_requests_raise(over: dict[str, Any], param: str) -> None:
    with pytest.raises(TranslationError) as caught:
        wr.parse_request({"model": "m", "input": "hi", **over})
    assert caught.value.param == param


def test_stop_sequences_cannot_reach_a_responses_only_model() -> None:
    with pytest.raises(TranslationError) as caught:
        translate.request(
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": ["END"]},
            "openai",
            "responses",
            model="gpt-5",
            default_max_tokens=10,
        )
    assert caught.value.param == "stop"


def _reply() -> Reply:
    calls = (ToolCall("f", {"a": 1}, id="call_1"), ToolCall("g", {}, id="call_2"))
    return Reply(text="hello world", tool_calls=calls, prompt_tokens=12, cached_tokens=4)


def test_answers_both_ways_follow_the_sdk_types() -> None:
    upstream = fake_responses.response(
        _reply(), body={"input": "x"}, model="gpt-5", n=1, created=1, reasoning_tokens=3
    )
    Response.model_validate(upstream)
    resp = ra.parse_response(upstream)  # reasoning item left out; its tokens still counted
    assert resp.text == "hello world" and resp.finish_reason == "tool_calls"
    assert [(c.id, c.name, c.arguments) for c in resp.tool_calls] == [
        ("call_1", "f", '{"a":1}'),
        ("call_2", "g", "{}"),
    ]
    assert resp.usage == Usage(12, wo_out := upstream["usage"]["output_tokens"], 4, 0, 3)
    assert wo.encode_usage(resp.usage)["completion_tokens_details"] == {"reasoning_tokens": 3}
    resp.id = "resp_abc"
    encoded = ra.encode_response(resp, request={"tools": [], "max_output_tokens": 50})
    parsed = Response.model_validate(encoded)
    assert parsed.output_text == "hello world" and parsed.usage is not None
    assert (
        parsed.usage.output_tokens == wo_out
        and parsed.usage.input_tokens_details.cached_tokens == 4
    )
    assert [o.type for o in parsed.output] == ["message", "function_call", "function_call"]
    cut = ra.encode_response(ChatResponse("resp_x", "m", [TextPart("a")], "length"), request={})
    assert cut["status"] == "incomplete" and cut["incomplete_details"] == {
        "reason": "max_output_tokens"
    }
    assert ra.finish_reason(cut) == "length"


def test_failed_response_is_a_translation_error() -> None:
    with pytest.raises(TranslationError):
        ra.parse_response(
            {"status": "failed", "error": {"code": "server_error", "message": "x"}, "output": []}
        )


def _encoded(events: list[Any], json_tool: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    enc = ResponsesStreamEncoder("resp_1", "m", 1, {"tools": []}, json_tool)
    out = [pair for ev in events for pair in enc.feed(ev)]
    for kind, data in out:
        assert data["type"] == kind
        _EVENT.validate_python(data)
    assert [d["sequence_number"] for _, d in out] == list(range(len(out)))
    return out


def test_stream_encoder_full_event_sequence() -> None:
    out = _encoded(
        [
            StreamStart("x", "m", Usage()),
            TextDelta(0, "Hel"),
            TextDelta(0, "lo"),
            BlockStop(0),
            ToolCallStart(1, "call_1", "f"),
            ToolCallDelta(1, '{"a"'),
            ToolCallDelta(1, ":1}"),
            BlockStop(1),
            StreamFinish("tool_calls", Usage(10, 5, 2)),
        ]
    )
    assert [k for k, _ in out] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    final = Response.model_validate(out[-1][1]["response"])
    assert (
        final.output_text == "Hello" and final.usage is not None and final.usage.input_tokens == 10
    )
    (call,) = [o for o in final.output if o.type == "function_call"]
    assert call.call_id == "call_1" and call.arguments == '{"a":1}'


def test_stream_encoder_json_mode_tool_is_text() -> None:
    out = _encoded(
        [
            StreamStart("x", "m", Usage()),
            ToolCallStart(0, "toolu_1", "json_output"),
            ToolCallDelta(0, '{"ok":'),
            ToolCallDelta(0, "true}"),
            BlockStop(0),
            StreamFinish("tool_calls", Usage()),
        ],
        json_tool="json_output",
    )
    final = out[-1][1]["response"]
    assert out[-1][0] == "response.completed"
    assert Response.model_validate(final).output_text == '{"ok":true}'


def test_stream_parser_reads_the_fake_upstream_stream() -> None:
    frames = fake_responses.stream_frames(
        _reply(), body={"input": "x"}, model="m", n=1, created=1, reasoning_tokens=2
    )
    parser = ResponsesStreamParser()
    events = []
    for frame in frames:
        data = orjson.loads(frame.split(b"data: ", 1)[1])
        _EVENT.validate_python(data)
        events += parser.feed(data)
    texts = "".join(e.text for e in events if isinstance(e, TextDelta))
    starts = [(e.index, e.id, e.name) for e in events if isinstance(e, ToolCallStart)]
    assert texts == "hello world"
    assert starts == [
        (1, "call_1", "f"),
        (2, "call_2", "g"),
    ]  # blocks numbered from 0, reasoning skipped
    assert isinstance(events[-1], StreamFinish) and events[-1].finish_reason == "tool_calls"
    assert parser.usage.reasoning_tokens == 2 and parser.usage.cached_tokens == 4
