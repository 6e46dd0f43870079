"""The Responses endpoint of an OpenAI upstream: URL, stream end, in-stream failures."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest

from swapsafe.exceptions import ProviderError
from swapsafe.providers.openai import responses_twin
from swapsafe.providers.registry import ProviderSpec, create_provider
from swapsafe.providers.scripted import ScriptedProvider
from swapsafe.testing import FakeUpstream


def _frame(kind: str, **data: object) -> bytes:
    return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps({"type": kind, **data}) + b"\n\n"


def _provider(frames: list[bytes], seen: list[httpx.Request]) -> object:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=b"".join(frames)
        )

    chat = create_provider(
        ProviderSpec(
            name="gpt",
            type="openai-compatible",
            upstream_model="gpt-5",
            base_url="http://up.example/v1",
            api_key="sk-test",
            timeout=5,
            client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        )
    )
    twin = responses_twin(chat)
    assert twin is not None and twin.wire == "responses" and twin.type == "openai-compatible"
    assert responses_twin(twin) is twin
    return twin


async def test_stream_ends_at_completed_and_posts_to_responses() -> None:
    seen: list[httpx.Request] = []
    provider = _provider(
        [_frame("response.created", response={}), _frame("response.completed", response={})], seen
    )
    events = [e async for e in provider.stream({"model": "gpt-5"}, deadline=time.monotonic() + 5)]  # type: ignore[attr-defined]
    assert [e.event for e in events] == ["response.created", "response.completed"]
    assert str(seen[0].url) == "http://up.example/v1/responses"
    assert seen[0].headers["authorization"] == "Bearer sk-test"


@pytest.mark.parametrize(
    "frame",
    [
        _frame("response.failed", response={"error": {"code": "server_error", "message": "broke"}}),
        _frame("error", code="server_error", message="broke", param=None),
    ],
    ids=["response.failed", "error"],
)
async def test_a_failed_response_in_the_stream_is_a_provider_error(frame: bytes) -> None:
    provider = _provider([_frame("response.created", response={}), frame], [])
    with pytest.raises(ProviderError, match="server_error: broke"):
        async for _ in provider.stream({"model": "gpt-5"}, deadline=time.monotonic() + 5):  # type: ignore[attr-defined]
            pass


def test_only_openai_http_providers_have_a_responses_endpoint() -> None:
    assert responses_twin(ScriptedProvider(name="s")) is None


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"model": "m", "messages": [{"role": "user", "content": "x"}]}, "'messages'"),
        ({"model": "m", "input": "x", "max_tokens": 10}, "max_output_tokens"),
        ({"model": "m", "input": "x", "max_output_tokens": 8}, "max_output_tokens"),
        (
            {
                "model": "m",
                "input": "x",
                "tools": [{"type": "function", "function": {"name": "f"}}],
            },
            "tools[0].name",
        ),
        (
            {
                "model": "m",
                "input": [{"type": "function_call_output", "call_id": "c1", "output": "x"}],
            },
            "call_id c1",
        ),
    ],
)
async def test_the_fake_refuses_what_openai_refuses(body: dict[str, object], says: str) -> None:
    fake = FakeUpstream("openai")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake)) as client:
        r = await client.post("http://fake/v1/responses", json=body)
    assert r.status_code == 400 and says in r.json()["error"]["message"]


async def test_a_responses_only_fake_has_no_chat_completions() -> None:
    fake = FakeUpstream("openai", apis=("responses",))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake)) as client:
        chat = await client.post(
            "http://fake/v1/chat/completions", json={"model": "m", "messages": []}
        )
        ok = await client.post("http://fake/v1/responses", json={"model": "m", "input": "hi"})
    assert chat.status_code == 404
    assert ok.status_code == 200 and ok.json()["output"][0]["content"][0]["text"] == "[m] hi"
