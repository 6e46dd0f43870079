"""A guess at a log file's format, for the hint when a file read as another format gave nothing."""

from __future__ import annotations

import orjson

_OPENAI_KEYS = ("request", "response", "custom_id", "choices", "usage")


def guess_format(data: bytes) -> str | None:
    """``otel-genai``, ``openai-jsonl``, ``csv``, or None when the first bytes say nothing."""
    head = data.lstrip()[:65536]
    if not head:
        return None
    if b"resourceSpans" in head or b"resource_spans" in head:
        return "otel-genai"
    first = head.splitlines()[0]
    if first.startswith(b"{"):
        try:
            obj = orjson.loads(first)
        except orjson.JSONDecodeError:
            return None
        if isinstance(obj, dict) and any(key in obj for key in _OPENAI_KEYS):
            return "openai-jsonl"
        return None
    if b"," in first and b"model" in first.lower():
        return "csv"
    return None


def format_hint(data: bytes, fmt: str) -> str:
    """``"; it looks like otel-genai: use --format otel-genai"`` or empty."""
    guess = guess_format(data)
    if guess is None or guess == fmt:
        return ""
    return f"; it looks like {guess}: use --format {guess}"
