"""Every top-level field the gateway reads, of every wrong JSON type, on both endpoints,
streaming and not, served by a model of either vendor: a 400 naming the parameter, in the
caller's format; never a 5xx. Nesting past the one limit is a 400 too."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from tests.gateway.harness import CLIENT_KEY, Harness

from swapsafe.wire.fields import ANTHROPIC_FIELDS, MAX_JSON_DEPTH, OPENAI_FIELDS

AUTH = {"authorization": f"Bearer {CLIENT_KEY}"}
PATHS = {"openai": "/v1/chat/completions", "anthropic": "/v1/messages"}


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


#: one value of each JSON type (and one nested past the limit), by the types that accept it
VALUES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "null": (None, ()),  # accepted for optional fields, see below
    "bool": (True, ("boolean",)),
    "int": (7, ("integer", "number")),
    "float": (1.5, ("number",)),
    "string": ("x", ("string",)),
    "list": (["x"], ("array",)),  # also wrong for messages/tools: their items are objects
    "object": ({"k": "v"}, ("object",)),
    "deep": (nested(MAX_JSON_DEPTH + 5), ()),
}
CASES = [(inbound, field) for inbound, table in (("openai", OPENAI_FIELDS),) for field in table]
CASES += [("anthropic", field) for field in ANTHROPIC_FIELDS]


def wrong(inbound: str, field: str, kind: str) -> bool:
    allowed = (OPENAI_FIELDS if inbound == "openai" else ANTHROPIC_FIELDS)[field]
    if kind == "null":
        return field in ("model", "messages")
    if kind == "list" and field in ("messages", "tools"):
        return True
    return not set(VALUES[kind][1]) & set(allowed)


def base(inbound: str, model: str, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": "hi"}],
        "stream": stream,
    }
    if inbound == "anthropic":
        body["max_tokens"] = 5
    return body


def assert_names(inbound: str, field: str, kind: str, r: Any) -> None:
    err = r.json()
    if inbound == "openai":
        assert err["error"]["type"] == "invalid_request_error", err
        assert set(err["error"]) == {"message", "type", "param", "code"}, err
        if kind != "deep":
            assert (err["error"]["param"] or "").startswith(field), err
    else:
        assert err["type"] == "error" and err["error"]["type"] == "invalid_request_error", err
    message = err["error"]["message"]
    assert ("nests JSON deeper" in message) if kind == "deep" else (f"`{field}" in message), err


@pytest.mark.parametrize("harness_transport", ["asgi"])
@pytest.mark.parametrize(("inbound", "field"), CASES, ids=[f"{i}.{f}" for i, f in CASES])
async def test_every_field_of_every_wrong_type_is_a_400(
    harness: Harness, inbound: str, field: str
) -> None:
    for kind, (value, _) in VALUES.items():
        for model in ("chat", "xchat"):  # an OpenAI model serves chat, an Anthropic one xchat
            for stream in (False, True):
                body = {**base(inbound, model, stream), field: value}
                r = await harness.http.post(PATHS[inbound], headers=AUTH, json=body)
                what = (kind, model, stream, r.status_code, r.text[:300])
                assert r.status_code < 500, what
                if wrong(inbound, field, kind):
                    assert r.status_code == 400, what
                    assert_names(inbound, field, kind, r)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 255, 600, 1024, 1025])
async def test_one_nesting_limit(harness: Harness, depth: int) -> None:
    """Deeper than the limit is a 400 naming it (before: 255-1,024 levels were a 500, parsed
    but not serialisable); the limit itself is served."""
    for inbound, path in PATHS.items():
        # the top-level object is level 1: ``depth`` levels in all, in a field nobody reads
        deep = b'{"x_deep": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b", "
        body = deep + orjson.dumps(base(inbound, "chat", False))[1:]
        r = await harness.http.post(path, headers=AUTH, content=body)
        if depth <= MAX_JSON_DEPTH:
            assert r.status_code < 500, r.text[:300]
            continue
        assert r.status_code == 400, (depth, r.status_code, r.text[:300])
        assert f"nests JSON deeper than {MAX_JSON_DEPTH} levels" in r.text


async def test_stream_options_on_a_streamed_messages_request(harness: Harness) -> None:
    """An OpenAI-only field with a wrong type on /v1/messages was an AttributeError and a 500."""
    for model in ("chat", "xchat"):
        body = {**base("anthropic", model, True), "stream_options": "x"}
        r = await harness.http.post("/v1/messages", headers=AUTH, json=body)
        assert r.status_code < 500, r.text[:300]


async def deep_upstream(scope, receive, send):  # type: ignore[no-untyped-def]
    """An upstream whose 200 answer nests 300 levels (the serializer's limit is 255)."""
    while (await receive()).get("more_body"):
        pass
    body = b'{"id": "x", "choices": [], "deep": ' + b"[" * 300 + b"]" * 300 + b"}"
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def test_upstream_answer_nested_past_the_limit_is_a_502(harness: Harness) -> None:
    """Parsed but not serialisable, it was a 500 from the gateway; it is the upstream's fault."""
    provider = harness.app.state.runtime.providers["gpt"]
    provider._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=deep_upstream))
    r = await harness.http.post(
        "/v1/chat/completions", headers=AUTH, json=base("openai", "chat", False)
    )
    assert r.status_code == 502, r.text[:300]
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("message", "param"),
    [
        ({"role": 5, "content": "hi"}, "messages[0].role"),
        ({"role": "wizard", "content": "hi"}, "messages[0].role"),
        ({"content": "hi"}, "messages[0].role"),
        ({"role": "user", "content": 5}, "messages[0].content"),
        ({"role": "user", "content": [{"type": "text", "text": 5}]}, "messages[0].content[0].text"),
        ({"role": "user", "content": ["hi"]}, "messages[0].content[0]"),
    ],
)
async def test_a_malformed_turn_sent_to_another_vendor_is_a_400_not_an_empty_prompt(
    harness: Harness, message: dict[str, Any], param: str
) -> None:
    """/v1/messages routed to an OpenAI model: a turn Anthropic would refuse was dropped on the
    way, and the request answered 200 to an empty prompt."""
    body = {"model": "chat", "max_tokens": 5, "messages": [message]}
    r = await harness.http.post("/v1/messages", headers=AUTH, json=body)
    assert r.status_code == 400, r.text[:300]
    assert r.json()["type"] == "error" and param in r.json()["error"]["message"]
    assert harness.fakes["gpt"].requests == []
