"""Token usage as the trace records it, from each wire's usage object (pure)."""

from __future__ import annotations

from swapsafe.gateway.usage import from_anthropic, from_openai, from_responses, from_wire


def _triple(u: object) -> tuple[int | None, int | None, int | None]:
    return (u.input, u.output, u.cached)  # type: ignore[attr-defined]


def test_chat_completions_usage_counts_cached_inside_input() -> None:
    usage = {"prompt_tokens": 120, "completion_tokens": 7,
             "prompt_tokens_details": {"cached_tokens": 100}}  # fmt: skip
    assert _triple(from_openai(usage)) == (120, 7, 100)
    assert _triple(from_wire("openai", usage)) == (120, 7, 100)


def test_responses_usage_reads_its_own_key_names() -> None:
    usage = {"input_tokens": 120, "output_tokens": 7,
             "input_tokens_details": {"cached_tokens": 100}}  # fmt: skip
    assert _triple(from_responses(usage)) == (120, 7, 100)
    assert _triple(from_wire("responses", usage)) == (120, 7, 100)
    # chat's key names mean nothing here, and the other way round
    assert _triple(from_responses({"prompt_tokens": 5})) == (None, None, None)
    assert _triple(from_openai({"input_tokens": 5})) == (None, None, None)


def test_anthropic_usage_adds_cache_reads_and_writes_to_input() -> None:
    usage = {"input_tokens": 20, "output_tokens": 3, "cache_read_input_tokens": 100,
             "cache_creation_input_tokens": 30}  # fmt: skip
    assert _triple(from_anthropic(usage)) == (150, 3, 100)
    assert _triple(from_wire("anthropic", usage)) == (150, 3, 100)


def test_a_later_chunk_updates_only_what_it_carries() -> None:
    first = from_openai({"prompt_tokens": 9})
    assert _triple(from_openai({"completion_tokens": 4}, into=first)) == (9, 4, None)
    assert _triple(from_openai("not a dict")) == (None, None, None)
