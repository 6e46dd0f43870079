"""Prompt variants and model adapters on the Responses API paths: a Chat Completions client
translated to a Responses-only model, and a Responses client on an OpenAI model, both get the
model's request rules and the workload's prompt variant, and the trace says so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.gateway.harness import Harness
from tests.gateway.test_gateway_responses import promote

from swapsafe.testing import StrictUpstream

EXTRA = """
[models.gpt5]
provider = "openai"
model = "gpt-5"
api = "responses"
base_url = "http://gpt5.upstream/v1"
api_key = "env::UP_OPENAI_KEY"
timeout = "5s"

[models.gpt5.request]
profile = "openai-reasoning"

[models.gpt.request]
drop = ["temperature"]

[workloads.next]
aliases = ["next"]
baseline = "gpt"
candidate = "gpt5"

[workloads.next.prompts.gpt5]
append = "prompts/gpt5-append.txt"

[workloads.chat.prompts.gpt]
system = "prompts/gpt-system.txt"
"""


async def harness(make_harness: Callable[..., Any], tmp_path: Path) -> Harness:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "gpt5-append.txt").write_text("Answer in one sentence.")
    (tmp_path / "prompts" / "gpt-system.txt").write_text("You are the support agent.")
    h: Harness = await make_harness(EXTRA, fake=StrictUpstream)
    return h


async def test_chat_client_translated_to_a_responses_model_is_adapted_and_gets_its_variant(
    make_harness: Callable[..., Any], tmp_path: Path
) -> None:
    h = await harness(make_harness, tmp_path)
    promote(h, "next")
    completion = await h.oai.chat.completions.create(
        model="next",
        messages=[
            {"role": "system", "content": "You are a helpful bot."},
            {"role": "user", "content": "hi"},
        ],
        temperature=0.3,
        top_p=0.9,
        max_tokens=64,
    )
    assert completion.choices[0].message.content
    sent = h.fakes["gpt5"].requests[-1]
    assert sent.path == "/v1/responses"
    assert "temperature" not in sent.body and "top_p" not in sent.body
    assert sent.body["max_output_tokens"] == 64
    assert sent.body["instructions"].endswith("Answer in one sentence.")
    assert sent.body["instructions"].startswith("You are a helpful bot.")
    row = h.trace(completion.id)
    assert row.status == "ok" and row.model == "gpt5"
    assert row.adapted == "drop:temperature,drop:top_p"
    assert row.prompt_variant == h.config.workloads["next"].prompt_variant("gpt5").digest  # type: ignore[union-attr]


async def test_responses_client_on_an_openai_model_is_adapted_and_gets_its_variant(
    make_harness: Callable[..., Any], tmp_path: Path
) -> None:
    h = await harness(make_harness, tmp_path)
    response = await h.oai.responses.create(
        model="chat", instructions="You are a helpful bot.", input="hello", temperature=0.4
    )
    assert response.output_text == "[gpt-4o] hello"
    sent = h.fakes["gpt"].requests[-1]
    assert sent.path == "/v1/responses"
    assert sent.body["instructions"] == "You are the support agent."
    assert "temperature" not in sent.body
    (row,) = h.traces(role="served")
    assert row.inbound_wire == "responses" and row.adapted == "drop:temperature"
    assert row.prompt_variant is not None
