"""Errors in the caller's wire format: bad input, auth, upstream failures, retries, deadline."""

from __future__ import annotations

import anthropic
import openai
import pytest
from tests.gateway.harness import (
    CLIENT_KEY,
    UPSTREAM_ANTHROPIC_KEY,
    UPSTREAM_OPENAI_KEY,
    Harness,
)

from swapsafe.testing import Fault

AUTH = {"authorization": f"Bearer {CLIENT_KEY}"}


async def test_malformed_json_is_400_in_both_formats(harness: Harness) -> None:
    r = await harness.http.post("/v1/chat/completions", headers=AUTH, content=b"{not json")
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request_error"
    r = await harness.http.post("/v1/messages", headers=AUTH, content=b"[1,2]")
    assert r.status_code == 400
    assert r.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "request body must be a JSON object"},
    }


async def test_body_over_limit_is_413_before_parsing(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = await make_harness(max_body=1000)
    r = await h.http.post("/v1/chat/completions", headers=AUTH, content=b"x" * 1001)
    assert r.status_code == 413
    assert "max_body_bytes" in r.json()["error"]["message"]
    assert h.fakes["gpt"].requests == []


async def test_unknown_alias_is_404_listing_aliases(harness: Harness) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        await harness.oai.chat.completions.create(
            model="nope", messages=[{"role": "user", "content": "x"}]
        )
    assert "chat, xchat" in str(info.value)
    with pytest.raises(anthropic.NotFoundError):
        await harness.ant.messages.create(
            model="nope", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )


async def test_missing_or_wrong_client_key_is_401(harness: Harness) -> None:
    bad = openai.AsyncOpenAI(
        base_url=f"{harness.base}/v1", api_key="wrong", http_client=harness.sdk_http, max_retries=0
    )
    with pytest.raises(openai.AuthenticationError):
        await bad.chat.completions.create(model="chat", messages=[{"role": "user", "content": "x"}])
    r = await harness.http.post("/v1/messages", json={"model": "xchat"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    assert harness.fakes["gpt"].requests == [] and harness.fakes["claude"].requests == []


async def test_upstream_5xx_is_502_naming_provider_after_retries(harness: Harness) -> None:
    harness.fakes["gpt"].fault = Fault(status=500)
    with pytest.raises(openai.InternalServerError) as info:
        await harness.oai.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "x"}]
        )
    err = info.value
    assert err.status_code == 502
    assert err.response.headers["x-should-retry"] == "false"
    assert "gpt" in str(err) and UPSTREAM_OPENAI_KEY not in str(err)
    assert len(harness.fakes["gpt"].requests) == 3  # one try + the gateway's 2 retries
    rows = harness.traces(workload="chat")
    assert [(r.status, r.http_status, r.error_class) for r in rows] == [
        ("error", 500, "upstream_error")
    ]


async def test_retry_then_success(harness: Harness) -> None:
    harness.fakes["claude"].enqueue_fault(Fault(status=529), times=1)
    harness.fakes["claude"].enqueue_fault(Fault(status=429, retry_after=0.01), times=1)
    msg = await harness.ant.messages.create(
        model="xchat", max_tokens=5, messages=[{"role": "user", "content": "again"}]
    )
    assert msg.content[0].text == "[claude-sonnet-4-5] again"  # type: ignore[union-attr]
    assert len(harness.fakes["claude"].requests) == 3


async def test_upstream_4xx_passes_through_mapped_without_retry(harness: Harness) -> None:
    harness.fakes["claude"].fault = Fault(status=400)
    with pytest.raises(openai.BadRequestError) as info:
        await harness.oai.chat.completions.create(
            model="xchat", messages=[{"role": "user", "content": "x"}]
        )
    assert info.value.status_code == 400
    assert info.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    assert len(harness.fakes["claude"].requests) == 1
    assert UPSTREAM_ANTHROPIC_KEY not in str(info.value.body)


async def test_upstream_garbage_is_502_not_a_json_error(harness: Harness) -> None:
    harness.fakes["gpt"].fault = Fault(garbage=True)
    with pytest.raises(openai.InternalServerError) as info:
        await harness.oai.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "x"}]
        )
    assert info.value.status_code == 502 and "non-JSON" in str(info.value)


async def test_upstream_hang_is_504_within_deadline(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = await make_harness(deadline="0.5s")
    h.fakes["gpt"].fault = Fault(hang=True)
    with pytest.raises(openai.APIStatusError) as info:
        await h.oai.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "x"}]
        )
    assert info.value.status_code == 504
    row = h.traces(workload="chat")[0]
    assert row.error_class == "timeout" and row.latency_ms is not None and row.latency_ms < 5000


async def test_stream_error_before_first_byte_is_a_status(harness: Harness) -> None:
    harness.fakes["claude"].fault = Fault(status=503)
    with pytest.raises(anthropic.APIStatusError) as info:
        async with harness.ant.messages.stream(
            model="xchat", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        ) as stream:
            await stream.get_final_message()
    assert info.value.status_code == 502


async def test_mid_stream_failure_reaches_client_as_error_event(make_harness) -> None:  # type: ignore[no-untyped-def]
    harness = await make_harness(loopback=True)
    harness.fakes["gpt"].fault = Fault(reset_mid_stream=2)
    stream = await harness.oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "long answer"}], stream=True
    )
    with pytest.raises(openai.APIError):
        async for _ in stream:
            pass
    rows = harness.traces(workload="chat")
    assert rows[0].status == "error" and rows[0].stream


async def test_truncated_stream_is_an_error_not_success(harness: Harness) -> None:
    harness.fakes["claude"].fault = Fault(truncated_sse=True)
    with pytest.raises(anthropic.APIStatusError):
        async with harness.ant.messages.stream(
            model="xchat", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        ) as stream:
            await stream.get_final_message()
    assert harness.traces(workload="xchat")[0].status == "error"
