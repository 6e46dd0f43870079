"""Prompt variants on the request path: the candidate gets its variant in shadow and canary,
through the real SDKs, and the trace names the variant by its digest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.gateway.harness import Harness
from tests.gateway.test_gateway_shadow import set_mode, wait_shadows

from swapsafe.wire.prompt_variant import PromptVariant

VARIANT = "You are the support agent. Answer in two sentences at most."
EXTRA = """
[workloads.chat.prompts.claude]
system = "prompts/support-claude.txt"

[workloads.xchat.prompts.gpt]
append = "prompts/gpt-append.txt"
"""


async def variant_harness(make_harness: Callable[..., Any], tmp_path: Path) -> Harness:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "support-claude.txt").write_text(VARIANT + "\n")
    (tmp_path / "prompts" / "gpt-append.txt").write_text("Reply in English.")
    harness: Harness = await make_harness(EXTRA)
    return harness


def digest(h: Harness, workload: str, model: str) -> str:
    variant = h.config.workloads[workload].prompt_variant(model)
    assert isinstance(variant, PromptVariant)
    return variant.digest


async def test_shadow_call_replaces_the_system_prompt_and_the_trace_names_it(
    make_harness: Callable[..., Any], tmp_path: Path
) -> None:
    h = await variant_harness(make_harness, tmp_path)
    set_mode(h, "chat", "shadow")
    completion = await h.oai.chat.completions.create(
        model="chat",
        messages=[
            {"role": "system", "content": "You are a helpful bot."},
            {"role": "user", "content": "where is my parcel?"},
        ],
    )
    await wait_shadows(h)
    # the served (baseline) request went as the application wrote it
    assert h.fakes["gpt"].requests[-1].body["messages"][0]["content"] == "You are a helpful bot."
    # the candidate got the variant, translated to the Anthropic wire
    assert h.fakes["claude"].requests[-1].body["system"] == VARIANT
    served = h.trace(completion.id)
    shadow = next(r for r in h.traces(pair_id=served.pair_id) if r.role == "shadow")
    assert served.prompt_variant is None
    assert shadow.prompt_variant == digest(h, "chat", "claude") and len(shadow.prompt_variant) == 8


async def test_canary_request_served_by_the_candidate_carries_the_variant(
    make_harness: Callable[..., Any], tmp_path: Path
) -> None:
    h = await variant_harness(make_harness, tmp_path)
    set_mode(h, "chat", "canary", weight=99.9)  # the sticky user "ann" is in the canary
    stream = await h.oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "hi"}], stream=True, user="ann"
    )
    chunks = [c async for c in stream]
    assert chunks
    body = h.fakes["claude"].requests[-1].body
    assert body["system"] == VARIANT and body["stream"] is True
    (row,) = h.traces(workload="chat", model="claude")
    assert row.role == "served" and row.prompt_variant == digest(h, "chat", "claude")


async def test_append_variant_on_the_anthropic_wire_keeps_the_callers_prompt(
    make_harness: Callable[..., Any], tmp_path: Path
) -> None:
    h = await variant_harness(make_harness, tmp_path)
    set_mode(h, "xchat", "promoted")
    message = await h.ant.messages.create(
        model="xchat",
        max_tokens=50,
        system="Be brief.",
        messages=[{"role": "user", "content": "hello"}],
    )
    assert message.content[0].type == "text"
    sent = h.fakes["gpt"].requests[-1].body["messages"]
    assert sent[0] == {"role": "system", "content": "Be brief.\n\nReply in English."}
    assert h.trace(message.id).prompt_variant == digest(h, "xchat", "gpt")
