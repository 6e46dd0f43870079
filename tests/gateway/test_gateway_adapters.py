"""Model adapters on the request path, through the real SDKs, against upstreams that refuse
what GPT-5 and Claude Sonnet 4.5 refuse: without the adapter the candidate rejects the old
model's requests (a hidden incompatibility); with it the shadow and canary calls succeed and
the trace names the rules that fired."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.gateway.harness import Harness
from tests.gateway.test_gateway_shadow import set_mode, wait_shadows

from swapsafe.testing import StrictUpstream

GPT_REASONING = """
[models.gpt.request]
profile = "openai-reasoning"
default = { reasoning_effort = "low" }
"""
CLAUDE_45 = """
[models.claude.request]
profile = "anthropic-4.5"
"""


async def shadow_pair(h: Harness) -> Any:
    set_mode(h, "xchat", "shadow")
    message = await h.ant.messages.create(
        model="xchat",
        max_tokens=64,
        extra_body={"temperature": 0.2},  # anthropic 2.x types no longer list temperature
        messages=[{"role": "user", "content": "where is my parcel?"}],
    )
    await wait_shadows(h)
    served = h.trace(message.id)
    return next(r for r in h.traces(pair_id=served.pair_id) if r.role == "shadow")


async def test_without_an_adapter_the_reasoning_candidate_rejects_the_shadow_call(
    make_harness: Callable[..., Any],
) -> None:
    h: Harness = await make_harness(fake=StrictUpstream)
    shadow = await shadow_pair(h)
    assert shadow.model == "gpt" and shadow.status == "error" and shadow.http_status == 400
    assert shadow.adapted is None


async def test_openai_reasoning_profile_makes_the_shadow_call_succeed(
    make_harness: Callable[..., Any],
) -> None:
    h: Harness = await make_harness(GPT_REASONING, fake=StrictUpstream)
    shadow = await shadow_pair(h)
    assert shadow.status == "ok" and shadow.http_status == 200
    sent = h.fakes["gpt"].requests[-1].body
    assert sent["max_completion_tokens"] == 64 and sent["reasoning_effort"] == "low"
    assert "max_tokens" not in sent and "temperature" not in sent
    assert shadow.adapted == (
        "rename:max_tokens>max_completion_tokens,drop:temperature,default:reasoning_effort"
    )
    # the served call to the baseline went as the application wrote it
    assert h.fakes["claude"].requests[-1].body["temperature"] == 0.2


async def test_anthropic_45_profile_keeps_a_canary_request_with_temperature_and_top_p(
    make_harness: Callable[..., Any],
) -> None:
    h: Harness = await make_harness(CLAUDE_45, fake=StrictUpstream)
    set_mode(h, "chat", "promoted")
    completion = await h.oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "hi"}], temperature=0.3, top_p=0.9
    )
    assert completion.choices[0].message.content == "[claude-sonnet-4-5] hi"
    sent = h.fakes["claude"].requests[-1].body
    assert sent["temperature"] == 0.3 and "top_p" not in sent
    assert h.trace(completion.id).adapted == "exclusive:top_p"


async def test_streamed_canary_request_is_adapted_too(make_harness: Callable[..., Any]) -> None:
    h: Harness = await make_harness(GPT_REASONING, fake=StrictUpstream)
    set_mode(h, "xchat", "promoted")
    async with h.ant.messages.stream(
        model="xchat",
        max_tokens=32,
        extra_body={"temperature": 0.5},
        messages=[{"role": "user", "content": "s"}],
    ) as stream:
        final = await stream.get_final_message()
    assert final.content[0].type == "text"
    row = h.trace(final.id)
    assert row.status == "ok" and row.adapted is not None and "drop:temperature" in row.adapted
