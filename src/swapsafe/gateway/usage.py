"""Token usage from any wire format (Chat Completions, Messages, Responses), in swapsafe's
convention.

``input`` counts every prompt token, cached ones included (OpenAI's ``prompt_tokens``; for
Anthropic ``input_tokens + cache_read_input_tokens + cache_creation_input_tokens``);
``cached`` is the cache-read part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class TokenUsage:
    input: int | None = None
    output: int | None = None
    cached: int | None = None


def _int(v: Any) -> int:
    return v if isinstance(v, int) else 0


def _openai_family(usage: Any, into: TokenUsage | None, keys: tuple[str, str, str]) -> TokenUsage:
    """Chat Completions and Responses usage: the same shape under other key names (input,
    output, input details); the input count already includes the cached tokens."""
    inp, out, details_key = keys
    u = into or TokenUsage()
    if isinstance(usage, dict):
        if inp in usage:
            u.input = _int(usage.get(inp))
        if out in usage:
            u.output = _int(usage.get(out))
        details = usage.get(details_key)
        if isinstance(details, dict) and "cached_tokens" in details:
            u.cached = _int(details.get("cached_tokens"))
    return u


def from_openai(usage: Any, into: TokenUsage | None = None) -> TokenUsage:
    return _openai_family(
        usage, into, ("prompt_tokens", "completion_tokens", "prompt_tokens_details")
    )


def from_anthropic(usage: Any, into: TokenUsage | None = None) -> TokenUsage:
    """Anthropic usage; ``message_delta`` carries cumulative output (and sometimes input) counts."""
    u = into or TokenUsage()
    if isinstance(usage, dict):
        if "input_tokens" in usage and usage.get("input_tokens") is not None:
            cache_read = _int(usage.get("cache_read_input_tokens"))
            cache_write = _int(usage.get("cache_creation_input_tokens"))
            u.input = _int(usage.get("input_tokens")) + cache_read + cache_write
            u.cached = cache_read
        if usage.get("output_tokens") is not None:
            u.output = _int(usage.get("output_tokens"))
    return u


def from_responses(usage: Any, into: TokenUsage | None = None) -> TokenUsage:
    """OpenAI Responses API usage (``input_tokens`` already counts cached tokens)."""
    return _openai_family(usage, into, ("input_tokens", "output_tokens", "input_tokens_details"))


def from_wire(wire: str, usage: Any) -> TokenUsage:
    if wire == "anthropic":
        return from_anthropic(usage)
    return from_responses(usage) if wire == "responses" else from_openai(usage)
