"""Anthropic pass-through, through the official SDK: anthropic-version and anthropic-beta
reach an Anthropic upstream unchanged, a beta header to another vendor is a clear 400 (and a
skipped shadow call, never a changed served response), and /v1/messages/count_tokens is
forwarded to an Anthropic model and refused for another vendor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anthropic
import orjson
import pytest
from starlette.types import Receive, Scope, Send
from tests.gateway.harness import Harness
from tests.gateway.test_gateway_shadow import set_mode, wait_shadows

from swapsafe.testing import FakeUpstream, RecordedRequest

BETA = "context-1m-2025-08-07"


class CountingUpstream(FakeUpstream):
    """A fake upstream that also answers Anthropic's /v1/messages/count_tokens."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/count_tokens"):
            await super().__call__(scope, receive, send)
            return
        message = await receive()
        body = orjson.loads(message.get("body", b""))
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append(RecordedRequest("POST", scope["path"], headers, body, b""))
        payload = orjson.dumps({"input_tokens": 7 * len(body["messages"])})
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": payload})


async def harness(make_harness: Callable[..., Any]) -> Harness:
    h: Harness = await make_harness(fake=CountingUpstream)
    return h


async def test_version_and_beta_headers_reach_the_anthropic_upstream_unchanged(
    make_harness: Callable[..., Any],
) -> None:
    h = await harness(make_harness)
    message = await h.ant.messages.create(
        model="xchat",
        max_tokens=20,
        messages=[{"role": "user", "content": "hi"}],
        extra_headers={"anthropic-beta": BETA, "anthropic-version": "2099-01-01"},
    )
    assert message.content[0].type == "text"
    sent = h.fakes["claude"].requests[-1].headers
    assert sent["anthropic-beta"] == BETA and sent["anthropic-version"] == "2099-01-01"
    # without the caller's version header the provider's default is sent
    await h.http.post(
        "/v1/messages",
        headers={"x-api-key": "client-key-0123456789"},
        json={"model": "xchat", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
    )
    assert h.fakes["claude"].requests[-1].headers["anthropic-version"] == "2023-06-01"


async def test_beta_header_to_another_vendor_is_a_400_naming_it(
    make_harness: Callable[..., Any],
) -> None:
    h = await harness(make_harness)
    with pytest.raises(anthropic.BadRequestError) as info:
        await h.ant.messages.create(
            model="chat",  # served by gpt (openai)
            max_tokens=20,
            messages=[{"role": "user", "content": "hi"}],
            extra_headers={"anthropic-beta": BETA},
        )
    assert "anthropic-beta" in str(info.value) and "'gpt'" in str(info.value)
    assert h.fakes["gpt"].requests == []
    ok = await h.ant.messages.create(
        model="chat", max_tokens=20, messages=[{"role": "user", "content": "hi"}]
    )
    assert ok.content[0].type == "text"


async def test_beta_header_skips_a_cross_vendor_shadow_call_only(
    make_harness: Callable[..., Any],
) -> None:
    h = await harness(make_harness)
    set_mode(h, "xchat", "shadow")
    message = await h.ant.messages.create(
        model="xchat",
        max_tokens=20,
        messages=[{"role": "user", "content": "hi"}],
        extra_headers={"anthropic-beta": BETA},
    )
    await wait_shadows(h)
    assert message.content[0].type == "text"
    assert h.trace(message.id).shadow_outcome == "untranslatable"
    assert h.fakes["gpt"].requests == []


async def test_count_tokens_is_forwarded_to_anthropic_and_refused_for_other_vendors(
    make_harness: Callable[..., Any],
) -> None:
    h = await harness(make_harness)
    counted = await h.ant.messages.count_tokens(
        model="xchat",
        messages=[{"role": "user", "content": "hi"}],
        extra_headers={"anthropic-beta": BETA},
    )
    assert counted.input_tokens == 7
    sent = h.fakes["claude"].requests[-1]
    assert sent.path == "/v1/messages/count_tokens" and sent.body["model"] == "claude-sonnet-4-5"
    assert sent.headers["anthropic-beta"] == BETA
    assert sent.headers["x-api-key"] == "sk-ant-upstream-CANARY-2222"
    with pytest.raises(anthropic.BadRequestError) as info:
        await h.ant.messages.count_tokens(
            model="chat", messages=[{"role": "user", "content": "hi"}]
        )
    assert "no token-counting endpoint" in str(info.value)
    assert info.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
