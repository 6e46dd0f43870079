"""The Responses endpoint of an OpenAI upstream: URL, stream end, in-stream failures."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest

from swapsafe.exceptions import ProviderError
from swapsafe.providers.openai import responses_twin
from swapsafe.providers.registry import create_provider
from swapsafe.providers.scripted import ScriptedProvider


def _frame(kind: str, **data: object) -> bytes:
    return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps({"type": kind, **data}) + b"\n\n"


def _provider(frames: list[bytes], seen: list[httpx.Request]) -> object:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=b"".join(frames)
        )

    chat = create_provider(
        name="gpt",
        type="openai-compatible",
        upstream_model="gpt-5",
        base_url="http://up.example/v1",
        api_key="sk-test",
        timeout=5,
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
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
